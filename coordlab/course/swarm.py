"""Checks for the swarm exercises (notebook 05).

Each check calls the learner's function, compares it with the library's reference rule or
runs a small swarm with it, and prints ✅ or ❌ with a hint. It never raises.
"""
from __future__ import annotations

import functools
import math
from collections.abc import Callable

import numpy as np

from coordlab.course.report import CheckResult, exercise_check, failed, not_given, passed
from coordlab.patterns.swarm import Foraging, Vicsek, neighbour_pairs, next_city, order_parameter
from coordlab.world import validate

EVAPORATION = "Exercise 1 — an evaporation rate that maximises food returned"
TRANSITION = "Exercise 2 — the ACS state-transition rule"
ALIGNMENT = "Exercise 3 — the alignment rule of a flock"

#: The rates the evaporation check compares against, and the runs it averages.
EVAPORATION_GRID = (0.0, 0.001, 0.003, 0.01, 0.03, 0.1)
FORAGING_SEEDS = (0, 1, 2)
FORAGING_STEPS = 1000


@functools.cache
def mean_food_returned(evaporation: float) -> float:
    """Food at the nest after ``FORAGING_STEPS`` steps, mean over ``FORAGING_SEEDS`` (default colony).

    Runs are deterministic, so the result is cached: the check's grid is computed once.
    """
    runs = [Foraging(evaporation=evaporation, seed=seed).run(FORAGING_STEPS) for seed in FORAGING_SEEDS]
    return float(np.mean([run.returned for run in runs]))


@exercise_check(EVAPORATION)
def check_evaporation(choose_evaporation: Callable[[], float]) -> CheckResult:
    """Pass if the chosen rate returns at least 85% of the food of the best rate on the check's grid."""
    if (mistake := not_given(EVAPORATION, "choose_evaporation", choose_evaporation)) is not None:
        return mistake
    rate = choose_evaporation()
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
        return failed(EVAPORATION, f"your function returned {rate!r}",
                      "return one number between 0 and 1: the fraction of pheromone lost per step")
    yours = mean_food_returned(float(rate))
    best_rate = max(EVAPORATION_GRID, key=mean_food_returned)
    best = mean_food_returned(best_rate)
    if yours >= 0.85 * best:
        return passed(EVAPORATION, f"evaporation={rate:g} returns {yours:.1f} food on average "
                                   f"(best on the check's grid: {best:.1f} at {best_rate:g})")
    if rate < best_rate:
        direction = "too little: old trails never fade, so ants keep following them to piles already empty"
    else:
        direction = "too much: trails vanish before other ants can follow them"
    return failed(EVAPORATION, f"evaporation={rate:g} returns {yours:.1f} food on average, but {best:.1f} is possible",
                  f"that is {direction}; sweep a few rates and keep the best")


def _transition_cases(count: int = 300, cities: int = 8, seed: int = 5):
    """Random small problems with their random draws; the same every time."""
    rng = np.random.default_rng(seed)
    for _ in range(count):
        pheromone = rng.uniform(0.1, 1.0, (cities, cities))
        closeness = rng.uniform(0.1, 1.0, (cities, cities))
        current = int(rng.integers(cities))
        others = [c for c in range(cities) if c != current]
        unvisited = sorted(rng.choice(others, size=int(rng.integers(1, cities)), replace=False).tolist())
        yield dict(current=current, unvisited=unvisited, pheromone=pheromone, closeness=closeness,
                   alpha=float(rng.choice([0.0, 1.0, 2.0])), beta=float(rng.choice([0.0, 1.0, 2.0, 5.0])),
                   q0=float(rng.choice([0.0, 0.5, 0.9, 1.0])), u_exploit=float(rng.random()),
                   u_pick=float(rng.random()))


@exercise_check(TRANSITION)
def check_transition_rule(rule: Callable[..., int]) -> CheckResult:
    """Pass if ``rule`` picks the same city as the reference rule on 300 random small cases."""
    if (mistake := not_given(TRANSITION, "rule", rule)) is not None:
        return mistake
    for number, case in enumerate(_transition_cases(), start=1):
        expected = next_city(**case)
        got = rule(**case)
        if got == expected:
            continue
        where = f"case {number}: current={case['current']}, unvisited={case['unvisited']}, q0={case['q0']}, " \
                f"u_exploit={case['u_exploit']:.3f}, u_pick={case['u_pick']:.3f}"
        if got not in case["unvisited"]:
            hint = "an ant never goes back to a visited city: only choose from `unvisited`"
        elif case["u_exploit"] < case["q0"]:
            hint = "u_exploit < q0 means exploit: take the unvisited city with the largest " \
                   "pheromone**alpha * closeness**beta (the first one on ties)"
        else:
            hint = "u_exploit >= q0 means explore: walk the unvisited cities in order, adding up their ratings, " \
                   "and stop at the first city where the running total passes u_pick * (sum of all ratings)"
        return failed(TRANSITION, f"{where}: you chose {got!r}, the rule chooses {expected}", hint)
    return passed(TRANSITION, "your rule agrees with the reference on 300 random cases")


class _FlockFollowing(Vicsek):
    """A Vicsek flock whose agents turn by the learner's rule, called once per agent."""

    def __init__(self, rule: Callable[[list[float]], float], **parameters) -> None:
        self.rule = rule
        super().__init__(**parameters)

    def new_headings(self) -> np.ndarray:
        i, j, _ = neighbour_pairs(self.positions, self.box, self.radius)
        neighbours: list[list[float]] = [[] for _ in self.headings]
        for me, other in zip(i.tolist(), j.tolist()):
            neighbours[me].append(float(self.headings[other]))
        return np.array([float(self.rule(headings)) for headings in neighbours]) + self.turns()


def _angle_between(a: float, b: float) -> float:
    return abs((a - b + math.pi) % (2 * math.pi) - math.pi)


@exercise_check(ALIGNMENT)
def check_alignment(rule: Callable[[list[float]], float], *, agents: int = 100, steps: int = 200,
                    noise: float = 0.2, seed: int = 0) -> CheckResult:
    """Pass if ``rule`` averages directions correctly and a flock using it reaches order > 0.9."""
    if (mistake := not_given(ALIGNMENT, "rule", rule)) is not None:
        return mistake
    agents, steps = validate.count("agents", agents, minimum=2), validate.count("steps", steps)
    cases = {"one heading [1.0]": ([1.0], 1.0),
             "two headings [0, pi/2]": ([0.0, math.pi / 2], math.pi / 4),
             "two headings either side of pi, [pi - 0.1, -pi + 0.1]": ([math.pi - 0.1, -math.pi + 0.1], math.pi)}
    for name, (headings, expected) in cases.items():
        got = rule(list(headings))
        if _angle_between(float(got), expected) > 1e-6:
            return failed(ALIGNMENT, f"for {name} you returned {got!r}, expected {expected:.4f} (or the same angle)",
                          "angles wrap around: average the unit vectors (sum of sin, sum of cos) and take atan2")
    flock = _FlockFollowing(rule, agents=agents, box=math.sqrt(agents / 4), noise=noise, seed=seed).run(steps)
    order = order_parameter(flock.headings)
    if order > 0.9:
        return passed(ALIGNMENT, f"a flock of {agents} using your rule reaches order {order:.3f} at noise {noise}")
    return failed(ALIGNMENT, f"a flock of {agents} using your rule reaches only order {order:.3f} at noise {noise}",
                  "return the direction of the neighbours' summed unit vectors")
