"""Tasks, their dependency DAG, and the rules any task-running pattern must obey.

Nothing here knows who runs the tasks: the centralized orchestrator and the hierarchy's
director both use it. What it provides:

* ``Task``: an id, a type (which capability it needs), a payload, a modelled duration
  (fixed, or drawn from a distribution), optional real work and its dependencies;
* ``check_dag``: the errors a learner can act on (duplicate ids, an unknown dependency,
  a cycle, named), and ``critical_path``: the longest chain of work, a lower bound on
  any schedule's makespan however many workers there are;
* ``RetryPolicy`` and ``TimeoutPolicy`` (named as LangGraph users know them);
* assignment policies (``FirstFree``, ``LeastLoaded``, ``RoundRobin``): small objects
  that pick a worker from the candidates; write your own with one ``choose`` method;
* ``TaskGraph``: one job's task states, the tasks released as their dependencies
  complete, the dependants skipped when a task fails, each task settled exactly once,
  and the ``Report`` of how the job ended;
* the task life-cycle events a pattern logs, the per-task table built from them, the
  checkers that judge a run from them, and ``TaskRun``, what a task-running pattern's
  run returns.
"""
from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from numbers import Real
from typing import Any, Protocol

import pandas as pd

from coordlab import metrics
from coordlab.patterns.run import PatternRun
from coordlab.world import RunResult, validate
from coordlab.world.checks import Checker, Verdict, judge
from coordlab.world.garbage import fewer_collections
from coordlab.world.trace import Trace

Duration = float | Callable[[random.Random], float]
RealWork = Callable[[Any, dict[str, Any]], Any]
#: The most tasks (or workers) a generated workload may have: more would exhaust memory
#: long before a simulated run of them could finish.
MAX_TASKS = 100_000


# --- policies for one task ------------------------------------------------------------
@dataclass(frozen=True)
class RetryPolicy:
    """How often to try a task, and how long to wait between attempts.

    The wait before attempt n+1 is ``initial_interval * backoff_factor**(n-1)``, capped
    at ``max_interval``. With ``jitter`` it is drawn between half and one and a half
    times that, so tasks that failed together do not all retry at the same instant.
    """

    max_attempts: int = 3
    initial_interval: float = 0.5
    backoff_factor: float = 2.0
    max_interval: float = 128.0
    jitter: bool = True

    def __post_init__(self) -> None:
        validate.count("max_attempts", self.max_attempts)
        validate.number("initial_interval", self.initial_interval, minimum=0)
        validate.number("backoff_factor", self.backoff_factor, minimum=1)
        validate.number("max_interval", self.max_interval, minimum=0)
        validate.flag("jitter", self.jitter)

    def wait_after(self, attempt: int, rng: random.Random) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1 = the first try)."""
        interval = min(self.max_interval, self.initial_interval * self.backoff_factor ** (attempt - 1))
        return interval * rng.uniform(0.5, 1.5) if self.jitter else interval


@dataclass(frozen=True)
class TimeoutPolicy:
    """When to give up waiting for one attempt: ``seconds`` after it was assigned,
    and/or ``factor`` times its modelled duration (whichever comes first). None: never."""

    seconds: float | None = None
    factor: float | None = None

    def __post_init__(self) -> None:
        if self.seconds is not None and validate.number("seconds", self.seconds, minimum=0) == 0:
            raise ValueError("seconds=0 is not allowed: a timeout must be > 0 (or None for no timeout)")
        if self.factor is not None:
            validate.number("factor", self.factor, minimum=1)

    def limit(self, duration: float) -> float | None:
        """The timeout for an attempt whose modelled work takes ``duration`` seconds."""
        limits = [s for s in (self.seconds, None if self.factor is None else self.factor * duration)
                  if s is not None]
        return min(limits) if limits else None


def require_policy(name: str, value: object, kind: type, *, optional: bool = False) -> None:
    """Raise naming ``name`` unless ``value`` is a ``kind`` (``RetryPolicy(max_attempts=3)``, not ``3``)."""
    if not (isinstance(value, kind) or (optional and value is None)):
        raise TypeError(f"{name}={value!r} is not allowed: give a {kind.__name__}, e.g. {kind.__name__}()"
                        + (", or None for the run's own" if optional else ""))


# --- tasks and their DAG --------------------------------------------------------------
@dataclass(frozen=True, repr=False)
class Task:
    """One unit of work.

    ``duration`` is modelled seconds of work: a number, or a distribution such as
    ``coordlab.Uniform(0.5, 1.5)`` drawn once per run. ``work``, if given, is real
    Python run by the worker as ``work(payload, inputs)``, where ``inputs`` maps each
    dependency's id to its result; its return value becomes this task's result.
    ``retry`` and ``timeout`` override the run's policies for this task only.
    """

    id: str
    type: str = "task"
    duration: Duration = 1.0
    depends_on: tuple[str, ...] = ()
    payload: Any = None
    work: RealWork | None = None
    retry: RetryPolicy | None = None
    timeout: TimeoutPolicy | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise ValueError(f"id={self.id!r} is not allowed: a task id must be a non-empty string")
        if not isinstance(self.type, str) or not self.type:
            raise ValueError(f"type={self.type!r} is not allowed: a task type must be a non-empty string")
        if not callable(self.duration):
            validate.number("duration", self.duration, minimum=0)
        deps = (self.depends_on,) if isinstance(self.depends_on, str) else self.depends_on
        if not isinstance(deps, Iterable) or not all(isinstance(d, str) and d for d in deps):
            raise TypeError(f"depends_on={self.depends_on!r} is not allowed: give the ids (strings) "
                            "of the tasks this one waits for")
        object.__setattr__(self, "depends_on", tuple(deps))
        if self.work is not None and not callable(self.work):
            raise TypeError(f"work={self.work!r} is not allowed: give a function work(payload, inputs)")
        require_policy("retry", self.retry, RetryPolicy, optional=True)
        require_policy("timeout", self.timeout, TimeoutPolicy, optional=True)

    def __repr__(self) -> str:  # deterministic: no function addresses
        deps = f", depends_on={self.depends_on!r}" if self.depends_on else ""
        return f"Task({self.id!r}, type={self.type!r}{deps})"


def task_list(tasks: Iterable[Task]) -> list[Task]:
    """``tasks`` as a list, or raise naming the first item that is not a ``Task``."""
    if isinstance(tasks, (str, Task)) or not isinstance(tasks, Iterable):
        raise TypeError(f"tasks={tasks!r} is not allowed: give a list of Task objects")
    tasks = list(tasks)
    for index, task in enumerate(tasks):
        if not isinstance(task, Task):
            raise TypeError(f"tasks[{index}]={task!r} is not allowed: give Task objects")
    return tasks


def check_dag(tasks: Iterable[Task]) -> dict[str, Task]:
    """Return the tasks by id, or raise naming the duplicate id, unknown dependency or cycle."""
    by_id: dict[str, Task] = {}
    for task in task_list(tasks):
        if task.id in by_id:
            raise ValueError(f"id={task.id!r} is not allowed: task id {task.id!r} is used twice; "
                             "task ids must be unique")
        by_id[task.id] = task
    for task in by_id.values():
        for dep in task.depends_on:
            if dep not in by_id:
                raise ValueError(f"depends_on={task.depends_on!r} is not allowed: task {task.id!r} depends on "
                                 f"{dep!r}, which is not a task (tasks: {', '.join(by_id)})")
    cycle = find_cycle(by_id)
    if cycle:
        raise ValueError(f"depends_on={by_id[cycle[0]].depends_on!r} is not allowed: dependency cycle: "
                         f"{' -> '.join(cycle)}; a task cannot (indirectly) wait for itself")
    return by_id


def find_cycle(tasks: Mapping[str, Task]) -> list[str]:
    """A dependency cycle as ids ``[a, b, …, a]`` (each waits for the next), or ``[]``."""
    state: dict[str, str] = {}  # "open" while on the current path, "done" after

    def visit(tid: str, path: list[str]) -> list[str]:
        state[tid] = "open"
        path.append(tid)
        for dep in tasks[tid].depends_on:
            if state.get(dep) == "open":
                return path[path.index(dep):] + [dep]
            if dep not in state:
                found = visit(dep, path)
                if found:
                    return found
        path.pop()
        state[tid] = "done"
        return []

    for tid in tasks:
        if tid not in state:
            found = visit(tid, [])
            if found:
                return found
    return []


def topological_order(tasks: Mapping[str, Task]) -> list[str]:
    """Task ids so that every task comes after its dependencies (given order kept on ties)."""
    order: list[str] = []
    placed: set[str] = set()

    def place(tid: str) -> None:
        if tid in placed:
            return
        for dep in tasks[tid].depends_on:
            place(dep)
        placed.add(tid)
        order.append(tid)

    for tid in tasks:
        place(tid)
    return order


def dependants(tasks: Mapping[str, Task]) -> dict[str, list[str]]:
    """For each task, the tasks that directly depend on it."""
    after: dict[str, list[str]] = {tid: [] for tid in tasks}
    for task in tasks.values():
        for dep in task.depends_on:
            after[dep].append(task.id)
    return after


def draw_durations(tasks: Iterable[Task], rng: random.Random) -> dict[str, float]:
    """Each task's modelled duration for one run: fixed ones as given, drawn ones from ``rng``."""
    durations = {}
    for task in tasks:
        value = task.duration(rng) if callable(task.duration) else task.duration
        if isinstance(value, bool) or not isinstance(value, Real) or not 0 <= value < math.inf:
            raise ValueError(f"duration={task.duration!r} is not allowed: task {task.id!r} drew {value!r}; "
                             "a duration must be a finite number of seconds >= 0")
        durations[task.id] = float(value)
    return durations


@dataclass(frozen=True)
class CriticalPath:
    """The longest chain of dependent work: no schedule can finish sooner than ``length``."""

    length: float
    path: tuple[str, ...]

    def __str__(self) -> str:
        return f"critical path {' -> '.join(self.path)}: {self.length:g} s"


def critical_path(tasks: Iterable[Task], durations: Mapping[str, float] | None = None) -> CriticalPath:
    """The critical path of a task DAG.

    ``durations`` maps ids to seconds; without it each task's fixed ``duration`` is used.
    Each task's earliest finish is its duration plus the latest earliest finish among its
    dependencies; the largest of these is the length.
    """
    by_id = check_dag(tasks)
    if durations is None:
        drawn = [t.id for t in by_id.values() if callable(t.duration)]
        if drawn:
            raise ValueError(f"durations=None is not allowed: tasks {', '.join(drawn)} have drawn durations; "
                             "pass durations=... (e.g. the run's result.durations)")
        durations = {t.id: float(t.duration) for t in by_id.values()}
    elif not isinstance(durations, Mapping) or set(by_id) - set(durations):
        missing = sorted(set(by_id) - set(durations)) if isinstance(durations, Mapping) else []
        raise ValueError(f"durations={durations!r} is not allowed: give a dict with every task's seconds"
                         + (f" (missing: {', '.join(missing)})" if missing else ""))
    else:
        durations = {tid: validate.number(f"durations[{tid!r}]", durations[tid], minimum=0) for tid in by_id}
    finish: dict[str, float] = {}
    via: dict[str, str | None] = {}
    for tid in topological_order(by_id):
        before = max(by_id[tid].depends_on, key=lambda d: finish[d], default=None)
        finish[tid] = durations[tid] + (finish[before] if before else 0.0)
        via[tid] = before
    if not finish:
        return CriticalPath(0.0, ())
    last: str | None = max(finish, key=lambda t: finish[t])
    length = finish[last]
    path = []
    while last is not None:
        path.append(last)
        last = via[last]
    return CriticalPath(length, tuple(reversed(path)))


def research_pipeline(topics: int = 3, *, research: Duration = 1.0, analysis: Duration = 2.0,
                      writing: Duration = 1.5) -> list[Task]:
    """The course's running example: research each topic, analyse it, then write one report.

    ``research-i -> analysis-i`` for each topic, and ``writing`` depends on every analysis.
    """
    validate.count("topics", topics, maximum=MAX_TASKS)
    for name, duration in (("research", research), ("analysis", analysis), ("writing", writing)):
        if not callable(duration):
            validate.number(name, duration, minimum=0)
    tasks = []
    for i in range(1, topics + 1):
        tasks.append(Task(f"research-{i}", "research", research))
        tasks.append(Task(f"analysis-{i}", "analysis", analysis, depends_on=(f"research-{i}",)))
    tasks.append(Task("writing", "writing", writing,
                      depends_on=tuple(f"analysis-{i}" for i in range(1, topics + 1))))
    return tasks


def layered_tasks(count: int, width: int, *, duration: Duration = 1.0, fan_in: int = 2,
                  seed: int = 0) -> list[Task]:
    """A bigger workload: ``count`` tasks in layers of ``width``, each depending on
    ``fan_in`` tasks of the layer before (chosen with ``seed``)."""
    validate.count("count", count, maximum=MAX_TASKS)
    validate.count("width", width)
    validate.count("fan_in", fan_in, minimum=0)
    rng = random.Random(validate.seed(seed))
    tasks: list[Task] = []
    for i in range(count):
        layer = i // width
        before = [f"t{j}" for j in range((layer - 1) * width, layer * width)] if layer else []
        tasks.append(Task(f"t{i}", "work", duration,
                          depends_on=tuple(rng.sample(before, k=min(fan_in, len(before))))))
    return tasks


# --- choosing a worker ----------------------------------------------------------------
@dataclass(frozen=True)
class WorkerView:
    """What an assignment policy may know about a candidate worker."""

    name: str
    capabilities: frozenset[str]
    capacity: int
    running: int
    speed: float
    assigned: int  # tasks given to it so far in this run

    @property
    def load(self) -> float:
        """Fraction of its slots in use (0 = idle, 1 = full)."""
        return self.running / self.capacity


class AssignmentPolicy(Protocol):
    """Picks one worker for ``task`` among ``candidates``.

    ``candidates`` are the live workers that can do the task and have a free slot, in
    the order the workers were registered; it is never empty. Return a candidate's name.
    """

    def choose(self, task: Task, candidates: Sequence[WorkerView]) -> str: ...


class FirstFree:
    """The textbook policy: the first capable free worker in registration order."""

    def choose(self, task: Task, candidates: Sequence[WorkerView]) -> str:
        return candidates[0].name

    def __repr__(self) -> str:
        return "FirstFree()"


class LeastLoaded:
    """The candidate with the smallest share of its slots in use; ties go to whoever has
    been given the fewest tasks so far, so work spreads evenly."""

    def choose(self, task: Task, candidates: Sequence[WorkerView]) -> str:
        return min(candidates, key=lambda w: (w.load, w.assigned)).name

    def __repr__(self) -> str:
        return "LeastLoaded()"


class RoundRobin:
    """Take turns: the first candidate after the worker chosen last time."""

    def __init__(self) -> None:
        self.last: str | None = None
        self.order: list[str] = []

    def choose(self, task: Task, candidates: Sequence[WorkerView]) -> str:
        for worker in candidates:
            if worker.name not in self.order:
                self.order.append(worker.name)
        start = self.order.index(self.last) + 1 if self.last in self.order else 0
        free = {w.name for w in candidates}
        rotation = self.order[start:] + self.order[:start]
        self.last = next(name for name in rotation if name in free)
        return self.last

    def __repr__(self) -> str:
        return "RoundRobin()"


POLICIES: dict[str, Callable[[], AssignmentPolicy]] = {
    "first free": FirstFree, "least loaded": LeastLoaded, "round robin": RoundRobin,
}


def choose_worker(policy: AssignmentPolicy, task: Task, candidates: Sequence[WorkerView]) -> str:
    """The name ``policy`` chooses for ``task``; raises naming the policy if it is not a candidate's."""
    chosen = policy.choose(task, candidates)
    names = [c.name for c in candidates]
    if chosen not in names:
        raise ValueError(f"policy {policy!r} chose worker={chosen!r} for task {task.id!r}; it must choose one "
                         f"of the candidates: {', '.join(names)}")
    return chosen


def resolve_policy(policy: str | AssignmentPolicy) -> AssignmentPolicy:
    """A policy object from a name in ``POLICIES`` (a fresh one each time) or as given."""
    if isinstance(policy, str):
        if policy not in POLICIES:
            raise ValueError(f"policy={policy!r} is not allowed: use one of {', '.join(map(repr, POLICIES))} "
                             "or an object with a choose(task, candidates) method")
        return POLICIES[policy]()
    if not callable(getattr(policy, "choose", None)):
        raise TypeError(f"policy={policy!r} is not allowed: it needs a choose(task, candidates) method")
    return policy


# --- the task life cycle in the trace ------------------------------------------------
#: Events a task-running pattern logs (with ``task=`` and the fields listed), in order of
#: a task's life. The task table and the checkers below read nothing else.
TASK_EVENTS = {
    "task_assigned": "the coordinator gave attempt `attempt` to `worker`",
    "task_start": "a worker started attempt `attempt`",
    "task_end": "a worker finished attempt `attempt` (`ok`, or `error`)",
    "task_done": "the coordinator accepted the result of attempt `attempt` from `worker`",
    "task_retry": "attempt `attempt` failed (`reason`); the next one comes after `wait` s",
    "task_failed": "no attempts left (`reason`)",
    "task_skipped": "not run because a dependency failed (`reason`)",
}
FINAL = ("task_done", "task_failed", "task_skipped")


def task_events(trace: Trace, kinds: Iterable[str] = tuple(TASK_EVENTS)) -> Iterator[tuple[int, float, str, dict]]:
    """``(position, time, kind, data)`` of the trace's task life-cycle events (of ``kinds``), in order.

    Read from the trace's columns, building no ``Event``: a run of 50,000 tasks has 200,000 of
    them, read by the task table and each checker. ``trace.event_at(position)`` is the whole event.
    A trace whose level did not keep them raises ``TraceLevelError``.
    """
    kinds = tuple(kinds)
    trace.require(kinds, "the task table and the task checkers")
    return ((position, time, kind, trace.data_at(position)) for position, time, kind, _, _ in trace.scan(kinds))


def task_table(trace: Trace, tasks: Iterable[Task]) -> pd.DataFrame:
    """One row per task: state, worker, attempts, start, end and reason, from the trace.

    ``state`` is done, failed, skipped, running (an attempt was assigned) or pending.
    ``start``/``end`` are when the attempt that counted started and when the task was
    settled (done, failed or skipped).
    """
    if not isinstance(trace, Trace):
        raise TypeError(f"trace={trace!r} is not allowed: give a run's trace (run.trace)")
    with fewer_collections():  # a row per task: see coordlab.world.garbage
        return _task_table(trace, task_list(tasks))


def _task_table(trace: Trace, tasks: list[Task]) -> pd.DataFrame:
    rows = {t.id: {"task": t.id, "type": t.type, "state": "pending", "worker": None, "attempts": 0,
                   "start": float("nan"), "end": float("nan"), "reason": ""} for t in tasks}
    starts: dict[tuple[str, int], float] = {}
    for _, time, kind, data in task_events(trace):
        row = rows.get(data["task"])
        if row is None:
            continue
        if kind == "task_assigned":
            row.update(attempts=row["attempts"] + 1, worker=data["worker"], state="running")
        elif kind == "task_start":
            starts[(row["task"], data["attempt"])] = time
            row["start"] = time
        elif kind in FINAL and row["state"] not in ("done", "failed", "skipped"):
            row.update(state=kind.removeprefix("task_"), end=time, reason=data.get("reason", ""))
            if kind == "task_done":
                row.update(worker=data["worker"], start=starts.get((row["task"], data["attempt"]), row["start"]))
    return pd.DataFrame(list(rows.values()),
                        columns=["task", "type", "state", "worker", "attempts", "start", "end", "reason"])


# --- one job's task graph, as the coordinator keeps it ------------------------------
SETTLED = ("done", "failed", "skipped")
IN_PROGRESS = ("ready", "running", "backoff")


@dataclass(frozen=True)
class Report:
    """How a job ended, "completed" (every task done) or "tasks_failed", with the counts;
    or "running", with the counts so far, while some task is not settled yet."""

    outcome: str
    done: int
    failed: int
    skipped: int


@dataclass(frozen=True)
class Settled:
    """A coordinator's decision about one task, as it writes it to disk: "done" with
    ``value`` (from ``worker``'s attempt ``attempt``), or "failed" with ``reason``."""

    state: str
    value: Any = None
    worker: str = ""
    attempt: int = 0
    reason: str = ""


def _silent(kind: str, **data: Any) -> None:
    """A ``log`` that writes nothing: for decisions replayed from a journal (logged when made)."""


class TaskGraph:
    """One job's tasks, their states, and the rules that move them on.

    A task is *pending* until its last dependency is done, then *ready*. The coordinator
    running it marks it *running*, and *backoff* while it waits to try again. Then it is
    settled, exactly once: *done* (its result kept for its dependants), *failed* (with a
    reason), or *skipped* because a task it depends on, directly or not, failed.

    The graph logs the settling events itself (``task_done``, ``task_failed``,
    ``task_skipped``, see ``TASK_EVENTS``) through ``log``, the coordinating agent's
    ``log``: so every pattern settles tasks, and writes them down, the same way.

    It also writes each decision (a ``Settled``) into ``journal``, in order. A coordinator
    that keeps the journal in its ``stable`` storage can crash and, on recovery, build the
    graph again from the same journal: the decisions are replayed (not logged twice, they
    were logged when made), so no task is settled twice and no result is lost.
    """

    def __init__(self, tasks: Iterable[Task], log: Callable[..., None],
                 journal: dict[str, Settled] | None = None) -> None:
        self.tasks = check_dag(tasks)
        if not callable(log):
            raise TypeError(f"log={log!r} is not allowed: give the coordinating agent's log method")
        if journal is not None and not (isinstance(journal, dict) and set(journal) <= set(self.tasks)):
            raise ValueError(f"journal={journal!r} is not allowed: give a dict from this job's task ids "
                             "to Settled decisions (or None)")
        self.log = log
        self.after = dependants(self.tasks)
        self.missing = {tid: len(task.depends_on) for tid, task in self.tasks.items()}  # not yet done
        self.state = {tid: "pending" if task.depends_on else "ready" for tid, task in self.tasks.items()}
        self.results: dict[str, Any] = {}
        self.unsettled = len(self.tasks)
        self.journal: dict[str, Settled] = {} if journal is None else journal
        self._replay()

    def _replay(self) -> None:
        """Re-apply the journal's decisions (made before a crash) without logging them again."""
        self.log, log = _silent, self.log
        try:
            for tid, decision in list(self.journal.items()):
                if decision.state == "done":
                    self.complete(tid, decision.value, worker=decision.worker, attempt=decision.attempt)
                else:
                    self.fail(tid, decision.reason)
        finally:
            self.log = log

    def ready(self) -> list[str]:
        """The tasks that are ready now, in the job's order."""
        return [tid for tid, state in self.state.items() if state == "ready"]

    def inputs(self, tid: str) -> dict[str, Any]:
        """The results of ``tid``'s dependencies, by id: what its work is given."""
        return {dep: self.results[dep] for dep in self.tasks[tid].depends_on}

    def mark(self, tid: str, state: str) -> None:
        """Move an unsettled task to ``state``: one of ready, running or backoff."""
        if state not in IN_PROGRESS:
            raise ValueError(f"state={state!r} is not allowed: mark a task {', '.join(IN_PROGRESS)}; "
                             "settle it with complete or fail")
        self._require_unsettled(tid)
        self.state[tid] = state

    def is_settled(self, tid: str) -> bool:
        return self.state[tid] in SETTLED

    @property
    def all_settled(self) -> bool:
        return self.unsettled == 0

    def complete(self, tid: str, value: Any, *, worker: str, attempt: int) -> list[str]:
        """``tid`` is done with ``value`` (from ``worker``'s attempt ``attempt``).

        Returns the dependants that this made ready, in order: the caller sends them on.
        """
        self._settle(tid, "done")
        self.results[tid] = value
        self.journal[tid] = Settled("done", value, worker, attempt)
        self.log("task_done", task=tid, worker=worker, attempt=attempt)
        released = []
        for child in self.after[tid]:
            self.missing[child] -= 1
            if self.missing[child] == 0 and self.state[child] == "pending":
                self.state[child] = "ready"
                released.append(child)
        return released

    def fail(self, tid: str, reason: str) -> list[str]:
        """``tid`` failed because of ``reason``: skip everything that depends on it, directly
        or not. Returns the skipped tasks."""
        self._settle(tid, "failed")
        self.journal[tid] = Settled("failed", reason=reason)
        self.log("task_failed", task=tid, reason=reason)
        skipped = []
        stack = list(self.after[tid])
        while stack:
            child = stack.pop()
            if self.state[child] == "pending":
                self._settle(child, "skipped")
                self.log("task_skipped", task=child, reason=f"depends on {tid}, which failed")
                skipped.append(child)
                stack.extend(self.after[child])
        return skipped

    def counts(self) -> dict[str, int]:
        """How many tasks are done, failed and skipped."""
        states = list(self.state.values())
        return {state: states.count(state) for state in SETTLED}

    def report(self) -> Report:
        """How the job ended, or "running" and the counts so far if some task is not settled."""
        counts = self.counts()
        if not self.all_settled:
            return Report("running", **counts)
        return Report("completed" if counts["done"] == len(self.tasks) else "tasks_failed", **counts)

    def _settle(self, tid: str, state: str) -> None:
        self._require_unsettled(tid)
        self.state[tid] = state
        self.unsettled -= 1

    def _require_unsettled(self, tid: str) -> None:
        if tid not in self.state:
            raise ValueError(f"tid={tid!r} is not allowed: it is not a task of this job "
                             f"(tasks: {', '.join(self.state) or 'none'})")
        if self.is_settled(tid):
            raise ValueError(f"tid={tid!r} is not allowed: task {tid!r} is already {self.state[tid]}; "
                             "a task is settled exactly once")


# --- checkers ---------------------------------------------------------------------------
def every_task_settled(tasks: Iterable[Task]) -> Checker:
    """Checker: each task completed exactly once, or failed or was skipped with a reason."""
    ids = [t.id for t in tasks]

    def check(result) -> Verdict:
        trace = result.trace
        settled: dict[str, list[tuple[int, str, dict]]] = {tid: [] for tid in ids}  # (position, kind, data)
        last_seen: dict[str, int] = {}  # each task's last event, by position
        for position, _, kind, data in task_events(trace):
            tid = data["task"]
            last_seen[tid] = position
            if kind in FINAL and tid in settled:
                settled[tid].append((position, kind, data))
        twice = [final for finals in settled.values() if len(finals) > 1 for final in finals]
        no_reason = [final for finals in settled.values() for final in finals
                     if final[1] != "task_done" and not final[2].get("reason")]
        open_ids = [tid for tid, finals in settled.items() if not finals]
        problems = []
        if open_ids:
            problems.append(f"{len(open_ids)} task(s) never finished: {', '.join(open_ids)}")
        if twice:
            problems.append("settled more than once: " + ", ".join(sorted({data["task"] for _, _, data in twice})))
        if no_reason:
            problems.append(f"{len(no_reason)} failed/skipped without a reason")
        if not problems:
            return Verdict("every task settled", True,
                           f"all {len(ids)} tasks completed exactly once or failed/skipped with a reason")
        positions = [position for position, _, _ in twice + no_reason]
        positions += [last_seen[t] for t in open_ids if t in last_seen]
        return Verdict("every task settled", False, "; ".join(problems), tuple(map(trace.event_at, positions)))

    return check


def dependencies_respected(tasks: Iterable[Task]) -> Checker:
    """Checker: no attempt of a task started before every one of its dependencies completed."""
    deps = {t.id: t.depends_on for t in tasks}

    def check(result) -> Verdict:
        done: set[str] = set()
        early = []
        for position, _, kind, data in task_events(result.trace, ("task_done", "task_start")):
            if kind == "task_done":
                done.add(data["task"])
            elif not done.issuperset(deps.get(data["task"], ())):
                early.append(result.trace.event_at(position))
        return judge("dependencies respected", early,
                     "no task started before all its dependencies completed",
                     "{n} task attempt(s) started before their dependencies completed")

    return check


def no_result_lost(tasks: Iterable[Task]) -> Checker:
    """Checker: every result a worker produced made it into a completed task.

    A task may be computed twice (a timed-out attempt that finished anyway); that is
    waste, not loss. A loss is a task that some worker finished successfully whose
    result the coordinator never accepted.
    """
    ids = {t.id for t in tasks}

    def check(result) -> Verdict:
        done = {data["task"] for _, _, _, data in task_events(result.trace, ["task_done"])}
        finished = [result.trace.event_at(position) for position, _, _, data in task_events(result.trace, ["task_end"])
                    if data.get("ok") and data["task"] in ids and data["task"] not in done]
        return judge("no result lost", finished, "every result a worker produced was accepted",
                     "{n} result(s) produced by a worker were never accepted")

    return check


# --- what a run left -------------------------------------------------------------------
STATES = ("done", "running", "pending", "failed", "skipped")


@dataclass(repr=False)
class TaskRun(PatternRun):
    """What a run of a task-running pattern left: besides the world's result and the
    verdict, each task's row (``tasks``), the makespan and each task's modelled duration.

    Patterns extend it with what is theirs (the critical path, the org chart, …).
    """

    tasks: pd.DataFrame
    makespan: float
    durations: dict[str, float]

    def count(self, state: str) -> int:
        """How many tasks ended the run in ``state`` (one of ``STATES``)."""
        return int((self.tasks["state"] == state).sum())

    def describe(self) -> str:
        states = ", ".join(f"{self.count(s)} {s}" for s in STATES if self.count(s))
        return (f"stop_reason={self.stop_reason!r} makespan={self.makespan:.3f} "
                f"tasks: {states}; verdict {'valid' if self.verdict else 'INVALID'}")


def task_run(run_type: type[TaskRun], result: RunResult, tasks: Iterable[Task], durations: dict[str, float],
             **extra: Any) -> TaskRun:
    """Turn a finished world run into ``run_type``: the task table and makespan from its trace,
    the verdict of its checkers, and the pattern's ``extra`` fields."""
    return run_type(result=result, verdict=result.verdict(), tasks=task_table(result.trace, tasks),
                    makespan=metrics.makespan(result.trace), durations=durations, **extra)


def task_metrics(run: TaskRun, bound: CriticalPath | None = None) -> dict[str, float]:
    """The headline numbers every task-running pattern shares, in the order its ``metrics`` show
    them: makespan (then ``bound``'s length, the critical path it is measured against, if given),
    the total modelled work, the tasks done, failed and skipped, and the messages sent. A pattern's
    ``metrics`` adds what is its own after these."""
    numbers = {"makespan": run.makespan}
    if bound is not None:
        numbers["critical path"] = bound.length
    return {**numbers, "total work": sum(run.durations.values()), "tasks done": run.count("done"),
            "tasks failed": run.count("failed"), "tasks skipped": run.count("skipped"),
            "messages": run.trace.tally().events.get("send", 0)}
