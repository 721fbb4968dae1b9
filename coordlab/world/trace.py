"""The trace: everything that happened in a run, in order.

Metrics, pictures and checkers are all computed from the trace and nothing else, so
what a learner sees in a diagram is exactly what the checker judged.

A trace keeps as much as its **level** says (``World(trace=...)``):

* ``"full"`` (the default): every event.
* ``"messages"``: the message events (``send``, ``deliver``, ``drop``, ``unhandled``) and what
  happens to agents and the network (``join``, ``leave``, ``crash``, ``recover``, ``partition``,
  ``heal``, ``fault``, ``error``, ``stop``), but not timers (``timeout``), work (``work_start``,
  ``work_end``) or custom events (``Agent.log``).
* ``"summary"``: no events, only the tally (``coordlab.world.tally``): counts by kind, messages by
  kind and agent, drops by reason, busy time, makespan and latencies.

Below ``"full"`` the trace also keeps that tally as the run goes, so the counting metrics still
answer; whatever needs an event the level did not keep raises ``TraceLevelError`` saying so.

A full trace costs about 60 bytes per event: events and messages are stored column by
column (arrays of numbers, names stored once), and an ``Event`` is built when it is read.
"""
from __future__ import annotations

import hashlib
import itertools
import math
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from operator import attrgetter
from typing import Any

from coordlab.world import validate
from coordlab.world.garbage import fewer_collections
from coordlab.world.message import Message
from coordlab.world.tally import WORLD_EVENTS, Tally

__all__ = ["LEVELS", "MESSAGE_LEVEL_KINDS", "WORLD_EVENTS", "Event", "Trace", "TraceLevelError"]

#: How much a trace keeps, from most to least.
LEVELS = ("full", "messages", "summary")
#: The event kinds a ``"messages"`` trace keeps.
MESSAGE_LEVEL_KINDS = ("join", "leave", "send", "deliver", "drop", "unhandled", "crash", "recover",
                       "partition", "heal", "fault", "error", "stop")
_KEPT = {"full": None, "messages": frozenset(MESSAGE_LEVEL_KINDS), "summary": frozenset()}
_REQUEST, _DUPLICATE, _REPLY = 1, 2, 4  # bits of a stored message's flags
#: Events (and messages) are first kept as they come and stored in columns this many at a time:
#: appending one tuple is much cheaper than appending to seven columns, and recording is the hot path.
_BATCH = 4096
_MESSAGE_FIELDS = attrgetter("id", "conversation", "sent_at", "sender", "to", "kind", "topic", "body", "in_reply_to",
                             "is_request", "duplicate", "delivered_at")


def _flags(is_request: bool, duplicate: bool, in_reply_to: int | None) -> int:
    """A stored message's flag bits."""
    return _REQUEST * is_request | _DUPLICATE * duplicate | (_REPLY if in_reply_to is not None else 0)


class TraceLevelError(LookupError):
    """A metric, picture or checker needs events that the trace's level did not keep."""


@dataclass(slots=True)
class Event:
    """One thing that happened at ``time`` (simulated seconds) at ``agent``.

    Treat events as read-only: the trace is the record of what happened, and an event
    read from it is a fresh copy. (Not a frozen dataclass only because freezing makes
    creating one about twice as slow.)

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


class _Names(dict):
    """Each name (agent, kind, reason) stored once: ``names[s]`` is its number, ``names.of[n]`` the name."""

    def __init__(self) -> None:
        super().__init__({None: 0})
        self.of: list[str | None] = [None]

    def __missing__(self, name: str) -> int:
        number = self[name] = len(self.of)
        self.of.append(name)
        return number


class _Messages:
    """Messages stored column by column, one row per message object the trace has seen.

    A message's ``send`` and its ``deliver`` (or ``drop``) share one row: the world passes
    the row its ``send`` got back to ``Trace.record``, and the row learns ``delivered_at``.
    Rows wait as they came until ``_BATCH`` of them fill one batch of columns.
    """

    def __init__(self, names: _Names) -> None:
        self.names = names
        #: per batch: id, conversation, in_reply_to, sender, to, kind, topic, flags, sent_at, delivered_at, body
        self.batches: list[tuple] = []
        self.waiting: list[Message] = []
        self.rows = 0

    def add(self, msg: Message) -> int:
        """A new row for ``msg``."""
        self.waiting.append(msg)
        self.rows += 1
        if len(self.waiting) == _BATCH:
            self.store()
        return self.rows - 1

    def delivered(self, row: int, msg: Message) -> None:
        """``msg`` (stored in ``row``) has just been delivered."""
        batch, at = divmod(row, _BATCH)
        if batch < len(self.batches):  # a row still waiting is the message itself, delivered_at and all
            self.batches[batch][9][at] = math.nan if msg.delivered_at is None else msg.delivered_at

    def store(self) -> None:
        """Turn the waiting rows into one batch of columns."""
        names = self.names
        ids, conversations, sent_at, senders, tos, kinds, topics, bodies, replies, requests, duplicates, delivered = \
            zip(*map(_MESSAGE_FIELDS, self.waiting))  # column by column, in C
        self.batches.append((
            array("q", ids), array("q", conversations), array("q", (0 if r is None else r for r in replies)),
            *(array("I", map(names.__getitem__, values)) for values in (senders, tos, kinds, topics)),
            array("B", map(_flags, requests, duplicates, replies)),
            array("d", sent_at), array("d", (math.nan if when is None else when for when in delivered)), bodies))
        self.waiting.clear()

    def get(self, row: int) -> Message:
        batch, at = divmod(row, _BATCH)
        if batch == len(self.batches):
            return replace(self.waiting[at])
        ids, conversations, replies, senders, tos, kinds, topics, flags, sent_at, delivered, bodies = \
            self.batches[batch]
        of, flag, when = self.names.of, flags[at], delivered[at]
        return Message(ids[at], of[senders[at]], of[tos[at]], of[kinds[at]], bodies[at], conversations[at],
                       replies[at] if flag & _REPLY else None, of[topics[at]], bool(flag & _REQUEST),
                       sent_at[at], None if math.isnan(when) else when, bool(flag & _DUPLICATE))

    def header(self, row: int) -> tuple[int, str, int | None, bool]:
        """(id, kind, in_reply_to, is_request) of the message in ``row``, read from its columns."""
        batch, at = divmod(row, _BATCH)
        if batch == len(self.batches):
            msg = self.waiting[at]
            return msg.id, msg.kind, msg.in_reply_to, msg.is_request
        columns = self.batches[batch]
        flag = columns[7][at]
        return (columns[0][at], self.names.of[columns[5][at]], columns[2][at] if flag & _REPLY else None,
                bool(flag & _REQUEST))

    def rows_flagged(self, flag: int) -> set[int]:
        """The rows of the messages whose flags have ``flag`` (``_REQUEST``, ``_REPLY``), found in C."""
        rows: set[int] = set()
        for number, columns in enumerate(self.batches):
            first = number * _BATCH
            rows.update(itertools.compress(range(first, first + len(columns[7])), map(flag.__and__, columns[7])))
        first = len(self.batches) * _BATCH
        waiting = (_flags(m.is_request, m.duplicate, m.in_reply_to) for m in self.waiting)
        rows.update(first + at for at, flags in enumerate(waiting) if flags & flag)
        return rows

    def kind_and_sent_at(self, row: int) -> tuple[str, float]:
        batch, at = divmod(row, _BATCH)
        if batch == len(self.batches):
            return self.waiting[at].kind, self.waiting[at].sent_at
        columns = self.batches[batch]
        return self.names.of[columns[5][at]], columns[8][at]


class Trace:
    """An append-only record of events with a few ways to look at it.

    ``len(trace)`` counts every event of the run, kept or not; ``select``, iteration,
    ``fingerprint`` and ``to_frame`` read the kept ones.
    """

    def __init__(self, level: str = "full") -> None:
        self.level = validate.one_of("trace", level, LEVELS)
        self._kept = _KEPT[self.level]
        self._reset()

    def _reset(self) -> None:
        #: events recorded so far, kept or not (``len(trace)``; the world's guards read it for every event)
        self.recorded = 0
        self._stored = 0
        self._names = _Names()
        self._messages = _Messages(self._names)
        #: per batch of _BATCH events: time, kind, agent, peer, reason, message row. Fixed-size batches,
        #: not ever-growing arrays: growing a big array copies it, and the copies fragment the heap.
        self._batches: list[tuple[array, ...]] = []
        self._waiting: list[tuple] = []  # the events of the batch being filled, as they came
        self._data: dict[int, dict[str, Any]] = {}  # only the events that have data
        self._tally = None if self._kept is None else Tally()
        self._folded: tuple[int, Tally] | None = None

    # --- recording ------------------------------------------------------------------
    def record(self, time: float, kind: str, agent: str | None = None, *, peer: str | None = None,
               message: Message | None = None, reason: str | None = None, data: dict[str, Any] | None = None,
               message_row: int | None = None) -> int | None:
        """Record one event (at a lower level: count it, and keep it if the level keeps its kind).

        Returns the row the event's message is stored in. The world passes it back as ``message_row``
        when it records the same message again (its delivery or drop), so both events share one copy.
        """
        self.recorded += 1
        if self._tally is not None:
            self._tally.add(time, kind, agent, peer, reason, message and message.kind, message and message.sent_at)
            if kind not in self._kept:
                return message_row
        if data is not None:
            self._data[self._stored] = data
        self._stored += 1
        if message is None:
            message_row = -1
        elif message_row is None:
            message_row = self._messages.add(message)
        elif kind == "deliver":
            self._messages.delivered(message_row, message)
        self._waiting.append((time, kind, agent, peer, reason, message_row))
        if len(self._waiting) == _BATCH:
            self._store()
        return message_row

    def _store(self) -> None:
        """Turn the waiting events into one batch of columns."""
        names = self._names
        times, kinds, agents, peers, reasons, rows = zip(*self._waiting)  # column by column, in C
        self._batches.append((array("d", times), *(array("I", map(names.__getitem__, values))
                                                   for values in (kinds, agents, peers, reasons)), array("i", rows)))
        self._waiting.clear()

    def _rows(self) -> Iterator[tuple]:
        """Every kept event as (time, kind, agent, peer, reason, message row), in order."""
        name = self._names.of.__getitem__
        for times, kinds, agents, peers, reasons, rows in self._batches:
            yield from zip(times, map(name, kinds), map(name, agents), map(name, peers), map(name, reasons), rows)
        yield from self._waiting

    def _rows_of(self, kinds: Iterable[str]) -> Iterator[tuple[int, tuple]]:
        """(position, row) of every kept event of one of ``kinds``, in order.

        The kind column is filtered in C (``compress``), so reading the few events of one kind
        does not visit the others in Python.
        """
        kinds = set(kinds)
        wanted = {self._names[kind] for kind in kinds if kind in self._names}  # (names are numbered as batches fill)
        name = self._names.of
        for number, (times, kinds_column, agents, peers, reasons, rows) in enumerate(self._batches):
            first = number * _BATCH
            for at in itertools.compress(range(len(times)), map(wanted.__contains__, kinds_column)):
                yield first + at, (times[at], name[kinds_column[at]], name[agents[at]], name[peers[at]],
                                   name[reasons[at]], rows[at])
        first = len(self._batches) * _BATCH
        yield from ((first + at, row) for at, row in enumerate(self._waiting) if row[1] in kinds)

    # --- reading ----------------------------------------------------------------------
    def __len__(self) -> int:
        return self.recorded

    def __iter__(self) -> Iterator[Event]:
        self.require(None, "reading every event")
        return map(self._event, itertools.count(), self._rows())

    def __getitem__(self, index: int) -> Event:
        self.require(None, "reading events by position")
        return self.event_at(range(self._stored)[index])

    def event_at(self, index: int) -> Event:
        """The kept event at position ``index`` (as ``scan`` gives it), at any level."""
        batch, at = divmod(index, _BATCH)
        if batch == len(self._batches):
            return self._event(index, self._waiting[at])
        name = self._names.of
        time, kind, agent, peer, reason, row = (column[at] for column in self._batches[batch])
        return self._event(index, (time, name[kind], name[agent], name[peer], name[reason], row))

    @property
    def events(self) -> _EventList:
        """The events as a list-like view (``append`` records one more; assigning a list replaces them)."""
        return _EventList(self)

    @events.setter
    def events(self, events: Iterable[Event]) -> None:
        self._reset()
        for event in events:
            self.append(event)

    def append(self, event: Event) -> None:
        """Record a copy of ``event`` (its ``seq`` becomes its position here)."""
        self.record(event.time, event.kind, event.agent, peer=event.peer, message=event.message,
                    reason=event.reason, data=event.data)

    def keeps(self, kind: str) -> bool:
        """Whether this trace keeps events of ``kind``."""
        return self._kept is None or kind in self._kept

    def require(self, kinds: Iterable[str] | None, what: str) -> None:
        """Raise ``TraceLevelError`` unless this trace keeps every one of ``kinds`` (None: every kind)."""
        if self._kept is None:
            return
        missing = ["every kind"] if kinds is None else [kind for kind in kinds if kind not in self._kept]
        if missing:
            kept = ", ".join(sorted(self._kept)) or "no events, only counts"
            raise TraceLevelError(f"{what} needs {', '.join(missing)} events, which trace={self.level!r} does not "
                                  f"keep (it keeps {kept}); run the world with trace='full'")

    def select(self, kind: str | tuple[str, ...] | None = None, agent: str | None = None) -> list[Event]:
        """The events of the given kind(s) and/or at the given agent, in order."""
        kinds = (kind,) if isinstance(kind, str) else kind
        self.require(kinds, f"select({kind!r})")
        rows = enumerate(self._rows()) if kinds is None else self._rows_of(kinds)
        with fewer_collections():  # a long list of new events: see coordlab.world.garbage
            return [self._event(index, row) for index, row in rows if agent is None or row[2] == agent]

    def scan(self, kinds: Iterable[str]) -> Iterator[tuple[int, float, str, str | None, int]]:
        """``(position, time, kind, agent, message row)`` of every kept event of ``kinds``, in order, building nothing.

        For checkers that read many events and keep few: ``event_at(position)`` is the whole event,
        ``message_header(row)`` the few fields of its message a checker usually needs (row -1: none).
        """
        kinds = tuple(kinds)
        self.require(kinds, f"scan({kinds!r})")
        return ((position, row[0], row[1], row[2], row[5]) for position, row in self._rows_of(kinds))

    def message_header(self, row: int) -> tuple[int, str, int | None, bool]:
        """``(id, kind, in_reply_to, is_request)`` of the message stored in ``row`` (see ``scan``)."""
        return self._messages.header(row)

    def message_rows(self, which: str) -> set[int]:
        """The rows (see ``scan``) of every message that is a request (``"requests"``) or a reply (``"replies"``).

        Found from the stored flags without reading each message: most messages of a big run are neither.
        """
        flag = {"requests": _REQUEST, "replies": _REPLY}[validate.one_of("which", which, ("requests", "replies"))]
        return self._messages.rows_flagged(flag)

    def data_at(self, position: int) -> dict[str, Any] | None:
        """The ``data`` of the kept event at ``position`` (see ``scan``), None if it has none."""
        return self._data.get(position)

    def agents(self) -> list[str]:
        """Every agent that appears in the trace, in order of first appearance."""
        return list(self.tally().agents)

    def live_agents(self) -> list[str]:
        """The agents still in the world at the end of the run and not crashed, in the order they joined."""
        alive: dict[str, bool] = {}
        for _, _, kind, agent, _ in self.scan(("join", "leave", "crash", "recover")):
            alive[agent] = kind in ("join", "recover")
        return [name for name, up in alive.items() if up]

    def tally(self) -> Tally:
        """The run's counters: kept as it ran (lower levels) or counted from the events (full level)."""
        if self._tally is not None:
            return self._tally
        if self._folded is None or self._folded[0] != self._stored:
            tally, messages = Tally(), self._messages
            for time, kind, agent, peer, reason, row in self._rows():
                tally.add(time, kind, agent, peer, reason, *(messages.kind_and_sent_at(row) if row >= 0 else ()))
            self._folded = (self._stored, tally)
        return self._folded[1]

    def fingerprint(self) -> str:
        """A short hash of every event kept: two runs with equal fingerprints did the same thing.

        Message bodies are hashed by their ``repr``. Python orders a set's elements by
        hash, which differs between processes, so put sorted tuples, not sets, in bodies
        that must replay identically in another process (a notebook re-run, a CI job).
        A summary trace hashes its counters instead.
        """
        digest = hashlib.sha256()
        if self.level == "summary":
            digest.update(self._tally.digest())
        for e in map(self._event, itertools.count(), self._rows()):
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

        self.require(None, "to_frame()")
        columns = ["time", "kind", "agent", "peer", "msg_id", "msg_kind", "body", "reason", "data"]
        rows = []
        for e in self:
            m = e.message
            rows.append((e.time, e.kind, e.agent, e.peer, m.id if m else None, m.kind if m else None,
                         m.body if m else None, e.reason, e.data))
        return pd.DataFrame(rows, columns=columns)

    def _event(self, index: int, row: tuple) -> Event:
        time, kind, agent, peer, reason, message = row
        return Event(index, time, kind, agent, peer, None if message < 0 else self._messages.get(message),
                     reason, self._data.get(index))

    def __repr__(self) -> str:
        level = "" if self.level == "full" else f", level {self.level!r}"
        return f"<Trace of {len(self)} events{level}, fingerprint {self.fingerprint()}>"


class _EventList(Sequence):
    """``trace.events``: the kept events as a sequence you can also ``append`` to."""

    def __init__(self, trace: Trace) -> None:
        self._trace = trace

    def __len__(self) -> int:
        return self._trace._stored

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self._trace[i] for i in range(len(self))[index]]
        return self._trace[index]

    def __iter__(self) -> Iterator[Event]:
        return iter(self._trace)

    def append(self, event: Event) -> None:
        self._trace.append(event)
