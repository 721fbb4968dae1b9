"""Benchmark: 10 000 independent-ish tasks on 100 workers through one orchestrator.

    python benchmarks/centralized.py [--tasks 10000] [--workers 100]

Prints wall time (the only place coordlab measures real time): ``run_centralized`` (the world's
run, then its verdict and task table), then ``run.metrics`` (read from the trace), their total,
and simulated events per wall-clock second of that total. Issue 11's target: 50,000 tasks on 500
workers within 12 s, all of it (2 cores). The workload is layered: each task depends on up to
two tasks of the previous layer, so dependencies are exercised, not just a bag of tasks.
"""
from __future__ import annotations

import argparse
import time

from coordlab import Uniform
from coordlab.patterns.centralized import run_centralized
from coordlab.patterns.tasks import layered_tasks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=100)
    args = parser.parse_args()
    tasks = layered_tasks(args.tasks, width=2 * args.workers, duration=Uniform(0.5, 1.5))
    started = time.perf_counter()
    run = run_centralized(tasks, workers=args.workers, seed=1, service_time=0.001)
    ran = time.perf_counter()
    metrics = run.metrics
    wall, summary = time.perf_counter() - started, time.perf_counter() - ran
    events = len(run.trace)
    print(f"{args.tasks} tasks on {args.workers} workers: stop_reason={run.stop_reason}, "
          f"verdict {'valid' if run.verdict else 'INVALID'}")
    print(f"simulated makespan {run.makespan:.2f} s (critical path {run.critical_path.length:.2f} s), "
          f"{events} events, {metrics['messages']} messages")
    print(f"wall time {wall:.2f} s ({wall - summary:.2f} s run_centralized, {summary:.2f} s run.metrics), "
          f"{events / wall:,.0f} simulated events/s")


if __name__ == "__main__":
    main()
