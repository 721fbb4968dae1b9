"""Benchmark: the full comparison sweep of notebook 07, on dask.distributed, and its speed-up.

    python benchmarks/compare_sweep.py                 # recompute the committed caches (dask, 2 workers)
    python benchmarks/compare_sweep.py --speedup       # also time a small sweep serially and on dask

The full sweep is ``Comparison.measure()`` with its defaults: the five patterns at 8 to 1,024
agents, crash rates 0–50 % and partitions at 16 agents, and 10 seeds of predictability. Each
column's table is written to ``benchmarks/results/compare_<column>[_<part>].jsonl`` (the
``experiments.sweep`` cache), which notebook 07 re-renders from without recomputing;
``refresh`` makes every sweep run again even when a cache file exists.

``--speedup`` runs the same sweep (part of the scalability column: 16 runs, the longest about half a minute)
serially and on a local cluster of 2 worker processes, checks that the two tables are identical,
measures the resident memory of such a cluster (Binder gives about 2 GB), and writes the wall
times, their ratio and the memory to ``benchmarks/results/compare_speedup.csv``. Wall-clock and
memory figures exist only here and in that file.
"""
from __future__ import annotations

import argparse
import csv
import time
from pathlib import Path

from coordlab.compare import PATTERNS, Comparison, scalability

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"


def full_sweep(workers: int, refresh: bool) -> Comparison:
    """Every column at full size, on a local dask cluster, cached under ``RESULTS``."""
    started = time.perf_counter()
    table = Comparison.measure(cache_dir=RESULTS, engine="dask", workers=workers, refresh=refresh, progress=False)
    print(f"full sweep: {time.perf_counter() - started:.0f} s wall on {workers} workers")
    return table


def speedup(workers: int) -> dict[str, float]:
    """Wall time of one sweep serially and on ``workers`` dask processes (same table, checked).

    The sweep is part of the scalability column (contract net and the swarm at 32 and 128
    agents, 4 seeds): runs of up to half a minute, as the full sweep's largest are, so the
    cluster's start-up (seconds) is not all that is measured."""
    options = dict(sizes=(32, 128), seeds=range(4), patterns=("peer-to-peer", "swarm"), progress=False)
    started = time.perf_counter()
    serial = scalability(**options)
    serial_s = time.perf_counter() - started
    started = time.perf_counter()
    spread = scalability(**options, engine="dask", workers=workers)
    dask_s = time.perf_counter() - started
    if not serial.equals(spread):
        differ = (serial != spread) & ~(serial.isna() & spread.isna())
        raise AssertionError(f"the dask sweep's table differs from the serial one:\n{serial[differ.any(axis=1)]}\n"
                             f"{spread[differ.any(axis=1)]}")
    return {"runs": len(serial), "workers": workers, "serial_s": round(serial_s, 2), "dask_s": round(dask_s, 2),
            "speedup": round(serial_s / dask_s, 2)}


def cluster_memory(workers: int) -> dict[str, float]:
    """Resident memory of a local cluster of ``workers`` processes after a few comparison runs (MB):
    each worker's, and this process (the client and the scheduler) for scale."""
    import psutil

    from coordlab.compare import measured_run
    from coordlab.runtime.cluster import connect

    with connect(None, workers) as client:
        client.gather(client.map(measured_run, list(PATTERNS), [32] * len(PATTERNS), seed=0))
        per_worker = client.run(lambda: psutil.Process().memory_info().rss)
    return {"worker_mb": round(max(per_worker.values()) / 2**20), "workers_total_mb": round(sum(per_worker.values())
                                                                                            / 2**20),
            "client_and_scheduler_mb": round(psutil.Process().memory_info().rss / 2**20)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2, help="dask worker processes (default 2)")
    parser.add_argument("--refresh", action="store_true", help="recompute even if the cache files exist")
    parser.add_argument("--speedup", action="store_true", help="also measure the speed-up of dask over serial")
    args = parser.parse_args()
    table = full_sweep(args.workers, args.refresh)
    print(table.side_by_side().to_string())
    if args.speedup:
        figures = speedup(args.workers) | cluster_memory(args.workers)
        with open(RESULTS / "compare_speedup.csv", "w", newline="") as file:
            writer = csv.DictWriter(file, fieldnames=list(figures))
            writer.writeheader()
            writer.writerow(figures)
        print(figures)


if __name__ == "__main__":
    main()
