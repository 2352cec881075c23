#!/usr/bin/env python3
"""The peer for scripts/bench/rank: the same data, ranked the way a numpy user would.

  rank_numpy.py prepare N SEED OUT.jsonl   writes N Materials Project documents (two-atom rock-salt cells of
                                           random elements) with labels t1..t4 (uniform random, seeded)
  rank_numpy.py rank DOCS.jsonl M REPEATS  ranks by maximising t1..tM: one objective sorts (argsort);
                                           several are peeled into Pareto fronts, each front found with the
                                           usual vectorised "is Pareto efficient" loop; prints the median
                                           seconds (loading excluded) and the number of fronts
"""
import json
import random
import statistics
import sys
import time

import numpy as np


def prepare(count, seed, out):
    rng = random.Random(seed)
    cations = ["Li", "Na", "K", "Rb", "Mg", "Ca", "Sr", "Ba", "Zn", "Cd"]
    anions = ["F", "Cl", "Br", "I", "O", "S", "Se", "Te", "N", "P"]
    with open(out, "w") as f:
        for i in range(count):
            a = 4 + 2 * rng.random()
            doc = {
                "material_id": f"b-{i}",
                "structure": {
                    "lattice": {"matrix": [[a, 0, 0], [0, a, 0], [0, 0, a]]},
                    "sites": [
                        {"species": [{"element": rng.choice(cations), "occu": 1}], "abc": [0, 0, 0]},
                        {"species": [{"element": rng.choice(anions), "occu": 1}], "abc": [0.5, 0.5, 0.5]},
                    ],
                },
            }
            for k in range(1, 5):
                doc[f"t{k}"] = rng.random()
            f.write(json.dumps(doc) + "\n")


def fronts(values):
    """Front number (1-based) of every row of `values` [N, M], all maximised."""
    costs_all = -values
    front = np.zeros(len(values), dtype=np.int64)
    remaining = np.arange(len(values))
    number = 0
    while len(remaining):
        number += 1
        costs = costs_all[remaining]
        efficient = np.arange(len(costs))
        next_point = 0
        while next_point < len(costs):
            keep = np.any(costs < costs[next_point], axis=1)
            keep[next_point] = True
            efficient = efficient[keep]
            costs = costs[keep]
            next_point = np.sum(keep[:next_point]) + 1
        chosen = remaining[efficient]
        # Drop points equal to a chosen one but not chosen themselves? Exact ties are measure-zero here.
        front[chosen] = number
        remaining = np.setdiff1d(remaining, chosen, assume_unique=True)
    return front


def rank(path, objectives, repeats):
    rows = [json.loads(line) for line in open(path)]
    values = np.array([[row[f"t{k}"] for k in range(1, objectives + 1)] for row in rows])
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        if objectives == 1:
            order = np.argsort(-values[:, 0], kind="stable")
            count = 1
        else:
            front = fronts(values)
            order = np.lexsort((-values[:, 0], front))
            count = int(front.max())
        times.append(time.perf_counter() - started)
    assert len(order) == len(values)
    print(f"{statistics.median(times):.3f} {count}")


if __name__ == "__main__":
    if sys.argv[1] == "prepare":
        prepare(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
    else:
        rank(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
