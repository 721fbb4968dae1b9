"""Fewer garbage collections while a world runs, or while a big reading of its trace is built.

A run makes millions of short-lived objects: a timer and a future for every sleep, a message for
every send. Many live for one simulated round, long enough to outlive CPython's youngest
generation (collected every 700 allocations) and reach the oldest one, and each time enough of
them pile up there CPython walks *every* object in the process. At 16,384 gossip peers that
walk (over a million objects, about once a simulated round) took 25 s of a 40 s run. Reading a
big trace afterwards has the same cost: building the 250,000 entries of a 4,096-peer push-sum
ledger set off four walks of the 1.2 million objects the trace keeps, 2.8 s of 4.3 s.

Inside ``fewer_collections()`` the youngest generation is collected after ``YOUNG_GENERATION``
allocations, and the oldest one (the walk of everything) waits until the block ends. A round's
objects mostly die young, and reference cycles among young objects are still collected; the
rest waits a little. The thresholds are the process's, so they are restored when the last
block open in this process (worlds run in threads of their own) ends.
"""
from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

#: Allocations between two collections of the youngest generation inside ``fewer_collections``.
YOUNG_GENERATION = 300_000
#: Younger collections between two of the oldest generation inside ``fewer_collections``: never, in practice.
OLDEST_GENERATION = 1_000_000_000

_lock = threading.Lock()
_open = 0  # blocks open in this process
_saved: tuple[int, int, int] = gc.get_threshold()


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Collect the youngest generation less often, and the oldest not at all, inside the ``with`` block.

    Thread-safe and nestable.
    """
    global _open, _saved
    with _lock:
        if _open == 0:
            _saved = gc.get_threshold()
            young, middle, oldest = _saved
            if young:  # a threshold of 0 means collection is switched off: leave it so
                gc.set_threshold(max(young, YOUNG_GENERATION), middle, max(oldest, OLDEST_GENERATION))
        _open += 1
    try:
        yield
    finally:
        with _lock:
            _open -= 1
            if _open == 0:
                gc.set_threshold(*_saved)
