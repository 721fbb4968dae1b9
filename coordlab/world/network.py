"""The network every message travels through, and the only place messages get lost.

The network decides, for each message, whether it arrives and when: it draws a
latency (per-link override or the default), applies loss, duplication and any delay
window, and refuses to carry messages across a partition. Its state is plain data
(``loss``, ``partitions``, ``links``), so each fault is a one-line change to it.
"""
from __future__ import annotations

import random
from collections.abc import Callable, Iterable

from coordlab.world import validate
from coordlab.world.latency import Latency, as_latency

Draw = Callable[[random.Random], float]


class Network:
    """Latency, loss, duplication and partitions between named agents."""

    def __init__(self, latency: Latency = 0.01, loss: float = 0.0, duplicate: float = 0.0) -> None:
        self.latency: Draw = as_latency("latency", latency)
        self.loss = validate.probability("loss", loss)
        self.duplicate = validate.probability("duplicate", duplicate)
        self.links: dict[tuple[str, str], Draw] = {}
        self.loss_windows: dict[int, float] = {}
        self.delay_windows: dict[int, Draw] = {}
        self._group_of: dict[str, int] = {}

    def set_link(self, a: str, b: str, latency: Latency, *, both_ways: bool = True) -> None:
        """Give the link a→b (and b→a) its own latency, e.g. a slow cross-region link."""
        draw = as_latency("latency", latency)
        self.links[(a, b)] = draw
        if both_ways:
            self.links[(b, a)] = draw

    def partition(self, groups: Iterable[Iterable[str]]) -> None:
        """Cut the network into groups; agents in no group form one more group together."""
        self._group_of = {name: index + 1 for index, group in enumerate(groups) for name in group}

    def heal(self) -> None:
        """Remove every partition."""
        self._group_of = {}

    def reachable(self, a: str, b: str) -> bool:
        """Whether a message from a can currently reach b (0 is the group of the unnamed)."""
        return self._group_of.get(a, 0) == self._group_of.get(b, 0)

    def fate(self, sender: str, to: str, rng: random.Random) -> tuple[str | None, list[float]]:
        """Decide one message's fate: ``(drop_reason, [])`` or ``(None, delays)``.

        ``delays`` has one entry per copy that will arrive (two if duplicated).
        Random draws happen in a fixed order so the same seed gives the same fate.
        """
        if self._group_of and not self.reachable(sender, to):
            return "partition", []
        loss = max(self.loss, *self.loss_windows.values()) if self.loss_windows else self.loss
        if loss and rng.random() < loss:
            return "loss", []
        draw = self.links.get((sender, to), self.latency)
        delays = [self._delay(draw, rng)]
        if self.duplicate and rng.random() < self.duplicate:
            delays.append(self._delay(draw, rng))
        return None, delays

    def _delay(self, draw: Draw, rng: random.Random) -> float:
        delay = draw(rng)
        for extra in self.delay_windows.values():
            delay += extra(rng)
        return delay
