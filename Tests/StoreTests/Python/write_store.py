"""Writes an HDF5 file with h5py + hdf5plugin's zstd filter, for StoreTests to read from Swift.

usage: write_store.py FILE.h5
"""
import sys

import h5py
import hdf5plugin
import numpy as np


def main(path):
    zstd = hdf5plugin.Zstd(clevel=5)
    with h5py.File(path, "w") as f:
        g = f.create_group("graphs")
        g.attrs["encoding_type"] = "graphs"
        g.attrs["encoding_version"] = "1"
        g.attrs["cutoff"] = np.float64(8.0)
        g.attrs["mu"] = np.arange(3, dtype=np.float32) * np.float32(0.2)
        dist = g.create_dataset("edge_distance", data=np.arange(30000, dtype=np.float32) * np.float32(1e-3),
                                chunks=(4096,), **zstd)
        dist.attrs["units"] = "angstrom"
        g.create_dataset("edge_image", data=np.arange(-30, 30, dtype=np.int8).reshape(20, 3), chunks=(7, 3), **zstd)
        g.create_dataset("edge_src", data=np.arange(1000, dtype=np.int64) * 3, chunks=(100,), **zstd)
        g.create_dataset("node_atomic_number", data=np.arange(1, 84, dtype=np.int16), **zstd)
        g.create_dataset("graph_id", data=["mp-149", "mp-2534", "Cs₂AgBiBr₆"], dtype=h5py.string_dtype())
        g.create_dataset("fixed_id", data=np.array([b"ab", b"cde"], dtype="S4"))
        g.create_dataset("graph_lattice", data=np.eye(3, dtype=np.float64)[None].repeat(2, 0) * 5.43, **zstd)
        g.create_dataset("flags", data=np.array([0, 1, 255], dtype=np.uint8), **zstd)
        g.create_dataset("counts", data=np.array([7, -7], dtype=np.int32), compression="gzip")


if __name__ == "__main__":
    main(sys.argv[1])
