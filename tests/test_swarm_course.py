"""Each swarm exercise check accepts the solution, rejects the stub and a plausible wrong answer."""
import math

import numpy as np
import pytest

from coordlab.course import swarm as checks
from coordlab.patterns.swarm import Foraging


def stub(*args, **kwargs):
    raise NotImplementedError("Your answer goes here: replace this line.")


# --- the solutions, as in solutions/05_swarm_exercises.ipynb -----------------------------

def choose_evaporation() -> float:
    rates = [0.0, 0.002, 0.005, 0.01, 0.02, 0.05]
    food = {rate: np.mean([Foraging(evaporation=rate, seed=seed).run(1000).returned for seed in (10, 11, 12)])
            for rate in rates}
    return max(food, key=food.get)


def next_city(current, unvisited, pheromone, closeness, *, alpha, beta, q0, u_exploit, u_pick):
    rating = {city: pheromone[current][city] ** alpha * closeness[current][city] ** beta for city in unvisited}
    if u_exploit < q0:
        return max(rating, key=rating.get)
    threshold, running = u_pick * sum(rating.values()), 0.0
    for city, weight in rating.items():
        running += weight
        if running > threshold:
            return city
    return city


def alignment(headings):
    return math.atan2(sum(math.sin(h) for h in headings), sum(math.cos(h) for h in headings))


# --- plausible wrong answers -------------------------------------------------------------

def always_greedy(current, unvisited, pheromone, closeness, *, alpha, beta, q0, u_exploit, u_pick):
    return max(unvisited, key=lambda c: pheromone[current][c] ** alpha * closeness[current][c] ** beta)


def ignores_distance(current, unvisited, pheromone, closeness, *, alpha, beta, q0, u_exploit, u_pick):
    return next_city(current, unvisited, pheromone, np.ones_like(closeness), alpha=alpha, beta=beta, q0=q0,
                     u_exploit=u_exploit, u_pick=u_pick)


def may_revisit(current, unvisited, pheromone, closeness, *, alpha, beta, q0, u_exploit, u_pick):
    everywhere = [c for c in range(len(pheromone)) if c != current]
    return next_city(current, everywhere, pheromone, closeness, alpha=alpha, beta=beta, q0=q0,
                     u_exploit=u_exploit, u_pick=u_pick)


def arithmetic_mean(headings):
    return sum(headings) / len(headings)


def ignores_neighbours(headings):
    return headings[0]


def test_evaporation_check():
    assert checks.check_evaporation(choose_evaporation)
    assert not checks.check_evaporation(stub)
    assert not checks.check_evaporation(lambda: 0.0)  # never forget: stale trails
    assert not checks.check_evaporation(lambda: 0.5)  # forget at once: no trails
    assert not checks.check_evaporation(lambda: 5)  # not a fraction


@pytest.mark.parametrize("wrong", [always_greedy, ignores_distance, may_revisit])
def test_transition_check(wrong):
    assert checks.check_transition_rule(next_city)
    assert not checks.check_transition_rule(stub)
    assert not checks.check_transition_rule(wrong)


@pytest.mark.parametrize("wrong", [arithmetic_mean, ignores_neighbours])
def test_alignment_check(wrong):
    assert checks.check_alignment(alignment)
    assert not checks.check_alignment(stub)
    assert not checks.check_alignment(wrong)


def test_checks_print_instead_of_raising(capsys):
    result = checks.check_alignment(lambda headings: 1 / 0)
    assert not result and "ZeroDivisionError" in capsys.readouterr().out
