"""What the simulated network assumed, measured on a real cluster: two worker processes on this machine.

    python benchmarks/runtime_measure.py [output.json]

Writes ``benchmarks/results/runtime_measurements.json`` (notebook 08 and its exercises read it):

* ``cluster``: seconds to start a local cluster of two worker processes, and the memory it holds;
* ``latency``: one-way latencies of 200 request/reply pairs between the two processes (real ms);
* ``throughput``: messages per real second, two senders flooding a sink on the other process,
  against the simulated world's rate for the same run on this machine (the baseline);
* ``detection``: model seconds from a real worker-process kill to the orchestrator's
  ``worker_lost``, with notebook 02's heartbeat settings, against the same crash simulated;
* ``calibration``: real runs of the calibration workload (``coordlab.course.scale_out``), each
  with its makespan and every message latency (model seconds), and the simulated makespan.

Figures are wall-clock: they vary by machine and by what else it runs (``machine.load`` says).
"""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import numpy as np

from coordlab import Crash, World, metrics
from coordlab.course.scale_out import CALIBRATION_TIME_SCALE, WORKERS, calibration_tasks
from coordlab.patterns.centralized import run_centralized
from coordlab.patterns.tasks import research_pipeline
from coordlab.runtime import KillWorker, local_cluster, run_real
from coordlab.runtime.measure import Sender, Sink, cluster_cost, ping_pong, real_latencies, throughput, time_to_detect

OUTPUT = Path(__file__).parent / "results" / "runtime_measurements.json"
SEEDS = (1, 2, 3)
#: The kill: worker-2 alone on the second process, at model time 1.
KILL_PLACEMENT = {"client": 0, "orchestrator": 0, "worker-1": 0, "worker-2": 1, "worker-3": 0}


def simulated_throughput(n: int = 500, senders: int = 2) -> float:
    """Messages per real second of the same flood in the simulated world (the baseline)."""
    world = World()
    world.add(Sink("sink"), *(Sender(f"sender-{k}", "sink", n) for k in range(senders)))
    started = time.perf_counter()
    world.run()
    return n * senders / (time.perf_counter() - started)


def main(output: Path) -> None:
    results = {"machine": {"cpus": os.cpu_count(), "load": os.getloadavg()[0]}, "cluster": cluster_cost()}
    with local_cluster() as address:
        latencies = real_latencies(ping_pong(address, 200)) * 1000
        results["latency"] = {"pairs": 200, "ms": {f"p{p}": float(np.percentile(latencies, p)) for p in (50, 90, 99)}
                              | {"max": float(latencies.max())}}
        results["throughput"] = {"real": throughput(address, 500), "simulated": simulated_throughput(500)}
        detection = {"heartbeat_interval": 0.5, "suspect_after": 2.0, "real": []}
        for seed in SEEDS:
            simulated = run_centralized(research_pipeline(), workers=WORKERS, seed=seed)
            real = run_real(simulated, address=address, placement=KILL_PLACEMENT, faults=[KillWorker("worker-2", 1.0)])
            detection["real"].append(time_to_detect(real.trace, "worker-2"))
        crashed = run_centralized(research_pipeline(), workers=WORKERS, seed=1, faults=[Crash("worker-2", at=1.0)])
        detection["simulated"] = time_to_detect(crashed.trace, "worker-2")
        results["detection"] = detection
        runs = []
        for seed in SEEDS:
            simulated = run_centralized(calibration_tasks(), workers=WORKERS, seed=seed)
            real = run_real(simulated, address=address, time_scale=CALIBRATION_TIME_SCALE)
            runs.append({"seed": seed, "makespan": real.makespan, "simulated_makespan": simulated.makespan,
                         "valid": real.verdict.valid, "latencies": [round(float(v), 6) for v in
                                                                    metrics.latencies(real.trace)]})
        results["calibration"] = {"time_scale": CALIBRATION_TIME_SCALE, "runs": runs}
    output.write_text(json.dumps(results, indent=1) + "\n")
    summary = {key: value for key, value in results.items() if key != "calibration"}
    print(json.dumps(summary, indent=1))
    print("calibration makespans (real, simulated):", [(r["makespan"], r["simulated_makespan"]) for r in runs])


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUTPUT)
