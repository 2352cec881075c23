"""Runs kgcnn's coGN or coNGN (v3.1.0, the code of the paper's MatBench runs) with the weights of one of our trained
models on our graphs of its test crystals, and compares its predictions with ours (`xtal predict`): the same
function gives the same numbers to float rounding. Element properties are kgcnn's own (its PeriodicTable from
PubChem's CSV), so the check covers our table as well as the network. coNGN is kgcnn's `model_default_nested`
without its Voronoi ridge-area input, which our kNN graphs do not have.

usage: python3 scripts/check-cogn-kgcnn.py RUN FOLD [--crystals N]
  RUN    a scripts/matbench task directory of a coGN or coNGN run (runs/X/phonons: graphs.h5, predictions.h5,
         models/)
  FOLD   the model's name there (fold0)
Needs TensorFlow 2.15 and kgcnn 3.1.0, which want their own environment:
  python3 -m venv /tmp/kg && /tmp/kg/bin/pip install "tensorflow-cpu==2.15.*" kgcnn==3.1.0 h5py hdf5plugin
  /tmp/kg/bin/python scripts/check-cogn-kgcnn.py runs/X/phonons fold0
"""
import argparse
import json
from copy import deepcopy
import os
import sys

import h5py
import hdf5plugin  # noqa: F401  (registers the zstd filter, id 32015)
import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import pandas as pd  # noqa: E402
import kgcnn.crystal.periodic_table.periodic_table as periodic_table  # noqa: E402


def kgcnn_table_init(self, csv_path=periodic_table.periodic_table_csv):
    """kgcnn's PeriodicTable.__init__ with its defaults, written so that it also imputes under pandas' copy-on-write
    (pandas ≥ 3 silently ignores its `column.fillna(…, inplace=True)`; the pandas of the paper's runs did not)."""
    self.data = pd.read_csv(csv_path)
    for column, value in [("AtomicRadius", 209.46), ("Electronegativity", 1.18), ("IonizationEnergy", 8.0)]:
        self.data[column] = self.data[column].fillna(value)
    for column in ["AtomicMass", "AtomicRadius", "Electronegativity", "IonizationEnergy"]:
        self._normalize_column(column)


periodic_table.PeriodicTable.__init__ = kgcnn_table_init
from kgcnn.literature.coGN import make_model, model_default  # noqa: E402
from kgcnn.literature.coGN._coNGN_config import model_default_nested  # noqa: E402
import tensorflow as tf  # noqa: E402


def text(values):
    return [v.decode() if isinstance(v, bytes) else v for v in values]


def dense(params, name):
    """A dense layer's kernel [inputs, outputs] and bias."""
    return [params[f"{name}.weight"].T, params[f"{name}.bias"]]


def gru(params, name):
    """A GRU cell as Keras keeps it: kernel and recurrent kernel [·, 3H] and bias [2, 3H], gates (z, r, h); ours are
    PyTorch's [3H, ·] with gates (r, z, n)."""
    def keras(matrix):
        r, z, n = np.split(matrix, 3, axis=0)
        return np.concatenate([z, r, n], axis=0)
    return [keras(params[f"{name}.weight_ih"]).T, keras(params[f"{name}.weight_hh"]).T,
            np.stack([keras(params[f"{name}.bias_ih"]), keras(params[f"{name}.bias_hh"])])]


def kgcnn_weights(params, configuration, table_width):
    """Our parameters in the order of kgcnn's `model.weights` for coGN or coNGN."""
    if table_width != 18:
        sys.exit(f"the model has {table_width} element-property columns; kgcnn's table has 18 (models trained since "
                 "session 23)")
    # kgcnn puts oxidation state s in column (s − 7) mod 14 of its 14; ours are −4 … +9 in order.
    width = configuration["width"]
    atom = params["atom_input.weight"].T
    kernel = np.zeros_like(atom)
    kernel[:width + 4] = atom[:width + 4]
    for c, state in enumerate(range(-4, 10)):
        kernel[width + 4 + (state - 7) % 14] = atom[width + 4 + c]
    weights = [params["atom_embedding.weight"][1:], kernel, params["atom_input.bias"]] + dense(params, "edge_input")
    nested = configuration.get("nested")
    for k in range(configuration["blocks"]):
        for j in range(configuration["edgeLayers"]):
            weights += dense(params, f"blocks.{k}.edge.{j}")
        for j in range(configuration["nodeLayers"]):
            weights += dense(params, f"blocks.{k}.node.{j}")
        if nested:
            for j in range(nested["edgeLayers"]):
                weights += dense(params, f"blocks.{k}.nested.edge.{j}")
            weights += gru(params, f"blocks.{k}.nested.gru")
            for j in range(nested["nodeLayers"]):
                weights += dense(params, f"blocks.{k}.nested.node.{j}")
    for j in range(len(configuration["headHidden"]) + 1):
        weights += dense(params, f"heads.0.head.{j}")
    return weights


def kgcnn_model(architecture):
    if architecture == "cogn":
        return make_model(**model_default)
    config = deepcopy(model_default_nested)
    config["inputs"]["voronoi_ridge_area"] = None
    config["input_block_cfg"]["edge_embedding_args"].update(bins_voronoi_area=None, max_voronoi_area=None)
    return make_model(**config)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run")
    parser.add_argument("fold")
    parser.add_argument("--crystals", type=int, default=256, help="test crystals to compare (default 256)")
    args = parser.parse_args()
    try:
        model_file = h5py.File(f"{args.run}/models/{args.fold}.h5", "r")
        graphs = h5py.File(f"{args.run}/graphs.h5", "r")
        predictions = h5py.File(f"{args.run}/predictions.h5", "r")
    except OSError as error:
        sys.exit(f"check-cogn-kgcnn: {error}")
    architecture = model_file.attrs["architecture"]
    if architecture not in ("cogn", "congn"):
        sys.exit(f"check-cogn-kgcnn: {args.run}/models/{args.fold}.h5 is not a coGN or coNGN model")
    configuration = json.loads(model_file.attrs["configuration"])
    params = {k: np.array(v) for k, v in model_file["member_0/checkpoint/parameters"].items()}
    target = json.loads(model_file.attrs["targets"])[0]
    test_ids = text(model_file["split/test_id"][:])[: args.crystals]

    model = kgcnn_model(architecture)
    ours = kgcnn_weights(params, configuration, model_file["atom_features"].shape[1])
    if len(ours) != len(model.weights):
        sys.exit(f"check-cogn-kgcnn: {len(ours)} weights for kgcnn's {len(model.weights)}")
    for weight, value in zip(model.weights, ours):
        if tuple(weight.shape) != value.shape:
            sys.exit(f"check-cogn-kgcnn: {weight.name} is {tuple(weight.shape)}, ours {value.shape}")
        weight.assign(value.astype(np.float32))

    index = {s: n for n, s in enumerate(text(graphs["graph_id"][:]))}
    node_ptr, edge_ptr = graphs["node_ptr"][:], graphs["edge_ptr"][:]
    numbers, multiplicity = graphs["node_atomic_number"][:], graphs["node_multiplicity"][:]
    src, dst, vector = graphs["edge_src"][:], graphs["edge_dst"][:], graphs["edge_vector"][:]
    rows = [index[t] for t in test_ids]
    if architecture == "congn":
        triplet_ptr, triplet_a, triplet_b = (graphs[name][:] for name in
                                             ("triplet_ptr", "triplet_edge_a", "triplet_edge_b"))
    inputs = {"offset": [], "atomic_number": [], "multiplicity": [], "edge_indices": [], "line_graph_edge_indices": []}
    for c in rows:
        nodes, edges = slice(node_ptr[c], node_ptr[c + 1]), slice(edge_ptr[c], edge_ptr[c + 1])
        inputs["atomic_number"].append(numbers[nodes].astype(np.int32))
        inputs["multiplicity"].append(multiplicity[nodes].astype(np.int32))
        inputs["offset"].append(vector[edges].astype(np.float32))
        # kgcnn pools each edge into its first index, as ours into edge_dst (local indices in both).
        inputs["edge_indices"].append(np.stack([dst[edges], src[edges]], axis=1).astype(np.int32))
        if architecture == "congn":
            # Triplets (a, b): edge b's message into edge a, as kgcnn's line graph pools into its first index.
            triplets = slice(triplet_ptr[c], triplet_ptr[c + 1])
            inputs["line_graph_edge_indices"].append(
                np.stack([triplet_a[triplets], triplet_b[triplets]], axis=1).astype(np.int32))
    ragged = {k: tf.RaggedTensor.from_row_lengths(np.concatenate(v), [len(x) for x in v])
              for k, v in inputs.items() if v}
    theirs = model.predict([ragged[t.name] for t in model.inputs], verbose=0)[:, 0] * target["std"] + target["mean"]

    prediction_index = {s: n for n, s in enumerate(text(predictions["graph_id"][:]))}
    mine = predictions[f"{args.fold}/{target['name']}/mean"][:][[prediction_index[t] for t in test_ids]]
    difference = np.abs(theirs - mine)
    worst = int(np.argmax(difference))
    print(f"{len(rows)} test crystals of {args.run} {args.fold}: |kgcnn − xtal| max {difference.max():.3g}, "
          f"mean {difference.mean():.3g} (predictions {mine.min():.4g} … {mine.max():.4g}; largest difference at "
          f"{test_ids[worst]}: {mine[worst]:.6g} against {theirs[worst]:.6g})")
    relative = difference.max() / max(1e-12, float(np.abs(mine).max()))
    if relative > 1e-5:
        sys.exit(f"check-cogn-kgcnn: the predictions differ by up to {relative:.2g} of their largest")


main()
