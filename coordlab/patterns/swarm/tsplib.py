"""TSPLIB instances shipped with coordlab, scored with TSPLIB's own EUC_2D rule.

TSPLIB defines the distance between two cities as the Euclidean distance rounded to the
nearest integer, ``int(d + 0.5)``. Its published optima (426 for eil51, 7542 for berlin52,
...) are only reproducible with that rule, so every tour length in coordlab uses it.
The files and their attribution live in ``coordlab/data/tsplib/``.
"""
from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import numpy as np

from coordlab.patterns.swarm.checks import check_tour

#: The instances shipped in ``coordlab/data/tsplib/`` (their published optima are in its README).
INSTANCES = ("eil51", "berlin52", "st70", "kroA100")


@dataclass(frozen=True, eq=False)
class Instance:
    """A symmetric TSP: city coordinates, EUC_2D distances and the known optimal tour."""

    name: str
    coordinates: np.ndarray  # (cities, 2) floats, as written in the .tsp file
    distances: np.ndarray  # (cities, cities) integers, TSPLIB EUC_2D
    optimal_tour: np.ndarray  # city indices from 0, in visiting order

    @property
    def cities(self) -> int:
        return len(self.coordinates)

    @property
    def optimum(self) -> int:
        """Length of the shipped optimal tour."""
        return self.tour_length(self.optimal_tour)

    def tour_length(self, tour: np.ndarray) -> int:
        """Length of a closed tour (back to the first city), after checking it visits every city once."""
        tour = check_tour(tour, self.cities)
        return int(self.distances[tour, np.roll(tour, -1)].sum())


def euc_2d(coordinates: np.ndarray) -> np.ndarray:
    """All pairwise TSPLIB EUC_2D distances: Euclidean, rounded half up to an integer."""
    difference = coordinates[:, None, :] - coordinates[None, :, :]
    return np.floor(np.sqrt((difference**2).sum(axis=-1)) + 0.5).astype(np.int64)


def load(name: str) -> Instance:
    """Load a shipped instance by name (see ``INSTANCES``)."""
    if name not in INSTANCES:
        raise ValueError(f"name={name!r} is not a shipped TSPLIB instance (available: {', '.join(INSTANCES)})")
    folder = resources.files("coordlab") / "data" / "tsplib"
    coordinates = np.array([row[1:] for row in _section(folder.joinpath(f"{name}.tsp").read_text(),
                                                         "NODE_COORD_SECTION")], dtype=float)
    tour = np.array([int(row[0]) - 1 for row in _section(folder.joinpath(f"{name}.opt.tour").read_text(),
                                                         "TOUR_SECTION")])
    return Instance(name, coordinates, euc_2d(coordinates), check_tour(tour, len(coordinates)))


def _section(text: str, header: str) -> list[list[str]]:
    """The whitespace-split rows after ``header``, up to ``-1`` or ``EOF`` (TSPLIB's terminators)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == header) + 1
    rows = []
    for line in lines[start:]:
        fields = line.split()
        if not fields:
            continue
        if fields[0] in ("-1", "EOF"):
            break
        rows.append(fields)
    return rows
