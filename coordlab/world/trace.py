"""The trace: everything that happened in a run, in order.

Metrics, pictures and checkers are all computed from the trace and nothing else, so
what a learner sees in a diagram is exactly what the checker judged.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from coordlab.world.message import Message

#: Event kinds the world itself records. Patterns add their own with ``Agent.log``.
WORLD_EVENTS = (
    "join", "leave", "send", "deliver", "drop", "timeout", "work_start", "work_end",
    "crash", "recover", "partition", "heal", "fault", "unhandled", "error", "stop",
)


@dataclass(slots=True)
class Event:
    """One thing that happened at ``time`` (simulated seconds) at ``agent``.

    Treat events as read-only: the trace is the record of what happened. (Not a frozen
    dataclass only because freezing makes creating one about twice as slow.)

    For message events ``agent`` is where it happened (the sender for ``send``, the
    receiver for ``deliver`` and ``drop``) and ``peer`` is the other end. ``reason``
    says why a message was dropped or what a custom event was about.
    """

    seq: int
    time: float
    kind: str
    agent: str | None = None
    peer: str | None = None
    message: Message | None = None
    reason: str | None = None
    data: dict[str, Any] | None = None

    def __str__(self) -> str:
        where = self.agent or "world"
        parts = [f"t={self.time:.4f}", where, self.kind]
        if self.message is not None:
            parts.append(str(self.message))
        if self.reason:
            parts.append(f"({self.reason})")
        if self.data:
            parts.append(" ".join(f"{k}={v!r}" for k, v in self.data.items()))
        return " ".join(parts)


class Trace:
    """An append-only list of events with a few ways to look at it."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def record(self, time: float, kind: str, agent: str | None = None, *, peer: str | None = None,
               message: Message | None = None, reason: str | None = None,
               data: dict[str, Any] | None = None) -> Event:
        event = Event(len(self.events), time, kind, agent, peer, message, reason, data)
        self.events.append(event)
        return event

    def __len__(self) -> int:
        return len(self.events)

    def __iter__(self) -> Iterator[Event]:
        return iter(self.events)

    def __getitem__(self, index: int) -> Event:
        return self.events[index]

    def select(self, kind: str | tuple[str, ...] | None = None, agent: str | None = None) -> list[Event]:
        """The events of the given kind(s) and/or at the given agent, in order."""
        kinds = (kind,) if isinstance(kind, str) else kind
        return [e for e in self.events
                if (kinds is None or e.kind in kinds) and (agent is None or e.agent == agent)]

    def agents(self) -> list[str]:
        """Every agent that appears in the trace, in order of first appearance."""
        seen: dict[str, None] = {}
        for e in self.events:
            for name in (e.agent, e.peer):
                if name is not None:
                    seen.setdefault(name, None)
        return list(seen)

    def fingerprint(self) -> str:
        """A short hash of every event: two runs with equal fingerprints did the same thing.

        Message bodies are hashed by their ``repr``. Python orders a set's elements by
        hash, which differs between processes, so put sorted tuples, not sets, in bodies
        that must replay identically in another process (a notebook re-run, a CI job).
        """
        digest = hashlib.sha256()
        for e in self.events:
            digest.update(f"{e.time!r}|{e.kind}|{e.agent}|{e.peer}|{e.reason}|".encode())
            if e.message is not None:
                m = e.message
                digest.update(f"{m.id}|{m.kind}|{m.body!r}|{m.in_reply_to}|{m.duplicate}".encode())
            if e.data:
                digest.update(repr(sorted(e.data.items())).encode())
        return digest.hexdigest()[:16]

    def to_frame(self):
        """The trace as a pandas DataFrame, one row per event (for filtering and plotting)."""
        import pandas as pd

        rows = []
        for e in self.events:
            m = e.message
            rows.append({
                "time": e.time, "kind": e.kind, "agent": e.agent, "peer": e.peer,
                "msg_id": m.id if m else None, "msg_kind": m.kind if m else None,
                "body": m.body if m else None, "reason": e.reason,
                "data": e.data,
            })
        return pd.DataFrame(rows, columns=["time", "kind", "agent", "peer", "msg_id", "msg_kind",
                                           "body", "reason", "data"])

    def __repr__(self) -> str:
        return f"<Trace of {len(self.events)} events, fingerprint {self.fingerprint()}>"
