"""Benchmark: the same sweep serially and on a 2-worker dask LocalCluster, in one run.

    python benchmarks/sweep_dask.py [--tasks 1000] [--points 8] [--seeds 2] [--workers 2] [--repeat 3] [--out FILE.csv]

The sweep is ``run_centralized`` on ``layered_tasks(tasks)`` for ``points`` worker counts ×
``seeds`` seeds: CPU-bound pure Python, the kind of sweep that outgrows one process. Measured:

* serial: ``sweep(..., engine="serial")`` wall time, and this process's peak resident memory (RSS);
* cluster start: how long ``local_cluster(workers)`` (the sweep's own cluster) takes to be ready;
* dask: the sweep on that running cluster (``address=``), its speedup over serial, and the peak
  memory of the cluster: RSS of the scheduler's process (this one) plus every worker and nanny
  process, sampled every 20 ms while the sweep runs;
* cpu_s, cpus_busy: CPU seconds the sweep's processes used (scheduler and nannies included for
  dask), and per wall second (2.0 = both cores were ours);
* dask end to end: ``sweep(..., engine="dask")`` as a notebook calls it (start, run, close).

Every table is checked to be identical to the serial one. Speedups are ratios measured in the
same run: the two engines alternate ``repeat`` times and each keeps its best time. On a machine
shared with other work they are lower than on an idle one (``cpus_busy`` and the load average show it).
Writes one CSV row per measurement (default ``benchmarks/results/sweep_dask.csv``).
"""
from __future__ import annotations

import argparse
import csv
import os
import resource
import threading
import time
from pathlib import Path

import pandas as pd
import psutil

from coordlab import Uniform
from coordlab.experiments import sweep
from coordlab.patterns.centralized import run_centralized
from coordlab.patterns.tasks import layered_tasks
from coordlab.runtime import local_cluster

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "results" / "sweep_dask.csv"
FIELDS = ("measurement", "engine", "dask_workers", "runs", "tasks_per_run", "wall_s", "speedup_vs_serial",
          "cpu_s", "cpus_busy", "cluster_start_s", "peak_rss_mb", "cpus", "load_avg_1min")
MB = 1024 * 1024


def makespans(tasks: int):
    """The sweep's run, a closure over the workload: cloudpickle sends it, workload included, with each run."""
    workload = layered_tasks(tasks, width=20, duration=Uniform(0.5, 1.5))

    def run(workers: int, seed: int) -> dict[str, float]:
        return run_centralized(workload, workers=workers, seed=seed).metrics

    return run


class PeakMemory:
    """Samples this process's RSS plus its children's (the cluster's workers and nannies) in a thread."""

    def __init__(self, interval: float = 0.02):
        self.interval, self.peak, self._stop = interval, 0, threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        me = psutil.Process()
        while True:
            self.peak = max(self.peak, total_rss(me))
            if self._stop.wait(self.interval):
                return


def timed(call, processes: list[psutil.Process]):
    """``call()``'s result, wall seconds and the CPU seconds ``processes`` spent meanwhile."""
    started, cpu = time.perf_counter(), cpu_seconds(processes)
    result = call()
    return result, time.perf_counter() - started, cpu_seconds(processes) - cpu


def cpu_seconds(processes: list[psutil.Process]) -> float:
    """CPU time (user + system) the processes have used so far."""
    return sum(sum(p.cpu_times()[:2]) for p in processes)


def total_rss(process: psutil.Process) -> int:
    total = process.memory_info().rss
    for child in process.children(recursive=True):
        try:
            total += child.memory_info().rss
        except psutil.NoSuchProcess:  # a worker that just exited
            pass
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--points", type=int, default=8)
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3, help="times each engine runs the sweep (best kept)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    run = makespans(args.tasks)
    grid = {"workers": [4 * (i + 1) for i in range(args.points)]}
    seeds = range(args.seeds)
    runs = args.points * args.seeds

    me = psutil.Process()
    serial, _, _ = timed(lambda: sweep(run, grid, seeds, progress=False), [me])
    serial_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes; no cluster yet

    started = time.perf_counter()
    with local_cluster(args.workers) as address:  # the very cluster sweep(engine="dask") starts
        start_s = time.perf_counter() - started
        idle_mb = total_rss(me) / MB
        cluster_processes = [me, *me.children(recursive=True)]
        serial_times, dask_times = [], []
        with PeakMemory() as peak:
            for _ in range(args.repeat):  # alternate, so both engines see the same neighbours; keep the best
                serial_times.append(timed(lambda: sweep(run, grid, seeds, progress=False), [me])[1:])
                on_cluster, *spent = timed(lambda: sweep(run, grid, seeds, progress=False, engine="dask",
                                                         address=address), cluster_processes)
                dask_times.append(spent)
                pd.testing.assert_frame_equal(on_cluster, serial, check_exact=True)
    (serial_s, serial_cpu), (dask_s, dask_cpu) = min(serial_times), min(dask_times)
    end_to_end, end_to_end_s, _ = timed(lambda: sweep(run, grid, seeds, progress=False, engine="dask",
                                                      workers=args.workers), [me])
    pd.testing.assert_frame_equal(end_to_end, serial, check_exact=True)

    common = {"dask_workers": args.workers, "runs": runs, "tasks_per_run": args.tasks, "cpus": os.cpu_count(),
              "load_avg_1min": round(os.getloadavg()[0], 2)}
    rows = [
        {"measurement": "serial sweep", "engine": "serial", "wall_s": serial_s, "cpu_s": serial_cpu,
         "cpus_busy": serial_cpu / serial_s, "peak_rss_mb": serial_mb},
        {"measurement": "idle cluster", "engine": "dask", "wall_s": None, "cluster_start_s": start_s,
         "peak_rss_mb": idle_mb},
        {"measurement": "sweep on a running cluster", "engine": "dask", "wall_s": dask_s, "cpu_s": dask_cpu,
         "cpus_busy": dask_cpu / dask_s, "cluster_start_s": start_s, "peak_rss_mb": peak.peak / MB},
        {"measurement": "sweep with its own cluster", "engine": "dask", "wall_s": end_to_end_s},
    ]
    for row in rows:
        if "sweep" in row["measurement"]:
            row["speedup_vs_serial"] = serial_s / row["wall_s"]
        row.update({**common, **{k: round(v, 2) for k, v in row.items() if isinstance(v, float)}})
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    print(f"{runs} runs of run_centralized on {args.tasks} tasks, {os.cpu_count()} CPUs, "
          f"load average {common['load_avg_1min']}; tables identical: yes")
    shown = FIELDS[:2] + ("wall_s", "speedup_vs_serial", "cpu_s", "cpus_busy", "cluster_start_s", "peak_rss_mb")
    print(pd.DataFrame(rows, columns=shown).astype(object).fillna("").to_string(index=False))
    print(f"wrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")


if __name__ == "__main__":
    main()
