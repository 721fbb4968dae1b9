"""A manager at any level of the hierarchy: delegate down, retry or escalate, watch its reports.

Every manager (the director and each lead) runs the same rules with the tasks it holds:

* **Delegation down.** A task goes to a report whose subtree can do its type (its
  specialty), chosen by an assignment policy from ``tasks.py`` (least loaded by
  default). All tasks for one lead travel in one ``delegate`` message; a manager over
  workers hands them out one at a time, to whichever capable worker is free.
* **Escalation and containment.** A failed attempt (the worker's work raised, or the
  worker fell silent) is retried inside the team, as the escalation rule says; only
  a task the team cannot finish leaves it (``cannot_handle``). A task a lead escalates
  goes to another subtree. A lead that falls silent is suspected by its manager, which
  reassigns the lead's tasks to its other reports.
* **Being wrong.** Silence is not death: a suspected report is probed, and the first word
  from it takes it back. A task that only suspects can do is *parked* until one of them
  answers or is given up on (``lost``); only then does it leave the team or fail.

Every handler can take the same message twice (the network may duplicate it): a result,
failure, escalation or report counts only for a task still held, from the report that
holds it. Where tasks come from and where a settled task goes is what tells the two
kinds of manager apart: a ``Lead`` (``lead.py``) takes orders from its manager and
aggregates its answers up; the ``Director`` (``director.py``) owns each project's task
graph. Watching the reports is the shared ``liveness`` kit, as in the centralized pattern.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from coordlab.patterns.centralized.protocol import Assign, Failure, Register, Result
from coordlab.patterns.hierarchical.holdings import Holdings
from coordlab.patterns.hierarchical.org_chart import OrgChart
from coordlab.patterns.hierarchical.protocol import Delegate, Done, Escalation, Job, TeamReport
from coordlab.patterns.liveness import SilenceWatch
from coordlab.patterns.tasks import AssignmentPolicy, RetryPolicy, choose_worker
from coordlab.world import Agent

#: A manager that loses a report cannot know how many attempts that team made, so the
#: next attempt is numbered from the next multiple of this (attempt 101, 201, …).
ATTEMPT_BLOCK = 100


# --- escalation rules ------------------------------------------------------------------
EscalationRule = Callable[[int, int], str]
"""``rule(failures, capable_alive) -> "retry" | "escalate"``: what a lead does after a
failed attempt, given how many attempts of this task failed in its team so far and how
many workers of its team that can do the task may still be alive (not given up on)."""


@dataclass(frozen=True)
class RetryInTeam:
    """The default rule: retry inside the team while ``retry`` has attempts left and a
    worker that may be alive can do the task; then escalate. ``RetryPolicy(max_attempts=3)``
    is "retry locally twice, then escalate"."""

    retry: RetryPolicy = RetryPolicy(initial_interval=0.2)

    def __post_init__(self) -> None:
        if not isinstance(self.retry, RetryPolicy):
            raise TypeError(f"retry={self.retry!r} is not allowed: give a RetryPolicy, e.g. "
                            "RetryPolicy(max_attempts=3)")

    def __call__(self, failures: int, capable_alive: int) -> str:
        return "retry" if capable_alive and failures < self.retry.max_attempts else "escalate"


def decide(rule: EscalationRule, failures: int, capable_alive: int) -> str:
    """``rule``'s answer, refused with the reason unless it is "retry" or "escalate"."""
    decision = rule(failures, capable_alive)
    if decision not in ("retry", "escalate"):
        raise ValueError(f"escalation rule {rule!r} returned {decision!r} for ({failures}, {capable_alive}); "
                         "it must return 'retry' or 'escalate'")
    return decision


# --- managers ------------------------------------------------------------------------
class Manager(Agent):
    """What every manager does with the tasks it holds: route each to a report, hand tasks
    to its own free workers, retry their failures or give up on a task, reroute a lost
    lead's work, and take back a report it wrongly suspected. ``Lead`` and ``Director``
    add where tasks come from and where they go.
    """

    daemon = True

    def __init__(self, name: str, chart: OrgChart, *, policy: AssignmentPolicy, retry: RetryPolicy,
                 escalation: EscalationRule, service_time: float = 0.005, suspect_after: float = 2.0,
                 give_up_after: float = 30.0) -> None:
        super().__init__(name)
        if not isinstance(chart, OrgChart):
            raise TypeError(f"chart={chart!r} is not allowed: give an OrgChart")
        if chart.is_worker(chart.require(name)):
            raise ValueError(f"name={name!r} is not allowed: {name!r} is a worker of the chart; a manager "
                             "manages others")
        self.chart = chart
        self.boss = chart.parent[name]
        self.reports = chart.children(name)
        self.workers = [child for child in self.reports if chart.is_worker(child)]
        self.policy = policy
        self.retry = retry
        self.escalation = escalation
        self.service_time = service_time
        self.skills = {child: chart.can_do(child) for child in self.reports}
        self.holding = Holdings(self.skills, {child: chart.team_size(child) for child in self.reports})
        self.waiting: list[str] = []             # tasks for my own workers, until one is free
        self.parked: list[str] = []              # tasks only a suspect can do: until one answers or is lost
        self.outbox: dict[str, list[str]] = {}   # tasks for each lead, sent together
        self.silence = SilenceWatch(self, self.reports, suspect_after,
                                    has_work=lambda child: bool(self.holding.held_by[child]), on_silent=self.lose,
                                    probe=self.probe, give_up_after=give_up_after, on_lost=self.given_up)

    async def run(self) -> None:
        """Say we (re)started, then handle one message at a time, each costing ``service_time``."""
        if self.boss is not None:
            # sorted: a frozenset's order changes from one Python process to the next
            await self.send(self.boss, "register", Register(tuple(sorted(self.chart.can_do(self.name))),
                                                            self.chart.team_size(self.name)))
        while True:
            msg = await self.receive()
            await self.work(self.service_time, label=msg.kind)
            if self.silence.heard_from(msg.sender):  # a suspect spoke again: what waited for it can go
                await self.unpark()
            await getattr(self, f"on_{msg.kind}")(msg)
            await self.pass_on()

    # --- from my reports ------------------------------------------------------------------
    async def on_register(self, msg) -> None:
        """A report (re)started: whatever it held before that is lost (a repeat finds nothing older)."""
        child = msg.sender
        self.silence.registered(child)
        lost = [tid for tid in self.holding.held_by[child] if self.holding[tid].given_at < msg.sent_at]
        await self.take_back(child, lost, f"{child} restarted")

    async def on_heartbeat(self, msg) -> None:
        """Nothing to do: ``run`` already noted that the report is alive."""

    async def on_result(self, msg) -> None:
        result: Result = msg.body
        if result.task in self.holding:  # the first result wins, whichever attempt; a repeat finds it gone
            await self.finished(result.task, Done(result.value, msg.sender, result.attempt))

    async def on_failure(self, msg) -> None:
        failure: Failure = msg.body
        held = self.holding.get(failure.task)
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
            return  # already moved on (a repeat, or we had given up on that report)
        held.tried.add(msg.sender)
        await self.reroute(up.task, msg.sender, up.reason, attempts=max(held.job.attempts, up.attempts))

    # --- delegating -----------------------------------------------------------------------
    async def route(self, tid: str, why: str | None = None) -> None:
        """Choose the report whose subtree takes ``tid`` (least loaded among the capable);
        park it if only suspects can; give up on it if no report may ever can."""
        held = self.holding[tid]
        task = held.job.task
        capable = [c for c in self.reports if c not in held.tried and task.type in self.skills[c]]
        alive = [c for c in capable if self.silence.alive[c]]
        if not alive:
            suspects = [c for c in capable if self.silence.maybe_alive(c)]
            if suspects:
                self.parked.append(tid)
                self.log("task_parked", task=tid, suspects=suspects)
            else:
                await self.cannot_handle(tid, why or f"no live report of {self.name} can do type {task.type!r}")
            return
        child = choose_worker(self.policy, task, self.holding.views(alive))
        if self.chart.is_worker(child):
            self.waiting.append(tid)  # any free capable worker will do: see assign_waiting
        else:
            self.outbox.setdefault(child, []).append(tid)
            self.give(tid, child)

    async def unpark(self) -> None:
        """A suspect answered, or was given up on: route again every task that waited for one."""
        parked, self.parked = self.parked, []
        for tid in parked:
            if self.holding.is_here(tid):
                await self.route(tid)

    def give(self, tid: str, child: str) -> None:
        first = self.holding.give(tid, child, self.now)
        self.silence.gave_work(child, first=first)

    async def pass_on(self) -> None:
        """Give free workers waiting tasks, and send each lead its batch in one ``delegate``."""
        await self.assign_waiting()  # first: a task no worker of mine can do any more goes to a lead
        outbox, self.outbox = self.outbox, {}
        for child, tids in outbox.items():
            tids = [tid for tid in tids if tid in self.holding.held_by[child]]
            if tids:
                # Kept in stable storage, so that a restarted manager never reuses an order id.
                self.stable["orders sent"] = self.stable.get("orders sent", 0) + 1
                order = f"{self.name}#{self.stable['orders sent']}"
                await self.send(child, "delegate", Delegate(order, tuple(self.holding[t].job for t in tids)))

    async def assign_waiting(self) -> None:
        """Give waiting tasks, in order, to free capable workers; the rest keep waiting."""
        live = [w for w in self.workers if self.silence.alive[w]]
        live_types = set().union(*(self.skills[w] for w in live))
        free = [w for w in live if not self.holding.held_by[w]]  # a worker here does one task at a time
        waiting, self.waiting = [tid for tid in self.waiting if self.holding.is_here(tid)], []
        for index, tid in enumerate(waiting):
            task = self.holding[tid].job.task
            capable = [w for w in free if task.type in self.skills[w]]
            if task.type not in live_types:
                await self.route(tid)  # no live worker of mine can do it: another report, wait, or up
            elif capable:
                worker = choose_worker(self.policy, task, self.holding.views(capable))
                free.remove(worker)
                await self.assign(tid, worker)
            elif not free:
                self.waiting.extend(waiting[index:])  # nobody is free: the rest wait too
                break
            else:
                self.waiting.append(tid)

    async def assign(self, tid: str, worker: str) -> None:
        """Send ``worker`` the next attempt of ``tid`` (see ``hand_out``)."""
        job = self.hand_out(tid, worker)
        await self.send(worker, "assign", Assign(job.task, job.attempts, job.duration, job.inputs))

    def hand_out(self, tid: str, worker: str) -> Job:
        """Give ``worker`` the next attempt of ``tid``, numbered above every attempt I ever assigned
        (kept in stable storage: a worker ignores an attempt number it has seen, as a repeat); the job as given."""
        held = self.holding[tid]
        assigned = self.stable.setdefault("attempts assigned", {})
        attempt = assigned[tid] = max(held.job.attempts, assigned.get(tid, 0)) + 1
        held.job = replace(held.job, attempts=attempt)
        self.give(tid, worker)
        self.log("task_assigned", task=tid, worker=worker, attempt=attempt)
        return held.job

    # --- failures ---------------------------------------------------------------------------
    async def attempt_failed(self, tid: str, reason: str) -> None:
        """One of my workers failed ``tid``: retry in my team, or escalate, as the rule says."""
        held = self.holding[tid]
        worker = held.child
        self.holding.move(tid, None)
        held.failures += 1
        task = held.job.task
        capable = sum(1 for w in self.workers if self.silence.maybe_alive(w) and task.type in self.skills[w])
        if decide(self.escalation, held.failures, capable) == "retry":
            wait = self.retry.wait_after(held.failures, self.rng)
            self.log("task_retry", task=tid, attempt=held.job.attempts, child=worker, reason=reason, wait=wait)
            self.spawn(self.retry_after(tid, wait))
        else:
            await self.cannot_handle(tid, f"{reason}; {held.failures} failed attempt(s) in {self.name}'s team")

    async def retry_after(self, tid: str, wait: float) -> None:
        await self.sleep(wait)
        if self.holding.is_here(tid):
            self.waiting.append(tid)
            await self.pass_on()

    async def probe(self, child: str) -> None:
        """Ask a suspected report to say something (it answers with a heartbeat)."""
        await self.send(child, "probe")

    async def lose(self, child: str, silent: float) -> None:
        """``child`` was silent too long: what it held goes back to my other reports (or waits for it)."""
        self.log("child_lost", child=child, reason=f"silent for {silent:g}s")
        await self.take_back(child, list(self.holding.held_by[child]), f"lost (silent for {silent:g}s)")
        await self.pass_on()

    async def given_up(self, child: str) -> None:
        """``child`` never answered its probes: what only it could do leaves my team, or fails."""
        await self.unpark()
        await self.pass_on()

    async def take_back(self, child: str, tids: list[str], reason: str) -> None:
        """``child`` lost what it held: a worker's attempt failed; a lead's tasks go elsewhere."""
        for tid in sorted(tids):
            if self.chart.is_worker(child):
                await self.attempt_failed(tid, reason)
            else:
                attempts = (self.holding[tid].job.attempts // ATTEMPT_BLOCK + 1) * ATTEMPT_BLOCK
                await self.reroute(tid, child, reason, attempts=attempts)

    async def reroute(self, tid: str, child: str, reason: str, *, attempts: int) -> None:
        """``tid`` came back from the lead ``child`` (because ``reason``): route it afresh."""
        held = self.holding[tid]
        held.job = replace(held.job, attempts=attempts)
        self.holding.move(tid, None)
        self.log("task_rerouted", task=tid, child=child, reason=reason)
        await self.route(tid, f"{child}: {reason}")

    # --- where a settled task goes: the lead and the director differ -----------------------
    async def finished(self, tid: str, done: Done) -> None:
        """``tid``'s result reached me from below."""
        raise NotImplementedError

    async def cannot_handle(self, tid: str, reason: str) -> None:
        """None of my reports can finish ``tid``."""
        raise NotImplementedError
