"""Slots: which attempts each worker holds, and which workers have room for one more.

The orchestrator asks "who has room?" after every message it handles. Scanning every worker
each time made that question most of its cost once there were hundreds of workers, so the
answer is kept up to date as attempts come and go: ``take`` and ``release`` are the only ways
to change what a worker holds.
"""
from __future__ import annotations

from bisect import bisect_left


class Slots:
    """``held[worker]``: the (task, attempt) pairs a worker holds; ``with_room()``: who holds fewer
    than their capacity, in the order the workers were given (the order dispatch tries them in)."""

    def __init__(self, capacities: dict[str, int]) -> None:
        self.held: dict[str, set[tuple[str, int]]] = {name: set() for name in capacities}
        self._capacity = capacities
        self._names = list(capacities)
        self._position = {name: position for position, name in enumerate(self._names)}
        self._room = list(range(len(self._names)))  # the positions of the workers with room, ascending

    def with_room(self) -> list[str]:
        """The workers holding fewer attempts than their capacity, in order."""
        return [self._names[position] for position in self._room]

    def take(self, worker: str, attempt: tuple[str, int]) -> None:
        """``worker`` holds ``attempt`` now."""
        self.held[worker].add(attempt)
        self._update(worker)

    def release(self, worker: str, *attempts: tuple[str, int]) -> None:
        """``worker`` holds ``attempts`` no more (answered, failed, or lost with it)."""
        self.held[worker].difference_update(attempts)
        self._update(worker)

    def _update(self, worker: str) -> None:
        position = self._position[worker]
        at = bisect_left(self._room, position)
        listed = at < len(self._room) and self._room[at] == position
        has_room = len(self.held[worker]) < self._capacity[worker]
        if has_room and not listed:
            self._room.insert(at, position)
        elif listed and not has_room:
            del self._room[at]
