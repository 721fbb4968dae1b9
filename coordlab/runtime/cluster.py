"""Where the actors run: a local cluster of worker processes, or one the user already has.

``local_cluster()`` starts two single-threaded worker processes bound to 127.0.0.1 (nothing
listens on other interfaces, no dashboard, and the scheduler's small HTTP server on a free port
rather than 8787, which another cluster may hold) and always closes them, also on an error or a
Ctrl-C. ``connect(address)`` opens a client to the scheduler at ``address``; without one it
starts a local cluster for that client alone, closed with it.
"""
from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

from distributed import Client, LocalCluster

#: What ``local_cluster`` starts by default: two worker processes of one thread each.
WORKERS = 2


@contextlib.contextmanager
def local_cluster(workers: int = WORKERS) -> Iterator[str]:
    """Start ``workers`` worker processes on 127.0.0.1 and yield the scheduler's address; closed on exit."""
    if isinstance(workers, bool) or not isinstance(workers, int) or not 1 <= workers <= 8:
        raise ValueError(f"workers={workers!r} is not allowed: give a number of worker processes from 1 to 8")
    # silence_logs: a killed worker makes dask log errors that the run's trace already tells (crash, drops)
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                           dashboard_address=None, scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                           silence_logs=logging.CRITICAL)
    try:
        yield cluster.scheduler_address
    finally:
        cluster.close()


@contextlib.contextmanager
def connect(address: str | None) -> Iterator[Client]:
    """A client of the cluster at ``address`` (or of a local cluster of its own); closed on exit."""
    address = checked_address(address)
    with contextlib.ExitStack() as stack:
        if address is None:
            address = stack.enter_context(local_cluster())
        client = stack.enter_context(Client(address))
        yield client


def checked_address(address: object) -> str | None:
    """``address`` if it looks like a scheduler's address (``protocol://host:port``) or is None."""
    if address is not None and (not isinstance(address, str) or "://" not in address):
        raise ValueError(f"address={address!r} is not allowed: give a scheduler address such as "
                         "'tcp://127.0.0.1:8786', or None to start a local cluster")
    return address
