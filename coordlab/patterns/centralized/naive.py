"""⚠️ NAIVE, FOR THE "BREAK" SECTION ONLY: the textbook orchestrator, flaws included.

This is the orchestrator loop found in many tutorials, reproduced on purpose so the
course can run it and measure it beside ``centralized.Orchestrator``. Do not copy it.
Its four flaws, each marked ``FLAW`` in the code:

1. it awaits each task to completion before assigning the next, so its ``busy``
   bookkeeping never matters: three workers finish no faster than one;
2. a task whose dependency failed is re-queued forever: the loop spins without ever
   waiting (the world's ``max_events`` guard stops it: ``stop_reason="event_limit"``);
3. when no capable worker is free it re-queues the task and sleeps a fixed 0.1 s (polling);
4. a dependency on an unknown task id crashes it with a bare ``KeyError``.

It talks to the same ``Worker`` agents as the real orchestrator and logs the same task
events, so the same task table, pictures and checkers apply.
"""
from __future__ import annotations

import random
from collections import deque
from collections.abc import Sequence

from coordlab.patterns.centralized.checks import centralized_checkers
from coordlab.patterns.centralized.protocol import ORCHESTRATOR, Assign
from coordlab.patterns.centralized.run import CentralizedRun, fastest_bound, resolve_workers, summarise
from coordlab.patterns.centralized.workers import Worker, WorkerSpec
from coordlab.patterns.tasks import CriticalPath, Task, draw_durations, task_list
from coordlab.world import Agent, Faults, Timeout, World, validate
from coordlab.world.latency import Latency

POLL_INTERVAL = 0.1


class NaiveOrchestrator(Agent):
    """The textbook loop: take a task, check its dependencies, find a free worker, wait for it."""

    def __init__(self, name: str, tasks: Sequence[Task], workers: Sequence[WorkerSpec],
                 durations: dict[str, float], request_timeout: float = 30.0) -> None:
        super().__init__(name)
        self.queue = deque(tasks)
        self.status = {task.id: "pending" for task in tasks}
        self.results: dict[str, object] = {}
        self.workers = list(workers)
        self.busy = {w.name: False for w in workers}
        self.durations = durations
        self.request_timeout = request_timeout

    def free_worker(self, task_type: str) -> str | None:
        for worker in self.workers:
            if task_type in worker.capabilities and not self.busy[worker.name]:
                return worker.name
        return None

    async def run(self) -> None:
        while self.queue:
            task = self.queue.popleft()
            # FLAW 4: an unknown dependency id raises a bare KeyError here.
            if not all(self.status[dep] == "done" for dep in task.depends_on):
                # FLAW 2: a failed dependency never becomes "done", so this spins forever.
                self.queue.append(task)
                self.log("requeue", task=task.id, why="dependencies not done")
                continue
            worker = self.free_worker(task.type)
            if worker is None:
                # FLAW 3: polling: re-queue and sleep, hoping a worker turns up.
                self.queue.append(task)
                self.log("requeue", task=task.id, why="no free worker")
                await self.sleep(POLL_INTERVAL)
                continue
            self.busy[worker] = True
            self.log("task_assigned", task=task.id, worker=worker, attempt=1)
            job = Assign(task, 1, self.durations[task.id], {d: self.results[d] for d in task.depends_on})
            try:
                # FLAW 1: wait for this task to finish before even looking at the next one.
                reply = await self.request(worker, "assign", job, timeout=self.request_timeout)
            except Timeout:
                reply = None
            self.busy[worker] = False
            if reply is not None and reply.kind == "result":
                self.status[task.id] = "done"
                self.results[task.id] = reply.body.value
                self.log("task_done", task=task.id, worker=worker, attempt=1)
            else:
                self.status[task.id] = "failed"
                why = "no reply" if reply is None else reply.body.error
                self.log("task_failed", task=task.id, reason=f"{worker}: {why}")


def run_naive(tasks: Sequence[Task], workers: int | Sequence[WorkerSpec] = 3, *, seed: int = 0,
              latency: Latency = 0.01, faults: Faults = (), request_timeout: float = 30.0,
              until: float | None = None, max_events: int = 20_000) -> CentralizedRun:
    """Run ``tasks`` under the naive orchestrator.

    The arguments are checked as ``run_centralized`` checks them, but not the task DAG: an
    unknown dependency or a type no worker can do reaches the naive loop, whose flaws are the point.
    """
    tasks = task_list(tasks)
    specs = resolve_workers(workers, tasks)
    if validate.number("request_timeout", request_timeout) <= 0:
        raise ValueError(f"request_timeout={request_timeout!r} is not allowed: it must be > 0 seconds")
    seed = validate.seed(seed)
    durations = draw_durations(tasks, random.Random(f"{seed}/durations"))
    world = World(seed, latency=latency, faults=faults, max_events=max_events)
    world.add(NaiveOrchestrator(ORCHESTRATOR, tasks, specs, durations, request_timeout),
              *(Worker(spec, ORCHESTRATOR, heartbeat_interval=None) for spec in specs))
    for checker in centralized_checkers(tasks):
        world.add_checker(checker)
    try:
        bound = fastest_bound(tasks, durations, specs)
    except ValueError:  # a broken DAG has no critical path; the naive loop runs it anyway
        bound = CriticalPath(float("nan"), ())
    return summarise(world.run(until=until), tasks, durations, bound)
