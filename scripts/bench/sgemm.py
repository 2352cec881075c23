"""scripts/bench/sgemm's measurement: single-precision products of a [E,128] activation with a [128,128]
weight, as a Linear layer's forward (A·Wᵀ) and backward (G·W for the input, Gᵀ·A for the weight) make them,
timed in three BLAS libraries on the same arrays and threads.

usage: sgemm.py ROUNDS EDGES   (prints GFLOP/s medians per product, library and thread count)
"""
import ctypes
import statistics
import sys
import time

import scipy_openblas32
import torch

ROW_MAJOR, NO_TRANS, TRANS = 101, 111, 112


def openblas(path, prefix):
    """(name, set_threads, product) for the OpenBLAS at `path`, whose symbols start with `prefix`."""
    library = ctypes.CDLL(path)
    sgemm = getattr(library, prefix + "cblas_sgemm")
    pointer, integer, real = ctypes.c_void_p, ctypes.c_int, ctypes.c_float
    sgemm.argtypes = [integer] * 6 + [real, pointer, integer, pointer, integer, real, pointer, integer]
    corename = getattr(library, prefix + "openblas_get_corename")
    corename.restype = ctypes.c_char_p
    config = getattr(library, prefix + "openblas_get_config")
    config.restype = ctypes.c_char_p
    name = f"OpenBLAS {config().decode().split()[1]} ({corename().decode()})"

    def product(out, a, trans_a, b, trans_b):
        m, k = (a.shape[1], a.shape[0]) if trans_a else a.shape
        n = b.shape[0] if trans_b else b.shape[1]
        sgemm(ROW_MAJOR, TRANS if trans_a else NO_TRANS, TRANS if trans_b else NO_TRANS, m, n, k, 1.0,
              a.data_ptr(), a.shape[1], b.data_ptr(), b.shape[1], 0.0, out.data_ptr(), out.shape[1])

    return name, getattr(library, prefix + "openblas_set_num_threads"), product


def pytorch():
    """(name, set_threads, product) for PyTorch's own matrix product (MKL in the pip wheel)."""
    def product(out, a, trans_a, b, trans_b):
        torch.mm(a.T if trans_a else a, b.T if trans_b else b, out=out)

    blas = "MKL" if torch.backends.mkl.is_available() else "its own BLAS"
    return f"PyTorch {torch.__version__} ({blas})", torch.set_num_threads, product


def main():
    rounds, edges = int(sys.argv[1]), int(sys.argv[2])
    torch.manual_seed(1)
    a, g = torch.rand(edges, 128) * 2 - 1, torch.rand(edges, 128) * 2 - 1
    w = (torch.rand(128, 128) * 2 - 1) * 0.1
    out, weight_gradient = torch.empty(edges, 128), torch.empty(128, 128)
    products = [("forward A·Wᵀ", out, a, False, w, True), ("input gradient G·W", out, g, False, w, False),
                ("weight gradient Gᵀ·A", weight_gradient, g, True, a, False)]
    libraries = [openblas("libopenblas.so.0", ""),
                 openblas(f"{scipy_openblas32.get_lib_dir()}/lib{scipy_openblas32.get_library()}.so", "scipy_"),
                 pytorch()]
    flop = 2.0 * edges * 128 * 128
    for threads in (1, 2):
        seconds = {}
        for round_ in range(rounds + 1):  # the first round warms up and is not recorded
            order = libraries if round_ % 2 == 0 else libraries[::-1]
            for name, set_threads, product in order:
                set_threads(threads)
                for title, *operands in products:
                    start = time.perf_counter()
                    product(*operands)
                    if round_ > 0:
                        seconds.setdefault((name, title), []).append(time.perf_counter() - start)
        print(f"{threads} thread{'s' if threads > 1 else ''}, E = {edges}, GFLOP/s (median of {rounds}):")
        print(f"  {'library':44}" + "".join(f"{title:>22}" for title, *_ in products))
        for name, _, _ in libraries:
            rates = [flop / statistics.median(seconds[(name, title)]) / 1e9 for title, *_ in products]
            print(f"  {name:44}" + "".join(f"{rate:22.1f}" for rate in rates))


if __name__ == "__main__":
    main()
