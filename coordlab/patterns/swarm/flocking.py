"""Flocking: order from neighbours only, in a periodic square box.

* **Vicsek model** (Vicsek et al., 1995): every particle moves at the same speed; each step
  it takes the average heading of the particles within ``radius`` (itself included) plus
  uniform noise in ``[-noise/2, noise/2]``. Low noise: the flock polarises; high noise: it
  does not. The *order parameter* ``|mean of the unit velocities|`` measures it: 1 when all
  fly the same way, about ``sqrt(pi / (4 N))`` for N random headings.
* **Boids** (Reynolds, 1987): steer by separation (avoid crowding), alignment (match
  neighbours' heading) and cohesion (move toward neighbours' centre).

Neighbours are found with a cell list: the box is cut into cells at least ``radius`` wide,
so an agent's neighbours are in its own cell or the 8 around it. The work grows with the
number of agents, not its square. ``vicsek_step_one_by_one`` is the same rule written for one
agent at a time in plain Python, the reference the vectorised step is checked against;
``boid_heading`` is one boid's rule.
"""
from __future__ import annotations

import math
from abc import abstractmethod
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from coordlab.patterns.swarm.swarm import MAX_AGENTS, Swarm, SwarmHistory
from coordlab.world import validate

#: At most this many cells per side in the cell list. Cells wider than ``radius`` still hold
#: every neighbour, so a tiny radius in a huge box costs no more than this many cells.
MAX_CELLS_PER_SIDE = 1024


def cells_per_side(box: float, radius: float) -> int:
    """How many cells, each at least ``radius`` wide, the cell list cuts each side of the box into."""
    return min(max(int(box // radius), 1), MAX_CELLS_PER_SIDE)


def random_order(agents: int) -> float:
    """Expected order parameter of ``agents`` independent uniformly random headings."""
    return math.sqrt(math.pi / (4 * validate.count("agents", agents)))


def order_parameter(headings: np.ndarray) -> float:
    """Polarisation: length of the mean unit velocity (1 = all aligned, ~0 = disordered)."""
    headings = np.asarray(headings, dtype=float)
    if not headings.size:
        raise ValueError(f"headings={headings!r} is not allowed: an order needs at least one heading")
    return float(np.hypot(np.cos(headings).mean(), np.sin(headings).mean()))


def wrap_angle(angle: float | np.ndarray) -> float | np.ndarray:
    """An angle brought into [-pi, pi)."""
    return (angle + math.pi) % (2 * math.pi) - math.pi


def align(headings: Sequence[float]) -> float:
    """The Vicsek rule for one agent: the direction of the summed unit vectors of ``headings``."""
    return math.atan2(sum(math.sin(h) for h in headings), sum(math.cos(h) for h in headings))


def periodic_offset(a: float, b: float, box: float) -> float:
    """``b - a`` along one axis of a periodic box, taking the shorter way round."""
    d = b - a
    return d - box * round(d / box)


def vicsek_step_one_by_one(positions: Sequence[tuple[float, float]], headings: Sequence[float],
                           noise: Sequence[float], *, box: float, radius: float,
                           speed: float) -> tuple[list[tuple[float, float]], list[float]]:
    """One Vicsek step for every agent, one agent at a time, in plain Python.

    ``noise[k]`` is agent ``k``'s random turn. Neighbours come from a dictionary of cells,
    so this is the same algorithm as the vectorised step, only without numpy.
    """
    for name, values in (("headings", headings), ("noise", noise)):
        if len(values) != len(positions):
            raise ValueError(f"{name}={values!r} is not allowed: give one per agent ({len(positions)} positions)")
    box, radius = positive("box", box), positive("radius", radius)
    per_side = cells_per_side(box, radius)
    side = box / per_side

    def cell(x: float, y: float) -> tuple[int, int]:
        return int(x // side) % per_side, int(y // side) % per_side

    members = defaultdict(list)
    for k, (x, y) in enumerate(positions):
        members[cell(x, y)].append(k)
    new_positions, new_headings = [], []
    for k, (x, y) in enumerate(positions):
        cx, cy = cell(x, y)
        nearby = {j for dx in (-1, 0, 1) for dy in (-1, 0, 1)
                  for j in members[(cx + dx) % per_side, (cy + dy) % per_side]}
        neighbours = [headings[j] for j in sorted(nearby)
                      if math.hypot(periodic_offset(x, positions[j][0], box),
                                    periodic_offset(y, positions[j][1], box)) < radius]
        heading = wrap_angle(align(neighbours) + noise[k])
        new_headings.append(heading)
        new_positions.append(((x + speed * math.cos(heading)) % box, (y + speed * math.sin(heading)) % box))
    return new_positions, new_headings


def boid_heading(heading: float, neighbours: Sequence[tuple[float, float, float]], *, radius: float,
                 separation: float, alignment: float, cohesion: float) -> float:
    """One boid's new heading, before noise, in plain Python (the reference for ``Boids``).

    ``neighbours`` holds ``(dx, dy, heading)`` for every other boid within ``radius``, with
    ``(dx, dy)`` the offset from this boid to it.
    """
    vx, vy = math.cos(heading), math.sin(heading)
    if not neighbours:
        return math.atan2(vy, vx)
    count = len(neighbours)
    mean_vx = sum(math.cos(h) for _, _, h in neighbours) / count
    mean_vy = sum(math.sin(h) for _, _, h in neighbours) / count
    centre_x = sum(dx for dx, _, _ in neighbours) / count
    centre_y = sum(dy for _, dy, _ in neighbours) / count
    crowding = [(dx, dy, dx * dx + dy * dy) for dx, dy, _ in neighbours if dx * dx + dy * dy < (radius / 3) ** 2]
    away_x = -sum(dx / d2 for dx, _, d2 in crowding)
    away_y = -sum(dy / d2 for _, dy, d2 in crowding)
    vx += alignment * (mean_vx - vx) + cohesion * centre_x / radius + separation * away_x
    vy += alignment * (mean_vy - vy) + cohesion * centre_y / radius + separation * away_y
    return math.atan2(vy, vx)


def neighbour_pairs(positions: np.ndarray, box: float, radius: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All pairs (i, j) closer than ``radius`` (i == j included), and the offsets ``j - i``.

    Cell list: sort agents by cell, then for each agent and each of the (up to) 9 cells around
    it, take the run of agents in that cell; keep the candidates within ``radius``. Working
    on the sorted copy keeps memory access in order, which is most of the speed.
    """
    agents = len(positions)
    per_side = cells_per_side(box, radius)
    cell_xy = (positions // (box / per_side)).astype(np.int64) % per_side
    by_cell = np.argsort(cell_xy[:, 0] * per_side + cell_xy[:, 1], kind="stable")
    x, y, cell_x, cell_y = positions[by_cell, 0], positions[by_cell, 1], cell_xy[by_cell, 0], cell_xy[by_cell, 1]
    in_cell = np.bincount(cell_x * per_side + cell_y, minlength=per_side * per_side)
    first_in_cell = np.cumsum(in_cell) - in_cell
    shifts = np.array(sorted({(dx % per_side, dy % per_side) for dx in (-1, 0, 1) for dy in (-1, 0, 1)}))
    other = ((cell_x[:, None] + shifts[:, 0]) % per_side) * per_side + (cell_y[:, None] + shifts[:, 1]) % per_side
    counts = in_cell[other].ravel()  # candidates per (agent, cell around it)
    i = np.repeat(np.arange(agents), counts.reshape(agents, -1).sum(axis=1))
    # Candidate k belongs to run r; j = (where run r starts in the sorted order) + (k - first candidate of r).
    j = np.arange(len(i)) + np.repeat(first_in_cell[other].ravel() - (np.cumsum(counts) - counts), counts)
    dx, dy = x[j] - x[i], y[j] - y[i]
    dx -= box * np.round(dx / box)  # periodic box: the nearest image
    dy -= box * np.round(dy / box)
    close = dx * dx + dy * dy < radius * radius
    return by_cell[i[close]], by_cell[j[close]], np.column_stack([dx[close], dy[close]])


@dataclass(frozen=True, eq=False)
class FlockFrame:
    """A snapshot for pictures and animations."""

    step: int
    positions: np.ndarray
    headings: np.ndarray
    ids: np.ndarray  # the number of the agent on each row


@dataclass
class FlockHistory(SwarmHistory):
    """One entry per step (``frames``, of ``FlockFrame``, every ``record_every`` steps)."""

    order: list[float] = field(default_factory=list)


def positive(name: str, value: object) -> float:
    """Return ``value`` as a float, or raise if it is not a number > 0 (a size, a radius)."""
    number = validate.number(name, value, minimum=0)
    if number == 0:
        raise ValueError(f"{name}={value!r} is not allowed: {name} must be > 0")
    return number


class Flock(Swarm):
    """Agents at constant ``speed`` in a periodic ``box``; subclasses choose the new headings."""

    history: FlockHistory

    def __init__(self, *, agents: int, box: float, radius: float, speed: float, noise: float,
                 record_every: int, seed: int) -> None:
        agents = validate.count("agents", agents, minimum=2, maximum=MAX_AGENTS)
        self.box = positive("box", box)
        self.radius = positive("radius", radius)
        self.speed = validate.number("speed", speed, minimum=0)
        self.noise = validate.number("noise", noise, minimum=0)
        super().__init__(agents=agents, history=FlockHistory(), record_every=record_every, seed=seed)
        self.positions = self.rng.random((agents, 2)) * self.box
        self.headings = self.rng.uniform(-math.pi, math.pi, agents)
        self._record()

    def turns(self) -> np.ndarray:
        """This step's random turns, uniform in [-noise/2, noise/2]."""
        return self.noise * (self.rng.random(len(self.headings)) - 0.5)

    @abstractmethod
    def new_headings(self) -> np.ndarray:
        """Every agent's heading for the next step, before wrapping into [-pi, pi)."""

    def _advance(self) -> None:
        """Everyone turns (simultaneously, from the same snapshot), then moves ``speed`` forward."""
        self.headings = wrap_angle(self.new_headings())
        self.positions += self.speed * np.column_stack([np.cos(self.headings), np.sin(self.headings)])
        self.positions %= self.box

    def order(self) -> float:
        """The flock's order parameter now (1 = all aligned, ~0 = disordered)."""
        return order_parameter(self.headings)

    def _keep(self, alive: np.ndarray) -> None:
        self.positions, self.headings = self.positions[alive], self.headings[alive]

    def _measure(self) -> None:
        self.history.order.append(self.order())

    def _frame(self) -> FlockFrame:
        return FlockFrame(self.steps, self.positions.copy(), self.headings.copy(), self.ids.copy())


class Vicsek(Flock):
    """The Vicsek model: align with everyone within ``radius`` (yourself included), plus noise."""

    def __init__(self, *, agents: int = 300, box: float = 10.0, radius: float = 1.0, speed: float = 0.03,
                 noise: float = 0.5, record_every: int = 1, seed: int = 0) -> None:
        super().__init__(agents=agents, box=box, radius=radius, speed=speed, noise=noise,
                         record_every=record_every, seed=seed)

    def new_headings(self) -> np.ndarray:
        i, j, _ = neighbour_pairs(self.positions, self.box, self.radius)
        agents = len(self.headings)
        sin_sum = np.bincount(i, np.sin(self.headings)[j], agents)
        cos_sum = np.bincount(i, np.cos(self.headings)[j], agents)
        return np.arctan2(sin_sum, cos_sum) + self.turns()


class Boids(Flock):
    """Reynolds' boids at constant speed: separation, alignment and cohesion, plus noise.

    Each boid adds to its velocity ``alignment * (neighbours' mean velocity - its own)``,
    ``cohesion * (offset to the neighbours' centre) / radius`` and ``separation * (sum of
    -offset / distance**2 over boids closer than radius / 3)``, then keeps only the direction.
    """

    def __init__(self, *, agents: int = 300, box: float = 10.0, radius: float = 1.0, speed: float = 0.03,
                 noise: float = 0.5, separation: float = 0.05, alignment: float = 0.5, cohesion: float = 0.1,
                 record_every: int = 1, seed: int = 0) -> None:
        super().__init__(agents=agents, box=box, radius=radius, speed=speed, noise=noise,
                         record_every=record_every, seed=seed)
        self.weights = {name: validate.number(name, value, minimum=0) for name, value in
                        (("separation", separation), ("alignment", alignment), ("cohesion", cohesion))}

    def new_headings(self) -> np.ndarray:
        i, j, offset = neighbour_pairs(self.positions, self.box, self.radius)
        others = i != j
        i, j, offset = i[others], j[others], offset[others]
        agents = len(self.headings)
        velocity = np.column_stack([np.cos(self.headings), np.sin(self.headings)])

        def per_agent_sum(values: np.ndarray) -> np.ndarray:
            return np.column_stack([np.bincount(i, values[:, 0], agents), np.bincount(i, values[:, 1], agents)])

        count = np.bincount(i, minlength=agents)[:, None]
        lonely = count == 0  # no neighbours: keep flying straight
        mean_velocity = np.where(lonely, velocity, per_agent_sum(velocity[j]) / np.maximum(count, 1))
        centre = per_agent_sum(offset) / np.maximum(count, 1)
        distance2 = (offset**2).sum(axis=1, keepdims=True)
        crowding = distance2 < (self.radius / 3) ** 2
        away = -per_agent_sum(np.divide(offset, distance2, out=np.zeros_like(offset), where=crowding))
        w = self.weights
        turned = (velocity + w["alignment"] * (mean_velocity - velocity) + w["cohesion"] * centre / self.radius
                  + w["separation"] * away)
        return np.arctan2(turned[:, 1], turned[:, 0]) + self.turns()
