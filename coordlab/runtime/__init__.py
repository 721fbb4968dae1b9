"""The second host: the same agents on dask.distributed, in real time, across worker processes.

    from coordlab.runtime import local_cluster, run_real, KillWorker
    sim = run_centralized(research_pipeline(), workers=3, seed=1)
    alone = {"client": 0, "orchestrator": 0, "worker-1": 0, "worker-2": 1, "worker-3": 0}  # worker-2's process: its own
    with local_cluster() as address:
        real = run_real(sim, address=address, placement=alone, faults=[KillWorker("worker-2", at=1.0)])

* ``RealWorld``    built like ``World`` (``add``, ``add_checker``, ``run``), run on dask actors;
* ``run_real``     a pattern's simulated run, run again for real, read back as the same run type;
* ``local_cluster`` two worker processes on 127.0.0.1, always closed; ``connect`` a client to one;
* ``KillWorker``   the real fault: kill the worker process that hosts an agent;
* ``measure``      what the simulated network assumed, measured: latency between processes,
  messages per second, time to detect a crash, cluster start time and memory.
"""
from coordlab.runtime.cluster import connect, local_cluster
from coordlab.runtime.faults import KillWorker
from coordlab.runtime.patterns import run_real
from coordlab.runtime.world import RealWorld

__all__ = ["KillWorker", "RealWorld", "connect", "local_cluster", "run_real"]
