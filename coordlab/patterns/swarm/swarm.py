"""What every swarm shares: a seed, stepping, running, killing agents mid-run, and a history.

A swarm's agents are rows of numpy arrays, all stepped at once. Whatever the agents are
(ants on a grid, ants building tours, birds in a box), the course does the same things
with them: run n steps, kill some agents and run on, read what was recorded. ``Swarm``
does those once. A model says only what is particular to it:

* ``_advance()``: how one step changes its arrays;
* ``_keep(alive)``: which rows of its arrays survive a kill;
* ``_measure()`` and ``_frame()``: the numbers it records every step, and the snapshot it
  records every ``record_every`` steps for pictures and animations.

Every agent has a number, given at birth and never reused: row ``k`` of the arrays is agent
``ids[k]``. A kill removes rows, so the rows shift, but an agent keeps its number; that is
how a frame says who was alive, and how ``kill(agents=[3, 7])`` names the agents to kill.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field
from numbers import Integral
from typing import Any, Self

import numpy as np

from coordlab.world import validate

#: The most agents a flock or a foraging colony may have: their arrays must fit in memory.
MAX_AGENTS = 1_000_000


@dataclass
class SwarmHistory:
    """What a swarm recorded: one entry per step, and a frame every ``record_every`` steps.

    Each model's history adds its own measures (food returned, order, best tour length).
    """

    agents: list[int] = field(default_factory=list)  # agents alive after each step
    frames: list[Any] = field(default_factory=list)  # snapshots for pictures and animations


def victims(ids: np.ndarray, fraction: float | None, agents: Iterable[int] | None,
            rng: np.random.Generator) -> np.ndarray:
    """Rows of the agents to remove: a random ``fraction`` of them, or the agents numbered ``agents``."""
    if (fraction is None) == (agents is None):
        raise ValueError(f"fraction={fraction!r}, agents={agents!r} is not allowed: "
                         "kill needs exactly one of fraction=... or agents=[...]")
    if fraction is not None:
        count = round(validate.probability("fraction", fraction) * len(ids))
        return np.sort(rng.choice(len(ids), size=count, replace=False))
    if isinstance(agents, (str, bytes)) or not isinstance(agents, Iterable):
        raise TypeError(f"agents={agents!r} is not allowed: agents must be a list of agent numbers")
    numbers = list(agents)
    if not all(isinstance(n, Integral) and not isinstance(n, bool) for n in numbers):
        raise TypeError(f"agents={numbers!r} is not allowed: agent numbers are ints")
    unknown = sorted(set(numbers) - set(ids.tolist()))
    if unknown:
        raise ValueError(f"agents={numbers!r} is not allowed: no agent numbered {unknown[:10]} is alive "
                         f"(the swarm's `ids` lists the {len(ids)} alive)")
    return np.flatnonzero(np.isin(ids, numbers))


class Swarm(ABC):
    """A seeded swarm: ``step()``, ``run(steps)``, ``kill(fraction=... | agents=[...])`` and ``history``.

    One ``seed`` drives every random choice through ``rng``, so the same seed gives the same
    run, bit for bit. A model whose starting state is worth recording calls ``_record()`` at
    the end of its constructor. ``stop_reason`` says why the last ``run`` stopped:
    ``"completed"`` (every step asked for) or ``"extinct"`` (no agent left to step).
    """

    def __init__(self, *, agents: int, history: SwarmHistory, record_every: int, seed: int) -> None:
        self.seed = validate.seed(seed)
        self.rng = np.random.default_rng(self.seed)
        self.record_every = validate.count("record_every", record_every)
        self.ids = np.arange(agents)
        self.steps = 0
        self.stop_reason = "not_started"
        self.history = history

    @property
    def agents(self) -> int:
        """How many agents are alive."""
        return len(self.ids)

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
        """One step for every agent at once, then record it. A swarm with no agent left has no step."""
        if not self.agents:
            return
        self._advance()
        self.steps += 1
        self._record()

    def run(self, steps: int) -> Self:
        """Run ``steps`` more steps (fewer if every agent is dead); returns the swarm so calls can be chained."""
        for _ in range(validate.count("steps", steps, minimum=0)):
            self.step()
        self.stop_reason = "completed" if self.agents else "extinct"
        return self

    def kill(self, fraction: float | None = None, agents: Iterable[int] | None = None) -> None:
        """Remove agents: a random ``fraction`` of them, or those numbered ``agents``; the rest go on.

        Killing every agent is allowed: the swarm keeps what it recorded, and ``run`` then
        stops at once with ``stop_reason="extinct"``.
        """
        alive = np.ones(self.agents, dtype=bool)
        alive[victims(self.ids, fraction, agents, self.rng)] = False
        self._keep(alive)
        self.ids = self.ids[alive]

    def _record(self) -> None:
        self.history.agents.append(self.agents)
        self._measure()
        if self.steps % self.record_every == 0:
            self.history.frames.append(self._frame())
