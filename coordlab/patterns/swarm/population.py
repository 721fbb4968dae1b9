"""Choosing which agents fail: shared by every swarm's ``kill``.

A swarm's agents are rows of arrays, so a failure is "delete these rows". This module only
decides *which* rows, the same way for every swarm, so that ``kill(0.5)`` means the same
thing for ants, boids and Vicsek particles.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from coordlab.world import validate


def at_least(name: str, value: object, minimum: int) -> int:
    """Return ``value`` as an int, or raise if it is not a whole number >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name}={value!r} is not allowed: {name} must be a whole number")
    if value < minimum:
        raise ValueError(f"{name}={value!r} is not allowed: a swarm needs {name} >= {minimum}")
    return int(value)


def positive(name: str, value: object) -> float:
    """Return ``value`` as a float, or raise if it is not a number > 0 (a size, a radius)."""
    number = validate.number(name, value, minimum=0)
    if number == 0:
        raise ValueError(f"{name}={value!r} is not allowed: {name} must be > 0")
    return number


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
