"""Reads an HDF5 file with h5py + hdf5plugin and prints every dataset and attribute as JSON.

Used by StoreTests to check that files XtalScreen writes are readable by the Python stack.
usage: read_store.py FILE.h5
"""
import json
import sys

import h5py
import hdf5plugin  # noqa: F401  (registers filter 32015, zstd)
import numpy as np


def plain(value):
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, np.ndarray):
        return [plain(v) for v in value.tolist()] if value.dtype.kind in "OS" else value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def main(path):
    out = {}

    def visit(name, obj):
        entry = {"attrs": {k: plain(v) for k, v in obj.attrs.items()}}
        if isinstance(obj, h5py.Dataset):
            data = obj.asstr()[()] if h5py.check_string_dtype(obj.dtype) else obj[()]
            entry.update(dtype=str(obj.dtype), shape=list(obj.shape), values=plain(np.asarray(data).ravel()),
                         filters=sorted(str(k) for k in obj._filters))
        out["/" + name] = entry

    with h5py.File(path, "r") as f:
        out["/"] = {"attrs": {k: plain(v) for k, v in f.attrs.items()}}
        f.visititems(visit)
    json.dump(out, sys.stdout, sort_keys=True)


if __name__ == "__main__":
    main(sys.argv[1])
