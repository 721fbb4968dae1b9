"""What a swarm must respect, as checkers that read a finished swarm and return a ``Verdict``.

A swarm sends no messages, so there is no trace to read: these checkers read the swarm's
state and its ``history`` instead, and name what broke in their explanation. Each rule is
what the model promises whatever its parameters: an ant colony's best tour is a real tour
and never gets worse; a flock's agents all fly at ``speed`` and stay in the periodic box;
foraging ants stay on the grid and no food appears or vanishes unaccounted.

``check_tour`` is the validator every tour goes through before it is measured.
"""
from __future__ import annotations

import reprlib
from typing import TYPE_CHECKING

import numpy as np

from coordlab.world import Verdict
from coordlab.world.checks import SHOWN_EVIDENCE

if TYPE_CHECKING:
    from coordlab.patterns.swarm.aco import AntColony
    from coordlab.patterns.swarm.flocking import Flock
    from coordlab.patterns.swarm.foraging import Foraging

#: How far a flock agent's step may be from ``speed`` (floating-point rounding in the periodic box).
SPEED_TOLERANCE = 1e-9


def check_tour(tour: object, cities: int) -> np.ndarray:
    """Return ``tour`` as an integer array, or raise if it is not a permutation of all cities."""
    array = np.asarray(tour)
    shown = reprlib.repr(array.tolist()) if array.ndim else repr(tour)
    if array.shape != (cities,) or not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"tour={shown} is not allowed: a tour lists each of the {cities} cities once, as ints "
                         f"(got shape {array.shape}, dtype {array.dtype})")
    if not np.array_equal(np.sort(array), np.arange(cities)):
        missing = sorted(set(range(cities)) - set(array.tolist()))
        raise ValueError(f"tour={shown} is not allowed: it is not a permutation of 0..{cities - 1} "
                         f"(missing cities {missing[:10]})")
    return array


def _verdict(name: str, problems: list[str], ok: str) -> Verdict:
    """Valid when there are no problems; otherwise the first few problems are the explanation."""
    if not problems:
        return Verdict(name, True, ok)
    more = f"; … and {len(problems) - SHOWN_EVIDENCE} more" if len(problems) > SHOWN_EVIDENCE else ""
    return Verdict(name, False, "; ".join(problems[:SHOWN_EVIDENCE]) + more)


def valid_best_tour(colony: AntColony) -> Verdict:
    """The best tour visits every city exactly once, and ``best_length`` is its length."""
    name, cities = "valid best tour", colony.instance.cities
    if colony.best_tour is None:
        return Verdict(name, False, "no tour yet: run the colony first")
    tour = np.asarray(colony.best_tour)
    if not np.array_equal(np.sort(tour), np.arange(cities)):
        return Verdict(name, False, f"the best tour is not a permutation of the {cities} cities")
    length = int(colony.instance.distances[tour, np.roll(tour, -1)].sum())
    problems = []
    if length != colony.best_length:
        problems.append(f"best_length is {colony.best_length}, the tour measures {length}")
    return _verdict(name, problems, f"the best tour visits all {cities} cities once and measures {length}")


def best_never_worse(colony: AntColony) -> Verdict:
    """The best tour so far never gets longer, and is never longer than an iteration's best."""
    best, iteration_best = colony.history.best_length, colony.history.iteration_best
    problems = [f"iteration {i + 1}: best so far rose from {best[i - 1]} to {best[i]}"
                for i in range(1, len(best)) if best[i] > best[i - 1]]
    problems += [f"iteration {i + 1}: best so far {b} is longer than the iteration's best {it}"
                 for i, (b, it) in enumerate(zip(best, iteration_best)) if b > it]
    return _verdict("best never worse", problems, f"the best tour only got shorter over {len(best)} iterations")


def constant_speed(flock: Flock) -> Verdict:
    """Between recorded frames one step apart, every agent moved exactly ``speed`` (in the periodic box).

    Needs frames one step apart: build the flock with ``record_every=1``. Across a ``kill``
    the agents in both frames (matched by their numbers, ``ids``) are compared.
    """
    pairs = [(a, b) for a, b in zip(flock.history.frames, flock.history.frames[1:]) if b.step == a.step + 1]
    if not pairs:
        raise ValueError("constant_speed needs frames one step apart: build the flock with record_every=1")
    problems = []
    for before, after in pairs:
        _, rows_before, rows_after = np.intersect1d(before.ids, after.ids, return_indices=True)
        moved = after.positions[rows_after] - before.positions[rows_before]
        moved -= flock.box * np.round(moved / flock.box)  # periodic box: the nearest image
        wrong = np.abs(np.hypot(moved[:, 0], moved[:, 1]) - flock.speed) > SPEED_TOLERANCE
        if wrong.any():
            problems.append(f"step {after.step}: {wrong.sum()} agent(s) did not move {flock.speed:g}")
    return _verdict("constant speed", problems, f"every agent moved {flock.speed:g} in each of {len(pairs)} steps")


def _outside(positions: np.ndarray, upper: float) -> int:
    """How many agents (rows) are not within ``[0, upper)`` on both axes."""
    return int(((positions < 0) | (positions >= upper)).any(axis=1).sum())


def inside_box(flock: Flock) -> Verdict:
    """Every recorded position lies in the periodic box ``[0, box)``."""
    outside = [(frame.step, _outside(frame.positions, flock.box)) for frame in flock.history.frames]
    problems = [f"step {step}: {n} agent(s) outside [0, {flock.box:g})" for step, n in outside if n]
    return _verdict("inside the box", problems, f"every position in {len(outside)} frames is in the box")


def ants_on_grid(colony: Foraging) -> Verdict:
    """Every recorded ant stands on the grid."""
    off = [(frame.step, _outside(frame.positions, colony.size)) for frame in colony.history.frames]
    problems = [f"step {step}: {n} ant(s) off the {colony.size}x{colony.size} grid" for step, n in off if n]
    return _verdict("ants on the grid", problems, f"every ant in {len(off)} frames is on the grid")


def food_conserved(colony: Foraging) -> Verdict:
    """Food at the start = food left + food carried + food returned + food lost with killed ants."""
    start = int(colony.history.frames[0].food.sum())  # the frame of step 0, recorded when the colony is built
    left, carried = int(colony.food.sum()), int(colony.carrying.sum())
    accounted = left + carried + colony.returned + colony.lost
    problems = []
    if accounted != start:
        problems.append(f"{start} at the start, but {left} left + {carried} carried + {colony.returned} returned "
                        f"+ {colony.lost} lost = {accounted}")
    return _verdict("food conserved", problems, f"all {start} units of food are accounted for")
