"""PyTorch side of scripts/bench/pretrain: NEGNN predictive pretraining speed (crystals/s per epoch) in eager
PyTorch on the graphs of an XtalScreen run directory (graphs.h5, crystals.h5).

usage: pretrain_torch.py RUN_DIR ATOM_INIT_JSON --threads T [--repeats R] [--batch-size 256]
                         [--variant concat|factored] [--mask-fraction 0.15] [--seed 0]
Prints one JSON line per timed epoch, then one with the mean loss (and each term, each accuracy) of every epoch.

The step, written from the equations of Kong et al. 2024's predictive pretext with XtalScreen's choices (what
`xtal-pretrain --method negnn-predictive` computes; PyTorch Geometric's CGConv written out in plain torch):
  mask: k = min(n, floor(0.15 n) + 1) distinct atoms per crystal; their atom_init rows are zeroed, and so are
        the Gaussian features of every edge with a masked atom at either end (the "masked edges")
  x = Linear(92, 64)(atom_init[Z]),  e = Linear(41, 64)(exp(-(d - mu_k)^2 / 0.2^2)), mu_k = 0, 0.2, ..., 8.0
  5x: z_ij = [x_i | x_j | e_ij] (i = edge_dst, the centre; j = edge_src)
      x_i <- BN(x_i + sum over edges into i of sigmoid(z W_f^T + b_f) * softplus(z W_s^T + b_s))
      then ReLU, on every layer but the last
  atom head Linear(64, 26) on the masked atoms: logits 0-18 = group (1-18, 19th = f-block), 19-25 = period (1-7)
  bond head Linear(64, 41) on h_src + h_dst of every masked edge: the bin of the nearest Gaussian centre,
        round(d / 0.2) clamped to 0..40
  loss = CE(group) + CE(period) + CE(bond), Adam (lr 1e-3) over all parameters.
--variant concat builds z per edge [E, 192] and applies lin_f and lin_s (two Linear(192, 64)), as PyG's CGConv
does; factored computes the same affine map as XtalScreen does, one Linear(192, 128) split into
(x W_i + b)[dst] + (x W_j)[src] + e W_e, gate in the first 64 outputs.

Timing: crystals are the run's crystals whose every element has atom features and Z <= 100 (as xtal-pretrain
keeps them), shuffled once with the seed and cut into batches in that order every epoch. Masks are drawn once,
and every batch (masked atom features, masked Gaussian edge features, masked indices, class targets) is built
before any clock starts; one warm-up epoch is not counted. xtal-pretrain, by contrast, reshuffles batches,
redraws masks and assembles batches inside every epoch.
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

WIDTH, CONVOLUTIONS, BASIS_STEP, BASIS_MAX, BASIS_WIDTH = 64, 5, 0.2, 8.0, 0.2
GROUPS, PERIODS, MAX_Z = 19, 7, 100


def parse_arguments():
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run", help="XtalScreen run directory (graphs.h5 and crystals.h5)")
    parser.add_argument("atom_init", help="CGCNN atom_init.json (atomic number -> 92 floats)")
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--repeats", type=int, default=3, help="timed epochs")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--variant", choices=("concat", "factored"), default="concat")
    parser.add_argument("--mask-fraction", type=float, default=0.15)
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args()


def period_of(z):
    """Row of the periodic table, 1-7."""
    for row, last in enumerate((2, 10, 18, 36, 54, 86), start=1):
        if z <= last:
            return row
    return 7


def group_of(z):
    """IUPAC group 1-18, or 19 for the f-block (Ce-Lu, Th-Lr; La and Ac are group 3)."""
    period = period_of(z)
    offset = z - (1, 3, 11, 19, 37, 55, 87)[period - 1]
    if period == 1:
        return 1 if z == 1 else 18
    if period in (2, 3):
        return offset + 1 if offset < 2 else offset + 11
    if period in (4, 5):
        return offset + 1
    if offset < 3:
        return offset + 1
    return 19 if offset <= 16 else offset - 13


def load_store(run, atom_init):
    """The run's graphs as flat numpy arrays.

    Returns a dict: node_ptr, edge_ptr [B + 1] int64; z [N] int64; src, dst [E] int64 (local to each crystal);
    distance [E] float64; atom_table [max Z + 1, 92] float32; covered [max Z + 1] bool (Z has a row);
    group, period [max Z + 1] int64 (class indices, 0-based).
    """
    graphs = h5py.File(f"{run}/graphs.h5", "r")
    crystals = h5py.File(f"{run}/crystals.h5", "r")
    assert list(graphs["graph_id"][:]) == list(crystals["graph_id"][:]), "graphs.h5 and crystals.h5 disagree"
    table = {int(z): row for z, row in json.load(open(atom_init)).items()}
    size = max(max(table), MAX_Z) + 1
    atom_table = np.zeros((size, len(next(iter(table.values())))), dtype=np.float32)
    covered = np.zeros(size, dtype=bool)
    for z, row in table.items():
        atom_table[z], covered[z] = row, True
    return {
        "node_ptr": graphs["node_ptr"][:], "edge_ptr": graphs["edge_ptr"][:],
        "z": graphs["node_atomic_number"][:].astype(np.int64),
        "src": graphs["edge_src"][:].astype(np.int64), "dst": graphs["edge_dst"][:].astype(np.int64),
        "distance": graphs["edge_distance"][:], "atom_table": atom_table, "covered": covered,
        "group": np.array([group_of(z) - 1 if z >= 1 else 0 for z in range(size)]),
        "period": np.array([period_of(z) - 1 if z >= 1 else 0 for z in range(size)]),
    }


def usable_crystals(store):
    """Crystals every one of whose elements has atom features and Z <= 100 (xtal-pretrain's filter)."""
    z, node_ptr = store["z"], store["node_ptr"]
    good = (z <= MAX_Z) & store["covered"][np.minimum(z, len(store["covered"]) - 1)]
    return np.array([c for c in range(len(node_ptr) - 1) if good[node_ptr[c]:node_ptr[c + 1]].all()])


def gaussian_expansion(distance):
    """Distances [E] (Å, float64) -> Gaussian features [E, 41] float32."""
    centres = np.arange(0.0, BASIS_MAX + BASIS_STEP / 2, BASIS_STEP)
    return np.exp(-((distance[:, None] - centres[None, :]) ** 2) / BASIS_WIDTH**2).astype(np.float32)


def distance_bin(distance):
    """Index of the nearest Gaussian centre (halves round up), clamped to the basis [E] int64."""
    count = int(round(BASIS_MAX / BASIS_STEP)) + 1
    return np.clip(np.floor(distance / BASIS_STEP + 0.5), 0, count - 1).astype(np.int64)


def make_batch(store, crystals, fraction, rng):
    """Masked tensors for the given crystal indices [b]: one disjoint graph with batch-wide node indices.

    Returns a dict: atoms [N, 92] float32 (masked rows zeroed), src, dst [E] int64, edges [E, 41] float32
    (masked edges zeroed), masked_atoms [M] int64, groups, periods [M] int64, masked_edges [K] int64,
    bins [K] int64.
    """
    node_ptr, edge_ptr = store["node_ptr"], store["edge_ptr"]
    nodes = [np.arange(node_ptr[c], node_ptr[c + 1]) for c in crystals]
    edges = [np.arange(edge_ptr[c], edge_ptr[c + 1]) for c in crystals]
    sizes = np.array([len(n) for n in nodes])
    starts = np.cumsum(sizes) - sizes
    offsets = np.repeat(starts, [len(e) for e in edges])
    node_index, edge_index = np.concatenate(nodes), np.concatenate(edges)
    masked = np.concatenate([
        start + np.sort(rng.choice(n, size=min(n, int(fraction * n) + 1), replace=False))
        for start, n in zip(starts, sizes)])
    is_masked = np.zeros(len(node_index), dtype=bool)
    is_masked[masked] = True
    src, dst = store["src"][edge_index] + offsets, store["dst"][edge_index] + offsets
    masked_edges = np.flatnonzero(is_masked[src] | is_masked[dst])
    z = store["z"][node_index]
    atoms = store["atom_table"][z]
    atoms[masked] = 0
    distance = store["distance"][edge_index]
    gaussians = gaussian_expansion(distance)
    gaussians[masked_edges] = 0
    return {
        "atoms": torch.from_numpy(atoms), "src": torch.from_numpy(src), "dst": torch.from_numpy(dst),
        "edges": torch.from_numpy(gaussians), "masked_atoms": torch.from_numpy(masked),
        "groups": torch.from_numpy(store["group"][z[masked]]),
        "periods": torch.from_numpy(store["period"][z[masked]]),
        "masked_edges": torch.from_numpy(masked_edges),
        "bins": torch.from_numpy(distance_bin(distance[masked_edges])),
        "crystals": len(crystals),
    }


class CGConv(nn.Module):
    """One NEGNN layer before its ReLU: atoms [N, width], embedded edges [E, width] -> atoms [N, width]."""

    def __init__(self, width, factored):
        super().__init__()
        self.width, self.factored = width, factored
        if factored:
            self.fc = nn.Linear(3 * width, 2 * width)  # gate rows first, core rows next
        else:
            self.lin_f, self.lin_s = nn.Linear(3 * width, width), nn.Linear(3 * width, width)
        self.norm = nn.BatchNorm1d(width)

    def forward(self, atoms, edges, src, dst):
        if self.factored:
            w, width = self.fc.weight, self.width
            centre = F.linear(atoms, w[:, :width], self.fc.bias)
            neighbour = F.linear(atoms, w[:, width:2 * width])
            gate, core = (centre.index_select(0, dst) + neighbour.index_select(0, src)
                          + F.linear(edges, w[:, 2 * width:])).chunk(2, dim=1)
        else:
            z = torch.cat([atoms.index_select(0, dst), atoms.index_select(0, src), edges], dim=1)  # [E, 3 width]
            gate, core = self.lin_f(z), self.lin_s(z)
        messages = torch.sigmoid(gate) * F.softplus(core)                              # [E, width]
        summed = atoms.new_zeros(atoms.shape).index_add_(0, dst, messages)             # [N, width]
        return self.norm(atoms + summed)


class NEGNNPredictive(nn.Module):
    """Batch -> (group logits [M, 19], period logits [M, 7], bond logits [K, 41])."""

    def __init__(self, features=92, width=WIDTH, basis=41, convolutions=CONVOLUTIONS, factored=False):
        super().__init__()
        self.embedding = nn.Linear(features, width)
        self.edge_embedding = nn.Linear(basis, width)
        self.convs = nn.ModuleList(CGConv(width, factored) for _ in range(convolutions))
        self.atom_head = nn.Linear(width, GROUPS + PERIODS)
        self.bond_head = nn.Linear(width, basis)

    def forward(self, batch):
        src, dst = batch["src"], batch["dst"]
        atoms = self.embedding(batch["atoms"])
        edges = self.edge_embedding(batch["edges"])
        for k, conv in enumerate(self.convs):
            atoms = conv(atoms, edges, src, dst)
            if k < len(self.convs) - 1:
                atoms = F.relu(atoms)
        logits = self.atom_head(atoms.index_select(0, batch["masked_atoms"]))
        pairs = batch["masked_edges"]
        bond = self.bond_head(atoms.index_select(0, src[pairs]) + atoms.index_select(0, dst[pairs]))
        return logits[:, :GROUPS], logits[:, GROUPS:], bond


def train_epoch(model, optimizer, batches):
    """One pass over the batches: (seconds, {term: mean over crystals}, {term: accuracy})."""
    model.train()
    names = ("group", "period", "bond")
    sums = {name: torch.zeros(()) for name in ("loss",) + names}
    right = {name: torch.zeros((), dtype=torch.int64) for name in names}
    start = time.perf_counter()
    for batch in batches:
        optimizer.zero_grad()
        outputs = model(batch)
        targets = (batch["groups"], batch["periods"], batch["bins"])
        terms = [F.cross_entropy(logits, target) for logits, target in zip(outputs, targets)]
        loss = terms[0] + terms[1] + terms[2]
        loss.backward()
        optimizer.step()
        with torch.no_grad():
            for name, value, logits, target in zip(names, terms, outputs, targets):
                sums[name] += value * batch["crystals"]
                right[name] += (logits.argmax(dim=1) == target).sum()
            sums["loss"] += loss * batch["crystals"]
    seconds = time.perf_counter() - start
    crystals = sum(batch["crystals"] for batch in batches)
    counts = {"group": sum(len(b["groups"]) for b in batches), "period": sum(len(b["periods"]) for b in batches),
              "bond": sum(len(b["bins"]) for b in batches)}
    return (seconds, {name: float(value) / crystals for name, value in sums.items()},
            {name: int(right[name]) / max(counts[name], 1) for name in names})


def main():
    args = parse_arguments()
    torch.set_num_threads(args.threads)
    torch.set_flush_denormal(True)
    torch.manual_seed(args.seed)
    store = load_store(args.run, args.atom_init)
    rng = np.random.default_rng(args.seed)
    order = rng.permutation(usable_crystals(store))
    size = args.batch_size
    batches = [make_batch(store, order[i:i + size], args.mask_fraction, rng) for i in range(0, len(order), size)]

    model = NEGNNPredictive(features=store["atom_table"].shape[1], factored=args.variant == "factored")
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    row = {"impl": "pytorch", "variant": args.variant, "threads": args.threads}
    history = {"loss": [], "terms": {}, "accuracy": {}}

    def record(losses, accuracy):
        history["loss"].append(losses.pop("loss"))
        for name, value in losses.items():
            history["terms"].setdefault(name, []).append(value)
        for name, value in accuracy.items():
            history["accuracy"].setdefault(name, []).append(value)

    record(*train_epoch(model, optimizer, batches)[1:])  # warm-up
    for _ in range(args.repeats):
        seconds, losses, accuracy = train_epoch(model, optimizer, batches)
        record(losses, accuracy)
        print(json.dumps({**row, "phase": "pretrain", "crystals": len(order), "seconds": seconds}), flush=True)
    print(json.dumps({**row, "phase": "loss", **history}), flush=True)


if __name__ == "__main__":
    sys.exit(main())
