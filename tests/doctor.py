"""Doctoring a finished run's trace, to test that a checker catches what it should.

Events read from a trace are copies (a full trace stores columns, not objects), so changing
one changes nothing: ``doctor`` writes the changed copy back.
"""
from dataclasses import replace

from coordlab.world import Event, Trace


def doctor(trace: Trace, event: Event, **changes) -> Event:
    """Replace ``event`` in ``trace`` by a copy with ``changes``; returns the copy as the trace now holds it."""
    events = list(trace)
    events[event.seq] = replace(event, **changes)
    trace.events = events
    return trace[event.seq]
