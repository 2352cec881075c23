"""PyTorch side of scripts/bench/ops: the same ops, shapes and backward seeds as Benchmarks/OpsBench.

usage: ops_torch.py THREADS REPEATS EDGES ATOMS   (prints one JSON line per op and repeat)
ops_paired.py imports `make_ops` and `seconds` to alternate these runs with ours.
"""
import json
import sys
import time

import torch


def make_ops(edges, atoms):
    """The ops as (name, inputs, function) triples; the names are Benchmarks/OpsBench's."""
    torch.set_flush_denormal(True)
    torch.manual_seed(1)
    wide = torch.rand(edges, 128) * 2 - 1
    weight = (torch.rand(128, 128) * 2 - 1) * 0.1
    nodes = torch.rand(atoms, 64) * 2 - 1
    messages = torch.rand(edges, 64) * 2 - 1
    index = torch.randint(0, atoms, (edges,))
    norm = torch.nn.BatchNorm1d(128)

    def scatter_add(m):
        return torch.zeros(atoms, 64).index_add(0, index, m)

    return [
        ("matmul [E,128]x[128,128]", [wide, weight], lambda t: t[0] @ t[1].T),
        ("gather [N,64] -> [E,64]", [nodes], lambda t: t[0].index_select(0, index)),
        ("scatter_add [E,64] -> [N,64]", [messages], lambda t: scatter_add(t[0])),
        ("softplus [E,128]", [wide], lambda t: torch.nn.functional.softplus(t[0])),
        ("sigmoid [E,128]", [wide], lambda t: torch.sigmoid(t[0])),
        ("batchnorm [E,128]", [wide], lambda t: norm(t[0])),
    ]


def seconds(inputs, op, threads):
    """Seconds for one forward + backward of `op` on `threads` threads, seeded with ones."""
    torch.set_num_threads(threads)
    start = time.perf_counter()
    tracked = [x.detach().requires_grad_() for x in inputs]
    out = op(tracked)
    out.backward(torch.ones_like(out))
    return time.perf_counter() - start


def main():
    threads, repeats, edges, atoms = (int(x) for x in sys.argv[1:5])
    for name, inputs, op in make_ops(edges, atoms):
        for _ in range(repeats):
            print(json.dumps({"impl": "pytorch", "op": name, "threads": threads,
                              "seconds": seconds(inputs, op, threads)}))


if __name__ == "__main__":
    main()
