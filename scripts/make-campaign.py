#!/usr/bin/env python3
"""Generates a screening campaign of N crystals from the real structures XtalScreen holds, for scale tests.

    scripts/make-campaign.py N OUT_DIR [--files F] [--seed S]

Sources: the 4764 Materials Project structures of data/matbench_dielectric.json.gz and the 100 documents of
data/mp-sample.jsonl.gz. Crystal k is made from source structure k mod S (S sources) by, in turn:
- a supercell (k // S mod 4: none, 2×1×1, 1×2×1, 1×1×2; skipped past 160 atoms),
- a substitution of one element by a chemically similar one (k // (4 S) mod 3: none, the first element present
  in the table below, the last one),
- a random displacement of every atom, up to 0.05 Å in each Cartesian direction (seeded by k; none for k < S).
Each crystal is written as a Materials Project document (material_id `gen-<k>`, the pymatgen structure dict) to
F gzipped JSON Lines files `OUT_DIR/campaign-<f>.jsonl.gz` (contiguous ranges of k), so ingest can shard them.
Pure Python (json, gzip, random): no pymatgen needed; 150,000 crystals take about a minute.
"""
import argparse
import gzip
import json
import math
import os
import random

SIMILAR = {
    "Li": "Na", "Na": "K", "K": "Rb", "Rb": "Cs", "Mg": "Ca", "Ca": "Sr", "Sr": "Ba", "Zn": "Cd", "Al": "Ga",
    "Ga": "In", "Si": "Ge", "Ge": "Sn", "P": "As", "As": "Sb", "O": "S", "S": "Se", "Se": "Te", "F": "Cl",
    "Cl": "Br", "Br": "I", "Ti": "Zr", "Zr": "Hf", "V": "Nb", "Nb": "Ta", "Cr": "Mo", "Mo": "W", "Fe": "Ru",
    "Co": "Rh", "Ni": "Pd", "Cu": "Ag", "Y": "Sc", "La": "Y",
}


def sources():
    table = json.load(gzip.open("data/matbench_dielectric.json.gz"))
    found = [table["structure"][key] for key in table["structure"]]
    with gzip.open("data/mp-sample.jsonl.gz", "rt") as lines:
        found += [json.loads(line)["structure"] for line in lines if line.strip()]
    return found


def supercell(structure, axis):
    """The structure repeated twice along lattice vector `axis`."""
    matrix = [list(row) for row in structure["lattice"]["matrix"]]
    matrix[axis] = [2 * x for x in matrix[axis]]
    sites = []
    for site in structure["sites"]:
        for shift in (0, 1):
            abc = list(site["abc"])
            abc[axis] = (abc[axis] + shift) / 2
            sites.append({"species": site["species"], "abc": abc})
    return {"lattice": {"matrix": matrix}, "sites": sites}


def substituted(structure, last):
    """`structure` with every atom of its first (or last) substitutable element replaced by a similar one."""
    elements = [site["species"][0]["element"] for site in structure["sites"]]
    candidates = [e for e in dict.fromkeys(elements) if e in SIMILAR]
    if not candidates:
        return structure
    old = candidates[-1] if last else candidates[0]
    sites = []
    for site in structure["sites"]:
        element = site["species"][0]["element"]
        species = [{"element": SIMILAR[old] if element == old else element, "occu": 1}]
        sites.append({"species": species, "abc": site["abc"]})
    return {"lattice": structure["lattice"], "sites": sites}


def perturbed(structure, rng, amplitude=0.05):
    """Every atom moved by up to `amplitude` Å along each Cartesian axis (through the inverse lattice)."""
    m = structure["lattice"]["matrix"]
    # Inverse of the 3×3 lattice (rows a, b, c): fractional = cartesian · inverse.
    det = (m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
           + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]))
    inverse = [[(m[(j + 1) % 3][(i + 1) % 3] * m[(j + 2) % 3][(i + 2) % 3]
                 - m[(j + 1) % 3][(i + 2) % 3] * m[(j + 2) % 3][(i + 1) % 3]) / det for j in range(3)]
               for i in range(3)]
    sites = []
    for site in structure["sites"]:
        d = [rng.uniform(-amplitude, amplitude) for _ in range(3)]
        shift = [sum(d[i] * inverse[i][j] for i in range(3)) for j in range(3)]
        sites.append({"species": site["species"], "abc": [a + s for a, s in zip(site["abc"], shift)]})
    return {"lattice": {"matrix": m}, "sites": sites}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("count", type=int)
    parser.add_argument("out")
    parser.add_argument("--files", type=int, default=16)
    parser.add_argument("--seed", type=int, default=0)
    arguments = parser.parse_args()
    base = sources()
    os.makedirs(arguments.out, exist_ok=True)
    count, files = arguments.count, arguments.files
    atoms = 0
    for f in range(files):
        with gzip.open(os.path.join(arguments.out, f"campaign-{f:03d}.jsonl.gz"), "wt", compresslevel=1) as out:
            for k in range(f * count // files, (f + 1) * count // files):
                structure = base[k % len(base)]
                variant = k // len(base)
                if variant % 4 and 2 * len(structure["sites"]) <= 160:
                    structure = supercell(structure, variant % 4 - 1)
                if (variant // 4) % 3:
                    structure = substituted(structure, last=(variant // 4) % 3 == 2)
                if variant:
                    structure = perturbed(structure, random.Random(arguments.seed * 1_000_003 + k))
                atoms += len(structure["sites"])
                out.write(json.dumps({"material_id": f"gen-{k}", "structure": structure}, separators=(",", ":")))
                out.write("\n")
    print(f"{count} crystals, {atoms} atoms ({atoms / max(count, 1):.1f} per crystal) in {files} files → "
          f"{arguments.out}")


if __name__ == "__main__":
    main()
