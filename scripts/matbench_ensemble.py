"""Repeated MatBench runs of one task, crystal by crystal: each run's per-fold test MAE, the MAE of their mean
prediction (an ensemble of the runs), and the crystals that account most for the difference from a reference.

A run is one or more scripts/matbench output directories that together hold the five folds (a run split over
several processes, one fold each). The reference is any results.json.gz in MatBench's layout: a leaderboard
entry's or one of our runs'.

    python3 scripts/matbench_ensemble.py --task phonons \\
        --run seed0=runs/se-A,runs/se-B,runs/se-C,runs/se-D,runs/se-E --run seed1=runs/se1-A,… \\
        [--reference coNGN=PATH/results.json.gz] [--top 5]
"""

import argparse
import gzip
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from matbench_report import crystal_labels, row_of  # noqa: E402


def fold_predictions(path, task):
    """{fold_k: {mb_id: prediction}} of one results.json.gz for matbench_<task>."""
    with gzip.open(path) as f:
        results = json.load(f)["tasks"][f"matbench_{task}"]["results"]
    return {fold: entry["data"] for fold, entry in results.items()}


def mean(values):
    return sum(values) / len(values)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--task", required=True)
    parser.add_argument("--run", action="append", required=True, help="NAME=DIR[,DIR…]")
    parser.add_argument("--reference", help="NAME=results.json.gz to compare with crystal by crystal")
    parser.add_argument("--top", type=int, default=5, help="crystals listed per fold")
    args = parser.parse_args()

    for spec in args.run + ([args.reference] if args.reference else []):
        if "=" not in spec:
            parser.error(f"expected NAME=…, got {spec!r}")
    runs = {}
    for spec in args.run:
        name, dirs = spec.split("=", 1)
        runs[name] = {}
        for d in dirs.split(","):
            path = os.path.join(d, "results.json.gz")
            if not os.path.isfile(path):
                parser.error(f"{path}: no such file (is {d} a finished scripts/matbench run?)")
            runs[name].update(fold_predictions(path, args.task))
    # Every run directory holds the same task's crystals: the targets are read from the first.
    position, values = crystal_labels(args.task, os.path.join(args.run[0].split("=", 1)[1].split(",")[0], args.task))
    labels = {row: float(values[i]) for row, i in position.items()}
    reference_name, reference = None, None
    if args.reference:
        reference_name, path = args.reference.split("=", 1)
        reference = fold_predictions(path, args.task)

    folds = sorted(set.intersection(*(set(r) for r in runs.values())))
    names = list(runs)
    header = ["fold"] + names + ["mean of runs", f"ensemble of {len(names)}"] + ([reference_name] if reference else [])
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    table, worst = [], []
    for fold in folds:
        ids = list(runs[names[0]][fold])
        target = {i: labels[row_of(i)] for i in ids}
        per_run = [mean([abs(runs[n][fold][i] - target[i]) for i in ids]) for n in names]
        ensemble = {i: mean([runs[n][fold][i] for n in names]) for i in ids}
        row = per_run + [mean(per_run), mean([abs(ensemble[i] - target[i]) for i in ids])]
        if reference:
            row.append(mean([abs(reference[fold][i] - target[i]) for i in ids]))
            # How much more each crystal's error (averaged over the runs) is than the reference's, per test crystal.
            excess = {
                i: (mean([abs(runs[n][fold][i] - target[i]) for n in names]) - abs(reference[fold][i] - target[i]))
                / len(ids)
                for i in ids
            }
            for i in sorted(ids, key=lambda i: -excess[i])[: args.top]:
                worst.append((fold, i, target[i], ensemble[i], reference[fold][i], excess[i]))
        table.append(row)
        print(f"| {fold.replace('fold_', '')} | " + " | ".join(f"{v:.4g}" for v in row) + " |")
    print("| **mean** | " + " | ".join(f"**{mean(column):.4g}**" for column in zip(*table)) + " |")
    if worst:
        print(f"\nCrystals whose error (mean over the runs) most exceeds {reference_name}'s, as MAE contributions:")
        print(f"| fold | crystal | target | ensemble | {reference_name} | excess MAE |")
        print("|---|---|---|---|---|---|")
        for fold, i, t, e, r, x in worst:
            print(f"| {fold.replace('fold_', '')} | {i} | {t:.1f} | {e:.1f} | {r:.1f} | {x:+.2f} |")


if __name__ == "__main__":
    main()
