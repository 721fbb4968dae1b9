"""Ant colony optimisation for the travelling salesman problem.

Each ant builds a tour city by city. At city ``i`` it rates every unvisited city ``j`` by
``pheromone[i, j]**alpha * closeness[i, j]**beta`` (closeness = 1 / distance) and then, in
Ant Colony System (Dorigo & Gambardella, 1997), follows the *pseudo-random proportional
rule*: with probability ``q0`` it exploits (takes the best-rated city), otherwise it
explores (picks a city at random, in proportion to the ratings). Pheromone is the colony's
shared memory: no ant ever talks to another, they only read and write the edges.

``next_city`` is that rule for one ant in plain Python; ``next_cities`` is the same rule for
every ant at once in numpy. The two random numbers are passed in, so both are pure functions
and can be checked against each other.

The colony rates edges in log space, ``alpha * log(pheromone) + beta * log(closeness)``:
with ``beta=150`` a rating ``closeness**150`` underflows to 0 for every city, and an ant that
sees only zeros has no best city to take. Logs do not underflow, and each ant's weights are
scaled so that its best unvisited city weighs 1, so every ant always has a city to go to and
every tour visits each city once.
"""
from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from coordlab.patterns.swarm.swarm import Swarm, SwarmHistory
from coordlab.patterns.swarm.tours import nearest_neighbour_tour, two_opt
from coordlab.patterns.swarm.tsplib import INSTANCES, Instance, load
from coordlab.world import validate

#: The most ants a colony may send: each holds a whole tour and a random draw per city.
MAX_ANTS = 10_000
#: The largest ``alpha`` or ``beta``: beyond it, even log-space ratings overflow.
MAX_EXPONENT = 1000.0


def next_city(current: int, unvisited: Sequence[int], pheromone: np.ndarray, closeness: np.ndarray, *,
              alpha: float, beta: float, q0: float, u_exploit: float, u_pick: float) -> int:
    """The ACS state-transition rule for one ant (reference version, one ant at a time).

    ``u_exploit`` and ``u_pick`` are two uniform random numbers in [0, 1): the first decides
    exploit-or-explore, the second picks the city when exploring (roulette wheel).
    """
    if len(unvisited) == 0:
        raise ValueError(f"unvisited={unvisited!r} is not allowed: an ant chooses among at least one unvisited city")
    rating = {city: pheromone[current][city] ** alpha * closeness[current][city] ** beta for city in unvisited}
    if u_exploit < q0:
        return max(rating, key=rating.get)  # exploit: the best-rated edge (first one on ties)
    threshold = u_pick * sum(rating.values())
    running = 0.0
    for city, weight in rating.items():  # explore: walk the roulette wheel until past the threshold
        running += weight
        if running > threshold:
            return city
    return city


def next_cities(current: np.ndarray, unvisited: np.ndarray, log_rating: np.ndarray, q0: float,
                u_exploit: np.ndarray, u_pick: np.ndarray) -> np.ndarray:
    """``next_city`` for every ant at once: row ``k`` is ant ``k``.

    ``log_rating = alpha * log(pheromone) + beta * log(closeness)``, the log of ``next_city``'s
    rating. Each ant's weights are ``exp(log_rating - its best unvisited log_rating)``: the best
    city weighs exactly 1, so the weights never all underflow to 0 and a visited city (weight
    0) is never chosen. Wherever ``next_city``'s own ratings do not underflow, the two agree.
    """
    scores = np.where(unvisited, log_rating[current], -np.inf)
    best = scores.argmax(axis=1)
    weights = np.exp(scores - scores[np.arange(len(best)), best][:, None])
    running = weights.cumsum(axis=1)
    roulette = (running > (u_pick * running[:, -1])[:, None]).argmax(axis=1)
    return np.where(u_exploit < q0, best, roulette)


@dataclass(frozen=True, eq=False)
class ColonyFrame:
    """A snapshot: the pheromone on every edge and the best tour so far."""

    step: int
    pheromone: np.ndarray
    best_tour: np.ndarray
    iteration_best_tour: np.ndarray  # the shortest tour this iteration's ants built
    ids: np.ndarray  # the numbers of the ants that built this iteration's tours


@dataclass
class ColonyHistory(SwarmHistory):
    """One entry per iteration (``frames``, of ``ColonyFrame``, every ``record_every`` iterations)."""

    best_length: list[int] = field(default_factory=list)  # best tour found so far
    iteration_best: list[int] = field(default_factory=list)  # best tour of this iteration's ants


def colony_instance(instance: object) -> Instance:
    """The instance a colony works on: an ``Instance``, or the name of a shipped one, loaded."""
    if isinstance(instance, str):
        return load(validate.one_of("instance", instance, INSTANCES))
    if not isinstance(instance, Instance):
        raise TypeError(f"instance={instance!r} is not allowed: give an Instance or the name of a shipped one "
                        f"({', '.join(INSTANCES)})")
    if instance.cities < 3:
        raise ValueError(f"instance={instance.name!r} is not allowed: a tour needs at least 3 cities")
    return instance


def exponent(name: str, value: object) -> float:
    """``alpha`` or ``beta``: a number from 0 to ``MAX_EXPONENT``."""
    power = validate.number(name, value, minimum=0)
    if power > MAX_EXPONENT:
        raise ValueError(f"{name}={value!r} is not allowed: {name} must be between 0 and {MAX_EXPONENT:g}")
    return power


class AntColony(Swarm):
    """What every ant colony shares: building tours, 2-opt, the best-so-far tour and the history.

    One step is one iteration: every ant builds a whole tour, then pheromone is updated.
    Subclasses say how pheromone changes: ``_after_moves`` (while ants walk) and
    ``_after_iteration`` (once every tour is built).
    """

    history: ColonyHistory

    def __init__(self, instance: Instance | str, *, ants: int, alpha: float, beta: float, rho: float,
                 q0: float, local_search: bool, record_every: int, seed: int) -> None:
        self.instance = colony_instance(instance)
        ants = validate.count("ants", ants, maximum=MAX_ANTS)
        self.alpha, self.beta = exponent("alpha", alpha), exponent("beta", beta)
        self.rho = validate.probability("rho", rho)
        self.q0 = validate.probability("q0", q0)
        self.local_search = validate.flag("local_search", local_search)
        super().__init__(agents=ants, history=ColonyHistory(), record_every=record_every, seed=seed)
        distances = self.instance.distances
        # A distance that rounds to 0 counts as 0.5, so closeness stays finite.
        self.closeness = np.where(np.eye(len(distances), dtype=bool), 0.0, 1.0 / np.maximum(distances, 0.5))
        # The same, as logs (on the diagonal too, where it is never used: an ant's own city is visited).
        self.log_closeness = -np.log(np.maximum(distances, 0.5))
        self.nearest_neighbour_length = self.instance.tour_length(nearest_neighbour_tour(distances))
        self.pheromone = np.full(distances.shape, self._initial_pheromone())
        self.log_rating = np.empty_like(self.pheromone)
        self.best_tour: np.ndarray | None = None
        self.best_length: int | None = None
        self.iteration_best: int | None = None  # the length of the shortest tour of the last iteration
        self.iteration_best_tour: np.ndarray | None = None

    @abstractmethod
    def _initial_pheromone(self) -> float:
        """The pheromone every edge starts with."""

    def _after_moves(self, here: np.ndarray, there: np.ndarray) -> None:  # noqa: B027 - an optional hook
        """Called after every ant moved one edge (``here[k] -> there[k]``)."""

    @abstractmethod
    def _after_iteration(self, tours: np.ndarray, lengths: np.ndarray) -> None:
        """Update pheromone once every ant has built its tour (``best_tour`` is already updated)."""

    def _rate_edges(self, rows: np.ndarray | slice = slice(None), cols: np.ndarray | slice = slice(None)) -> None:
        """Refresh ``log_rating = alpha * log(pheromone) + beta * log(closeness)`` on the given edges (all by default).

        It is the log of ``pheromone**alpha * closeness**beta``, which would underflow to 0 for a large ``beta``.
        """
        self.log_rating[rows, cols] = (self.alpha * np.log(self.pheromone[rows, cols])
                                       + self.beta * self.log_closeness[rows, cols])

    def build_tours(self) -> np.ndarray:
        """Every ant builds one tour (a row), starting from a random city: all ants step together."""
        cities, ants = self.instance.cities, np.arange(self.agents)
        self._rate_edges()
        tours = np.empty((self.agents, cities), dtype=np.int64)
        tours[:, 0] = self.rng.integers(cities, size=self.agents)
        unvisited = np.ones((self.agents, cities), dtype=bool)
        unvisited[ants, tours[:, 0]] = False
        u_exploit, u_pick = self.rng.random((2, cities - 1, self.agents))
        for step in range(1, cities):
            tours[:, step] = next_cities(tours[:, step - 1], unvisited, self.log_rating, self.q0,
                                         u_exploit[step - 1], u_pick[step - 1])
            unvisited[ants, tours[:, step]] = False
            self._after_moves(tours[:, step - 1], tours[:, step])
        self._after_moves(tours[:, -1], tours[:, 0])  # the edge that closes the tour
        return tours

    def _advance(self) -> None:
        """One iteration: every ant builds a tour (then 2-opt, if on), then pheromone is updated."""
        tours = self.build_tours()
        if self.local_search:
            tours = np.array([two_opt(tour, self.instance.distances) for tour in tours])
        distances = self.instance.distances
        lengths = distances[tours, np.roll(tours, -1, axis=1)].sum(axis=1)
        best = int(np.argmin(lengths))
        self.iteration_best_tour = tours[best].copy()
        self.iteration_best = self.instance.tour_length(self.iteration_best_tour)  # raises if not a real tour
        if self.best_length is None or self.iteration_best < self.best_length:
            self.best_tour, self.best_length = self.iteration_best_tour, self.iteration_best
        self._after_iteration(tours, lengths)

    def _keep(self, alive: np.ndarray) -> None:
        """Ants are interchangeable and remember nothing between iterations: later ones simply send fewer."""

    def _measure(self) -> None:
        self.history.best_length.append(self.best_length)
        self.history.iteration_best.append(self.iteration_best)

    def _frame(self) -> ColonyFrame:
        return ColonyFrame(self.steps, self.pheromone.copy(), self.best_tour.copy(), self.iteration_best_tour.copy(),
                           self.ids.copy())

    def gap(self) -> float:
        """How far the best tour so far is above the known optimum, in percent."""
        if self.best_length is None:
            raise ValueError("gap() needs a tour: run the colony first")
        return 100.0 * (self.best_length / self.instance.optimum - 1.0)


class AntColonySystem(AntColony):
    """Ant Colony System (Dorigo & Gambardella, 1997) with the literature's default parameters.

    * Local update, on every edge an ant just walked: ``tau <- (1 - rho) tau + rho tau0``.
      It makes a used edge *less* attractive to the ants behind, so they spread out.
    * Global update, on the best-so-far tour only: ``tau <- (1 - rho) tau + rho / L_best``.
    * ``tau0 = 1 / (cities * L_nn)``, with ``L_nn`` the nearest-neighbour tour's length.

    All ants take their k-th step together and the local update follows that step; the
    original applies it after each single ant's move. With 10 ants the difference is small.
    """

    def __init__(self, instance: Instance | str, *, ants: int = 10, alpha: float = 1.0, beta: float = 2.0,
                 rho: float = 0.1, q0: float = 0.9, local_search: bool = False, record_every: int = 10,
                 seed: int = 0) -> None:
        super().__init__(instance, ants=ants, alpha=alpha, beta=beta, rho=rho, q0=q0,
                         local_search=local_search, record_every=record_every, seed=seed)

    def _initial_pheromone(self) -> float:
        self.tau0 = 1.0 / (self.instance.cities * self.nearest_neighbour_length)
        return self.tau0

    def _after_moves(self, here: np.ndarray, there: np.ndarray) -> None:
        rows, cols = np.concatenate([here, there]), np.concatenate([there, here])  # edges are symmetric
        self.pheromone[rows, cols] = (1 - self.rho) * self.pheromone[rows, cols] + self.rho * self.tau0
        self._rate_edges(rows, cols)

    def _after_iteration(self, tours: np.ndarray, lengths: np.ndarray) -> None:
        rows = self.best_tour
        cols = np.roll(rows, -1)
        rows, cols = np.concatenate([rows, cols]), np.concatenate([cols, rows])
        self.pheromone[rows, cols] = (1 - self.rho) * self.pheromone[rows, cols] + self.rho / self.best_length


class MaxMinAntSystem(AntColony):
    """MAX-MIN Ant System (Stützle & Hoos, 2000): only the best ant deposits, pheromone is clamped.

    Every edge evaporates, ``tau <- (1 - rho) tau``; the iteration's best tour adds
    ``1 / L``; then pheromone is kept within ``[tau_min, tau_max]`` so no edge is ever
    certain or impossible, which is how MMAS avoids stagnation. ``q0 = 0``: pure roulette.
    """

    p_best = 0.05  # Stützle & Hoos: chance the converged colony rebuilds the best tour

    def __init__(self, instance: Instance | str, *, ants: int = 10, alpha: float = 1.0, beta: float = 2.0,
                 rho: float = 0.02, q0: float = 0.0, local_search: bool = False, record_every: int = 10,
                 seed: int = 0) -> None:
        if validate.probability("rho", rho) == 0:
            raise ValueError(f"rho={rho!r} is not allowed: MAX-MIN needs rho > 0 (its top pheromone is 1 / (rho L))")
        super().__init__(instance, ants=ants, alpha=alpha, beta=beta, rho=rho, q0=q0,
                         local_search=local_search, record_every=record_every, seed=seed)

    def _initial_pheromone(self) -> float:
        return self._limits(self.nearest_neighbour_length)[1]

    def _limits(self, best_length: int) -> tuple[float, float]:
        tau_max = 1.0 / (self.rho * best_length)
        root = self.p_best ** (1.0 / self.instance.cities)
        tau_min = tau_max * (1 - root) / ((self.instance.cities / 2 - 1) * root)
        return tau_min, tau_max

    def _after_iteration(self, tours: np.ndarray, lengths: np.ndarray) -> None:
        best = int(np.argmin(lengths))
        rows = tours[best]
        cols = np.roll(rows, -1)
        self.pheromone *= 1 - self.rho
        self.pheromone[rows, cols] += 1.0 / lengths[best]
        self.pheromone[cols, rows] += 1.0 / lengths[best]
        np.clip(self.pheromone, *self._limits(self.best_length), out=self.pheromone)
