"""One trace from many: the records of every actor, merged in time order into a ``coordlab.world.Trace``.

Each actor records its events at its own reading of the wall clock (all readings count from
one common start). Merged by time, they form the trace the simulated world would have written,
so every metric, picture and checker of the course reads it unchanged. Two things make the merge
faithful: a message's ``send`` and its ``deliver`` share one stored message (as in a simulated
trace, the send learns ``delivered_at``), and nothing after the run's stop is kept (an agent told
to stop a few milliseconds after another asked for it has nothing more to say).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

from coordlab.runtime.host import Record
from coordlab.world import Trace


def merge(sources: Iterable[Sequence[Record]], stop_time: float, stop_reason: str) -> Trace:
    """The events of all ``sources`` up to ``stop_time``, ordered by time (ties: by source, then as recorded),
    ending with the ``stop`` event."""
    ordered = sorted((record[0], source, position, record)
                     for source, records in enumerate(sources) for position, record in enumerate(records)
                     if record[0] <= stop_time)
    delivered = {record[4].id: record[4].delivered_at for *_, record in ordered if record[1] == "deliver"}
    trace, rows = Trace(), {}
    for *_, (time, kind, agent, peer, message, reason, data) in ordered:
        row = None
        if message is not None:
            if kind == "send":
                message.delivered_at = delivered.get(message.id)
            else:
                row = rows.get(message.id)
        row = trace.record(time, kind, agent, peer=peer, message=message, reason=reason, data=data, message_row=row)
        if kind == "send":
            rows[message.id] = row
    trace.record(stop_time, "stop", reason=stop_reason)
    return trace
