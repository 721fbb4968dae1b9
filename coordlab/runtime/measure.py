"""Measuring what the simulated network assumed: real latency, throughput, crash detection, cost.

* ``ping_pong``     a prober asks an answerer on the other worker process ``n`` times: the real
  one-way latencies between processes (the trace's ``deliver`` time minus ``sent_at``); the
  answerer is the course's ``Echo``;
* ``throughput``    senders on one worker send as fast as they can to a sink on the other:
  messages delivered per real second;
* ``time_to_detect`` from a real crash to the first event that noticed it (e.g. the
  orchestrator's ``worker_lost``): what the heartbeat settings cost in a real run;
* ``cluster_cost``  how long a local cluster takes to start, and how much memory it holds;
* ``Measured``      a latency for the *simulated* world drawn from measured values: a
  simulation calibrated on a real run.
"""
from __future__ import annotations

import random
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from coordlab import metrics
from coordlab.course.world import Echo
from coordlab.runtime.cluster import local_cluster
from coordlab.runtime.world import RealWorld
from coordlab.world import Agent, Message, RunResult, Trace, validate


class Prober(Agent):
    """Asks ``peer`` ``n`` pings, one after another."""

    def __init__(self, name: str, peer: str, n: int) -> None:
        super().__init__(name)
        self.peer, self.n = peer, n

    async def run(self) -> None:
        """Ask, wait for the answer, ask again: one request in flight at a time."""
        for number in range(self.n):
            await self.request(self.peer, "ping", number, timeout=60.0)


class Sender(Agent):
    """Sends ``n`` messages to ``sink`` as fast as it can, without waiting for anything."""

    def __init__(self, name: str, sink: str, n: int) -> None:
        super().__init__(name)
        self.sink, self.n = sink, n

    async def run(self) -> None:
        """Send all ``n`` at once, one after the other."""
        for number in range(self.n):
            await self.send(self.sink, "load", number)


class Sink(Agent):
    """Takes every message (and does nothing with it)."""

    daemon = True

    async def on_load(self, msg: Message) -> None:
        """Nothing to do: the delivery itself is what is measured."""


def ping_pong(address: str | None = None, n: int = 200, *, time_scale: float = 0.1) -> RunResult:
    """A real run of ``n`` request/reply pairs between two worker processes; read it with ``real_latencies``."""
    world = RealWorld(address=address, time_scale=time_scale, placement={"prober": 0, "answerer": 1})
    world.add(Prober("prober", "answerer", validate.count("n", n)), Echo("answerer"))  # Echo answers at once
    return world.run(until=n * 10.0)


def real_latencies(result: RunResult | Trace, time_scale: float = 0.1) -> np.ndarray:
    """One-way latencies of a real run's delivered messages, in real seconds (model seconds × ``time_scale``)."""
    trace = result.trace if isinstance(result, RunResult) else result
    return metrics.latencies(trace) * validate.number("time_scale", time_scale)


def throughput(address: str | None = None, n: int = 500, senders: int = 2, *, time_scale: float = 0.1) -> float:
    """Messages delivered per real second, ``senders`` agents on one worker flooding a sink on the other."""
    n, senders = validate.count("n", n), validate.count("senders", senders, maximum=16)
    world = RealWorld(address=address, time_scale=time_scale,
                      placement={"sink": 1, **{f"sender-{k}": 0 for k in range(senders)}})
    world.add(Sink("sink"), *(Sender(f"sender-{k}", "sink", n) for k in range(senders)))
    result = world.run(until=60.0)
    delivered = result.trace.select("deliver")
    if not delivered:
        raise RuntimeError(f"throughput: no message reached the sink within the run (it ended with "
                           f"{result.stop_reason!r}), so there is nothing to measure")
    first = min(event.message.sent_at for event in delivered)
    span = (max(event.time for event in delivered) - first) * time_scale
    return len(delivered) / span if span > 0 else float("nan")


def time_to_detect(trace: Trace, agent: str, noticed: str = "worker_lost") -> float | None:
    """Model seconds from ``agent``'s crash to the first ``noticed`` event about it (None: never noticed)."""
    crashes = trace.select("crash", agent=agent)
    if not crashes:
        return None
    crashed = crashes[0].time
    for event in trace.select(noticed):
        if event.time >= crashed and agent in (event.data or {}).values():
            return event.time - crashed
    return None


def cluster_cost(workers: int = 2) -> dict[str, float]:
    """Start a local cluster of ``workers`` processes: real seconds to start, and the memory it holds (MB).

    The memory is what its processes hold (workers and their nannies) plus what this process
    grew by (the scheduler runs here), read with psutil while the cluster is up.
    """
    import psutil  # a test dependency (pip install coordlab[test]), needed only here

    me = psutil.Process()
    before, started = me.memory_info().rss, time.perf_counter()
    with local_cluster(workers):
        start = time.perf_counter() - started
        children = me.children(recursive=True)
        held = sum(child.memory_info().rss for child in children) + me.memory_info().rss - before
    return {"start seconds": start, "processes": len(children), "memory MB": held / 2**20}


@dataclass(frozen=True)
class Measured:
    """A latency for the simulated world that draws from measured ``values`` (model seconds).

    ``World(latency=Measured(tuple(metrics.latencies(real.trace))))`` is a simulated network
    calibrated on a real run: each message takes one of the real delays, drawn by the seed.
    """

    values: Sequence[float]

    def __post_init__(self) -> None:
        if isinstance(self.values, (str, bytes)) or not isinstance(self.values, Sequence) or not self.values:
            raise ValueError(f"values={self.values!r} is not allowed: give a non-empty list of measured latencies")
        for value in self.values:
            validate.number("values", value, minimum=0)
        object.__setattr__(self, "values", tuple(float(value) for value in self.values))

    def __call__(self, rng: random.Random) -> float:
        return rng.choice(self.values)

    def __repr__(self) -> str:
        return f"Measured({len(self.values)} values, median {float(np.median(self.values)):.4g})"
