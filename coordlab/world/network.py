"""The network every message travels through, and the only place messages get lost.

The network decides, for each message, whether it arrives and when: it draws a
latency (per-link override or the default), applies loss, duplication and any delay
window, and refuses to carry messages across a partition. Its state is plain data
(``loss``, ``links``, and the fault ``windows``), so each fault is a one-line change to it.
"""
from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from typing import Any, Generic, TypeVar

from coordlab.world import validate
from coordlab.world.latency import Latency, as_latency

Draw = Callable[[random.Random], float]
V = TypeVar("V")


class Windows(list, Generic[V]):
    """The fault windows open now, as ``(owner, value)``, each closed by the fault that opened it.

    Faults overlap: two partitions, two loss windows, the same ``Loss`` listed twice. Each
    window is added under its owner and removed by it alone, so one ending never ends another.
    A list, so that asking "is any window open?" for every message costs no Python call.
    """

    def open(self, owner: Any, value: V) -> None:
        self.append((owner, value))

    def close(self, owner: Any) -> None:
        """Close the oldest window ``owner`` opened (a fault listed twice opened two)."""
        for index, (who, _) in enumerate(self):
            if who is owner:
                del self[index]
                return

    def values(self) -> list[V]:
        return [value for _, value in self]


class Network:
    """Latency, loss, duplication and partitions between named agents."""

    def __init__(self, latency: Latency = 0.01, loss: float = 0.0, duplicate: float = 0.0) -> None:
        self.latency: Draw = as_latency("latency", latency)
        self.loss = validate.probability("loss", loss)
        self.duplicate = validate.probability("duplicate", duplicate)
        self.links: dict[tuple[str, str], Draw] = {}
        self.loss_windows: Windows[float] = Windows()
        self.duplicate_windows: Windows[float] = Windows()
        self.delay_windows: Windows[Draw] = Windows()
        #: each open partition maps an agent to its group's number (0: the group of the unnamed)
        self.partitions: Windows[dict[str, int]] = Windows()

    def set_link(self, a: str, b: str, latency: Latency, *, both_ways: bool = True) -> None:
        """Give the link a→b (and b→a) its own latency, e.g. a slow cross-region link."""
        draw = as_latency("latency", latency)
        self.links[(a, b)] = draw
        if both_ways:
            self.links[(b, a)] = draw

    def partition(self, groups: Iterable[Iterable[str]], owner: Any = None) -> None:
        """Cut the network into groups; agents in no group form one more group together.

        Partitions add up: a message crosses only if no open partition separates its ends.
        """
        self.partitions.open(owner, {name: index + 1 for index, group in enumerate(groups) for name in group})

    def heal(self, owner: Any = None) -> None:
        """End ``owner``'s partition; with no owner, every partition (an operator healing all)."""
        if owner is None:
            self.partitions.clear()
        else:
            self.partitions.close(owner)

    def reachable(self, a: str, b: str) -> bool:
        """Whether a message from a can currently reach b."""
        return all(cut.get(a, 0) == cut.get(b, 0) for cut in self.partitions.values())

    def fate(self, sender: str, to: str, rng: random.Random) -> tuple[str | None, list[float]]:
        """Decide one message's fate: ``(drop_reason, [])`` or ``(None, delays)``.

        ``delays`` has one entry per copy that will arrive (two if duplicated). The highest
        open loss (or duplication) probability applies. Random draws happen in a fixed order
        so the same seed gives the same fate.
        """
        # Each window is looked at only when one is open: most messages cross a network without faults.
        if self.partitions and not self.reachable(sender, to):
            return "partition", []
        loss = max(self.loss, *self.loss_windows.values()) if self.loss_windows else self.loss
        if loss and rng.random() < loss:
            return "loss", []
        draw = self.links.get((sender, to), self.latency)
        delays = [self._delay(draw, rng)]
        duplicate = max(self.duplicate, *self.duplicate_windows.values()) if self.duplicate_windows else self.duplicate
        if duplicate and rng.random() < duplicate:
            delays.append(self._delay(draw, rng))
        return None, delays

    def _delay(self, draw: Draw, rng: random.Random) -> float:
        delay = draw(rng)
        if self.delay_windows:
            for extra in self.delay_windows.values():
                delay += extra(rng)
        return delay
