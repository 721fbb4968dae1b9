"""The tally: a run's headline numbers, counted event by event instead of read back from a trace.

A trace at a lower level (``World(trace="messages")`` or ``"summary"``) does not keep every
event, so the metrics that only need counts (messages by kind and agent, drops by reason, busy
time per agent, makespan, latencies) are counted here as the events happen. A full trace
folds its stored events through the same ``Tally.add``, so both levels give the same numbers
by construction.
"""
from __future__ import annotations

from array import array
from dataclasses import dataclass, field

#: The world's own event kinds. Patterns add their own with ``Agent.log``; those are "custom".
WORLD_EVENTS = (
    "join", "leave", "send", "deliver", "drop", "timeout", "work_start", "work_end",
    "crash", "recover", "partition", "heal", "fault", "unhandled", "error", "stop",
)
_WORLD = frozenset(WORLD_EVENTS)
#: Events that count as the system doing something (used for makespan), besides custom events.
PRODUCTIVE = ("deliver", "work_end")
_MESSAGE_COLUMN = {"send": "sent", "deliver": "received", "drop": "dropped"}


@dataclass
class Tally:
    """Counters over every event of a run (whatever the trace kept)."""

    events: dict[str, int] = field(default_factory=dict)  # events by kind
    sent: dict[str, int] = field(default_factory=dict)  # messages sent, by message kind
    by_agent: dict[str, dict[str, int]] = field(default_factory=dict)  # sent/received/dropped per agent
    drops: dict[str | None, int] = field(default_factory=dict)  # dropped messages, by reason
    busy: dict[str, float] = field(default_factory=dict)  # seconds of work per agent
    makespan: float = 0.0  # time of the last delivery, finished work or custom event
    end: float = 0.0  # time of the last event
    latencies: array = field(default_factory=lambda: array("d"))  # per delivery, in order (exact percentiles)
    agents: dict[str, None] = field(default_factory=dict)  # every agent named, in order of first appearance
    working: dict[str, list[float]] = field(default_factory=dict)  # work started and not yet ended

    def add(self, time: float, kind: str, agent: str | None, peer: str | None, reason: str | None,
            message_kind: str | None = None, sent_at: float = 0.0) -> None:
        """Count one event (``message_kind``, ``sent_at``: of its message, if it has one)."""
        self.events[kind] = self.events.get(kind, 0) + 1
        if time > self.end:
            self.end = time
        for name in (agent, peer):
            if name is not None and name not in self.agents:
                self.agents[name] = None
        if kind in _MESSAGE_COLUMN:
            row = self.by_agent.get(agent)
            if row is None:
                row = self.by_agent[agent] = {"sent": 0, "received": 0, "dropped": 0}
            row[_MESSAGE_COLUMN[kind]] += 1
            if kind == "send":
                self.sent[message_kind] = self.sent.get(message_kind, 0) + 1
            elif kind == "deliver":
                self.latencies.append(time - sent_at)
            else:
                self.drops[reason] = self.drops.get(reason, 0) + 1
        if (kind in PRODUCTIVE or kind not in _WORLD) and time > self.makespan:
            self.makespan = time
        self._count_work(time, kind, agent)

    def _count_work(self, time: float, kind: str, agent: str | None) -> None:
        """Busy time: each ``work_end`` closes the agent's oldest open ``work_start``; a crash,
        a departure or the end of the run closes all of them (work cut short counts up to then)."""
        if kind == "work_start":
            self.working.setdefault(agent, []).append(time)
        elif kind == "work_end" and self.working.get(agent):
            self.busy[agent] = self.busy.get(agent, 0.0) + time - self.working[agent].pop(0)
        elif kind in ("crash", "leave", "stop"):
            for name in [agent] if agent else list(self.working):
                for begin in self.working.pop(name, []):
                    self.busy[name] = self.busy.get(name, 0.0) + time - begin
        if kind == "join":
            self.busy.setdefault(agent, 0.0)

    def digest(self) -> bytes:
        """Everything counted, as bytes (what a summary-level fingerprint hashes)."""
        counts = (sorted(self.events.items()), sorted(self.sent.items()), sorted(self.by_agent.items()),
                  sorted(self.drops.items(), key=repr), sorted(self.busy.items()), self.makespan, self.end)
        return repr(counts).encode() + self.latencies.tobytes()
