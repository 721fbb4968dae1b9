"""The shipped TSPLIB instances and the EUC_2D rule."""
import math

import numpy as np
import pytest

from coordlab.patterns.swarm import tsplib

# Published optima (TSPLIB; also in coordlab/data/tsplib/README.md).
OPTIMA = {"eil51": 426, "berlin52": 7542, "st70": 675, "kroA100": 21282}
# The same tours scored with unrounded distances (README): what a loader without the rule gets.
UNROUNDED = {"eil51": 429.98, "berlin52": 7544.37, "st70": 678.60, "kroA100": 21285.44}


@pytest.mark.parametrize("name", sorted(OPTIMA))
def test_shipped_optimal_tours_score_exactly_the_published_optimum(name):
    instance = tsplib.load(name)
    assert instance.tour_length(instance.optimal_tour) == OPTIMA[name]
    assert instance.optimum == OPTIMA[name]


@pytest.mark.parametrize("name", sorted(OPTIMA))
def test_unrounded_lengths_differ_as_the_readme_says(name):
    instance = tsplib.load(name)
    tour = instance.optimal_tour
    exact = sum(math.dist(instance.coordinates[a], instance.coordinates[b]) for a, b in zip(tour, np.roll(tour, -1)))
    assert round(exact, 2) == UNROUNDED[name]


def test_euc_2d_rounds_half_up_like_tsplib():
    coordinates = np.array([[0.0, 0.0], [3.0, 4.0], [0.0, 2.5], [0.0, 2.4999]])
    d = tsplib.euc_2d(coordinates)
    assert d[0, 1] == 5 and d[0, 2] == 3 and d[0, 3] == 2 and d[2, 0] == 3


def test_instances_have_the_stated_city_counts():
    assert [tsplib.load(name).cities for name in tsplib.INSTANCES] == [51, 52, 70, 100]


def test_unknown_instance_lists_the_available_ones():
    with pytest.raises(ValueError, match=r"name='berlin53'.*available: eil51, berlin52, st70, kroA100"):
        tsplib.load("berlin53")


@pytest.mark.parametrize("tour, message", [([0, 1, 2], "shape"), (list(range(51)) + [3], "permutation")])
def test_a_tour_that_is_not_a_permutation_is_rejected(tour, message):
    with pytest.raises(ValueError, match=message):
        tsplib.load("berlin52").tour_length(np.array(tour))
