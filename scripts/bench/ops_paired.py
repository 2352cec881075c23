"""Paired runs for scripts/bench/ops: each of our runs (ops-bench --serve, a child process) next to one of
PyTorch's (this process), op by op, alternating which goes first, so that both see the same phase of a machine
whose speed drifts (the 2-core VMs this was measured on moved by up to 2x within minutes).

usage: ops_paired.py OPS_BENCH ROUNDS EDGES ATOMS [NAME=VALUE ...]
  NAME=VALUE: environment settings for our process only (this process's own environment is PyTorch's).
Prints one JSON line per pair: op, threads, ours and torch seconds. One unrecorded round first.
"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ops_torch import make_ops, seconds  # noqa: E402


def main():
    binary, rounds, edges, atoms = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    env = {k: v for k, v in os.environ.items() if k != "THP_MEM_ALLOC_ENABLE"}
    env.update(setting.split("=", 1) for setting in sys.argv[5:])
    ours = subprocess.Popen([binary, "--serve", "--edges", edges, "--atoms", atoms], env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    ops = make_ops(int(edges), int(atoms))

    def our_seconds(name, threads):
        ours.stdin.write(f"{name.split()[0]} {threads}\n")
        ours.stdin.flush()
        reply = json.loads(ours.stdout.readline())
        assert reply["op"] == name and reply["threads"] == threads, reply
        return reply["seconds"]

    for r in range(rounds + 1):
        for threads in (1, 2):
            for name, inputs, op in ops:
                if r % 2 == 0:
                    mine = our_seconds(name, threads)
                    theirs = seconds(inputs, op, threads)
                else:
                    theirs = seconds(inputs, op, threads)
                    mine = our_seconds(name, threads)
                if r > 0:
                    print(json.dumps({"op": name, "threads": threads, "ours": mine, "torch": theirs}), flush=True)
    ours.stdin.close()
    ours.wait()


if __name__ == "__main__":
    main()
