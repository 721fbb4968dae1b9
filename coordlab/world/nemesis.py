"""A nemesis: random fault schedules, drawn from a seed, for any run.

A notebook shows the faults it chose; a nemesis tries the ones nobody chose. Give it to any
run as its faults, ``run_centralized(tasks, faults=Nemesis(seed=3))``, and the world draws,
at the start of the run, a schedule over the agents present then: crashes of any agent
(coordinators included) with or without recovery, partitions that heal and may overlap,
windows of loss, duplication and delay (random delays reorder messages), and slow agents.

Every window ends by ``horizon`` and every recovering crash recovers by then, so "once the
faults are over" is a time a test can name: ``heal_time``. The same seed and the same agents
give the same schedule, in any process.
"""
from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass

from coordlab.world import validate
from coordlab.world.faults import Crash, Delay, Duplicate, Fault, Loss, Partition, Slow
from coordlab.world.latency import Uniform


@dataclass(frozen=True)
class Nemesis:
    """How many faults of each kind to draw, how strong, and when; ``schedule(agents)`` draws them.

    ``recover`` is the probability that a crash recovers (1.0: every crash does, which is
    what a liveness test needs). ``spare`` names agents never crashed or slowed, e.g. a
    client that stands for the user.
    """

    seed: int = 0
    horizon: float = 10.0
    crashes: int = 2
    recover: float = 1.0
    partitions: int = 2
    windows: int = 2
    slows: int = 1
    max_loss: float = 0.5
    max_duplicate: float = 0.3
    max_delay: float = 0.1
    max_slow: float = 8.0
    spare: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        validate.seed(self.seed)
        validate.number("horizon", self.horizon, minimum=1)  # times are drawn to the millisecond
        for name in ("crashes", "partitions", "windows", "slows"):
            validate.count(name, getattr(self, name), minimum=0, maximum=1000)
        for name in ("recover", "max_loss", "max_duplicate"):
            validate.probability(name, getattr(self, name))
        validate.number("max_delay", self.max_delay, minimum=0)
        validate.number("max_slow", self.max_slow, minimum=1)
        if isinstance(self.spare, str) or not all(isinstance(name, str) for name in self.spare):
            raise TypeError(f"spare={self.spare!r} is not allowed: spare must be a tuple of agent names")
        object.__setattr__(self, "spare", tuple(self.spare))

    @property
    def heal_time(self) -> float:
        """When every window has ended and every recovering crash has recovered."""
        return self.horizon

    def schedule(self, agents: Iterable[str]) -> list[Fault]:
        """Draw the faults for these agents, in order of their start time."""
        names = sorted(set(agents) - set(self.spare))
        if not names:
            return []
        rng = random.Random(f"nemesis/{self.seed}")
        faults: list[Fault] = []
        for _ in range(self.crashes):
            agent, at = rng.choice(names), self._start(rng)
            recover_at = self._end(rng, at) if rng.random() < self.recover else None
            faults.append(Crash(agent, at=at, recover_at=recover_at))
        everyone = sorted(set(agents))
        for _ in range(self.partitions if len(everyone) > 1 else 0):
            cut = rng.sample(everyone, rng.randint(1, len(everyone) // 2))
            at = self._start(rng)
            faults.append(Partition([sorted(cut)], at=at, heal_at=self._end(rng, at)))
        for _ in range(self.windows):
            at = self._start(rng)
            until = self._end(rng, at)
            kind = rng.choice(["loss", "duplicate", "delay"])
            if kind == "loss":
                faults.append(Loss(round(rng.uniform(0, self.max_loss), 3), at=at, until=until))
            elif kind == "duplicate":
                faults.append(Duplicate(round(rng.uniform(0, self.max_duplicate), 3), at=at, until=until))
            else:
                faults.append(Delay(Uniform(0, round(rng.uniform(0, self.max_delay), 4)), at=at, until=until))
        for _ in range(self.slows):
            agent, at = rng.choice(names), self._start(rng)
            factor = round(rng.uniform(1, self.max_slow), 2)
            faults.append(Slow(agent, factor=factor, at=at, until=self._end(rng, at)))
        return sorted(faults, key=lambda fault: fault.at)

    def _start(self, rng: random.Random) -> float:
        return round(rng.uniform(0, 0.8 * self.horizon), 3)

    def _end(self, rng: random.Random, at: float) -> float:
        return round(rng.uniform(at + 0.01 * self.horizon, self.horizon), 3)
