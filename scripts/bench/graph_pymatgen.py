"""pymatgen side of scripts/bench/graph.

  graph_pymatgen.py prepare SOURCE.json.gz COUNT OUT.jsonl   first COUNT structures as JSON Lines of Structure dicts
  graph_pymatgen.py cgcnn FILE.jsonl        get_all_neighbors(8) + sort by distance + keep 12 (CGCNN's CIFData path)
  graph_pymatgen.py neighbor_list FILE.jsonl   get_neighbor_list(8)

The timed part excludes reading the file (pymatgen parses it before the clock starts) and prints one JSON line
with the structures per second and the edges made.
"""
import gzip
import json
import sys
import time
import warnings

from pymatgen.core import Structure


def load(path):
    with open(path) as handle:
        return [Structure.from_dict(json.loads(line)) for line in handle]


def main():
    warnings.simplefilter("ignore")
    mode = sys.argv[1]
    if mode == "prepare":
        with gzip.open(sys.argv[2], "rt") as handle:
            table = json.load(handle)
        keys = sorted(table["structure"], key=int)[: int(sys.argv[3])]
        with open(sys.argv[4], "w") as out:
            for key in keys:
                out.write(json.dumps(table["structure"][key]) + "\n")
        return
    structures = load(sys.argv[2])
    edges = 0
    start = time.perf_counter()
    if mode == "cgcnn":
        for structure in structures:
            for neighbors in structure.get_all_neighbors(8.0):
                edges += len(sorted(neighbors, key=lambda n: n[1])[:12])
    else:
        for structure in structures:
            centres, _, _, _ = structure.get_neighbor_list(8.0)
            edges += len(centres)
    seconds = time.perf_counter() - start
    print(json.dumps({"impl": f"pymatgen {mode}", "count": len(structures), "seconds": seconds, "edges": edges}))


if __name__ == "__main__":
    main()
