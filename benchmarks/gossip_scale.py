"""Benchmark: gossip from 256 to 16,384 peers: wall time, peak memory and messages per run.

    python benchmarks/gossip_scale.py [--sizes 256 1024 4096 16384] [--seeds 1] [--out FILE.csv]

Each run is ``run_broadcast("complete", n, method=..., seed=...)`` (push and push-pull, default
round budget) in a fresh process, so that its peak resident memory (``ru_maxrss``) is its own;
``push-sum`` runs ``run_push_sum("complete", n)`` (30 rounds) up to n = 4,096 and reads its exact
mass ledger. One CSV row per run: n, method, seed, rounds (None if some peer missed the rumour),
messages (rumour messages until the last peer learnt it; every message for push-sum), events in
the trace, wall seconds, peak RSS in MB; and n·ln(n) for the line the notebook draws beside them.

The targets of issue 11 (2 cores): push and push-pull at n = 16,384 within 10 s and 1 GB per run,
push-sum at n = 4,096 within 10 s. Wall-clock figures exist only here and in the CSV it writes,
which notebook 03 plots (so its outputs do not depend on the machine that re-executes it).
"""
from __future__ import annotations

import argparse
import csv
import json
import math
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "results" / "gossip_scale.csv"
FIELDS = ("n", "method", "seed", "rounds", "messages", "events", "wall_s", "peak_mb", "n_ln_n")
#: push-sum carries exact fractions: it is measured up to this many peers.
PUSH_SUM_MAX = 4_096


def one_run(method: str, n: int, seed: int) -> dict[str, object]:
    """Run once in this process and measure it (called in a child process by ``measure``)."""
    from coordlab.patterns import p2p

    started = time.perf_counter()
    if method == "push-sum":
        run = p2p.run_push_sum("complete", n, seed=seed)
        assert run.ledger[-1].total == (sum(run.values.values()), n)  # the exact ledger, read to the end
        rounds, messages = len(run.errors) - 1, run.metrics["messages"]
    else:
        run = p2p.run_broadcast("complete", n, method=method, seed=seed)
        rounds, messages = run.rounds, run.messages
    wall = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes
    return {"n": n, "method": method, "seed": seed, "rounds": rounds, "messages": messages, "events": len(run.trace),
            "wall_s": round(wall, 2), "peak_mb": round(peak_mb), "n_ln_n": round(n * math.log(n))}


def measure(method: str, n: int, seed: int) -> dict[str, object]:
    """``one_run`` in a fresh Python process, so each run's peak memory is its own."""
    code = ("import json, sys; sys.path.insert(0, 'benchmarks'); from gossip_scale import one_run; "
            f"print(json.dumps(one_run({method!r}, {n}, {seed})))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 1024, 4096, 16384])
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    rows = []
    print(f"{'method':>9} {'n':>6} {'rounds':>6} {'messages':>9} {'n ln n':>8} {'events':>9} {'wall s':>7} {'MB':>6}")
    for method in ("push", "push-pull", "push-sum"):
        for n in args.sizes:
            if method == "push-sum" and n > PUSH_SUM_MAX:
                continue
            for seed in range(args.seeds):
                row = measure(method, n, seed)
                rows.append(row)
                print(f"{method:>9} {n:6d} {row['rounds']!s:>6} {row['messages']:9d} {row['n_ln_n']:8d} "
                      f"{row['events']:9d} {row['wall_s']:7.2f} {row['peak_mb']:6d}", flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")


if __name__ == "__main__":
    main()
