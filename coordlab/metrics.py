"""Numbers from a trace: messages, makespan, busy time, latency.

Every function reads the trace and nothing else, so the numbers agree with the pictures
and the checkers by construction.
"""
from __future__ import annotations

from collections import Counter

import numpy as np

from coordlab.world import validate
from coordlab.world.trace import WORLD_EVENTS, Trace

#: Events that count as the system doing something (used for makespan).
PRODUCTIVE = ("deliver", "work_end")


def messages_by_kind(trace: Trace) -> dict[str, int]:
    """How many messages of each kind were sent (duplicates and drops included)."""
    return dict(Counter(e.message.kind for e in trace.select("send")))


def messages_by_agent(trace: Trace) -> dict[str, dict[str, int]]:
    """Per agent: messages sent, delivered to it, and dropped on the way to it."""
    counts: dict[str, dict[str, int]] = {}
    for e in trace.select(("send", "deliver", "drop")):
        row = counts.setdefault(e.agent, {"sent": 0, "received": 0, "dropped": 0})
        row[{"send": "sent", "deliver": "received", "drop": "dropped"}[e.kind]] += 1
    return counts


def makespan(trace: Trace) -> float:
    """Time of the last delivery, finished piece of work or custom (pattern) event."""
    times = [e.time for e in trace if e.kind in PRODUCTIVE or e.kind not in WORLD_EVENTS]
    return max(times, default=0.0)


def busy_time(trace: Trace) -> dict[str, float]:
    """Seconds each agent spent in ``work`` (work cut short by a crash counts up to the crash)."""
    busy: dict[str, float] = {}
    started: dict[str, list[float]] = {}
    for e in trace:
        if e.kind == "work_start":
            started.setdefault(e.agent, []).append(e.time)
        elif e.kind == "work_end" and started.get(e.agent):
            busy[e.agent] = busy.get(e.agent, 0.0) + e.time - started[e.agent].pop(0)
        elif e.kind in ("crash", "leave", "stop"):
            names = [e.agent] if e.agent else list(started)
            for name in names:
                for begin in started.pop(name, []):
                    busy[name] = busy.get(name, 0.0) + e.time - begin
        if e.kind == "join":
            busy.setdefault(e.agent, 0.0)
    return busy


def utilisation(trace: Trace) -> dict[str, float]:
    """Busy time divided by makespan, per agent (0 = always idle, 1 = always working)."""
    span = makespan(trace)
    return {name: (t / span if span else 0.0) for name, t in busy_time(trace).items()}


def latencies(trace: Trace) -> np.ndarray:
    """Delivery time minus send time, for every delivered message, in delivery order."""
    return np.array([e.time - e.message.sent_at for e in trace.select("deliver")], dtype=float)


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
    drops = Counter(e.reason for e in trace.select("drop"))
    return {
        "makespan": makespan(trace),
        "sent": len(trace.select("send")),
        "delivered": len(trace.select("deliver")),
        **{f"dropped ({reason})": n for reason, n in sorted(drops.items())},
        **{f"latency {k}": v for k, v in latency_percentiles(trace).items()},
    }
