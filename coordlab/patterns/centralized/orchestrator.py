"""The orchestrator: one agent that keeps every task's state and reacts to each message.

A task becomes *ready* when its last dependency completes; each ready task goes at once
to a free capable worker chosen by the assignment policy. Everything the orchestrator does
is a reaction to a message or a timer: no polling. Each message it handles costs it
``service_time`` of work, which is what makes it a bottleneck once there are enough workers.

The bookkeeping is the shared kits': a ``TaskGraph`` (task states, releasing dependants,
skipping those of a failed task) and a ``SilenceWatch`` (which workers went silent).
What is the orchestrator's own is the rest: who has which attempt, retries and timeouts.
If the orchestrator itself crashes, nobody takes over: the client waits forever and the
world reports a deadlock (single point of failure).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from coordlab.patterns.centralized.protocol import ORCHESTRATOR, Assign, Failure, Result, Submit
from coordlab.patterns.centralized.workers import WorkerSpec
from coordlab.patterns.liveness import SilenceWatch
from coordlab.patterns.tasks import (
    AssignmentPolicy,
    RetryPolicy,
    Task,
    TaskGraph,
    TimeoutPolicy,
    WorkerView,
    choose_worker,
)
from coordlab.world import Agent


class Orchestrator(Agent):
    """Keeps every task's state and reacts to each message; the single point of control.

    A task's state goes pending -> ready -> running -> done, with two detours:
    running -> backoff -> ready (an attempt failed and the retry policy allows another),
    and -> failed (no attempts left) or -> skipped (a dependency failed).
    """

    daemon = True

    def __init__(self, name: str, workers: Sequence[WorkerSpec], *, policy: AssignmentPolicy,
                 retry: RetryPolicy = RetryPolicy(), timeout: TimeoutPolicy = TimeoutPolicy(),
                 service_time: float = 0.005, suspect_after: float | None = 2.0) -> None:
        super().__init__(name)
        self.roster = {w.name: w for w in workers}
        self.policy = policy
        self.retry = retry
        self.timeout = timeout
        self.service_time = service_time
        self.graph = TaskGraph((), self.log)
        self.types: set[str] = set()
        self.durations: dict[str, float] = {}
        self.ready: list[str] = []  # ready tasks waiting for a free capable worker, in order
        self.attempts: dict[str, int] = {}
        self.job = None  # the client's submit message, answered when every task is settled
        self.in_flight: dict[str, set[tuple[str, int]]] = {name: set() for name in self.roster}
        self.assigned = {name: 0 for name in self.roster}
        self.assigned_at: dict[tuple[str, int], float] = {}
        self.silence = SilenceWatch(self, self.roster, suspect_after, has_work=lambda w: bool(self.in_flight[w]),
                                    on_silent=self.lose)

    @property
    def tasks(self) -> dict[str, Task]:
        """The job's tasks by id."""
        return self.graph.tasks

    @property
    def alive(self) -> dict[str, bool]:
        """Which workers are not suspected of being dead (the silence watch decides)."""
        return self.silence.alive

    async def run(self) -> None:
        """Handle one message at a time; each costs ``service_time`` of the orchestrator's work."""
        while True:
            msg = await self.receive()
            await self.work(self.service_time, label=msg.kind)
            await getattr(self, f"on_{msg.kind}")(msg)

    # --- messages ---------------------------------------------------------------------
    async def on_submit(self, msg) -> None:
        job: Submit = msg.body
        self.graph = TaskGraph(job.tasks, self.log)
        require_capable(self.tasks.values(), self.roster.values())
        self.types = {task.type for task in self.tasks.values()}
        self.durations = dict(job.durations)
        self.job = msg
        self.attempts = {tid: 0 for tid in self.tasks}
        self.ready = self.graph.ready()
        await self.dispatch()
        await self.finish_if_settled()

    async def on_register(self, msg) -> None:
        worker = msg.sender
        # Attempts assigned before it (re)started are gone; later ones are on their way to it.
        lost = sorted(a for a in self.in_flight[worker] if self.assigned_at[a] < msg.sent_at)
        self.in_flight[worker].difference_update(lost)
        self.silence.registered(worker)
        for tid, attempt in lost:
            await self.attempt_failed(tid, attempt, f"worker {worker} restarted")
        await self.dispatch()
        await self.finish_if_settled()

    async def on_heartbeat(self, msg) -> None:
        self.silence.heard_from(msg.sender)

    async def on_result(self, msg) -> None:
        result: Result = msg.body
        self.reported(msg.sender, result.task, result.attempt)
        if not self.graph.is_settled(result.task):  # the first result wins, whichever attempt
            self.complete(result.task, msg.sender, result.attempt, result.value)
        await self.dispatch()
        await self.finish_if_settled()

    async def on_failure(self, msg) -> None:
        failure: Failure = msg.body
        self.reported(msg.sender, failure.task, failure.attempt)
        await self.attempt_failed(failure.task, failure.attempt, f"{msg.sender} reported {failure.error}")
        await self.dispatch()
        await self.finish_if_settled()

    # --- assigning ----------------------------------------------------------------------
    async def dispatch(self) -> None:
        """Give each ready task, in order, to a free capable worker; the rest stay ready."""
        free = [name for name, w in self.roster.items()
                if self.alive[name] and len(self.in_flight[name]) < w.capacity]
        live_types = set().union(*(w.capabilities for name, w in self.roster.items() if self.alive[name]))
        ready, self.ready, waiting = self.ready, [], []
        for index, tid in enumerate(ready):
            if not free and self.types <= live_types:
                waiting.extend(ready[index:])  # nothing more can be placed now
                break
            task = self.tasks[tid]
            if task.type not in live_types:
                await self.give_up(tid, f"no live worker can do type {task.type!r}")
                continue
            candidates = [self.view(n) for n in free if task.type in self.roster[n].capabilities]
            if not candidates:
                waiting.append(tid)
                continue
            worker = choose_worker(self.policy, task, candidates)
            await self.assign(tid, worker)
            if len(self.in_flight[worker]) >= self.roster[worker].capacity:
                free.remove(worker)
        self.ready = waiting + self.ready

    def view(self, name: str) -> WorkerView:
        spec = self.roster[name]
        return WorkerView(name, spec.capabilities, spec.capacity, len(self.in_flight[name]), spec.speed,
                          self.assigned[name])

    async def assign(self, tid: str, worker: str) -> None:
        task = self.tasks[tid]
        self.attempts[tid] += 1
        attempt = self.attempts[tid]
        self.graph.mark(tid, "running")
        self.assigned[worker] += 1
        first = not self.in_flight[worker]
        self.in_flight[worker].add((tid, attempt))
        self.assigned_at[(tid, attempt)] = self.now
        self.log("task_assigned", task=tid, worker=worker, attempt=attempt)
        await self.send(worker, "assign", Assign(task, attempt, self.durations[tid], self.graph.inputs(tid)))
        limit = (task.timeout or self.timeout).limit(self.durations[tid])
        if limit is not None:
            self.spawn(self.expire(tid, attempt, limit))
        self.silence.gave_work(worker, first=first)

    # --- outcomes -------------------------------------------------------------------------
    def reported(self, worker: str, tid: str, attempt: int) -> None:
        """A worker answered for an attempt: it is alive, and that slot is free again."""
        self.silence.heard_from(worker)
        self.in_flight[worker].discard((tid, attempt))

    def complete(self, tid: str, worker: str, attempt: int, value: Any) -> None:
        if tid in self.ready:  # a late result of an attempt that had timed out
            self.ready.remove(tid)
        self.ready.extend(self.graph.complete(tid, value, worker=worker, attempt=attempt))

    async def attempt_failed(self, tid: str, attempt: int, reason: str) -> None:
        """The current attempt of ``tid`` failed: retry after a backoff, or give up."""
        if self.graph.state[tid] != "running" or attempt != self.attempts[tid]:
            return  # an older attempt: the task has moved on already
        retry = self.tasks[tid].retry or self.retry
        if attempt >= retry.max_attempts:
            await self.give_up(tid, f"{reason} (attempt {attempt} of {retry.max_attempts})")
            return
        wait = retry.wait_after(attempt, self.rng)
        self.graph.mark(tid, "backoff")
        self.log("task_retry", task=tid, attempt=attempt, reason=reason, wait=wait)
        self.spawn(self.retry_after(tid, wait))

    async def retry_after(self, tid: str, wait: float) -> None:
        await self.sleep(wait)
        if self.graph.state[tid] == "backoff":
            self.graph.mark(tid, "ready")
            self.ready.append(tid)
            await self.dispatch()

    async def give_up(self, tid: str, reason: str) -> None:
        """Fail ``tid``; the graph skips everything that depends on it, directly or not."""
        if tid in self.ready:
            self.ready.remove(tid)
        self.graph.fail(tid, reason)
        await self.finish_if_settled()

    async def finish_if_settled(self) -> None:
        if self.job is not None and self.graph.all_settled:
            job, self.job = self.job, None
            await self.reply(job, self.graph.report())

    # --- timers: the only things the orchestrator does without being asked ------------
    async def expire(self, tid: str, attempt: int, limit: float) -> None:
        """Time out one attempt after ``limit`` seconds (its worker's slot stays taken)."""
        await self.sleep(limit)
        await self.attempt_failed(tid, attempt, f"attempt timed out after {limit:g}s")
        await self.dispatch()

    async def lose(self, worker: str, silent: float) -> None:
        """``worker`` was silent too long: stop using it until it registers again; its
        attempts count as failed."""
        reason = f"silent for {silent:g}s"
        self.log("worker_lost", worker=worker, reason=reason)
        lost = sorted(self.in_flight[worker])
        self.in_flight[worker].clear()
        for tid, attempt in lost:
            await self.attempt_failed(tid, attempt, f"worker {worker} lost ({reason})")
        await self.dispatch()


def require_capable(tasks: Iterable[Task], workers: Iterable[WorkerSpec]) -> None:
    """Raise naming the first task whose type no worker can do."""
    workers = list(workers)
    can_do = set().union(*(w.capabilities for w in workers))
    for task in tasks:
        if task.type not in can_do:
            raise ValueError(f"task {task.id!r} has type {task.type!r}, which no worker can do "
                             f"(worker types: {', '.join(sorted(can_do)) or 'none'})")


class Client(Agent):
    """Submits the job, waits for the report, and ends the run with its outcome."""

    def __init__(self, name: str, tasks: Sequence[Task], durations: dict[str, float],
                 orchestrator: str = ORCHESTRATOR) -> None:
        super().__init__(name)
        self.job = Submit(tuple(tasks), durations)
        self.orchestrator = orchestrator

    async def run(self) -> None:
        reply = await self.request(self.orchestrator, "submit", self.job)
        self.end_run(reply.body.outcome)
