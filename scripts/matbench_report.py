"""MatBench report for scripts/matbench: per-fold test MAE of our predictions next to the leaderboard's.

Reads RUN/<task>/{crystals,predictions}.h5 (predictions of models fold0…fold4), maps each crystal to its
MatBench id (mb-<task>-<row>, from the crystal's record in its source file), and for each fold scores the
fold's official test ids. Writes RUN/<task>/report.md, RUN/report.md (all tasks) and RUN/results.json.gz
(MatBench's results layout: tasks → task → results → fold_k → {data: {id: prediction}, scores: {mae, rmse,
max_error}}).
"""

import argparse
import gzip
import json
import math
import os

import h5py
import hdf5plugin  # noqa: F401  (zstd filter for h5py)

LABELS = {"jdft2d": "exfoliation_en", "phonons": "last_phdos_peak", "dielectric": "n"}
UNITS = {"jdft2d": "meV/atom", "phonons": "cm⁻¹", "dielectric": "(unitless)"}


def leaderboard_maes(path, model, task):
    """Per-fold MAE of a leaderboard entry for matbench_<task>: list of 5 floats."""
    with gzip.open(os.path.join(path, f"matbench_v0.1_{model}", "results.json.gz")) as f:
        results = json.load(f)["tasks"][f"matbench_{task}"]["results"]
    return [results[f"fold_{k}"]["scores"]["mae"] for k in range(5)]


def task_folds(splits, task):
    """Official folds of matbench_<task>: {fold: (train ids, test ids)}."""
    entry = splits["splits"][f"matbench_{task}"]
    return {k: (entry[f"fold_{k}"]["train"], entry[f"fold_{k}"]["test"]) for k in range(5)}


def row_of(mb_id):
    """mb-<task>-<1-based row> → 0-based row."""
    return int(mb_id.rsplit("-", 1)[1]) - 1


def crystal_labels(task, run):
    """(position, labels) of the task's run directory: position maps a 0-based MatBench row to the crystal's index
    in crystals.h5, labels [crystals] are the task's targets in that order."""
    crystals = h5py.File(os.path.join(run, "crystals.h5"), "r")
    labels = crystals["labels"][LABELS[task]][:]
    position = {int(r): i for i, r in enumerate(crystals["graph_source_record"][:])}
    return position, labels


def score(task, run, folds, splits):
    """Per-fold (mae, rmse, max_error, data) for the task's run directory."""
    position, labels = crystal_labels(task, run)
    predictions = h5py.File(os.path.join(run, "predictions.h5"), "r")
    official = task_folds(splits, task)
    out = {}
    for fold in folds:
        values = predictions[f"fold{fold}"][LABELS[task]]["mean"][:]
        errors, data = [], {}
        for mb_id in official[fold][1]:
            i = position[row_of(mb_id)]
            data[mb_id] = float(values[i])
            errors.append(float(values[i]) - float(labels[i]))
        mae = sum(abs(e) for e in errors) / len(errors)
        rmse = math.sqrt(sum(e * e for e in errors) / len(errors))
        out[fold] = (mae, rmse, max(abs(e) for e in errors), data)
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--tasks", required=True)
    parser.add_argument("--folds", required=True)
    parser.add_argument("--splits", required=True)
    parser.add_argument("--leaderboard", required=True)
    parser.add_argument("--model", default="CGCNN", help="our model's name in the table header")
    args = parser.parse_args()
    with gzip.open(args.splits) as f:
        splits = json.load(f)
    folds = [int(k) for k in args.folds.split(",")]
    results = {"@module": "matbench.bench", "@class": "MatbenchBenchmark", "version": "0.1.0", "tasks": {}}
    lines = [
        f"| task | fold | XtalScreen {args.model} MAE | leaderboard CGCNN | leaderboard ALIGNN |",
        "|---|---|---|---|---|",
    ]
    for task in args.tasks.split(","):
        scored = score(task, os.path.join(args.out, task), folds, splits)
        cgcnn = leaderboard_maes(args.leaderboard, "cgcnnv2019", task)
        alignn = leaderboard_maes(args.leaderboard, "alignn", task)
        task_results = {}
        for fold in folds:
            mae, rmse, max_error, data = scored[fold]
            task_results[f"fold_{fold}"] = {"data": data, "scores": {"mae": mae, "rmse": rmse, "max_error": max_error}}
            lines.append(f"| {task} | {fold} | {mae:.4g} | {cgcnn[fold]:.4g} | {alignn[fold]:.4g} |")
        ours = sum(scored[k][0] for k in folds) / len(folds)
        theirs = sum(cgcnn[k] for k in folds) / len(folds)
        best = sum(alignn[k] for k in folds) / len(folds)
        lines.append(f"| **{task} mean** ({UNITS[task]}) | {len(folds)} folds | **{ours:.4g}** | {theirs:.4g} | {best:.4g} |")
        results["tasks"][f"matbench_{task}"] = {"results": task_results}
    report = "\n".join(lines) + "\n"
    with open(os.path.join(args.out, "report.md"), "w") as f:
        f.write(report)
    with gzip.open(os.path.join(args.out, "results.json.gz"), "wt") as f:
        json.dump(results, f)
    print(report, end="")


if __name__ == "__main__":
    main()
