"""Stigmergy: ants that find food by reading and writing a shared pheromone field.

No ant tells another where food is. An ant carrying food walks home (up the nest scent)
and drops pheromone on each cell it crosses. Pheromone diffuses to neighbouring cells and
evaporates. A searching ant moves up the pheromone gradient when it smells more than
``threshold``, sniffing only the cells that lead away from the nest, with a little
randomness; otherwise it wanders. One ant's drop is below the threshold: only a trail that
many ants keep topping up is followed.
The environment is the only channel: that is stigmergy.

``choose_move`` is one ant's rule in plain Python; ``choose_moves`` is the same rule for
all ants at once. ``deposit_in_dict`` is the dictionary pheromone store of the widely copied
toy swarm as it was meant to work, the reference the grid's ``deposit`` is checked against
(its bug, as copied, is in ``coordlab.patterns.swarm.naive``).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from numbers import Integral

import numpy as np

from coordlab.patterns.swarm.swarm import MAX_AGENTS, Swarm, SwarmHistory
from coordlab.world import validate

#: The four moves, as (row, column) steps: north, east, south, west.
MOVES = np.array([(-1, 0), (0, 1), (1, 0), (0, -1)])

#: The largest grid side: a grid of ``size * size`` cells is held several times over.
MAX_SIZE = 1000
#: The most food a pile may hold (the grid counts food in 64-bit integers).
MAX_FOOD_PER_PILE = 10**9


def choose_move(smell: Sequence[float], carrying: bool, *, wander: float, threshold: float,
                u_wander: float, u_move: float) -> int:
    """One ant's rule: which of the four ``MOVES`` to take (reference version).

    ``smell`` is what the ant senses on the four neighbouring cells: pheromone when
    searching, closeness to the nest when carrying food. ``u_wander`` and ``u_move`` are
    uniform random numbers in [0, 1).
    """
    follows_scent = u_wander >= wander and (carrying or max(smell) > threshold)
    if follows_scent:
        return max(range(4), key=lambda move: smell[move])  # uphill (the first move on ties)
    return int(u_move * 4)  # a random step


def choose_moves(smell: np.ndarray, carrying: np.ndarray, *, wander: float, threshold: float,
                 u_wander: np.ndarray, u_move: np.ndarray) -> np.ndarray:
    """``choose_move`` for every ant at once (row ``k`` of ``smell`` is ant ``k``)."""
    follows_scent = (u_wander >= wander) & (carrying | (smell.max(axis=1) > threshold))
    return np.where(follows_scent, smell.argmax(axis=1), (u_move * 4).astype(np.int64))


def deposit_in_dict(pheromones: dict, cell: tuple[int, int], amount: float) -> None:
    """The toy swarm's pheromone store, as it was meant to work: a trail adds up."""
    if cell not in pheromones:
        pheromones[cell] = {}
    if "trail" not in pheromones[cell]:
        pheromones[cell]["trail"] = 0.0
    pheromones[cell]["trail"] += amount


def deposit(pheromone: np.ndarray, cells: np.ndarray, amounts: np.ndarray) -> None:
    """Drop ``amounts`` on ``cells`` (rows of (row, column)) of the ``pheromone`` grid, in place.

    Drops on the same cell add up, as in ``deposit_in_dict`` one drop at a time.
    """
    flat = np.bincount(np.ravel_multi_index(cells.T, pheromone.shape), amounts, pheromone.size)
    pheromone += flat.reshape(pheromone.shape)


def spread_and_evaporate(pheromone: np.ndarray, diffusion: float, evaporation: float) -> np.ndarray:
    """Each cell shares a ``diffusion`` fraction with its 4 neighbours, then loses ``evaporation``."""
    padded = np.pad(pheromone, 1, mode="edge")  # walls reflect: nothing leaks off the grid
    neighbours = (padded[:-2, 1:-1] + padded[2:, 1:-1] + padded[1:-1, :-2] + padded[1:-1, 2:]) / 4
    return ((1 - diffusion) * pheromone + diffusion * neighbours) * (1 - evaporation)


def food_piles(food: object, size: int) -> list[tuple[int, int]]:
    """The piles' centres as (row, column) pairs, or raise naming ``food`` if one is not on the grid."""
    allowed = f"food must be a list of (row, column) pairs of ints from 0 to {size - 1}"
    if isinstance(food, (str, bytes)) or not isinstance(food, Iterable):
        raise TypeError(f"food={food!r} is not allowed: {allowed}")
    piles = list(food)
    for pile in piles:
        if (isinstance(pile, (str, bytes)) or not isinstance(pile, Sequence) or len(pile) != 2
                or not all(isinstance(x, Integral) and not isinstance(x, bool) for x in pile)):
            raise TypeError(f"food={piles!r} is not allowed: {allowed}; {pile!r} is not one")
        if not all(0 <= x < size for x in pile):
            raise ValueError(f"food={piles!r} is not allowed: pile {pile!r} is not on the {size}x{size} grid; "
                             f"{allowed}")
    return [(int(r), int(c)) for r, c in piles]


@dataclass(frozen=True, eq=False)
class ForagingFrame:
    """A snapshot for pictures and animations."""

    step: int
    pheromone: np.ndarray
    positions: np.ndarray
    carrying: np.ndarray
    food: np.ndarray
    ids: np.ndarray  # the number of the ant on each row of ``positions`` and ``carrying``


@dataclass
class ForagingHistory(SwarmHistory):
    """One entry per step (``frames``, of ``ForagingFrame``, every ``record_every`` steps)."""

    food_returned: list[int] = field(default_factory=list)  # total delivered to the nest so far


class Foraging(Swarm):
    """Ants on a square grid with a nest in the middle and food in a few piles.

    ``evaporation`` is the fraction of pheromone lost per step, ``diffusion`` the fraction
    shared with neighbours, ``wander`` the chance of a random step, ``drop`` what a carrier
    deposits per step and ``threshold`` the least pheromone a searching ant follows.
    Each food pile is the 3x3 block around its (row, column), ``food_per_pile // 9`` a cell.
    ``naive.NaiveForaging`` is the same colony with the toy swarm's deposit bug.
    """

    history: ForagingHistory

    def __init__(self, *, ants: int = 100, size: int = 41,
                 food: Sequence[tuple[int, int]] = ((8, 30), (32, 8), (36, 36)),
                 food_per_pile: int = 90, evaporation: float = 0.01, diffusion: float = 0.3,
                 wander: float = 0.1, drop: float = 1.0, threshold: float = 1.0,
                 record_every: int = 10, seed: int = 0) -> None:
        self.size = validate.count("size", size, minimum=5, maximum=MAX_SIZE)
        ants = validate.count("ants", ants, maximum=MAX_AGENTS)
        piles = food_piles(food, self.size)
        food_per_pile = validate.count("food_per_pile", food_per_pile, minimum=0, maximum=MAX_FOOD_PER_PILE)
        self.evaporation = validate.probability("evaporation", evaporation)
        self.diffusion = validate.probability("diffusion", diffusion)
        self.wander = validate.probability("wander", wander)
        self.drop = validate.number("drop", drop, minimum=0)
        self.threshold = validate.number("threshold", threshold, minimum=0)
        super().__init__(agents=ants, history=ForagingHistory(), record_every=record_every, seed=seed)
        self.nest = np.array([size // 2, size // 2])
        rows, cols = np.indices((size, size))
        self.nest_scent = -np.hypot(rows - self.nest[0], cols - self.nest[1])  # higher = closer to the nest
        self.food = np.zeros((size, size), dtype=np.int64)
        for r, c in piles:
            self.food[max(r - 1, 0):r + 2, max(c - 1, 0):c + 2] = food_per_pile // 9
        self.pheromone = np.zeros((size, size))
        self.positions = np.tile(self.nest, (ants, 1))
        self.carrying = np.zeros(ants, dtype=bool)
        self.returned = 0
        self.lost = 0  # food that died with the ants carrying it
        self._record()

    @property
    def agents(self) -> int:
        return len(self.positions)

    def _advance(self) -> None:
        """Every ant moves once; carriers drop pheromone; ants pick up or deliver food; the field spreads."""
        ants = len(self.positions)
        neighbours = np.clip(self.positions[:, None, :] + MOVES[None, :, :], 0, self.size - 1)
        fields = np.stack([self.pheromone, self.nest_scent])
        smell = fields[self.carrying.astype(np.int64)[:, None], neighbours[..., 0], neighbours[..., 1]]
        # A searching ant only sniffs the cells that do not bring it closer to the nest:
        # food lies outward along a trail, and all trails meet at the nest.
        here = self.nest_scent[self.positions[:, 0], self.positions[:, 1]]
        outward = self.nest_scent[neighbours[..., 0], neighbours[..., 1]] <= here[:, None]
        smell = np.where(self.carrying[:, None] | outward, smell, -np.inf)
        u_wander, u_move = self.rng.random((2, ants))
        moves = choose_moves(smell, self.carrying, wander=self.wander, threshold=self.threshold,
                             u_wander=u_wander, u_move=u_move)
        self.positions = neighbours[np.arange(ants), moves]
        if self.carrying.any():
            self._drop_pheromone(self.positions[self.carrying])
        self._pick_up()
        self._deliver()
        self.pheromone = spread_and_evaporate(self.pheromone, self.diffusion, self.evaporation)

    def _drop_pheromone(self, cells: np.ndarray) -> None:
        """Every carrier drops ``drop`` on the cell it stands on (``cells``: one row each)."""
        deposit(self.pheromone, cells, np.full(len(cells), self.drop))

    def _pick_up(self) -> None:
        """Searching ants on food take one unit each, first come first served while the pile lasts."""
        r, c = self.positions.T
        wanting = np.flatnonzero(~self.carrying & (self.food[r, c] > 0))
        cells = np.ravel_multi_index((r[wanting], c[wanting]), self.food.shape)
        order = np.argsort(cells, kind="stable")
        wanting, cells = wanting[order], cells[order]
        first_of_cell = np.searchsorted(cells, cells)  # queue position = index - first index of the cell
        served = np.arange(len(cells)) - first_of_cell < self.food.ravel()[cells]
        taken = np.bincount(cells[served], minlength=self.food.size).reshape(self.food.shape)
        self.food -= taken
        self.carrying[wanting[served]] = True

    def _deliver(self) -> None:
        """Carriers standing on the nest cell drop their food."""
        home = self.carrying & (self.positions == self.nest).all(axis=1)
        self.returned += int(home.sum())
        self.carrying[home] = False

    def _keep(self, alive: np.ndarray) -> None:
        """The killed ants leave the grid, and the food they carried is lost."""
        self.lost += int(self.carrying[~alive].sum())
        self.positions, self.carrying = self.positions[alive], self.carrying[alive]

    def _measure(self) -> None:
        self.history.food_returned.append(self.returned)

    def _frame(self) -> ForagingFrame:
        return ForagingFrame(self.steps, self.pheromone.copy(), self.positions.copy(), self.carrying.copy(),
                             self.food.copy(), self.ids.copy())
