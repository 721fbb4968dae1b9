"""⚠️ NAIVE, FOR THE "BREAK" SECTION ONLY: widely copied textbook swarm code, flaws included.

Reproduced on purpose so the course can run it and show what goes wrong. Do not copy it.

1. ``naive_deposit_in_dict`` is a widely copied toy swarm's pheromone store. It tests the
   wrong dictionary, so every deposit resets the trail: a cell holds only the last ant's
   drop and no trail builds up. ``naive_deposit`` is the same bug on the grid, and
   ``NaiveForaging`` is ``Foraging`` with it: the tests check both against the dictionary
   code, one drop at a time (compare ``foraging.deposit_in_dict`` and ``foraging.deposit``).
2. ``brute_force_headings`` is the textbook per-agent flocking loop: every agent looks at
   all N others, O(N²) work per step. It computes the right headings, only far too slowly
   for a large flock (compare ``flocking.neighbour_pairs``, the cell list; ``python
   benchmarks/swarm.py`` measures the difference).
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from numbers import Integral

import numpy as np

from coordlab.patterns.swarm.flocking import positive
from coordlab.patterns.swarm.foraging import Foraging


def naive_deposit_in_dict(pheromones: dict, cell: tuple[int, int], amount: float) -> None:
    """The toy swarm's pheromone store as widely copied: BUGGY, kept to show the bug.

    The second test looks in the wrong dictionary: ``"trail"`` is never a key of
    ``pheromones`` (its keys are cells), so the trail is reset to zero at every deposit
    and holds only the last ant's drop. No trail ever builds up.
    """
    if cell not in pheromones:
        pheromones[cell] = {}
    if "trail" not in pheromones:  # BUG: should be `pheromones[cell]`
        pheromones[cell]["trail"] = 0.0
    pheromones[cell]["trail"] += amount


def naive_deposit(pheromone: np.ndarray, cells: np.ndarray, amounts: np.ndarray) -> None:
    """``naive_deposit_in_dict`` on the grid, in place: each drop replaces what was on its cell."""
    pheromone[cells[:, 0], cells[:, 1]] = amounts


class NaiveForaging(Foraging):
    """``Foraging`` whose carriers deposit with the toy swarm's bug (``naive_deposit``)."""

    def _drop_pheromone(self, cells: np.ndarray) -> None:
        naive_deposit(self.pheromone, cells, np.full(len(cells), self.drop))


def brute_force_headings(positions: Sequence[tuple[float, float]], headings: Sequence[float], *, box: float,
                         radius: float, agents: Iterable[int] | None = None) -> list[float]:
    """The Vicsek rule, before noise, with no neighbour search: each agent looks at all N others.

    ``agents`` limits the work to those agents (all by default), so a benchmark can time a
    sample of them: every agent costs the same N comparisons.
    """
    if len(headings) != len(positions):
        raise ValueError(f"headings={headings!r} is not allowed: give one per agent ({len(positions)} positions)")
    box, radius = positive("box", box), positive("radius", radius)
    agents = range(len(positions)) if agents is None else list(agents)
    if not all(isinstance(k, Integral) and not isinstance(k, bool) and 0 <= k < len(positions) for k in agents):
        raise ValueError(f"agents={agents!r} is not allowed: agents are numbered 0..{len(positions) - 1}")
    out = []
    for k in agents:
        x, y = positions[k]
        sx = sy = 0.0
        for (px, py), h in zip(positions, headings):
            dx, dy = px - x, py - y
            dx -= box * round(dx / box)
            dy -= box * round(dy / box)
            if dx * dx + dy * dy < radius * radius:
                sx, sy = sx + math.cos(h), sy + math.sin(h)
        out.append(math.atan2(sy, sx))
    return out
