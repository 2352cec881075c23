"""pymatgen side of scripts/bench/ingest: parses the same inputs xtal-ingest reads and prints one JSON line
per repetition with structures/s.

usage: ingest_pymatgen.py json FILE.json.gz | cif FOLDER
"""
import glob
import gzip
import json
import os
import sys
import time
import warnings

from pymatgen.core import Structure
from pymatgen.io.cif import CifParser


def parse_json(path):
    """Matbench pandas 'columns' file: gunzip, json.load, Structure.from_dict for every row."""
    with gzip.open(path, "rt") as handle:
        data = json.load(handle)
    return [Structure.from_dict(d) for d in data["structure"].values()]


def parse_cifs(folder):
    """CifParser on every CIF of a folder (symmetry expanded, conventional cell as given)."""
    structures = []
    for path in sorted(glob.glob(os.path.join(folder, "*.cif"))):
        structures.append(CifParser(path).parse_structures(primitive=False)[0])
    return structures


def main():
    kind, path = sys.argv[1], sys.argv[2]
    warnings.simplefilter("ignore")
    start = time.perf_counter()
    structures = parse_json(path) if kind == "json" else parse_cifs(path)
    seconds = time.perf_counter() - start
    print(json.dumps({"impl": "pymatgen", "kind": kind, "count": len(structures), "seconds": seconds}))


if __name__ == "__main__":
    main()
