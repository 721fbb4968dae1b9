"""Hierarchical coordination: a director splits projects among leads, leads among their workers.

    chart = OrgChart.from_levels([1, 3, 9], specialties=["research", "analysis", "writing"])
    run = run_hierarchical([Project("report", research_pipeline(3))], chart, seed=1)
    run.stop_reason, run.tasks, run.projects, run.verdict

Every manager (the director and each lead, at any level) runs the same three rules:

* **Delegation down.** A task goes to a report whose subtree can do its type (its
  specialty), chosen by an assignment policy from ``tasks.py`` (least loaded by
  default). All tasks for one report travel in one ``delegate`` message; a lead over
  workers hands them out one at a time, to whichever capable worker is free.
* **Aggregation up.** A manager answers each ``delegate`` with one ``report``, sent only
  when every task in it is done (or was escalated). While it holds work it sends its
  manager a ``heartbeat`` carrying its progress. The director answers each project with
  its final result.
* **Escalation and containment.** A failed attempt (the worker's work raised, or the
  worker fell silent) is retried inside the team, as the escalation rule says; only
  a task the team cannot finish is ``escalate``-d, one level up, where the manager tries
  another subtree. A lead that falls silent is declared lost by its manager, which
  reassigns the lead's tasks to its other reports. The director fails a task only when
  no subtree can do it, and skips what depends on it.

Messages flow only between a manager and its direct reports (see ``PROTOCOL``). Workers
are ``centralized.Worker``s: to a worker, its lead is just an orchestrator.
"""
from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from coordlab import metrics
from coordlab.patterns.centralized import (
    Assign,
    Failure,
    Heartbeat,
    Register,
    Report,
    Result,
    Worker,
    WorkerSpec,
    resolve_policy,
)
from coordlab.patterns.hierarchy_checks import REACTIONS, hierarchy_checkers
from coordlab.patterns.org_chart import OrgChart
from coordlab.patterns.protocol import MessageKind
from coordlab.patterns.protocol import protocol_table as table_of
from coordlab.patterns.tasks import (
    AssignmentPolicy,
    RetryPolicy,
    Task,
    TaskRun,
    WorkerView,
    check_dag,
    dependants,
    draw_durations,
    task_table,
)
from coordlab.world import Agent, RunResult, Verdict, World, validate
from coordlab.world.faults import Fault
from coordlab.world.latency import Latency

CLIENT = "client"
#: A manager that loses a report cannot know how many attempts that team made, so the
#: next attempt is numbered from the next multiple of this (attempt 101, 201, …).
ATTEMPT_BLOCK = 100


# --- the protocol ------------------------------------------------------------------
@dataclass(frozen=True, repr=False)
class Project:
    """A named piece of work: tasks (with dependencies) whose ids are unique in the run."""

    name: str
    tasks: tuple[Task, ...]

    def __init__(self, name: str, tasks: Iterable[Task]) -> None:
        if not isinstance(name, str) or not name:
            raise ValueError(f"name={name!r} is not allowed: a project needs a non-empty name")
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "tasks", tuple(check_dag(tasks).values()))

    def __repr__(self) -> str:
        return f"Project({self.name!r}, {len(self.tasks)} tasks)"


@dataclass(frozen=True, repr=False)
class ProjectOrder:
    """A project as sent to the director, with this run's modelled duration of each task."""

    project: Project
    durations: dict[str, float]

    def __repr__(self) -> str:
        return f"ProjectOrder({self.project.name!r})"


@dataclass(frozen=True, repr=False)
class Job:
    """A task on its way down: its modelled duration, its dependencies' results, and how
    many attempts it has had so far (so attempt numbers stay unique across teams)."""

    task: Task
    duration: float
    inputs: dict[str, Any]
    attempts: int = 0

    def __repr__(self) -> str:
        return f"Job({self.task.id!r})"


@dataclass(frozen=True)
class Delegate:
    """Do these tasks; answer with one ``report`` for ``order`` when all are done."""

    order: str
    jobs: tuple[Job, ...]


@dataclass(frozen=True)
class Done:
    """A task's result on its way up, with the worker and attempt that produced it."""

    value: Any
    worker: str
    attempt: int


@dataclass(frozen=True)
class TeamReport:
    """Every task of ``order`` is settled here: ``results`` has the done ones (the rest
    were escalated earlier)."""

    order: str
    results: dict[str, Done]


@dataclass(frozen=True)
class Escalation:
    """This team cannot finish ``task`` (after ``attempts`` attempts in all), because ``reason``."""

    order: str
    task: str
    attempts: int
    reason: str


@dataclass(frozen=True)
class Progress:
    """A lead's heartbeat: tasks done so far in its open orders, and tasks it still holds."""

    done: int
    open: int


PROTOCOL: tuple[MessageKind, ...] = (
    MessageKind("project", "client", "director", ProjectOrder, "do this project; reply when every task is settled"),
    MessageKind("project_ok", "director", "client", Report, "the reply: how the project ended"),
    MessageKind("register", "report", "manager", Register, "I (re)started with nothing to do"),
    MessageKind("delegate", "manager", "lead", Delegate, "these tasks are your team's"),
    MessageKind("report", "lead", "manager", TeamReport, "all of that order is settled; here are the results"),
    MessageKind("escalate", "lead", "manager", Escalation, "my team cannot finish this task"),
    MessageKind("assign", "lead", "worker", Assign, "do this attempt of this task"),
    MessageKind("result", "worker", "lead", Result, "reply to assign: the attempt succeeded"),
    MessageKind("failure", "worker", "lead", Failure, "reply to assign: the attempt's work raised"),
    MessageKind("heartbeat", "report", "manager", Heartbeat | Progress, "still alive (and, from a lead, progress)"),
)


def protocol_table() -> pd.DataFrame:
    """The protocol as a table, one row per message kind."""
    return table_of(PROTOCOL)


# --- escalation rules ------------------------------------------------------------------
EscalationRule = Callable[[int, int], str]
"""``rule(failures, capable_alive) -> "retry" | "escalate"``: what a lead does after a
failed attempt, given how many attempts of this task failed in its team so far and how
many live workers of its team can do the task."""


@dataclass(frozen=True)
class RetryInTeam:
    """The default rule: retry inside the team while ``retry`` has attempts left and a live
    worker can do the task; then escalate. ``RetryPolicy(max_attempts=3)`` is "retry
    locally twice, then escalate"."""

    retry: RetryPolicy = RetryPolicy(initial_interval=0.2)

    def __call__(self, failures: int, capable_alive: int) -> str:
        return "retry" if capable_alive and failures < self.retry.max_attempts else "escalate"


# --- managers ------------------------------------------------------------------------
@dataclass
class Holding:
    """A task a manager answers for, until it is done here or passed up."""

    job: Job
    order: str                 # the order (or, at the director, the project) it came in
    child: str | None = None   # the report that has it now (None: waiting here)
    given_at: float = 0.0
    failures: int = 0          # failed attempts by this manager's own workers
    tried: set[str] = field(default_factory=set)  # reports that escalated it back


class Manager(Agent):
    """A lead at any level: takes orders from its manager, delegates, aggregates, escalates.

    The director is a ``Manager`` too (see ``Director``): only what it does with a
    finished or hopeless task differs.
    """

    daemon = True

    def __init__(self, name: str, chart: OrgChart, *, policy: AssignmentPolicy, retry: RetryPolicy,
                 escalation: EscalationRule, service_time: float = 0.005, heartbeat_interval: float = 0.5,
                 suspect_after: float = 2.0) -> None:
        super().__init__(name)
        self.chart = chart
        self.boss = chart.parent[name]
        self.reports = chart.children(name)
        self.policy = policy
        self.retry = retry
        self.escalation = escalation
        self.service_time = service_time
        self.heartbeat_interval = heartbeat_interval
        self.suspect_after = suspect_after
        self.skills = {child: chart.can_do(child) for child in self.reports}
        self.alive = {child: True for child in self.reports}
        self.heard = {child: 0.0 for child in self.reports}
        self.given = {child: 0 for child in self.reports}
        self.busy: dict[str, str | None] = {c: None for c in self.reports if chart.is_worker(c)}
        self.holding: dict[str, Holding] = {}
        self.held_by: dict[str, set[str]] = {child: set() for child in self.reports}
        self.open_orders: dict[str, set[str]] = {}
        self.order_results: dict[str, dict[str, Any]] = {}
        self.waiting: list[str] = []             # tasks for my own workers, until one is free
        self.outbox: dict[str, list[str]] = {}   # tasks for each lead, sent together
        self.watched: set[str] = set()
        self.beating = False

    async def run(self) -> None:
        """Say we (re)started, then handle one message at a time, each costing ``service_time``."""
        if self.boss is not None:
            await self.send(self.boss, "register", Register(self.chart.can_do(self.name),
                                                            self.chart.team_size(self.name)))
        while True:
            msg = await self.receive()
            await self.work(self.service_time, label=msg.kind)
            if msg.sender in self.heard:
                self.heard[msg.sender] = self.now  # any message from a report says it is alive
            await getattr(self, f"on_{msg.kind}")(msg)
            await self.pass_on()

    # --- from my manager ------------------------------------------------------------------
    async def on_delegate(self, msg) -> None:
        order: Delegate = msg.body
        self.open_orders[order.order] = {job.task.id for job in order.jobs}
        self.order_results[order.order] = {}
        for job in order.jobs:
            held = self.holding.get(job.task.id)
            if held is None:
                self.holding[job.task.id] = Holding(job, order.order)
                await self.route(job.task.id)
            else:  # my manager restarted and sent it again: keep the work going, answer the new order
                old, held.order = held.order, order.order
                await self.settled(old, job.task.id)
        if not self.beating:
            self.beating = True
            self.spawn(self.heartbeat())

    async def heartbeat(self) -> None:
        """Tell my manager I am alive, and how far along I am, while I hold open orders."""
        while self.open_orders:
            await self.sleep(self.heartbeat_interval)
            done = sum(len(results) for results in self.order_results.values())
            await self.send(self.boss, "heartbeat", Progress(done, len(self.holding)))
        self.beating = False

    # --- from my reports ------------------------------------------------------------------
    async def on_register(self, msg) -> None:
        """A report (re)started: whatever it held before that is lost."""
        child = msg.sender
        self.alive[child] = True
        lost = [tid for tid in self.held_by[child] if self.holding[tid].given_at < msg.sent_at]
        await self.take_back(child, lost, f"{child} restarted")

    async def on_heartbeat(self, msg) -> None:
        """Nothing to do: ``run`` already noted that the report is alive."""

    async def on_result(self, msg) -> None:
        result: Result = msg.body
        if self.busy.get(msg.sender) == result.task:
            self.busy[msg.sender] = None
        if result.task in self.holding:  # the first result wins, whichever attempt
            await self.finished(result.task, Done(result.value, msg.sender, result.attempt))

    async def on_failure(self, msg) -> None:
        failure: Failure = msg.body
        held = self.holding.get(failure.task)
        if self.busy.get(msg.sender) == failure.task:
            self.busy[msg.sender] = None
        if held is not None and held.child == msg.sender and held.job.attempts == failure.attempt:
            await self.attempt_failed(failure.task, f"{msg.sender} reported {failure.error}")

    async def on_report(self, msg) -> None:
        report: TeamReport = msg.body
        for tid, done in report.results.items():
            if tid in self.holding:
                await self.finished(tid, done)

    async def on_escalate(self, msg) -> None:
        """A report's team could not finish a task: try another subtree, else pass it up."""
        up: Escalation = msg.body
        held = self.holding.get(up.task)
        if held is None or held.child != msg.sender:
            return  # already moved on (e.g. we had given up on that report)
        held.tried.add(msg.sender)
        held.job = replace(held.job, attempts=max(held.job.attempts, up.attempts))
        self.move(up.task, None)
        self.log("task_rerouted", task=up.task, child=msg.sender, reason=up.reason)
        await self.route(up.task, f"{msg.sender}: {up.reason}")

    # --- delegating -----------------------------------------------------------------------
    async def route(self, tid: str, why: str | None = None) -> None:
        """Choose the report whose subtree takes ``tid`` (least loaded among the capable)."""
        held = self.holding[tid]
        task = held.job.task
        capable = [c for c in self.reports
                   if self.alive[c] and c not in held.tried and task.type in self.skills[c]]
        if not capable:
            await self.cannot_handle(tid, why or f"no live report of {self.name} can do type {task.type!r}")
            return
        child = self.choose(task, capable)
        if self.chart.is_worker(child):
            self.waiting.append(tid)  # any free capable worker will do: see assign_waiting
        else:
            self.outbox.setdefault(child, []).append(tid)
            self.give(tid, child)

    def choose(self, task: Task, candidates: list[str]) -> str:
        """Ask the assignment policy to pick one of ``candidates`` for ``task``."""
        chosen = self.policy.choose(task, [self.view(c) for c in candidates])
        if chosen not in candidates:
            raise ValueError(f"policy {self.policy!r} chose {chosen!r} for task {task.id!r}; it must choose one "
                             f"of the candidates: {', '.join(candidates)}")
        return chosen

    def view(self, child: str) -> WorkerView:
        """What the assignment policy sees of a report: its whole team as one candidate."""
        return WorkerView(child, self.skills[child], self.chart.team_size(child), len(self.held_by[child]), 1.0,
                          self.given[child])

    def move(self, tid: str, child: str | None) -> None:
        """Record that ``child`` now has ``tid`` (None: it is back here, or gone)."""
        held = self.holding[tid]
        if held.child is not None:
            self.held_by[held.child].discard(tid)
        held.child = child
        if child is not None:
            self.held_by[child].add(tid)

    def give(self, tid: str, child: str) -> None:
        if not self.held_by[child]:
            self.heard[child] = self.now  # silence is counted from its first piece of work
        self.move(tid, child)
        self.holding[tid].given_at = self.now
        self.given[child] += 1
        if child not in self.watched:
            self.watched.add(child)
            self.spawn(self.watch(child))

    async def pass_on(self) -> None:
        """Give free workers waiting tasks, and send each lead its batch in one ``delegate``."""
        await self.assign_waiting()  # first: a task no worker of mine can do any more goes to a lead
        outbox, self.outbox = self.outbox, {}
        for child, tids in outbox.items():
            tids = [tid for tid in tids if tid in self.held_by[child]]
            if tids:
                # Kept in stable storage, so that a restarted manager never reuses an order id.
                self.stable["orders sent"] = self.stable.get("orders sent", 0) + 1
                order = f"{self.name}#{self.stable['orders sent']}"
                await self.send(child, "delegate", Delegate(order, tuple(self.holding[t].job for t in tids)))

    async def assign_waiting(self) -> None:
        """Give waiting tasks, in order, to free capable workers; the rest keep waiting."""
        live = [w for w in self.busy if self.alive[w]]
        live_types = set().union(*(self.skills[w] for w in live))
        free = [w for w in live if self.busy[w] is None]
        waiting, self.waiting = [tid for tid in self.waiting if tid in self.holding], []
        for index, tid in enumerate(waiting):
            task = self.holding[tid].job.task
            capable = [w for w in free if task.type in self.skills[w]]
            if task.type not in live_types:
                await self.route(tid)  # no worker of mine can do it any more: another report, or up
            elif capable:
                worker = self.choose(task, capable)
                free.remove(worker)
                await self.assign(tid, worker)
            elif not free:
                self.waiting.extend(waiting[index:])  # nobody is free: the rest wait too
                break
            else:
                self.waiting.append(tid)

    async def assign(self, tid: str, worker: str) -> None:
        held = self.holding[tid]
        held.job = replace(held.job, attempts=held.job.attempts + 1)
        self.busy[worker] = tid
        self.give(tid, worker)
        self.log("task_assigned", task=tid, worker=worker, attempt=held.job.attempts)
        job = held.job
        await self.send(worker, "assign", Assign(job.task, job.attempts, job.duration, job.inputs))

    # --- failures ---------------------------------------------------------------------------
    async def attempt_failed(self, tid: str, reason: str) -> None:
        """One of my workers failed ``tid``: retry in my team, or escalate, as the rule says."""
        held = self.holding[tid]
        worker = held.child
        self.move(tid, None)
        held.failures += 1
        task = held.job.task
        capable = sum(1 for w in self.busy if self.alive[w] and task.type in self.skills[w])
        decision = self.escalation(held.failures, capable)
        if decision not in ("retry", "escalate"):
            raise ValueError(f"escalation rule {self.escalation!r} returned {decision!r} for ({held.failures}, "
                             f"{capable}); it must return 'retry' or 'escalate'")
        if decision == "retry":
            wait = self.retry.wait_after(held.failures, self.rng)
            self.log("task_retry", task=tid, attempt=held.job.attempts, child=worker, reason=reason, wait=wait)
            self.spawn(self.retry_after(tid, wait))
        else:
            await self.cannot_handle(tid, f"{reason}; {held.failures} failed attempt(s) in {self.name}'s team")

    async def retry_after(self, tid: str, wait: float) -> None:
        await self.sleep(wait)
        if tid in self.holding and self.holding[tid].child is None:
            self.waiting.append(tid)
            await self.pass_on()

    async def take_back(self, child: str, tids: list[str], reason: str) -> None:
        """``child`` lost what it held: a worker's attempt failed; a lead's tasks go elsewhere."""
        if child in self.busy:
            self.busy[child] = None
        for tid in sorted(tids):
            if self.chart.is_worker(child):
                await self.attempt_failed(tid, reason)
            else:
                held = self.holding[tid]
                self.move(tid, None)
                held.job = replace(held.job, attempts=(held.job.attempts // ATTEMPT_BLOCK + 1) * ATTEMPT_BLOCK)
                self.log("task_rerouted", task=tid, child=child, reason=reason)
                await self.route(tid, f"{child}: {reason}")

    async def watch(self, child: str) -> None:
        """Declare ``child`` lost once it holds work and has been silent for ``suspect_after``."""
        while self.alive[child] and self.held_by[child]:
            silent = self.now - self.heard[child]
            if silent >= self.suspect_after - 1e-9:
                self.alive[child] = False
                self.log("child_lost", child=child, reason=f"silent for {silent:g}s")
                await self.take_back(child, list(self.held_by[child]), f"lost (silent for {silent:g}s)")
                await self.pass_on()
                break
            await self.sleep(self.suspect_after - silent)
        self.watched.discard(child)

    # --- what a lead does with a settled task (the director overrides both) --------------
    def drop(self, tid: str) -> Holding:
        """``tid`` is settled here: forget where it was."""
        self.move(tid, None)
        return self.holding.pop(tid)

    async def finished(self, tid: str, done: Done) -> None:
        held = self.drop(tid)
        self.order_results[held.order][tid] = done
        await self.settled(held.order, tid)

    async def cannot_handle(self, tid: str, reason: str) -> None:
        held = self.drop(tid)
        self.log("task_escalated", task=tid, to=self.boss, reason=reason)
        await self.send(self.boss, "escalate", Escalation(held.order, tid, held.job.attempts, reason))
        await self.settled(held.order, tid)

    async def settled(self, order: str, tid: str) -> None:
        """Aggregation: report an order up only when every task in it is settled here."""
        self.open_orders[order].discard(tid)
        if not self.open_orders[order]:
            del self.open_orders[order]
            results = self.order_results.pop(order)
            await self.send(self.boss, "report", TeamReport(order, results))


class Director(Manager):
    """The top manager: owns each project's task graph, releases tasks as their
    dependencies complete, fails what no subtree can do, and answers the client."""

    def __init__(self, name: str, chart: OrgChart, **options: Any) -> None:
        super().__init__(name, chart, **options)
        self.projects: dict[str, dict[str, Task]] = {}
        self.after: dict[str, list[str]] = {}
        self.missing: dict[str, int] = {}
        self.state: dict[str, str] = {}
        self.results: dict[str, Any] = {}
        self.durations: dict[str, float] = {}
        self.project_of: dict[str, str] = {}
        self.requests: dict[str, Any] = {}

    async def on_project(self, msg) -> None:
        project, durations = msg.body.project, msg.body.durations
        tasks = {task.id: task for task in project.tasks}
        self.projects[project.name] = tasks
        self.requests[project.name] = msg
        self.after.update(dependants(tasks))
        self.durations.update(durations)
        for tid, task in tasks.items():
            self.project_of[tid] = project.name
            self.missing[tid] = len(task.depends_on)
            self.state[tid] = "pending"
        for tid in tasks:
            if not self.missing[tid]:
                await self.release(tid)
        await self.finish_if_settled(project.name)

    async def release(self, tid: str) -> None:
        """All of ``tid``'s dependencies are done: send it down with their results."""
        task = self.projects[self.project_of[tid]][tid]
        self.state[tid] = "delegated"
        inputs = {dep: self.results[dep] for dep in task.depends_on}
        self.holding[tid] = Holding(Job(task, self.durations[tid], inputs), self.project_of[tid])
        await self.route(tid)

    async def finished(self, tid: str, done: Done) -> None:
        """A result reached the top: only now is the task done (a lead's result can still be lost)."""
        self.drop(tid)
        self.log("task_done", task=tid, worker=done.worker, attempt=done.attempt)
        self.state[tid] = "done"
        self.results[tid] = done.value
        for child in self.after[tid]:
            self.missing[child] -= 1
            if self.missing[child] == 0 and self.state[child] == "pending":
                await self.release(child)
        await self.finish_if_settled(self.project_of[tid])

    async def cannot_handle(self, tid: str, reason: str) -> None:
        """No subtree can finish ``tid``: it fails, and everything that depends on it is skipped."""
        self.drop(tid)
        self.state[tid] = "failed"
        self.log("task_failed", task=tid, reason=reason)
        stack = list(self.after[tid])
        while stack:
            child = stack.pop()
            if self.state[child] == "pending":
                self.state[child] = "skipped"
                self.log("task_skipped", task=child, reason=f"depends on {tid}, which failed")
                stack.extend(self.after[child])
        await self.finish_if_settled(self.project_of[tid])

    async def finish_if_settled(self, project: str) -> None:
        states = [self.state[tid] for tid in self.projects[project]]
        if project in self.requests and all(s in ("done", "failed", "skipped") for s in states):
            counts = {s: states.count(s) for s in ("done", "failed", "skipped")}
            outcome = "completed" if counts["done"] == len(states) else "tasks_failed"
            self.log("project_done", project=project, outcome=outcome, **counts)
            await self.reply(self.requests.pop(project), Report(outcome, **counts))


class Client(Agent):
    """Sends every project to the director at once and ends the run when all are answered."""

    def __init__(self, name: str, projects: Sequence[Project], durations: dict[str, float], director: str) -> None:
        super().__init__(name)
        self.projects = list(projects)
        self.durations = durations
        self.director = director
        self.answers: dict[str, Report] = {}

    async def run(self) -> None:
        for project in self.projects:
            self.spawn(self.submit(project))

    async def submit(self, project: Project) -> None:
        durations = {t.id: self.durations[t.id] for t in project.tasks}
        reply = await self.request(self.director, "project", ProjectOrder(project, durations))
        self.answers[project.name] = reply.body
        if len(self.answers) == len(self.projects):
            failed = any(a.outcome != "completed" for a in self.answers.values())
            self.end_run("tasks_failed" if failed else "completed")


# --- running it ----------------------------------------------------------------------------
@dataclass(repr=False)
class HierarchicalRun(TaskRun):
    """A hierarchical run, with each project's report at the top and the chart it ran on."""

    projects: dict[str, Report | None]
    chart: OrgChart

    @property
    def metrics(self) -> dict[str, Any]:
        """Headline numbers: makespan, messages, and the load on the director and the busiest agent."""
        handled = {name: row["received"] for name, row in metrics.messages_by_agent(self.trace).items()
                   if name in self.chart.parent}
        busiest = max(handled, key=handled.get, default=None)
        return {
            "makespan": self.makespan,
            "tasks done": self.count("done"),
            "tasks failed": self.count("failed"),
            "messages": len(self.trace.select("send")),
            "director messages handled": handled.get(self.chart.director, 0),
            "busiest agent": busiest,
            "busiest agent messages handled": handled.get(busiest, 0),
        }


def progress(run: HierarchicalRun) -> pd.DataFrame:
    """How far along the project was, over time, seen from three places: tasks finished by
    workers; tasks the director knew were done, counting what its reports' heartbeats said;
    and tasks whose result had reached the director. The gaps are what aggregation holds back."""
    director = run.chart.director
    in_heartbeats: dict[str, int] = {}  # per report of the director: done, says its last heartbeat
    finished = at_director = 0
    rows = [{"time": 0.0, "finished by workers": 0, "known at the director": 0, "results at the director": 0}]
    for e in run.trace.select(("task_end", "task_done", "deliver")):
        if e.kind == "task_end" and e.data["ok"]:
            finished += 1
        elif e.kind == "task_done":  # a result arrived: it no longer counts as "said in a heartbeat"
            at_director += 1
            team = run.chart.chain_of_command(e.data["worker"])[-2]
            in_heartbeats[team] = max(0, in_heartbeats.get(team, 0) - 1)
        elif e.kind == "deliver" and e.agent == director and isinstance(e.message.body, Progress):
            in_heartbeats[e.message.sender] = e.message.body.done
        else:
            continue
        rows.append({"time": e.time, "finished by workers": finished,
                     "known at the director": at_director + sum(in_heartbeats.values()),
                     "results at the director": at_director})
    return pd.DataFrame(rows)


def disturbed(run: HierarchicalRun) -> dict[str, list[str]]:
    """Which agents a run's failures touched, and how: crashed, or had to react."""
    touched: dict[str, list[str]] = {}
    for e in run.trace.select(("crash", *REACTIONS, "task_escalated", "task_failed")):
        touched.setdefault(e.agent, [])
        if e.kind not in touched[e.agent]:
            touched[e.agent].append(e.kind)
    return touched


def team_results(run: HierarchicalRun) -> dict[str, dict[str, str]]:
    """For each of the director's reports, the tasks done inside its subtree (task -> worker)."""
    team_of = {w: next(c for c in run.chart.children(run.chart.director) if w in run.chart.subtree(c))
               for w in run.chart.workers}
    teams: dict[str, dict[str, str]] = {c: {} for c in run.chart.children(run.chart.director)}
    for e in run.trace.select("task_done"):
        teams[team_of[e.data["worker"]]][e.data["task"]] = e.data["worker"]
    return teams


def other_teams_unchanged(baseline: HierarchicalRun, faulty: HierarchicalRun, team: str) -> Verdict:
    """Verdict: every team but ``team`` completed exactly the same tasks in both runs,
    apart from tasks escalated out of ``team`` (which another team may take on)."""
    before, after = team_results(baseline), team_results(faulty)
    escalated = {e.data["task"] for e in faulty.trace.select("task_rerouted") if e.data["child"] == team}
    changed = [f"{other}: {sorted(set(before[other]) ^ set(after[other]) - escalated)}"
               for other in before if other != team and set(before[other]) ^ set(after[other]) - escalated]
    if changed:
        return Verdict("other teams unchanged", False, "tasks changed in " + "; ".join(changed))
    moved = f"; {len(escalated)} task(s) escalated out of {team} and done elsewhere" if escalated else ""
    return Verdict("other teams unchanged", True, f"every team but {team} did exactly the same tasks{moved}")


def agents_for(chart: OrgChart, *, policy: str | AssignmentPolicy, retry: RetryPolicy,
               escalation: EscalationRule, service_time: float, heartbeat_interval: float,
               suspect_after: float) -> list[Agent]:
    """One agent per box of the chart: a ``Director``, a ``Manager`` per lead, a ``Worker``
    per worker. A policy given by name is a fresh one for each manager."""
    options = dict(retry=retry, escalation=escalation, service_time=service_time,
                   heartbeat_interval=heartbeat_interval, suspect_after=suspect_after)
    agents: list[Agent] = []
    for name, boss in chart.parent.items():
        if chart.is_worker(name):
            agents.append(Worker(WorkerSpec(name, chart.specialties[name]), boss, heartbeat_interval))
        else:
            manager = Director if boss is None else Manager
            agents.append(manager(name, chart, policy=resolve_policy(policy), **options))
    return agents


def as_chart(chart: OrgChart | Sequence[int] | dict) -> OrgChart:
    """An ``OrgChart`` from a chart, a ``levels`` list such as ``[1, 3, 9]`` or a nested dict."""
    if isinstance(chart, OrgChart):
        return chart
    if isinstance(chart, dict):
        return OrgChart.from_dict(chart)
    if isinstance(chart, (list, tuple)):
        return OrgChart.from_levels(chart)
    raise TypeError(f"chart={chart!r} is not allowed: give an OrgChart, a levels list like [1, 3, 9] "
                    "or a nested dict")


def run_hierarchical(projects: Project | Sequence[Project], chart: OrgChart | Sequence[int] | dict = (1, 3, 9), *,
                     policy: str | AssignmentPolicy = "least loaded", retry: RetryPolicy = RetryPolicy(
                         initial_interval=0.2), escalation: EscalationRule | None = None,
                     service_time: float = 0.005, heartbeat_interval: float = 0.5, suspect_after: float = 2.0,
                     seed: int = 0, latency: Latency = 0.01, faults: Iterable[Fault] = (),
                     until: float | None = None, max_events: int = 1_000_000) -> HierarchicalRun:
    """Run ``projects`` on a client and the hierarchy ``chart`` in a fresh world.

    ``escalation`` decides, after each failed attempt in a team, whether to retry there
    or escalate (default: ``RetryInTeam(retry)``). Bad input (duplicate task ids across
    projects, a task type no subtree can do, a malformed chart) raises before anything runs.
    """
    projects = [projects] if isinstance(projects, Project) else list(projects)
    if not projects or not all(isinstance(p, Project) for p in projects):
        raise TypeError(f"projects={projects!r} is not allowed: give a Project or a list of them")
    names = [p.name for p in projects]
    if len(set(names)) < len(names):
        raise ValueError(f"projects={names!r} is not allowed: project names must be unique")
    tasks = [task for project in projects for task in project.tasks]
    check_dag(tasks)  # task ids unique across projects, so the checkers can tell tasks apart
    chart = as_chart(chart)
    chart.require_capable(task.type for task in tasks)
    if CLIENT in chart.parent:
        raise ValueError(f"the name {CLIENT!r} is reserved for the client; rename that agent of the chart")
    resolve_policy(policy)  # a bad policy fails here, before anything runs
    validate.number("service_time", service_time, minimum=0)
    if validate.number("suspect_after", suspect_after) <= validate.number("heartbeat_interval", heartbeat_interval):
        raise ValueError(f"suspect_after={suspect_after!r} is not allowed: it must be longer than "
                         f"heartbeat_interval={heartbeat_interval!r}, or busy reports look dead")
    durations = draw_durations(tasks, random.Random(f"{seed}/durations"))
    world = World(seed, latency=latency, faults=faults, max_events=max_events)
    world.add(Client(CLIENT, projects, durations, chart.director),
              *agents_for(chart, policy=policy, retry=retry,
                          escalation=escalation or RetryInTeam(retry), service_time=service_time,
                          heartbeat_interval=heartbeat_interval, suspect_after=suspect_after))
    for checker in hierarchy_checkers(chart, tasks, CLIENT):
        world.add_checker(checker)
    return summarise(world.run(until=until), projects, chart, durations)


def summarise(result: RunResult, projects: Sequence[Project], chart: OrgChart,
              durations: dict[str, float]) -> HierarchicalRun:
    """Turn a finished world run into a ``HierarchicalRun`` (used by the naive hierarchy too)."""
    asked = {e.message.id: e.message.body.project.name for e in result.trace.select("send", CLIENT)
             if e.message.kind == "project"}
    answers = {asked[e.message.in_reply_to]: e.message.body for e in result.trace.select("deliver", CLIENT)
               if e.message.kind == "project_ok"}
    tasks = [task for project in projects for task in project.tasks]
    return HierarchicalRun(stop_reason=result.stop_reason, tasks=task_table(result.trace, tasks),
                           makespan=metrics.makespan(result.trace), verdict=result.verdict(), result=result,
                           durations=durations, projects={p.name: answers.get(p.name) for p in projects},
                           chart=chart)
