"""Benchmark: gossip rounds and messages against theory, and simulation speed.

    python benchmarks/p2p.py [--seeds 30] [--sizes 16 64 256 1024]

For push and push-pull gossip on complete graphs: the mean rounds until every peer knows
(± standard deviation over seeds) beside log2(n) + ln(n) (Frieze & Grimmett 1985; Pittel
1987) and log3(n) + ln ln(n) (Karp et al. 2000), and the messages sent until then beside
n·ln(n). Prints wall time (the only place coordlab measures real time).
"""
from __future__ import annotations

import argparse
import math
import statistics
import time

from coordlab.patterns.p2p import push_pull_rounds, push_rounds, run_broadcast


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=30)
    parser.add_argument("--sizes", type=int, nargs="+", default=[16, 64, 256, 1024])
    args = parser.parse_args()
    theory = {"push": push_rounds, "push-pull": push_pull_rounds}
    print(f"{'method':>9} {'n':>5} {'rounds':>13} {'theory':>7} {'messages':>9} {'n ln n':>8} {'wall s':>7}")
    for method, formula in theory.items():
        for n in args.sizes:
            started = time.perf_counter()
            runs = [run_broadcast("complete", n, method=method, seed=seed) for seed in range(args.seeds)]
            wall = time.perf_counter() - started
            rounds = [run.rounds for run in runs]
            messages = statistics.mean(run.messages for run in runs)
            print(f"{method:>9} {n:5d} {statistics.mean(rounds):6.2f} ± {statistics.stdev(rounds):4.2f} "
                  f"{formula(n):7.2f} {messages:9.0f} {n * math.log(n):8.0f} {wall:7.2f}")


if __name__ == "__main__":
    main()
