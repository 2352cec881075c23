"""h5py + hdf5plugin side of scripts/bench/store: writes and reads N float32 values as one chunked
dataset with the same data, chunking and compression as store-bench, printing one JSON line per repetition.

usage: store_h5py.py DIR --count N --repeats R --compression zstd|gzip|none --chunk-bytes B
"""
import argparse
import json
import os
import time

import h5py
import hdf5plugin
import numpy as np


def benchmark_values(count):
    """splitmix64 of the index, top 15 bits / 4096: the formula store-bench uses."""
    with np.errstate(over="ignore"):
        z = np.arange(count, dtype=np.uint64) + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z ^= z >> np.uint64(31)
    return (z >> np.uint64(49)).astype(np.float32) / np.float32(4096)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("directory")
    parser.add_argument("--count", type=int, default=10_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--compression", default="zstd")
    parser.add_argument("--chunk-bytes", type=int, default=1 << 20)
    args = parser.parse_args()
    name, _, level = args.compression.partition(":")
    filters = {"zstd": dict(hdf5plugin.Zstd(clevel=int(level or 3))),
               "gzip": dict(compression="gzip", compression_opts=int(level or 4)),
               "none": {}}[name]
    values = benchmark_values(args.count)
    path = os.path.join(args.directory, "h5py-bench.h5")
    chunk_rows = max(1, args.chunk_bytes // 4)
    for repeat in range(args.repeats):
        start = time.perf_counter()
        with h5py.File(path, "w") as f:
            f.create_dataset("values", data=values, chunks=(chunk_rows,), maxshape=(None,), **filters)
        write_s = time.perf_counter() - start
        start = time.perf_counter()
        with h5py.File(path, "r") as f:
            back = f["values"][()]
        read_s = time.perf_counter() - start
        assert np.array_equal(back, values), "read-back differs from what was written"
        print(json.dumps({"impl": "h5py", "repeat": repeat, "write_s": write_s, "read_s": read_s,
                          "bytes": os.path.getsize(path)}), flush=True)


if __name__ == "__main__":
    main()
