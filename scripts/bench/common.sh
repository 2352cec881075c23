# Shared by the benchmark scripts (sourced, after `cd` to the repository root).

# "N cores, CPU model": the machine line each benchmark prints first.
machine() { echo "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"; }

# Installs PyTorch (the CPU wheel) with pip unless Python already has it: the peer of several benchmarks.
need_torch() {
    python3 -c 'import torch' 2>/dev/null || python3 -m pip install --quiet torch \
        --index-url https://download.pytorch.org/whl/cpu --extra-index-url https://pypi.org/simple
}
