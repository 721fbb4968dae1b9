"""Centralized orchestration: one orchestrator plans, assigns and collects; workers work.

    run = run_centralized(research_pipeline(), workers=3, seed=1)
    run.stop_reason, run.tasks, run.makespan, run.verdict

Three kinds of agent, talking only through the messages in ``PROTOCOL``:

* a ``Client`` submits the tasks and waits for the report (and ends the run with it);
* the ``Orchestrator`` keeps every task's state. A task becomes *ready* when its last
  dependency completes; each ready task goes at once to a free capable worker chosen by
  the assignment policy. Everything it does is a reaction to a message or a timer: no
  polling. Each message it handles costs it ``service_time`` of work, which is what
  makes it a bottleneck once there are enough workers;
* ``Worker`` agents do the work and send a heartbeat while they are busy.

Failures: a worker that reports a failure, exceeds its ``TimeoutPolicy`` or falls
silent (no heartbeat for ``suspect_after`` seconds) costs the task an attempt; the
``RetryPolicy`` decides whether and when it is tried again, on any live capable worker.
A task out of attempts fails, its dependants are skipped with the reason, and the run
ends when every task is settled. If the orchestrator itself crashes, nobody takes over:
the client waits forever and the world reports a deadlock (single point of failure).
"""
from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from coordlab import metrics
from coordlab.patterns.protocol import MessageKind
from coordlab.patterns.protocol import protocol_table as table_of
from coordlab.patterns.tasks import (
    POLICIES,
    AssignmentPolicy,
    CriticalPath,
    RetryPolicy,
    Task,
    TaskRun,
    TimeoutPolicy,
    WorkerView,
    check_dag,
    critical_path,
    dependants,
    draw_durations,
    task_checkers,
    task_table,
)
from coordlab.world import Agent, RunResult, World, validate
from coordlab.world.faults import Fault
from coordlab.world.latency import Latency

ORCHESTRATOR = "orchestrator"
CLIENT = "client"


# --- the protocol ------------------------------------------------------------------
@dataclass(frozen=True, repr=False)
class Submit:
    """The job: tasks and their modelled durations (seconds of work at speed 1)."""

    tasks: tuple[Task, ...]
    durations: dict[str, float]

    def __repr__(self) -> str:
        return f"Submit({len(self.tasks)} tasks)"


@dataclass(frozen=True)
class Report:
    """How the job ended: "completed" (every task done) or "tasks_failed"."""

    outcome: str
    done: int
    failed: int
    skipped: int


@dataclass(frozen=True)
class Register:
    """A worker (re)started with nothing running: what it can do, and how much at once."""

    capabilities: tuple[str, ...]
    capacity: int


@dataclass(frozen=True)
class Assign:
    """Attempt number ``attempt`` of ``task``, with the results of its dependencies."""

    task: Task
    attempt: int
    duration: float
    inputs: dict[str, Any]


@dataclass(frozen=True)
class Result:
    """A finished attempt and its value (what the task's ``work`` returned, or None)."""

    task: str
    attempt: int
    value: Any = None


@dataclass(frozen=True)
class Failure:
    """An attempt whose work raised ``error``."""

    task: str
    attempt: int
    error: str


@dataclass(frozen=True)
class Heartbeat:
    """"Still alive, still working on these": sent every ``heartbeat_interval`` while busy."""

    running: tuple[str, ...]


PROTOCOL: tuple[MessageKind, ...] = (
    MessageKind("submit", "client", "orchestrator", Submit, "run these tasks; reply when all are settled"),
    MessageKind("submit_ok", "orchestrator", "client", Report, "the reply: how the job ended"),
    MessageKind("register", "worker", "orchestrator", Register, "I (re)started, with nothing running"),
    MessageKind("assign", "orchestrator", "worker", Assign, "do this attempt of this task"),
    MessageKind("result", "worker", "orchestrator", Result, "reply to assign: the attempt succeeded"),
    MessageKind("failure", "worker", "orchestrator", Failure, "reply to assign: the attempt's work raised"),
    MessageKind("heartbeat", "worker", "orchestrator", Heartbeat, "still alive (sent only while busy)"),
)


def protocol_table() -> pd.DataFrame:
    """The protocol as a table, one row per message kind."""
    return table_of(PROTOCOL)


# --- workers -------------------------------------------------------------------------
@dataclass(frozen=True)
class WorkerSpec:
    """A worker: its name, the task types it can do, how many at once, how fast (1 = nominal)."""

    name: str
    capabilities: frozenset[str]
    capacity: int = 1
    speed: float = 1.0

    def __init__(self, name: str, capabilities: str | Iterable[str], capacity: int = 1, speed: float = 1.0):
        caps = frozenset([capabilities] if isinstance(capabilities, str) else capabilities)
        if not caps:
            raise ValueError(f"capabilities={capabilities!r} is not allowed: a worker must be able to do "
                             "at least one task type")
        if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 1:
            raise ValueError(f"capacity={capacity!r} is not allowed: capacity must be an int >= 1 "
                             f"(worker {name!r})")
        if validate.number("speed", speed) <= 0:
            raise ValueError(f"speed={speed!r} is not allowed: speed must be > 0 (worker {name!r})")
        for attribute, value in (("name", name), ("capabilities", caps), ("capacity", capacity),
                                 ("speed", float(speed))):
            object.__setattr__(self, attribute, value)

    def __repr__(self) -> str:  # sorted: a set's order changes from one Python process to the next
        return (f"WorkerSpec({self.name!r}, {sorted(self.capabilities)!r}, capacity={self.capacity}, "
                f"speed={self.speed:g})")


def generalists(count: int, capabilities: Iterable[str], *, capacity: int = 1) -> list[WorkerSpec]:
    """``count`` identical workers named worker-1, worker-2, … that can do every given type."""
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValueError(f"workers={count!r} is not allowed: give an int >= 1 or a list of WorkerSpec")
    caps = frozenset(capabilities)
    return [WorkerSpec(f"worker-{i}", caps, capacity) for i in range(1, count + 1)]


class Worker(Agent):
    """Does what it is assigned, each attempt concurrently up to its capacity, and replies.

    While it has work it sends a heartbeat every ``heartbeat_interval`` seconds, so the
    orchestrator can tell a busy worker from a dead one.
    """

    daemon = True

    def __init__(self, spec: WorkerSpec, orchestrator: str = ORCHESTRATOR,
                 heartbeat_interval: float | None = 0.5) -> None:
        super().__init__(spec.name)
        self.spec = spec
        self.orchestrator = orchestrator
        self.heartbeat_interval = heartbeat_interval
        self.running: dict[tuple[str, int], None] = {}
        self.started: set[tuple[str, int]] = set()
        self.beating = False

    async def run(self) -> None:
        capabilities = tuple(sorted(self.spec.capabilities))  # sorted: a set's order varies between processes
        await self.send(self.orchestrator, "register", Register(capabilities, self.spec.capacity))
        await super().run()

    async def on_assign(self, msg) -> None:
        job: Assign = msg.body
        key = (job.task.id, job.attempt)
        if key in self.started:
            return  # a duplicated assign (the network may deliver twice): this attempt is under way
        self.started.add(key)
        # Busy from this moment, not from when perform() first runs: a heartbeat that wakes
        # in between must not mistake the worker for idle and stop beating for good.
        self.running[key] = None
        self.spawn(self.perform(msg))
        if self.heartbeat_interval is not None and not self.beating:
            self.beating = True
            self.spawn(self.heartbeat())

    async def perform(self, msg) -> None:
        """Do one attempt: the modelled work, then the real work if the task has any."""
        job: Assign = msg.body
        key = (job.task.id, job.attempt)
        self.log("task_start", task=job.task.id, attempt=job.attempt)
        await self.work(job.duration / self.spec.speed, label=job.task.id)
        del self.running[key]
        try:
            value = job.task.work(job.task.payload, dict(job.inputs)) if job.task.work else None
        except Exception as exc:  # the task's own code failed: report it, do not crash the worker
            error = f"{type(exc).__name__}: {exc}"
            self.log("task_end", task=job.task.id, attempt=job.attempt, ok=False, error=error)
            await self.reply(msg, Failure(job.task.id, job.attempt, error), kind="failure")
            return
        self.log("task_end", task=job.task.id, attempt=job.attempt, ok=True)
        await self.reply(msg, Result(job.task.id, job.attempt, value), kind="result")

    async def heartbeat(self) -> None:
        while True:
            await self.sleep(self.heartbeat_interval)
            if not self.running:
                self.beating = False
                return
            await self.send(self.orchestrator, "heartbeat", Heartbeat(tuple(t for t, _ in self.running)))


# --- the orchestrator ----------------------------------------------------------------
SETTLED = ("done", "failed", "skipped")


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
        self.suspect_after = suspect_after
        self.tasks: dict[str, Task] = {}
        self.types: set[str] = set()
        self.durations: dict[str, float] = {}
        self.after: dict[str, list[str]] = {}
        self.state: dict[str, str] = {}
        self.missing: dict[str, int] = {}  # dependencies not yet done
        self.ready: list[str] = []
        self.attempts: dict[str, int] = {}
        self.results: dict[str, Any] = {}
        self.unsettled = 0
        self.job = None  # the client's submit message, answered when every task is settled
        self.alive = {name: True for name in self.roster}
        self.in_flight: dict[str, set[tuple[str, int]]] = {name: set() for name in self.roster}
        self.assigned = {name: 0 for name in self.roster}
        self.heard = {name: 0.0 for name in self.roster}
        self.assigned_at: dict[tuple[str, int], float] = {}
        self.watched: set[str] = set()

    async def run(self) -> None:
        """Handle one message at a time; each costs ``service_time`` of the orchestrator's work."""
        while True:
            msg = await self.receive()
            await self.work(self.service_time, label=msg.kind)
            await getattr(self, f"on_{msg.kind}")(msg)

    # --- messages ---------------------------------------------------------------------
    async def on_submit(self, msg) -> None:
        job: Submit = msg.body
        self.tasks = check_dag(job.tasks)
        require_capable(self.tasks.values(), self.roster.values())
        self.types = {task.type for task in self.tasks.values()}
        self.durations = dict(job.durations)
        self.after = dependants(self.tasks)
        self.job = msg
        self.unsettled = len(self.tasks)
        for tid, task in self.tasks.items():
            self.attempts[tid] = 0
            self.missing[tid] = len(task.depends_on)
            self.state[tid] = "pending" if task.depends_on else "ready"
        self.ready = [tid for tid in self.tasks if self.state[tid] == "ready"]
        await self.dispatch()
        await self.finish_if_settled()

    async def on_register(self, msg) -> None:
        worker = msg.sender
        # Attempts assigned before it (re)started are gone; later ones are on their way to it.
        lost = sorted(a for a in self.in_flight[worker] if self.assigned_at[a] < msg.sent_at)
        self.in_flight[worker].difference_update(lost)
        self.alive[worker] = True
        self.heard[worker] = self.now
        for tid, attempt in lost:
            await self.attempt_failed(tid, attempt, f"worker {worker} restarted")
        await self.dispatch()
        await self.finish_if_settled()

    async def on_heartbeat(self, msg) -> None:
        self.heard[msg.sender] = self.now

    async def on_result(self, msg) -> None:
        result: Result = msg.body
        self.reported(msg.sender, result.task, result.attempt)
        if self.state[result.task] not in SETTLED:  # the first result wins, whichever attempt
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
            worker = self.policy.choose(task, candidates)
            if worker not in {c.name for c in candidates}:
                raise ValueError(f"policy {self.policy!r} chose worker={worker!r} for task {tid!r}; it must "
                                 f"choose one of the candidates: {', '.join(c.name for c in candidates)}")
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
        self.state[tid] = "running"
        self.assigned[worker] += 1
        if not self.in_flight[worker]:
            self.heard[worker] = self.now  # silence is counted from the first piece of work
        self.in_flight[worker].add((tid, attempt))
        self.assigned_at[(tid, attempt)] = self.now
        self.log("task_assigned", task=tid, worker=worker, attempt=attempt)
        inputs = {dep: self.results[dep] for dep in task.depends_on}
        await self.send(worker, "assign", Assign(task, attempt, self.durations[tid], inputs))
        limit = (task.timeout or self.timeout).limit(self.durations[tid])
        if limit is not None:
            self.spawn(self.expire(tid, attempt, limit))
        if self.suspect_after is not None and worker not in self.watched:
            self.watched.add(worker)
            self.spawn(self.watch(worker))

    # --- outcomes -------------------------------------------------------------------------
    def reported(self, worker: str, tid: str, attempt: int) -> None:
        """A worker answered for an attempt: it is alive, and that slot is free again."""
        self.heard[worker] = self.now
        self.in_flight[worker].discard((tid, attempt))

    def complete(self, tid: str, worker: str, attempt: int, value: Any) -> None:
        if self.state[tid] in ("ready", "backoff") and tid in self.ready:
            self.ready.remove(tid)
        self.state[tid] = "done"
        self.results[tid] = value
        self.unsettled -= 1
        self.log("task_done", task=tid, worker=worker, attempt=attempt)
        for child in self.after[tid]:
            self.missing[child] -= 1
            if self.missing[child] == 0 and self.state[child] == "pending":
                self.state[child] = "ready"
                self.ready.append(child)

    async def attempt_failed(self, tid: str, attempt: int, reason: str) -> None:
        """The current attempt of ``tid`` failed: retry after a backoff, or give up."""
        if self.state[tid] != "running" or attempt != self.attempts[tid]:
            return  # an older attempt: the task has moved on already
        retry = self.tasks[tid].retry or self.retry
        if attempt >= retry.max_attempts:
            await self.give_up(tid, f"{reason} (attempt {attempt} of {retry.max_attempts})")
            return
        wait = retry.wait_after(attempt, self.rng)
        self.state[tid] = "backoff"
        self.log("task_retry", task=tid, attempt=attempt, reason=reason, wait=wait)
        self.spawn(self.retry_after(tid, wait))

    async def retry_after(self, tid: str, wait: float) -> None:
        await self.sleep(wait)
        if self.state[tid] == "backoff":
            self.state[tid] = "ready"
            self.ready.append(tid)
            await self.dispatch()

    async def give_up(self, tid: str, reason: str) -> None:
        """Fail ``tid`` and skip everything that depends on it, directly or not."""
        if tid in self.ready:
            self.ready.remove(tid)
        self.state[tid] = "failed"
        self.unsettled -= 1
        self.log("task_failed", task=tid, reason=reason)
        stack = list(self.after[tid])
        while stack:
            child = stack.pop()
            if self.state[child] == "pending":
                self.state[child] = "skipped"
                self.unsettled -= 1
                self.log("task_skipped", task=child, reason=f"depends on {tid}, which failed")
                stack.extend(self.after[child])
        await self.finish_if_settled()

    async def finish_if_settled(self) -> None:
        if self.job is not None and self.unsettled == 0:
            counts = {s: sum(1 for v in self.state.values() if v == s) for s in SETTLED}
            outcome = "completed" if counts["done"] == len(self.tasks) else "tasks_failed"
            job, self.job = self.job, None
            await self.reply(job, Report(outcome, counts["done"], counts["failed"], counts["skipped"]))

    # --- timers: the only things the orchestrator does without being asked ------------
    async def expire(self, tid: str, attempt: int, limit: float) -> None:
        """Time out one attempt after ``limit`` seconds (its worker's slot stays taken)."""
        await self.sleep(limit)
        await self.attempt_failed(tid, attempt, f"attempt timed out after {limit:g}s")
        await self.dispatch()

    async def watch(self, worker: str) -> None:
        """Declare ``worker`` lost once it has work out and has been silent for ``suspect_after``."""
        while self.in_flight[worker] and self.alive[worker]:
            silent = self.now - self.heard[worker]
            if silent >= self.suspect_after - 1e-9:
                await self.lose(worker, f"silent for {silent:g}s")
                break
            await self.sleep(self.suspect_after - silent)
        self.watched.discard(worker)

    async def lose(self, worker: str, reason: str) -> None:
        """Stop using ``worker`` until it registers again; its attempts count as failed."""
        self.alive[worker] = False
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


# --- running it ----------------------------------------------------------------------
@dataclass(repr=False)
class CentralizedRun(TaskRun):
    """A centralized run, with the critical path it is measured against."""

    critical_path: CriticalPath

    @property
    def metrics(self) -> dict[str, float]:
        """Headline numbers: makespan, messages, and the orchestrator's load."""
        handled = metrics.messages_by_agent(self.trace).get(ORCHESTRATOR, {}).get("received", 0)
        return {
            "makespan": self.makespan,
            "critical path": self.critical_path.length,
            "total work": sum(self.durations.values()),
            "tasks done": self.count("done"),
            "tasks failed": self.count("failed"),
            "tasks skipped": self.count("skipped"),
            "messages": len(self.trace.select("send")),
            "orchestrator messages handled": handled,
            "orchestrator utilisation": metrics.utilisation(self.trace).get(ORCHESTRATOR, 0.0),
        }


def summarise(result: RunResult, tasks: Sequence[Task], durations: dict[str, float],
              bound: CriticalPath) -> CentralizedRun:
    """Turn a finished world run into a ``CentralizedRun`` (used by the naive orchestrator too)."""
    return CentralizedRun(stop_reason=result.stop_reason, tasks=task_table(result.trace, tasks),
                          makespan=metrics.makespan(result.trace), verdict=result.verdict(), result=result,
                          durations=durations, critical_path=bound)


def resolve_workers(workers: int | Sequence[WorkerSpec], tasks: Sequence[Task]) -> list[WorkerSpec]:
    """``workers`` as specs: an int means that many generalists able to do every task type."""
    if isinstance(workers, int) and not isinstance(workers, bool):
        return generalists(workers, sorted({t.type for t in tasks}) or ["task"])
    specs = list(workers)
    if not specs or not all(isinstance(w, WorkerSpec) for w in specs):
        raise TypeError(f"workers={workers!r} is not allowed: give an int >= 1 or a list of WorkerSpec")
    names = [w.name for w in specs]
    for reserved in (ORCHESTRATOR, CLIENT):
        if reserved in names:
            raise ValueError(f"worker name {reserved!r} is not allowed: it is reserved")
    return specs


def resolve_policy(policy: str | AssignmentPolicy) -> AssignmentPolicy:
    """A policy object from a name in ``POLICIES`` (a fresh one each run) or as given."""
    if isinstance(policy, str):
        if policy not in POLICIES:
            raise ValueError(f"policy={policy!r} is not allowed: use one of {', '.join(map(repr, POLICIES))} "
                             "or an object with a choose(task, candidates) method")
        return POLICIES[policy]()
    if not callable(getattr(policy, "choose", None)):
        raise TypeError(f"policy={policy!r} is not allowed: it needs a choose(task, candidates) method")
    return policy


def fastest_bound(tasks: Sequence[Task], durations: dict[str, float], workers: Sequence[WorkerSpec]) -> CriticalPath:
    """The critical path if every task ran on the fastest worker able to do it: a makespan lower bound."""
    speed = {t.id: max((w.speed for w in workers if t.type in w.capabilities), default=1.0) for t in tasks}
    return critical_path(tasks, {tid: d / speed[tid] for tid, d in durations.items()})


def run_centralized(tasks: Sequence[Task], workers: int | Sequence[WorkerSpec] = 3, *,
                    policy: str | AssignmentPolicy = "first free", retry: RetryPolicy = RetryPolicy(),
                    timeout: TimeoutPolicy = TimeoutPolicy(), service_time: float = 0.005,
                    heartbeat_interval: float | None = 0.5, suspect_after: float | None = 2.0,
                    seed: int = 0, latency: Latency = 0.01, loss: float = 0.0, faults: Iterable[Fault] = (),
                    until: float | None = None, max_events: int = 1_000_000) -> CentralizedRun:
    """Run ``tasks`` on a client, an orchestrator and ``workers`` in a fresh world.

    Bad input (duplicate ids, unknown dependencies, cycles, a task type no worker can do,
    capacity < 1) raises here, before anything runs.
    """
    tasks = list(tasks)
    check_dag(tasks)
    specs = resolve_workers(workers, tasks)
    require_capable(tasks, specs)
    chooser = resolve_policy(policy)
    validate.number("service_time", service_time, minimum=0)
    if heartbeat_interval is not None and validate.number("heartbeat_interval", heartbeat_interval) <= 0:
        raise ValueError(f"heartbeat_interval={heartbeat_interval!r} is not allowed: it must be > 0 or None")
    if suspect_after is not None and heartbeat_interval is not None and \
            validate.number("suspect_after", suspect_after) <= heartbeat_interval:
        raise ValueError(f"suspect_after={suspect_after!r} is not allowed: it must be longer than "
                         f"heartbeat_interval={heartbeat_interval!r}, or busy workers look dead")
    durations = draw_durations(tasks, random.Random(f"{seed}/durations"))
    world = World(seed, latency=latency, loss=loss, faults=faults, max_events=max_events)
    world.add(Client(CLIENT, tasks, durations),
              Orchestrator(ORCHESTRATOR, specs, policy=chooser, retry=retry, timeout=timeout,
                           service_time=service_time,
                           suspect_after=suspect_after if heartbeat_interval is not None else None),
              *(Worker(spec, ORCHESTRATOR, heartbeat_interval) for spec in specs))
    for checker in task_checkers(tasks):
        world.add_checker(checker)
    return summarise(world.run(until=until), tasks, durations, fastest_bound(tasks, durations, specs))
