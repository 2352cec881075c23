"""PyTorch side of scripts/bench/train: CGCNN training and inference speed (graphs/s) in eager PyTorch on the
graphs and labels of an XtalScreen run directory (graphs.h5, crystals.h5).

usage: train_torch.py RUN_DIR ATOM_INIT_JSON --threads T [--repeats R] [--train N] [--label n]
                      [--batch-size 256] [--variant concat|factored] [--seed 0]
Prints one JSON line per timed epoch or inference pass, then one with the mean training loss of every epoch.

The model, written from the CGCNN equations (Xie & Grossman 2018) with XtalScreen's defaults:
  v = Linear(92, 64)(atom_init[Z])                                     atoms [N, 64]
  u = exp(-(d - mu_k)^2 / 0.2^2), mu_k = 0, 0.2, ..., 8.0              edges [E, 41]
  3x: z = BN1(Linear(169, 128)([v_dst | v_src | u]))                   [E, 128]
      m = sigmoid(z[:, :64]) * softplus(z[:, 64:])                     [E, 64]
      v = softplus(v + BN2(sum of m over the edges into each atom))    [N, 64]
  mean over each crystal's atoms -> softplus -> Linear(64, 128) -> softplus -> Linear(128, 1)
MSE on the standardised label, Adam (lr 1e-3). --variant factored computes the same Linear(169, 128) as
(v W_dst + b)[dst] + (v W_src)[src] + u W_u (the same parameters and sums, up to rounding; the form
XtalScreen uses); concat builds the [E, 169] input as the reference CGCNN code does.

Timing: batches (tensors, Gaussian features included) are built before any clock starts; one warm-up
training epoch and one warm-up inference pass are not counted. Training uses the first N crystals of a fixed
shuffled order (default 90 %), in that order every epoch; inference runs every crystal in store order, twice:
"infer" on the prebuilt batches, "infer-store" from the run directory's files (reading graphs.h5 and
crystals.h5, building each batch with its Gaussian features, the forward pass, the predictions as one array),
what XtalScreen's `xtal predict` does apart from starting a process and writing predictions.h5.
"""
import argparse
import json
import sys
import time

import h5py
import hdf5plugin  # noqa: F401  (registers the zstd filter the store's datasets use)
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

WIDTH, BASIS_STEP, BASIS_MAX, BASIS_WIDTH = 64, 0.2, 8.0, 0.2


def parse_arguments():
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run", help="XtalScreen run directory (graphs.h5 and crystals.h5)")
    parser.add_argument("atom_init", help="CGCNN atom_init.json (atomic number -> 92 floats)")
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--repeats", type=int, default=3, help="timed epochs and inference passes")
    parser.add_argument("--train", type=int, default=0, help="training crystals (0: 90 %% of them)")
    parser.add_argument("--label", default="n")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--variant", choices=("concat", "factored"), default="concat")
    parser.add_argument("--name", help="the variant's name in the output (default: --variant)")
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args()


def load_store(run, label, atom_init):
    """The run's graphs as flat numpy arrays.

    Returns a dict: node_ptr, edge_ptr [B + 1] int64; z [N] int64; src, dst [E] int64 (local to each crystal);
    distance [E] float64; atom_table [max Z + 1, 92] float32; y [B] float64.
    """
    graphs = h5py.File(f"{run}/graphs.h5", "r")
    crystals = h5py.File(f"{run}/crystals.h5", "r")
    assert list(graphs["graph_id"][:]) == list(crystals["graph_id"][:]), "graphs.h5 and crystals.h5 disagree"
    table = {int(z): row for z, row in json.load(open(atom_init)).items()}
    atom_table = np.zeros((max(table) + 1, len(next(iter(table.values())))), dtype=np.float32)
    for z, row in table.items():
        atom_table[z] = row
    return {
        "node_ptr": graphs["node_ptr"][:], "edge_ptr": graphs["edge_ptr"][:],
        "z": graphs["node_atomic_number"][:].astype(np.int64),
        "src": graphs["edge_src"][:].astype(np.int64), "dst": graphs["edge_dst"][:].astype(np.int64),
        "distance": graphs["edge_distance"][:], "atom_table": atom_table,
        "y": crystals["labels"][label][:],
    }


def gaussian_expansion(distance):
    """Distances [E] (Å, float64) -> Gaussian features [E, 41] float32."""
    centres = np.arange(0.0, BASIS_MAX + BASIS_STEP / 2, BASIS_STEP)
    return np.exp(-((distance[:, None] - centres[None, :]) ** 2) / BASIS_WIDTH**2).astype(np.float32)


def make_batch(store, crystals):
    """Tensors for the given crystal indices [b]: one disjoint graph with batch-wide node indices.

    Returns a dict: atoms [N, 92] float32, src, dst [E] int64, edges [E, 41] float32, crystal [N] int64
    (the batch position of each node's crystal), counts [b, 1] float32 (nodes per crystal).
    """
    node_ptr, edge_ptr = store["node_ptr"], store["edge_ptr"]
    nodes = [np.arange(node_ptr[c], node_ptr[c + 1]) for c in crystals]
    edges = [np.arange(edge_ptr[c], edge_ptr[c + 1]) for c in crystals]
    sizes = np.array([len(n) for n in nodes])
    offsets = np.repeat(np.cumsum(sizes) - sizes, [len(e) for e in edges])
    node_index, edge_index = np.concatenate(nodes), np.concatenate(edges)
    return {
        "atoms": torch.from_numpy(store["atom_table"][store["z"][node_index]]),
        "src": torch.from_numpy(store["src"][edge_index] + offsets),
        "dst": torch.from_numpy(store["dst"][edge_index] + offsets),
        "edges": torch.from_numpy(gaussian_expansion(store["distance"][edge_index])),
        "crystal": torch.from_numpy(np.repeat(np.arange(len(crystals)), sizes)),
        "counts": torch.from_numpy(sizes.astype(np.float32)[:, None]),
    }


class GatedConvolution(nn.Module):
    """One CGCNN convolution: atoms [N, width], edges [E, basis] -> atoms [N, width]."""

    def __init__(self, width, basis, factored):
        super().__init__()
        self.width, self.factored = width, factored
        self.linear = nn.Linear(2 * width + basis, 2 * width)
        self.edge_norm = nn.BatchNorm1d(2 * width)
        self.atom_norm = nn.BatchNorm1d(width)

    def pre_activation(self, atoms, batch):
        """Linear(2·width + basis, 2·width)([v_dst | v_src | u]) -> [E, 2·width]."""
        src, dst = batch["src"], batch["dst"]
        if not self.factored:
            pairs = torch.cat([atoms.index_select(0, dst), atoms.index_select(0, src), batch["edges"]], dim=1)
            return self.linear(pairs)
        w, width = self.linear.weight, self.width
        centre = F.linear(atoms, w[:, :width], self.linear.bias)
        neighbour = F.linear(atoms, w[:, width:2 * width])
        return centre.index_select(0, dst) + neighbour.index_select(0, src) + F.linear(batch["edges"], w[:, 2 * width:])

    def forward(self, atoms, batch):
        gate, core = self.edge_norm(self.pre_activation(atoms, batch)).chunk(2, dim=1)
        messages = torch.sigmoid(gate) * F.softplus(core)                      # [E, width]
        summed = atoms.new_zeros(atoms.shape).index_add_(0, batch["dst"], messages)  # [N, width]
        return F.softplus(atoms + self.atom_norm(summed))


class CGCNN(nn.Module):
    """Batch -> one prediction per crystal [b, 1]."""

    def __init__(self, features=92, width=WIDTH, basis=41, convolutions=3, hidden=128, factored=False):
        super().__init__()
        self.embedding = nn.Linear(features, width)
        self.convolutions = nn.ModuleList(GatedConvolution(width, basis, factored) for _ in range(convolutions))
        self.hidden = nn.Linear(width, hidden)
        self.out = nn.Linear(hidden, 1)

    def forward(self, batch):
        atoms = self.embedding(batch["atoms"])                                  # [N, width]
        for convolution in self.convolutions:
            atoms = convolution(atoms, batch)
        counts = batch["counts"]
        pooled = atoms.new_zeros(len(counts), atoms.shape[1]).index_add_(0, batch["crystal"], atoms) / counts
        return self.out(F.softplus(self.hidden(F.softplus(pooled))))


def train_epoch(model, optimizer, batches):
    """One pass over [(batch, target [b, 1])]: (seconds, mean batch loss)."""
    model.train()
    total = torch.zeros(())
    start = time.perf_counter()
    for batch, target in batches:
        optimizer.zero_grad()
        loss = F.mse_loss(model(batch), target)
        loss.backward()
        optimizer.step()
        total += loss.detach()
    return time.perf_counter() - start, float(total) / len(batches)


def infer(model, batches):
    """Predictions for every batch, no gradients: seconds."""
    model.eval()
    start = time.perf_counter()
    with torch.no_grad():
        for batch in batches:
            model(batch)
    return time.perf_counter() - start


def infer_from_store(model, args):
    """Predictions for every crystal, starting from the run directory's files: seconds."""
    model.eval()
    start = time.perf_counter()
    store = load_store(args.run, args.label, args.atom_init)
    count, size = len(store["node_ptr"]) - 1, args.batch_size
    with torch.no_grad():
        outputs = [model(make_batch(store, np.arange(i, min(i + size, count)))) for i in range(0, count, size)]
    torch.cat(outputs).numpy()
    return time.perf_counter() - start


def main():
    args = parse_arguments()
    torch.set_num_threads(args.threads)
    torch.set_flush_denormal(True)
    torch.manual_seed(args.seed)
    store = load_store(args.run, args.label, args.atom_init)
    count = len(store["y"])
    order = np.random.default_rng(args.seed).permutation(count)
    train = order[: args.train or round(0.9 * count)]
    train = train[np.isfinite(store["y"][train])]
    y = store["y"][train]
    standardised = torch.from_numpy(((store["y"] - y.mean()) / y.std()).astype(np.float32))
    size = args.batch_size
    train_batches = [(make_batch(store, train[i:i + size]), standardised[train[i:i + size]][:, None])
                     for i in range(0, len(train), size)]
    infer_batches = [make_batch(store, np.arange(i, min(i + size, count))) for i in range(0, count, size)]

    model = CGCNN(features=store["atom_table"].shape[1], factored=args.variant == "factored")
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    row = {"impl": "pytorch", "variant": args.name or args.variant, "threads": args.threads}
    losses = [train_epoch(model, optimizer, train_batches)[1]]  # warm-up
    for _ in range(args.repeats):
        seconds, loss = train_epoch(model, optimizer, train_batches)
        losses.append(loss)
        print(json.dumps({**row, "phase": "train", "graphs": len(train), "seconds": seconds}), flush=True)
    infer(model, infer_batches)  # warm-up
    for _ in range(args.repeats):
        print(json.dumps({**row, "phase": "infer", "graphs": count, "seconds": infer(model, infer_batches)}),
              flush=True)
    for _ in range(args.repeats):
        print(json.dumps({**row, "phase": "infer-store", "graphs": count, "seconds": infer_from_store(model, args)}),
              flush=True)
    print(json.dumps({**row, "phase": "loss", "losses": losses}), flush=True)


if __name__ == "__main__":
    sys.exit(main())
