"""Running the centralized pattern: ``run_centralized`` and what it returns, ``CentralizedRun``.

    run = run_centralized(research_pipeline(), workers=3, seed=1)
    run.stop_reason, run.tasks, run.makespan, run.verdict

One client, one orchestrator and the workers, in a fresh world. Failures: a worker that
reports a failure, exceeds its ``TimeoutPolicy`` or falls silent (no heartbeat for
``suspect_after`` seconds) costs the task an attempt; the ``RetryPolicy`` decides whether
and when it is tried again, on any live capable worker. A silent worker is probed, and
given work again as soon as it answers; a task only silent workers can do waits for them,
and fails only once they are given up (``give_up_after``, 30 s of unanswered probes). A
task out of attempts fails, its dependants are skipped with the reason.

The run ends with the job's outcome, ``stop_reason="completed"`` or ``"tasks_failed"``, once
every task is settled; or with ``"no_answer"`` if the orchestrator stayed silent through
all of the client's submits (it crashed and did not come back: the single point of failure).
"""
from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from numbers import Integral, Real

from coordlab import metrics
from coordlab.patterns.centralized.checks import centralized_checkers
from coordlab.patterns.centralized.orchestrator import Client, Orchestrator, require_capable
from coordlab.patterns.centralized.protocol import CLIENT, ORCHESTRATOR
from coordlab.patterns.centralized.workers import MAX_WORKERS, Worker, WorkerSpec, generalists, worker_specs
from coordlab.patterns.tasks import (
    AssignmentPolicy,
    CriticalPath,
    RetryPolicy,
    Task,
    TaskRun,
    TimeoutPolicy,
    check_dag,
    critical_path,
    draw_durations,
    task_list,
    task_metrics,
    task_run,
)
from coordlab.world import Faults, RunResult, World, validate
from coordlab.world.latency import Latency


@dataclass(repr=False)
class CentralizedRun(TaskRun):
    """A centralized run, with the critical path it is measured against."""

    critical_path: CriticalPath

    @property
    def metrics(self) -> dict[str, float]:
        """Headline numbers: makespan, messages, and the orchestrator's load."""
        handled = metrics.messages_by_agent(self.trace).get(ORCHESTRATOR, {}).get("received", 0)
        return {
            **task_metrics(self, self.critical_path),
            "orchestrator messages handled": handled,
            "orchestrator utilisation": metrics.utilisation(self.trace).get(ORCHESTRATOR, 0.0),
        }


def summarise(result: RunResult, tasks: Sequence[Task], durations: dict[str, float],
              bound: CriticalPath) -> CentralizedRun:
    """Turn a finished world run into a ``CentralizedRun`` (used by the naive orchestrator too)."""
    return task_run(CentralizedRun, result, tasks, durations, critical_path=bound)


def resolve_workers(workers: int | Sequence[WorkerSpec], tasks: Sequence[Task]) -> list[WorkerSpec]:
    """``workers`` as specs: an int means that many generalists able to do every task type."""
    if isinstance(workers, Integral) and not isinstance(workers, bool):
        validate.count("workers", workers, maximum=MAX_WORKERS)
        return generalists(workers, sorted({t.type for t in tasks}) or ["task"])
    if isinstance(workers, Real) and not isinstance(workers, bool):
        raise TypeError(f"workers={workers!r} is not allowed: give an int from 1 to {MAX_WORKERS} "
                        "or a list of WorkerSpec")
    specs = worker_specs(workers)
    for spec in specs:
        if spec.name in (ORCHESTRATOR, CLIENT):
            raise ValueError(f"name={spec.name!r} is not allowed: that name is reserved for the "
                             f"{spec.name}, choose another worker name")
    return specs


def checked_workload(tasks: Sequence[Task], workers: int | Sequence[WorkerSpec],
                     reserved: Mapping[str, str] | None = None) -> tuple[list[Task], list[WorkerSpec]]:
    """``tasks`` and ``workers`` (an int: that many generalists) as a run takes them, or an error
    naming what is wrong: the task DAG, a worker name kept for a role (the orchestrator's and the
    client's, and those in ``reserved``: name -> the role), a task type no worker can do.
    Every run of a task workload checks its input here, before anything runs."""
    reserved = reserved or {}
    tasks = task_list(tasks)
    check_dag(tasks)
    specs = resolve_workers(workers, tasks)
    for spec in specs:
        if spec.name in reserved:
            raise ValueError(f"name={spec.name!r} is not allowed: that name is reserved for {reserved[spec.name]}, "
                             "choose another worker name")
    require_capable(tasks, specs)
    return tasks, specs


def fastest_bound(tasks: Sequence[Task], durations: dict[str, float], workers: Sequence[WorkerSpec]) -> CriticalPath:
    """The critical path if every task ran on the fastest worker able to do it: a makespan lower bound."""
    fastest: dict[str, float] = {}  # per task type, once: tasks x workers would not scale
    for worker in workers:
        for kind in worker.capabilities:
            fastest[kind] = max(fastest.get(kind, worker.speed), worker.speed)
    speed = {t.id: fastest.get(t.type, 1.0) for t in tasks}
    return critical_path(tasks, {tid: d / speed[tid] for tid, d in durations.items()})


def run_centralized(tasks: Sequence[Task], workers: int | Sequence[WorkerSpec] = 3, *,
                    policy: str | AssignmentPolicy = "first free", retry: RetryPolicy = RetryPolicy(),
                    timeout: TimeoutPolicy = TimeoutPolicy(), service_time: float = 0.005,
                    heartbeat_interval: float | None = 0.5, suspect_after: float | None = 2.0,
                    give_up_after: float = 30.0, seed: int = 0, latency: Latency = 0.01, loss: float = 0.0,
                    duplicate: float = 0.0, faults: Faults = (), until: float | None = None,
                    max_events: int = 1_000_000) -> CentralizedRun:
    """Run ``tasks`` on a client, an orchestrator and ``workers`` in a fresh world.

    Bad input (duplicate ids, unknown dependencies, cycles, a task type no worker can do,
    capacity < 1, an int where a policy goes, more than ``MAX_WORKERS`` workers, …) raises
    here, before anything runs, naming the argument.
    """
    tasks, specs = checked_workload(tasks, workers)
    seed = validate.seed(seed)
    if suspect_after is not None:
        beat = 0.0 if heartbeat_interval is None else validate.number("heartbeat_interval", heartbeat_interval)
        if validate.number("suspect_after", suspect_after) <= beat:
            raise ValueError(f"suspect_after={suspect_after!r} is not allowed: it must be > 0 and longer than "
                             f"heartbeat_interval={heartbeat_interval!r}, or busy workers look dead")
    durations = draw_durations(tasks, random.Random(f"{seed}/durations"))
    world = World(seed, latency=latency, loss=loss, duplicate=duplicate, faults=faults, max_events=max_events)
    world.add(Client(CLIENT, tasks, durations),
              Orchestrator(ORCHESTRATOR, specs, policy=policy, retry=retry, timeout=timeout,
                           service_time=service_time, give_up_after=give_up_after,
                           suspect_after=suspect_after if heartbeat_interval is not None else None),
              *(Worker(spec, ORCHESTRATOR, heartbeat_interval) for spec in specs))
    for checker in centralized_checkers(tasks):
        world.add_checker(checker)
    return summarise(world.run(until=until), tasks, durations, fastest_bound(tasks, durations, specs))
