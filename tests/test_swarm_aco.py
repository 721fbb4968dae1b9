"""Ant colony optimisation: valid tours, honest lengths, monotone best, the rule, errors."""
import numpy as np
import pytest

from coordlab.patterns.swarm import AntColonySystem, MaxMinAntSystem, next_cities, next_city, tours, tsplib


def recomputed_length(instance, tour):
    return sum(int(instance.distances[a, b]) for a, b in zip(tour, list(tour[1:]) + [tour[0]]))


@pytest.mark.parametrize("colony", [AntColonySystem, MaxMinAntSystem])
def test_best_tour_is_a_permutation_with_its_recomputed_length(colony):
    run = colony("eil51", seed=3).run(30)
    assert sorted(run.best_tour.tolist()) == list(range(51))
    assert run.best_length == recomputed_length(run.instance, run.best_tour.tolist())
    assert run.best_length >= 426  # nothing beats the optimum


@pytest.mark.parametrize("colony", [AntColonySystem, MaxMinAntSystem])
def test_best_so_far_never_gets_worse_and_bounds_every_iteration(colony):
    history = colony("st70", seed=1).run(60).history
    assert all(later <= earlier for earlier, later in zip(history.best_length, history.best_length[1:]))
    assert all(best <= it for best, it in zip(history.best_length, history.iteration_best))
    assert history.best_length[-1] < history.best_length[0]  # it actually learns


def test_same_seed_same_run_and_different_seed_differs():
    a, b, c = (AntColonySystem("berlin52", seed=s).run(20) for s in (7, 7, 8))
    assert a.history.iteration_best == b.history.iteration_best and np.array_equal(a.pheromone, b.pheromone)
    assert a.history.best_length == b.history.best_length
    assert a.history.iteration_best != c.history.iteration_best


def test_acs_beats_nearest_neighbour_on_berlin52():
    run = AntColonySystem("berlin52", seed=0).run(200)
    assert run.best_length < run.nearest_neighbour_length
    assert run.gap() < 5


def test_two_opt_removes_every_improving_swap_and_keeps_a_permutation():
    instance = tsplib.load("eil51")
    tour = tours.two_opt(np.random.default_rng(0).permutation(51), instance.distances)
    length = instance.tour_length(tour)
    for a in range(51):
        for b in range(a + 2, 51):
            candidate = np.concatenate([tour[:a + 1], tour[a + 1:b + 1][::-1], tour[b + 1:]])
            assert instance.tour_length(candidate) >= length


def test_vectorised_rule_agrees_with_the_one_ant_rule():
    rng = np.random.default_rng(11)
    cities, ants = 9, 40
    pheromone, closeness = rng.uniform(0.1, 1, (2, cities, cities))
    alpha, beta = 1.0, 2.0
    log_rating = alpha * np.log(pheromone) + beta * np.log(closeness)
    current = rng.integers(cities, size=ants)
    unvisited = rng.random((ants, cities)) < 0.6
    unvisited[np.arange(ants), current] = False
    unvisited[:, 0] |= ~unvisited.any(axis=1)  # every ant has somewhere to go
    u_exploit, u_pick = rng.random((2, ants))
    for q0 in (0.0, 0.5, 1.0):
        together = next_cities(current, unvisited, log_rating, q0, u_exploit, u_pick)
        one_by_one = [next_city(int(current[k]), np.flatnonzero(unvisited[k]).tolist(), pheromone, closeness,
                                alpha=alpha, beta=beta, q0=q0, u_exploit=u_exploit[k], u_pick=u_pick[k])
                      for k in range(ants)]
        assert together.tolist() == one_by_one


def test_the_vectorised_rule_chooses_as_exact_arithmetic_would_where_ratings_underflow():
    """closeness**150 underflows to 0, but scaling every closeness by the same factor changes no choice."""
    rng = np.random.default_rng(12)
    cities, ants, beta, scale = 9, 40, 150.0, 1e-5
    pheromone, closeness = rng.uniform(0.1, 1, (2, cities, cities))
    assert ((closeness * scale) ** beta == 0).all()  # next_city itself would see only zeros here
    log_rating = np.log(pheromone) + beta * np.log(closeness * scale)
    current = rng.integers(cities, size=ants)
    unvisited = rng.random((ants, cities)) < 0.6
    unvisited[np.arange(ants), current] = False
    unvisited[:, 0] |= ~unvisited.any(axis=1)
    u_exploit, u_pick = rng.random((2, ants))
    for q0 in (0.0, 1.0):
        together = next_cities(current, unvisited, log_rating, q0, u_exploit, u_pick)
        exact = [next_city(int(current[k]), np.flatnonzero(unvisited[k]).tolist(), pheromone, closeness,
                           alpha=1.0, beta=beta, q0=q0, u_exploit=u_exploit[k], u_pick=u_pick[k])
                 for k in range(ants)]
        assert together.tolist() == exact
        assert unvisited[np.arange(ants), together].all()


def test_exploring_ants_pick_cities_in_proportion_to_their_rating():
    pheromone, closeness = np.ones((3, 3)), np.array([[0, 1, 3], [1, 0, 1], [3, 1, 0]], dtype=float)
    picks = [next_city(0, [1, 2], pheromone, closeness, alpha=1, beta=1, q0=0, u_exploit=0.5, u_pick=u)
             for u in np.linspace(0, 1, 400, endpoint=False)]
    assert picks.count(2) / len(picks) == pytest.approx(0.75, abs=0.01)


def test_killing_ants_mid_run_continues_with_fewer():
    run = AntColonySystem("eil51", seed=0).run(5)
    run.kill(fraction=0.5)
    run.run(5)
    assert run.history.agents == [10] * 5 + [5] * 5
    assert len(run.history.best_length) == 10


@pytest.mark.parametrize("kwargs, message", [
    (dict(alpha=-1), "alpha=-1"), (dict(beta=-0.5), "beta=-0.5"), (dict(rho=1.5), "rho=1.5.*between 0 and 1"),
    (dict(q0=-0.1), "q0=-0.1"), (dict(ants=0), "ants=0"), (dict(instance="nowhere"), "^instance=.*'eil51'"),
])
def test_bad_parameters_are_named(kwargs, message):
    kwargs = {"instance": "eil51", **kwargs}
    with pytest.raises(ValueError, match=message):
        AntColonySystem(kwargs.pop("instance"), **kwargs)
