"""Builds kgcnn's coGN graphs (KNNAsymmetricUnitCell: pyxtal symmetrises each crystal, then the k nearest neighbours
with ties within 1e-9 Å, on the asymmetric unit) for every crystal of a store and compares them with ours in its
graphs.h5: per crystal the asymmetric-unit atoms (element, share of the cell by multiplicity) and, per atom, the
sorted distances of its edges.

usage: python3 scripts/check-graphs-kgcnn.py DIR [--k 24] [--tolerance 1e-4] [--every N]
  DIR  a store directory with crystals.h5 and graphs.h5 from
       xtal graph --method knn --k 24 --asymmetric-unit --symmetrize --symprec 1e-4
Needs kgcnn 3.1.0 with pymatgen and pyxtal, in their own environment:
  python3 -m venv /tmp/kg && /tmp/kg/bin/pip install "tensorflow-cpu==2.15.*" kgcnn==3.1.0 pymatgen pyxtal \\
      h5py hdf5plugin
  /tmp/kg/bin/python scripts/check-graphs-kgcnn.py runs/X/phonons
"""
import argparse
import sys
import time
import warnings

import h5py
import hdf5plugin  # noqa: F401  (registers the zstd filter, id 32015)
import numpy as np

warnings.simplefilter("ignore")
from pymatgen.core import Lattice, Structure  # noqa: E402
from kgcnn.crystal.preprocessor import KNNAsymmetricUnitCell  # noqa: E402


def nodes_of_kgcnn(graph):
    """(Z, multiplicity, sorted edge distances) per asymmetric-unit atom of a kgcnn graph."""
    nodes = []
    for node, data in graph.nodes(data=True):
        distances = sorted(d["distance"] for _, _, d in graph.in_edges(node, data=True))
        nodes.append((int(data["atomic_number"]), int(data["multiplicity"]), distances))
    return nodes


def normalised(nodes):
    """Multiplicities as shares of the cell (pyxtal's cell is the conventional one, ours the input's), sorted."""
    total = sum(m for _, m, _ in nodes)
    return sorted(((z, round(m / total, 9), d) for z, m, d in nodes), key=lambda n: (n[0], n[1], len(n[2]), n[2]))


def difference(theirs, ours, tolerance):
    """Why two crystals' graphs differ, or None."""
    if [(z, m, len(d)) for z, m, d in theirs] != [(z, m, len(d)) for z, m, d in ours]:
        return ("atoms (Z, share, edges) " + str([(z, m, len(d)) for z, m, d in theirs]) + " against ours "
                + str([(z, m, len(d)) for z, m, d in ours]))
    gap = max((float(np.max(np.abs(np.subtract(a[2], b[2])))) for a, b in zip(theirs, ours)), default=0.0)
    return f"edge distances differ by up to {gap:.2g} Å" if gap > tolerance else None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dir")
    parser.add_argument("--k", type=int, default=24)
    parser.add_argument("--tolerance", type=float, default=1e-4, help="largest distance difference, Å")
    parser.add_argument("--every", type=int, default=1, help="check every N-th crystal")
    args = parser.parse_args()
    try:
        crystals = h5py.File(f"{args.dir}/crystals.h5", "r")
        graphs = h5py.File(f"{args.dir}/graphs.h5", "r")
    except OSError as error:
        sys.exit(f"check-graphs-kgcnn: {error}")
    ids = [s.decode() for s in crystals["graph_id"][:]]
    lattices, atom_ptr = crystals["graph_lattice"][:], crystals["node_ptr"][:]
    numbers, coords = crystals["node_atomic_number"][:], crystals["node_frac_coords"][:]
    index = {s.decode(): n for n, s in enumerate(graphs["graph_id"][:])}
    node_ptr, edge_ptr = graphs["node_ptr"][:], graphs["edge_ptr"][:]
    node_z, multiplicity = graphs["node_atomic_number"][:], graphs["node_multiplicity"][:]
    dst, distance = graphs["edge_dst"][:], graphs["edge_distance"][:]

    preprocessor = KNNAsymmetricUnitCell(args.k)
    start, checked, differing = time.time(), 0, []
    for n in range(0, len(ids), args.every):
        atoms = slice(atom_ptr[n], atom_ptr[n + 1])
        structure = Structure(Lattice(lattices[n]), numbers[atoms].tolist(), coords[atoms])
        theirs = normalised(nodes_of_kgcnn(preprocessor(structure)))
        g = index[ids[n]]
        first, edges = node_ptr[g], slice(edge_ptr[g], edge_ptr[g + 1])
        lengths, centres = distance[edges], dst[edges]
        ours = normalised([
            (int(node_z[first + i]), int(multiplicity[first + i]), sorted(lengths[centres == i].tolist()))
            for i in range(node_ptr[g + 1] - first)
        ])
        checked += 1
        why = difference(theirs, ours, args.tolerance)
        if why:
            differing.append(f"{ids[n]} ({structure.composition.reduced_formula}): {why}")
    print(f"{checked} crystals of {args.dir}: {checked - len(differing)} with kgcnn's graph, {len(differing)} "
          f"different ({time.time() - start:.0f} s)")
    for line in differing[:20]:
        print("  " + line)
    if differing:
        sys.exit(1)


main()
