"""Where the actors run: a local cluster of worker processes, or one the user already has.

``local_cluster()`` starts two single-threaded worker processes bound to 127.0.0.1 (nothing
listens on other interfaces, no dashboard, and the scheduler's small HTTP server on a free port
of 127.0.0.1 rather than 8787, which another cluster may hold) and always closes them, also on
an error or a Ctrl-C. ``connect(address)`` opens a client to the scheduler at ``address``;
without one it starts a local cluster for that client alone, closed with it. Both the runtime
and ``coordlab.experiments.sweep(engine="dask")`` start their clusters here.
"""
from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING

from coordlab.world import validate

if TYPE_CHECKING:
    from distributed import Client

#: What ``local_cluster`` starts by default: two worker processes of one thread each.
WORKERS = 2
#: The most worker processes a local cluster may have: more would only compete for a laptop's cores.
MAX_WORKERS = 8

#: Scheduler address -> number of workers, for the local clusters open in this process: how many
#: workers the cluster has even while a killed one is being restarted.
_sizes: dict[str, int] = {}


def checked_workers(workers: object) -> int:
    """``workers`` if it is a number of worker processes a local cluster may have (1 to ``MAX_WORKERS``)."""
    return validate.count("workers", workers, maximum=MAX_WORKERS)


@contextlib.contextmanager
def local_cluster(workers: int = WORKERS) -> Iterator[str]:
    """Start ``workers`` worker processes on 127.0.0.1 and yield the scheduler's address; closed on exit."""
    from distributed import LocalCluster  # here: importing coordlab.runtime.cluster stays light

    workers = checked_workers(workers)
    # silence_logs: a killed worker makes dask log errors that the run's trace already tells (crash, drops)
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                           dashboard_address=None, scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                           silence_logs=logging.CRITICAL)
    try:
        _sizes[cluster.scheduler_address] = workers
        yield cluster.scheduler_address
    finally:
        _sizes.pop(cluster.scheduler_address, None)
        cluster.close()


@contextlib.contextmanager
def connect(address: str | None, workers: int = WORKERS) -> Iterator[Client]:
    """A client of the cluster at ``address``, or of a local cluster of ``workers`` processes; closed on exit."""
    from distributed import Client

    address = checked_address(address)
    with contextlib.ExitStack() as stack:
        if address is None:
            address = stack.enter_context(local_cluster(workers))
        client = stack.enter_context(Client(address))
        yield client


def cluster_size(client: Client) -> int:
    """How many workers ``client``'s cluster has: as started, for a local cluster of this process (a
    killed worker being restarted still counts); else the workers connected now."""
    return _sizes.get(client.scheduler.address, len(client.scheduler_info()["workers"]))


def checked_address(address: object) -> str | None:
    """``address`` if it looks like a scheduler's address (``protocol://host:port``) or is None."""
    if address is not None and (not isinstance(address, str) or "://" not in address):
        raise ValueError(f"address={address!r} is not allowed: give a scheduler address such as "
                         "'tcp://127.0.0.1:8786', or None to start a local cluster")
    return address
