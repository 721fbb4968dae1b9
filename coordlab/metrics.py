"""Numbers from a trace: messages, makespan, busy time, latency.

Every function reads the trace and nothing else, so the numbers agree with the pictures
and the checkers by construction. The counting ones read the trace's tally
(``coordlab.world.tally``), so they answer at every trace level, even ``"summary"``.
"""
from __future__ import annotations

import numpy as np

from coordlab.world import validate
from coordlab.world.tally import PRODUCTIVE
from coordlab.world.trace import Trace

__all__ = ["PRODUCTIVE", "busy_time", "latencies", "latency_percentiles", "makespan", "messages_by_agent",
           "messages_by_kind", "summary", "utilisation"]


def messages_by_kind(trace: Trace) -> dict[str, int]:
    """How many messages of each kind were sent (duplicates and drops included)."""
    return dict(trace.tally().sent)


def messages_by_agent(trace: Trace) -> dict[str, dict[str, int]]:
    """Per agent: messages sent, delivered to it, and dropped on the way to it."""
    return {agent: dict(row) for agent, row in trace.tally().by_agent.items()}


def makespan(trace: Trace) -> float:
    """Time of the last delivery, finished piece of work or custom (pattern) event."""
    return trace.tally().makespan


def busy_time(trace: Trace) -> dict[str, float]:
    """Seconds each agent spent in ``work`` (work cut short by a crash counts up to the crash)."""
    return dict(trace.tally().busy)


def utilisation(trace: Trace) -> dict[str, float]:
    """Busy time divided by makespan, per agent (0 = always idle, 1 = always working)."""
    span = makespan(trace)
    return {name: (t / span if span else 0.0) for name, t in busy_time(trace).items()}


def latencies(trace: Trace) -> np.ndarray:
    """Delivery time minus send time, for every delivered message, in delivery order."""
    return np.array(trace.tally().latencies, dtype=float)


def latency_percentiles(trace: Trace, percentiles: tuple[float, ...] = (50, 90, 99)) -> dict[str, float]:
    """Latency percentiles of delivered messages, e.g. ``{"p50": 0.03, "p90": …, "max": …}``."""
    for p in percentiles:
        if not 0 <= validate.number("percentiles", p) <= 100:
            raise ValueError(f"percentiles={percentiles!r} is not allowed: each must be between 0 and 100")
    values = latencies(trace)
    if values.size == 0:
        return {f"p{p:g}": float("nan") for p in percentiles} | {"max": float("nan")}
    result = {f"p{p:g}": float(np.percentile(values, p)) for p in percentiles}
    result["max"] = float(values.max())
    return result


def summary(trace: Trace) -> dict[str, float]:
    """The headline numbers of a run, for a quick look."""
    tally = trace.tally()
    return {
        "makespan": tally.makespan,
        "sent": tally.events.get("send", 0),
        "delivered": tally.events.get("deliver", 0),
        **{f"dropped ({reason})": n for reason, n in sorted(tally.drops.items())},
        **{f"latency {k}": v for k, v in latency_percentiles(trace).items()},
    }
