#!/usr/bin/env python3
"""Compares two run directories' stage files dataset by dataset, through h5py (virtual datasets included).

    scripts/compare-stores.py RUN_A RUN_B crystals.h5 graphs.h5 …

Prints one line per file (how many datasets, and whether every one is equal, NaN equal to NaN); exits 1 when
any dataset differs or is missing on one side. Needs h5py and hdf5plugin (scripts/bootstrap --python).
"""
import sys

import h5py
import hdf5plugin  # noqa: F401  (registers the zstd filter, id 32015)
import numpy as np


def datasets(group, prefix=""):
    found = {}
    for name, item in group.items():
        if isinstance(item, h5py.Group):
            found.update(datasets(item, prefix + name + "/"))
        else:
            found[prefix + name] = item[()]
    return found


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    a_dir, b_dir, files = sys.argv[1], sys.argv[2], sys.argv[3:]
    failed = False
    for name in files:
        with h5py.File(f"{a_dir}/{name}", "r") as a_file, h5py.File(f"{b_dir}/{name}", "r") as b_file:
            a, b = datasets(a_file), datasets(b_file)
            virtual = sum(1 for key in b if b_file[key].is_virtual)
            differ = sorted(set(a) ^ set(b))
            for key in sorted(set(a) & set(b)):
                x, y = a[key], b[key]
                same = x.shape == y.shape and (
                    np.array_equal(x, y, equal_nan=True) if x.dtype.kind == "f" else np.array_equal(x, y))
                if not same:
                    differ.append(key)
            status = "identical" if not differ else "DIFFERENT: " + ", ".join(differ)
            print(f"{name}: {len(a)} datasets ({virtual} virtual in {b_dir}), {status}")
            failed = failed or bool(differ)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
