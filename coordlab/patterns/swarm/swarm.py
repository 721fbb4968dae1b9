"""What every swarm shares: a seed, stepping, running, killing agents mid-run, and a history.

A swarm's agents are rows of numpy arrays, all stepped at once. Whatever the agents are
(ants on a grid, ants building tours, birds in a box), the course does the same things
with them: run n steps, kill some agents and run on, read what was recorded. ``Swarm``
does those once. A model says only what is particular to it:

* ``_advance()``: how one step changes its arrays;
* ``agents`` and ``_keep(alive)``: how many agents it has, and which rows survive a kill;
* ``_measure()`` and ``_frame()``: the numbers it records every step, and the snapshot it
  records every ``record_every`` steps for pictures and animations.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Self

import numpy as np

from coordlab.world import validate


@dataclass
class SwarmHistory:
    """What a swarm recorded: one entry per step, and a frame every ``record_every`` steps.

    Each model's history adds its own measures (food returned, order, best tour length).
    """

    agents: list[int] = field(default_factory=list)  # agents alive after each step
    frames: list[Any] = field(default_factory=list)  # snapshots for pictures and animations


def victims(alive: int, fraction: float | None, indices: Sequence[int] | None,
            rng: np.random.Generator) -> np.ndarray:
    """Indices of the agents to remove: a random ``fraction`` of them, or exactly ``indices``.

    At least one agent must survive, so that the run can go on and keep being measured.
    """
    if (fraction is None) == (indices is None):
        raise ValueError("kill needs exactly one of fraction=... or indices=...")
    if fraction is not None:
        count = round(validate.probability("fraction", fraction) * alive)
        chosen = rng.choice(alive, size=count, replace=False)
    else:
        chosen = np.unique(np.asarray(indices, dtype=np.int64))
        if chosen.size and (chosen.min() < 0 or chosen.max() >= alive):
            raise ValueError(f"indices={list(indices)!r} is not allowed: agents are numbered 0..{alive - 1}")
    if alive - len(chosen) < 1:
        raise ValueError(f"kill would remove all {alive} agents; at least one must survive")
    return np.sort(chosen)


class Swarm(ABC):
    """A seeded swarm: ``step()``, ``run(steps)``, ``kill(fraction=... | indices=...)`` and ``history``.

    One ``seed`` drives every random choice through ``rng``, so the same seed gives the same
    run, bit for bit. A model whose starting state is worth recording calls ``_record()`` at
    the end of its constructor.
    """

    def __init__(self, *, history: SwarmHistory, record_every: int, seed: int | None) -> None:
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.record_every = validate.count("record_every", record_every)
        self.steps = 0
        self.history = history

    @property
    @abstractmethod
    def agents(self) -> int:
        """How many agents are alive."""

    @abstractmethod
    def _advance(self) -> None:
        """Every agent acts once, all at once: the model's own step."""

    @abstractmethod
    def _keep(self, alive: np.ndarray) -> None:
        """Keep only the agents (rows) where the boolean mask ``alive`` is True."""

    @abstractmethod
    def _measure(self) -> None:
        """Append this step's own numbers to ``history`` (``agents`` and frames are done here)."""

    @abstractmethod
    def _frame(self) -> Any:
        """A snapshot of the swarm now, for pictures and animations."""

    def step(self) -> None:
        """One step for every agent at once, then record it."""
        self._advance()
        self.steps += 1
        self._record()

    def run(self, steps: int) -> Self:
        """Run ``steps`` more steps; returns the swarm so calls can be chained."""
        for _ in range(validate.count("steps", steps, minimum=0)):
            self.step()
        return self

    def kill(self, fraction: float | None = None, indices: Sequence[int] | None = None) -> None:
        """Remove agents (a random ``fraction`` or exact ``indices``); the rest go on."""
        alive = np.ones(self.agents, dtype=bool)
        alive[victims(self.agents, fraction, indices, self.rng)] = False
        self._keep(alive)

    def _record(self) -> None:
        self.history.agents.append(self.agents)
        self._measure()
        if self.steps % self.record_every == 0:
            self.history.frames.append(self._frame())
