"""Two classic tour heuristics that ant colonies lean on.

* The nearest-neighbour tour gives ACO its scale: the initial pheromone is
  ``1 / (cities * L_nn)``, so pheromone values are comparable across instances.
* 2-opt is the local search ACO is usually paired with: ants find good regions,
  2-opt removes the crossings an ant's random choices leave behind.
"""
from __future__ import annotations

import numpy as np

from coordlab.patterns.swarm.checks import check_tour
from coordlab.world import validate


def distance_matrix(distances: object) -> np.ndarray:
    """``distances`` as a square matrix of numbers, or raise naming it."""
    matrix = np.asarray(distances)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1] or not len(matrix) \
            or not np.issubdtype(matrix.dtype, np.number):
        raise ValueError(f"distances={distances!r} is not allowed: give a square matrix of numbers, one row and "
                         "one column per city")
    return matrix


def nearest_neighbour_tour(distances: np.ndarray, start: int = 0) -> np.ndarray:
    """Greedy tour: from ``start``, always go to the closest city not visited yet."""
    distances = distance_matrix(distances)
    cities = len(distances)
    start = validate.count("start", start, minimum=0, maximum=cities - 1)
    tour = [start]
    unvisited = np.ones(cities, dtype=bool)
    unvisited[start] = False
    for _ in range(cities - 1):
        here = tour[-1]
        nearest = int(np.argmin(np.where(unvisited, distances[here], np.iinfo(np.int64).max)))
        tour.append(nearest)
        unvisited[nearest] = False
    return np.array(tour)


def two_opt(tour: np.ndarray, distances: np.ndarray) -> np.ndarray:
    """Best-improvement 2-opt: reverse the segment that shortens the tour most, until none does.

    Removing edges (a, a+1) and (b, b+1) and reconnecting as (a, b), (a+1, b+1) changes the
    length by ``d[a,b] + d[a+1,b+1] - d[a,a+1] - d[b,b+1]``; all pairs are scored at once.
    """
    distances = distance_matrix(distances)
    tour = check_tour(tour, len(distances)).copy()
    upper = np.triu(np.ones((len(tour), len(tour)), dtype=bool), k=2)
    upper[0, -1] = False  # those two edges share city tour[0]: swapping them changes nothing
    while True:
        after = np.roll(tour, -1)
        gain = (distances[tour[:, None], tour[None, :]] + distances[after[:, None], after[None, :]]
                - distances[tour, after][:, None] - distances[tour, after][None, :])
        gain = np.where(upper, gain, 0)
        a, b = np.unravel_index(np.argmin(gain), gain.shape)
        if gain[a, b] >= 0:
            return tour
        tour[a + 1:b + 1] = tour[a + 1:b + 1][::-1]
