"""PyTorch side of scripts/bench/train: CGCNN (the reference layer equations, DESIGN.md §1) on the graphs and
labels of an XtalScreen run directory, timed as graphs per second for training and inference.

usage: train_torch.py RUN_DIR LABEL THREADS REPEATS ATOM_INIT_JSON   (prints JSON lines)

Written here from the equations, in idiomatic eager PyTorch: per convolution,
z = BN₁(W [v_dst ‖ v_src ‖ u] + b) over edges, m = σ(z_f) ⊙ softplus(z_c), s = Σ_{e→i} m (index_add_),
v ← softplus(v + BN₂(s)); mean pooling; softplus → Linear(64, 128) → softplus → Linear(128, 1).
Atom features: CGCNN's atom_init.json (92); edge features: 41 Gaussians exp(−(d − μ)²/0.2²), μ = 0 … 8 Å.
Batches of 256 crystals are built before timing (the data loader is not timed); one warm-up epoch.
"""
import json
import statistics
import sys
import time

import h5py
import hdf5plugin  # noqa: F401  (registers the zstd filter)
import numpy as np
import torch
from torch import nn


class Convolution(nn.Module):
    """One CGCNN gated convolution on atoms [N, 64] with edges [E] and Gaussian edge features [E, 41]."""

    def __init__(self, width, basis):
        super().__init__()
        self.width = width
        self.fc_full = nn.Linear(2 * width + basis, 2 * width)
        self.bn1 = nn.BatchNorm1d(2 * width)
        self.bn2 = nn.BatchNorm1d(width)

    def forward(self, atoms, src, dst, edge_features):
        pairs = torch.cat([atoms.index_select(0, dst), atoms.index_select(0, src), edge_features], dim=1)
        gate, core = self.bn1(self.fc_full(pairs)).chunk(2, dim=1)
        messages = torch.sigmoid(gate) * nn.functional.softplus(core)
        summed = torch.zeros_like(atoms).index_add_(0, dst, messages)
        return nn.functional.softplus(atoms + self.bn2(summed))


class CGCNN(nn.Module):
    """Embedding 92 → 64, three convolutions, mean pooling, head 64 → 128 → 1."""

    def __init__(self, features=92, width=64, basis=41, convolutions=3, hidden=128):
        super().__init__()
        self.embedding = nn.Linear(features, width)
        self.convs = nn.ModuleList([Convolution(width, basis) for _ in range(convolutions)])
        self.conv_to_fc = nn.Linear(width, hidden)
        self.fc_out = nn.Linear(hidden, 1)

    def forward(self, batch):
        atoms = self.embedding(batch["features"])
        for conv in self.convs:
            atoms = conv(atoms, batch["src"], batch["dst"], batch["edge_features"])
        counts = batch["counts"]
        pooled = torch.zeros(len(counts), atoms.shape[1]).index_add_(0, batch["crystal"], atoms) / counts[:, None]
        hidden = nn.functional.softplus(self.conv_to_fc(nn.functional.softplus(pooled)))
        return self.fc_out(hidden)


def load(run, label, atom_init):
    """Per-crystal arrays from graphs.h5 and the label from crystals.h5."""
    graphs = h5py.File(f"{run}/graphs.h5", "r")
    table = json.load(open(atom_init))
    features = np.zeros((101, 92), dtype=np.float32)
    for z, row in table.items():
        features[int(z)] = row
    data = {
        "node_ptr": graphs["node_ptr"][:], "edge_ptr": graphs["edge_ptr"][:],
        "z": graphs["node_atomic_number"][:].astype(np.int64), "src": graphs["edge_src"][:].astype(np.int64),
        "dst": graphs["edge_dst"][:].astype(np.int64), "distance": graphs["edge_distance"][:],
        "features": features, "y": h5py.File(f"{run}/crystals.h5", "r")["labels"][label][:],
    }
    return data


def make_batch(data, crystals, centres):
    """One batch (tensors) of the given crystals."""
    z, src, dst, dist, crystal_of = [], [], [], [], []
    base = 0
    for k, c in enumerate(crystals):
        n0, n1 = data["node_ptr"][c], data["node_ptr"][c + 1]
        e0, e1 = data["edge_ptr"][c], data["edge_ptr"][c + 1]
        z.append(data["z"][n0:n1])
        src.append(data["src"][e0:e1] + base)
        dst.append(data["dst"][e0:e1] + base)
        dist.append(data["distance"][e0:e1])
        crystal_of.append(np.full(n1 - n0, k))
        base += n1 - n0
    distance = np.concatenate(dist)
    gaussians = np.exp(-((distance[:, None] - centres[None, :]) ** 2) / 0.2**2).astype(np.float32)
    crystal = np.concatenate(crystal_of)
    return {
        "features": torch.from_numpy(data["features"][np.concatenate(z)]),
        "src": torch.from_numpy(np.concatenate(src)), "dst": torch.from_numpy(np.concatenate(dst)),
        "edge_features": torch.from_numpy(gaussians), "crystal": torch.from_numpy(crystal),
        "counts": torch.from_numpy(np.bincount(crystal, minlength=len(crystals)).astype(np.float32)),
    }


def main():
    run, label, threads, repeats, atom_init = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    torch.set_num_threads(threads)
    torch.set_flush_denormal(True)
    torch.manual_seed(0)
    data = load(run, label, atom_init)
    count = len(data["y"])
    order = np.random.default_rng(0).permutation(count)
    centres = np.arange(0, 8.0 + 0.2, 0.2)
    batches = [make_batch(data, order[i:i + 256], centres) for i in range(0, count, 256)]
    y = torch.from_numpy(((data["y"] - data["y"].mean()) / data["y"].std()).astype(np.float32))
    targets = [y[torch.from_numpy(order[i:i + 256])][:, None] for i in range(0, count, 256)]
    model = CGCNN()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

    def train_epoch():
        model.train()
        start = time.perf_counter()
        for batch, target in zip(batches, targets):
            optimizer.zero_grad()
            loss = nn.functional.mse_loss(model(batch), target)
            loss.backward()
            optimizer.step()
        return time.perf_counter() - start, float(loss)

    def infer():
        model.eval()
        start = time.perf_counter()
        with torch.no_grad():
            for batch in batches:
                model(batch)
        return time.perf_counter() - start

    train_epoch()  # warm-up
    losses = []
    for _ in range(repeats):
        seconds, loss = train_epoch()
        losses.append(loss)
        print(json.dumps({"impl": "pytorch", "phase": "train", "threads": threads, "graphs": count, "seconds": seconds}))
    infer()
    for _ in range(repeats):
        print(json.dumps({"impl": "pytorch", "phase": "infer", "threads": threads, "graphs": count, "seconds": infer()}))
    print(json.dumps({"impl": "pytorch", "phase": "loss", "values": losses}), file=sys.stderr)


if __name__ == "__main__":
    main()
