"""Benchmark: Raft with 5 replicas, 1,000 client operations under 10 % message loss.

    python benchmarks/raft.py [--clients 10] [--loss 0.1] [--seeds 3]

Each run is 5 servers and ``--clients`` clients sharing 1,000 random get/put/append
operations, every message lost with probability ``--loss``. Prints, per seed, the operations
per simulated second, the median and 95th-percentile latency (simulated), messages per
operation, whether every checker held (Raft's Figure 3 and linearizability), and the wall
time of the run with its checkers (the only place coordlab measures real time).
"""
from __future__ import annotations

import argparse
import math
import statistics
import time

from coordlab.patterns.consensus import run_raft

OPERATIONS = 1_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--loss", type=float, default=0.1)
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    if OPERATIONS % args.clients:
        parser.error(f"--clients={args.clients} must divide {OPERATIONS}")
    print(f"5 servers, {args.clients} clients x {OPERATIONS // args.clients} operations, loss {args.loss}")
    print(f"{'seed':>4} {'ops/sim s':>9} {'median s':>8} {'p95 s':>6} {'msgs/op':>7} {'valid':>5} {'wall s':>6}")
    for seed in range(args.seeds):
        started = time.perf_counter()
        run = run_raft(servers=5, clients=args.clients, operations=OPERATIONS // args.clients, seed=seed,
                       loss=args.loss, until=3_600)
        wall = time.perf_counter() - started
        latencies = sorted(op.returned - op.invoked for op in run.history if op.returned is not None)
        p95 = latencies[math.ceil(0.95 * len(latencies)) - 1]
        print(f"{seed:4d} {run.metrics['operations per second']:9.1f} {statistics.median(latencies):8.3f} "
              f"{p95:6.3f} {run.metrics['messages per operation']:7.1f} {str(bool(run.verdict)):>5} {wall:6.2f}"
              + ("" if run.stop_reason == "all operations done" else f"  stop_reason={run.stop_reason!r}"))


if __name__ == "__main__":
    main()
