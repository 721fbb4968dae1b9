"""Fewer garbage collections while a world runs.

A run makes millions of short-lived objects: a timer and a future for every sleep, a message for
every send. Many live for one simulated round, long enough to outlive CPython's youngest
generation (collected every 700 allocations) and reach the oldest one, and each time enough of
them pile up there CPython walks *every* object in the process. At 16,384 gossip peers that
walk (over a million objects, about once a simulated round) took 25 s of a 40 s run.

While a world runs, the youngest generation is therefore collected after ``YOUNG_GENERATION``
allocations instead: a round's objects mostly die before that, so few reach the oldest
generation. Reference cycles are still collected, a little later. The thresholds are the
process's, so they are restored when the last world running in this process ends.
"""
from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

#: Allocations between two collections of the youngest generation while a world runs.
YOUNG_GENERATION = 300_000

_lock = threading.Lock()
_running = 0  # worlds running in this process (each in its own thread)
_saved: tuple[int, int, int] = gc.get_threshold()


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Collect the youngest generation less often inside the ``with`` block (thread-safe, nestable)."""
    global _running, _saved
    with _lock:
        if _running == 0:
            _saved = gc.get_threshold()
            if _saved[0]:  # a threshold of 0 means collection is switched off: leave it so
                gc.set_threshold(max(_saved[0], YOUNG_GENERATION), *_saved[1:])
        _running += 1
    try:
        yield
    finally:
        with _lock:
            _running -= 1
            if _running == 0:
                gc.set_threshold(*_saved)
