"""Stigmergy: ants that find food by reading and writing a shared pheromone field.

No ant tells another where food is. An ant carrying food walks home (up the nest scent)
and drops pheromone on each cell it crosses. Pheromone diffuses to neighbouring cells and
evaporates. A searching ant moves up the pheromone gradient when it smells more than
``threshold``, sniffing only the cells that lead away from the nest, with a little
randomness; otherwise it wanders. One ant's drop is below the threshold: only a trail that
many ants keep topping up is followed.
The environment is the only channel: that is stigmergy.

``choose_move`` is one ant's rule in plain Python; ``choose_moves`` is the same rule for
all ants at once. ``deposit_in_dict`` / ``naive_deposit_in_dict`` are the dictionary
pheromone store of the widely copied toy swarm, with and without its bug.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from coordlab.patterns.swarm.population import at_least, victims
from coordlab.world import validate

#: The four moves, as (row, column) steps: north, east, south, west.
MOVES = np.array([(-1, 0), (0, 1), (1, 0), (0, -1)])


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


def naive_deposit_in_dict(pheromones: dict, cell: tuple[int, int], amount: float) -> None:
    """The toy swarm's pheromone store as widely copied: BUGGY, kept to show the bug.

    The second test looks in the wrong dictionary: ``"trail"`` is never a key of
    ``pheromones`` (its keys are cells), so the trail is reset to zero at every deposit
    and holds only the last ant's drop. No trail ever builds up.
    """
    if cell not in pheromones:
        pheromones[cell] = {}
    if "trail" not in pheromones:  # BUG: should be `pheromones[cell]`
        pheromones[cell]["trail"] = 0.0
    pheromones[cell]["trail"] += amount


def deposit(pheromone: np.ndarray, cells: np.ndarray, amounts: np.ndarray, *, naive: bool = False) -> None:
    """Drop ``amounts`` on ``cells`` (rows of (row, column)) of the ``pheromone`` grid, in place.

    ``naive=True`` reproduces ``naive_deposit_in_dict``: each drop replaces what was there.
    """
    if naive:
        pheromone[cells[:, 0], cells[:, 1]] = amounts
    else:
        flat = np.bincount(np.ravel_multi_index(cells.T, pheromone.shape), amounts, pheromone.size)
        pheromone += flat.reshape(pheromone.shape)


def spread_and_evaporate(pheromone: np.ndarray, diffusion: float, evaporation: float) -> np.ndarray:
    """Each cell shares a ``diffusion`` fraction with its 4 neighbours, then loses ``evaporation``."""
    padded = np.pad(pheromone, 1, mode="edge")  # walls reflect: nothing leaks off the grid
    neighbours = (padded[:-2, 1:-1] + padded[2:, 1:-1] + padded[1:-1, :-2] + padded[1:-1, 2:]) / 4
    return ((1 - diffusion) * pheromone + diffusion * neighbours) * (1 - evaporation)


@dataclass(frozen=True, eq=False)
class ForagingFrame:
    """A snapshot for pictures and animations."""

    step: int
    pheromone: np.ndarray
    positions: np.ndarray
    carrying: np.ndarray
    food: np.ndarray


@dataclass
class ForagingHistory:
    """One entry per step (``frames`` every ``record_every`` steps)."""

    food_returned: list[int] = field(default_factory=list)  # total delivered to the nest so far
    ants: list[int] = field(default_factory=list)
    frames: list[ForagingFrame] = field(default_factory=list)


class Foraging:
    """Ants on a square grid with a nest in the middle and food in a few piles.

    ``evaporation`` is the fraction of pheromone lost per step, ``diffusion`` the fraction
    shared with neighbours, ``wander`` the chance of a random step, ``drop`` what a carrier
    deposits per step and ``threshold`` the least pheromone a searching ant follows.
    Each food pile is the 3x3 block around its (row, column), ``food_per_pile // 9`` a cell.
    ``naive_deposit=True`` runs the toy swarm's bug (see ``naive_deposit_in_dict``).
    """

    def __init__(self, *, ants: int = 100, size: int = 41, food: Sequence[tuple[int, int]] = ((8, 30), (32, 8), (36, 36)),
                 food_per_pile: int = 90, evaporation: float = 0.01, diffusion: float = 0.3,
                 wander: float = 0.1, drop: float = 1.0, threshold: float = 1.0,
                 naive_deposit: bool = False, record_every: int = 10, seed: int | None = None) -> None:
        self.size = at_least("size", size, 5)
        ants = at_least("ants", ants, 1)
        food_per_pile = at_least("food_per_pile", food_per_pile, 0)
        self.evaporation = validate.probability("evaporation", evaporation)
        self.diffusion = validate.probability("diffusion", diffusion)
        self.wander = validate.probability("wander", wander)
        self.drop = validate.number("drop", drop, minimum=0)
        self.threshold = validate.number("threshold", threshold, minimum=0)
        self.naive_deposit = naive_deposit
        self.record_every = at_least("record_every", record_every, 1)
        self.rng = np.random.default_rng(seed)
        self.nest = np.array([size // 2, size // 2])
        rows, cols = np.indices((size, size))
        self.nest_scent = -np.hypot(rows - self.nest[0], cols - self.nest[1])  # higher = closer to the nest
        self.food = np.zeros((size, size), dtype=np.int64)
        for pile in food:
            r, c = pile
            if not (0 <= r < size and 0 <= c < size):
                raise ValueError(f"food pile {pile!r} is not on the {size}x{size} grid")
            self.food[max(r - 1, 0):r + 2, max(c - 1, 0):c + 2] = food_per_pile // 9
        self.pheromone = np.zeros((size, size))
        self.positions = np.tile(self.nest, (ants, 1))
        self.carrying = np.zeros(ants, dtype=bool)
        self.steps = 0
        self.returned = 0
        self.history = ForagingHistory()
        self._record()

    def step(self) -> None:
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
            cells = self.positions[self.carrying]
            deposit(self.pheromone, cells, np.full(len(cells), self.drop), naive=self.naive_deposit)
        self._pick_up()
        self._deliver()
        self.pheromone = spread_and_evaporate(self.pheromone, self.diffusion, self.evaporation)
        self.steps += 1
        self._record()

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

    def _record(self) -> None:
        self.history.food_returned.append(self.returned)
        self.history.ants.append(len(self.positions))
        if self.steps % self.record_every == 0:
            self.history.frames.append(ForagingFrame(self.steps, self.pheromone.copy(), self.positions.copy(),
                                                     self.carrying.copy(), self.food.copy()))

    def run(self, steps: int) -> Foraging:
        """Run ``steps`` more steps; returns the model so calls can be chained."""
        for _ in range(at_least("steps", steps, 0)):
            self.step()
        return self

    def kill(self, fraction: float | None = None, indices: Sequence[int] | None = None) -> None:
        """Remove ants (a random ``fraction`` or exact ``indices``); food they carried is lost."""
        alive = np.ones(len(self.positions), dtype=bool)
        alive[victims(len(self.positions), fraction, indices, self.rng)] = False
        self.positions, self.carrying = self.positions[alive], self.carrying[alive]
