#!/usr/bin/env python3
"""Writes data/mp-sample.jsonl.gz: a Materials Project document dump (JSON Lines, one document per line) made from
the 100 Materials Project structures of the MT-CGCNN sample (../shared/data/mt-cgcnn-sample/sample: P1 CIFs,
id_prop.csv with formation energy per atom and band gap, material_id_hash.csv with the mp-ids).

Each document has the fields a Materials Project summary export has for these properties: material_id,
formula_pretty, structure (pymatgen Structure.as_dict() layout), formation_energy_per_atom (eV/atom), band_gap
(eV) and is_metal (band_gap == 0). Lattice vectors follow pymatgen's Lattice.from_parameters convention (c along
z). The gzip stream is written with mtime 0, so the file is byte-for-byte reproducible.

Usage: scripts/make-mp-sample.py [SAMPLE_DIR] [OUT]
"""
import csv
import gzip
import io
import json
import math
import os
import sys


def lattice_matrix(a, b, c, alpha, beta, gamma):
    """Rows a, b, c (Å) from cell parameters (degrees), c along z and a in the xz plane."""
    al, be, ga = (math.radians(x) for x in (alpha, beta, gamma))
    cos_gamma_star = (math.cos(al) * math.cos(be) - math.cos(ga)) / (math.sin(al) * math.sin(be))
    gamma_star = math.acos(max(-1.0, min(1.0, cos_gamma_star)))
    return [
        [a * math.sin(be), 0.0, a * math.cos(be)],
        [-b * math.sin(al) * math.cos(gamma_star), b * math.sin(al) * math.sin(gamma_star), b * math.cos(al)],
        [0.0, 0.0, c],
    ]


def read_p1_cif(path):
    """(formula, cell parameters, [(symbol, label, [x, y, z])]) of a pymatgen-written P1 CIF."""
    cell, sites, formula, in_sites = {}, [], "", False
    for line in open(path):
        words = line.split()
        if not words:
            continue
        if words[0].startswith("_cell_length_") or words[0].startswith("_cell_angle_"):
            cell[words[0]] = float(words[1])
        elif words[0] == "_chemical_formula_structural":
            formula = words[1]
        elif words[0] == "_atom_site_occupancy":
            in_sites = True
        elif in_sites and len(words) == 7:
            if float(words[6]) != 1.0:
                raise ValueError(f"{path}: partial occupancy")
            sites.append((words[0], words[1], [float(w) for w in words[3:6]]))
    names = ["_cell_length_a", "_cell_length_b", "_cell_length_c", "_cell_angle_alpha", "_cell_angle_beta",
             "_cell_angle_gamma"]
    return formula, [cell[n] for n in names], sites


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    sample = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "../../shared/data/mt-cgcnn-sample/sample")
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(here, "../data/mp-sample.jsonl.gz")
    ids = dict(csv.reader(open(os.path.join(sample, "material_id_hash.csv"))))
    lines = []
    for row in csv.reader(open(os.path.join(sample, "id_prop.csv"))):
        key, energy, gap = row[0], float(row[1]), float(row[2])
        formula, parameters, sites = read_p1_cif(os.path.join(sample, f"{key}.cif"))
        document = {
            "material_id": ids[key],
            "formula_pretty": formula,
            "formation_energy_per_atom": energy,
            "band_gap": gap,
            "is_metal": gap == 0.0,
            "structure": {
                "@module": "pymatgen.core.structure",
                "@class": "Structure",
                "charge": 0,
                "lattice": {"matrix": lattice_matrix(*parameters)},
                "sites": [
                    {"species": [{"element": symbol, "occu": 1}], "abc": abc, "label": label}
                    for symbol, label, abc in sites
                ],
            },
        }
        lines.append(json.dumps(document, separators=(",", ":")))
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0, filename="") as stream:
        stream.write(("\n".join(lines) + "\n").encode())
    with open(out, "wb") as f:
        f.write(buffer.getvalue())
    print(f"{out}: {len(lines)} documents")


if __name__ == "__main__":
    main()
