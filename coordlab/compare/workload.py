"""One workload every pattern runs: tasks with types, durations and a few dependencies, and agents
with capabilities.

    load = workload(tasks=32, agents=8, seed=1)
    load.tasks, load.workers

It is the input ``run_centralized`` takes (``Task`` and ``WorkerSpec``), so the comparison
changes nothing but the coordination pattern. Every choice is drawn once, from ``seed``, when
the workload is made: durations are fixed numbers (not distributions), so every pattern works
through exactly the same seconds of work, and two processes given the same seed build equal
workloads.
"""
from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from coordlab.patterns.centralized import WorkerSpec
from coordlab.patterns.p2p import MAX_PEERS, peer_names
from coordlab.patterns.tasks import MAX_TASKS, Task, critical_path
from coordlab.world import validate

#: The task types of the default workload, named after the course's running example.
TYPES = ("research", "analysis", "writing")
#: Shortest and longest task, in simulated seconds of work at speed 1.
DURATIONS = (1, 5)
#: The share of tasks that wait for one earlier task: "a few dependencies".
DEPENDENT_SHARE = 0.1


@dataclass(frozen=True, repr=False)
class Workload:
    """Tasks and workers, and the seed they were drawn from.

    Workers are named as peer-to-peer names its peers (``p0``, ``p1``, … ``peer_names``) so
    that one name means one agent in every pattern: a crash of ``p3`` is a crash of the same
    worker whichever pattern runs. Every worker does one task at a time at speed 1: the
    hierarchy's and contract net's workers have no other setting, so the comparison keeps it.
    """

    tasks: tuple[Task, ...]
    workers: tuple[WorkerSpec, ...]
    seed: int

    @property
    def total_work(self) -> float:
        """Seconds of work in all the tasks."""
        return float(sum(task.duration for task in self.tasks))

    @property
    def ideal_makespan(self) -> float:
        """A lower bound on any pattern's makespan: the work shared perfectly, or the critical path."""
        return max(self.total_work / len(self.workers), critical_path(self.tasks).length)

    def __repr__(self) -> str:
        return f"Workload({len(self.tasks)} tasks, {len(self.workers)} agents, seed={self.seed})"


def workload(tasks: int = 32, agents: int = 8, *, types: Sequence[str] = TYPES, seed: int = 0) -> Workload:
    """``tasks`` tasks of ``types`` and ``agents`` workers, drawn from ``seed``.

    Each task gets a type (uniformly), a whole number of seconds from 1 to 5, and with
    probability ``DEPENDENT_SHARE`` a dependency on one earlier task. Worker ``i`` can do
    type ``i`` and the next one (mod the number of types), so every type has workers and no
    worker can do everything (with a single type, everyone can).
    """
    validate.count("tasks", tasks, maximum=MAX_TASKS)
    validate.count("agents", agents, maximum=MAX_PEERS)
    kinds = _types(types)
    seed = validate.seed(seed)
    rng = random.Random(f"{seed}/workload")
    drawn = []
    for index in range(tasks):
        depends = (f"t{rng.randrange(index)}",) if index and rng.random() < DEPENDENT_SHARE else ()
        drawn.append(Task(f"t{index}", kinds[rng.randrange(len(kinds))], float(rng.randint(*DURATIONS)), depends))
    workers = tuple(WorkerSpec(name, sorted({kinds[i % len(kinds)], kinds[(i + 1) % len(kinds)]}))
                    for i, name in enumerate(peer_names(agents)))
    return Workload(tuple(drawn), workers, seed)


def _types(types: object) -> list[str]:
    if isinstance(types, str) or not isinstance(types, Sequence) or not types:
        raise TypeError(f"types={types!r} is not allowed: give a non-empty list of task type names")
    if not all(isinstance(kind, str) and kind for kind in types) or len(set(types)) != len(types):
        raise ValueError(f"types={types!r} is not allowed: task types must be distinct non-empty strings")
    return list(types)
