"""Peer groups under a hierarchy: a director delegates to groups, and inside a group nobody assigns.

    run = run_groups_hierarchy(tasks, workers, groups=3, seed=1)
    run.stop_reason, run.tasks, run.makespan, run.verdict

Between groups it is the hierarchy of ``coordlab.patterns.hierarchical``, unchanged: the
client orders the project from the ``Director``, which delegates each task to a group whose
members can do it, counts it done when the group's report arrives, and sends elsewhere what
a group escalates. Each group's ``GroupLead`` is a hierarchical ``Lead`` in everything it tells
its director (registration, one report per order, escalations, heartbeats), but it assigns
nothing: it posts its tasks on a response-threshold board (``OpenTasks``, as
``coordlab.patterns.swarm.threshold``'s board does) and its members (``GroupMember``, a
``ThresholdWorker``) sense the stimuli and claim what their thresholds say.

Which weakness it addresses: the hierarchy's leads decide for every worker (and must watch
each one's heartbeats to tell busy from dead); here a group shares out its work by itself, and
a grant is a lease instead (a task not reported in time is posted again). What it keeps: the
tree between groups, so a failure stays inside its group (a group that cannot finish a task
escalates it, and the director tries another group), and the director's task graph and
answer to the client. The price: the lead is still the group's one board.
"""
from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any

import networkx as nx

from coordlab.patterns.centralized.protocol import Assign, Failure, Result
from coordlab.patterns.centralized.run import checked_workload, resolve_workers
from coordlab.patterns.centralized.workers import WorkerSpec
from coordlab.patterns.hierarchical import PROTOCOL, Client, Director, Lead, OrgChart, Project, RetryInTeam
from coordlab.patterns.hierarchical.checks import hierarchy_checkers
from coordlab.patterns.hierarchical.org_chart import DIRECTOR
from coordlab.patterns.hierarchical.protocol import CLIENT
from coordlab.patterns.hierarchical.run import HierarchicalRun, summarise
from coordlab.patterns.hybrids.teams_p2p import split_teams
from coordlab.patterns.protocol import kinds_declared
from coordlab.patterns.swarm.protocol import BOARD_PROTOCOL
from coordlab.patterns.swarm.threshold import (
    ClaimAnswers,
    OpenTasks,
    ThresholdWorker,
    orphaned,
    thresholds_by_type,
)
from coordlab.patterns.tasks import RetryPolicy, Task, draw_durations, resolve_policy, task_list
from coordlab.world import Faults, Message, World, validate
from coordlab.world.latency import Latency


def group_name(group: int) -> str:
    """The agent name of group ``group``'s lead (counted from 0): ``group-1``, ``group-2``, …"""
    return f"group-{group + 1}"


class GroupLead(Lead):
    """A hierarchical lead whose members pick their own tasks from its board.

    What its manager sees is a ``Lead``'s. Below, a task waiting for a worker is posted instead
    of assigned; a member's claim for a type is granted the oldest open task of that type (an
    attempt numbered and logged as a lead's assignment is); a member's result or failure goes
    through the lead's own handlers (retry in the group, or escalate). The silence watch over
    members is off (they send no heartbeats): a grant not reported within its lease, twice its
    expected work plus ``lease_slack`` seconds, is an attempt failed; so is a task its holder no
    longer lists when it senses (it restarted, or never got the grant). An open task that no live
    member can do (none holding a task or heard from for ``give_up_after`` s) is escalated.
    """

    def __init__(self, name: str, chart: OrgChart, *, speeds: Mapping[str, float], growth: float = 0.5,
                 lease_slack: float = 2.0, give_up_after: float = 30.0, **options: Any) -> None:
        super().__init__(name, chart, suspect_after=None, give_up_after=give_up_after, **options)
        self.speeds = speeds  # each member's speed, for its leases
        self.open = OpenTasks(growth)
        self.lease_slack = lease_slack
        self.give_up_after = give_up_after
        self.claims = ClaimAnswers()

    async def run(self) -> None:
        for member in self.workers:  # (re)started: every member gets give_up_after to speak
            self.silence.heard[member] = self.now
        self.spawn(self.patrol())
        await super().run()

    async def patrol(self) -> None:
        """Escalate the open tasks no member able to do them holding a task, or heard from in the
        last ``give_up_after`` seconds, is left to do: another group may."""
        while True:
            await self.sleep(self.give_up_after / 10)
            for tid in orphaned(self.open, self.skills, self.live):
                self.open.unpost(tid)
                await self.cannot_handle(tid, f"no member of {self.name} able to do it heard from for "
                                              f"{self.give_up_after:g}s")
            await self.pass_on()

    def live(self, member: str) -> bool:
        """Whether ``member`` may still do work: it holds a task, or was heard from in the last ``give_up_after`` s."""
        return bool(self.holding.held_by[member]) or self.now - self.silence.heard[member] < self.give_up_after

    async def assign_waiting(self) -> None:
        """Post every task waiting for a worker: the members choose."""
        waiting, self.waiting = self.waiting, []
        for tid in waiting:
            if self.holding.is_here(tid) and tid not in self.open:
                self.open.post(tid, self.holding[tid].job.task.type, self.now)

    async def on_sense(self, msg: Message) -> None:
        held = set(msg.body.running)
        dropped = [tid for tid in self.holding.held_by[msg.sender]
                   if tid not in held and self.holding[tid].given_at < msg.sent_at]
        await self.take_back(msg.sender, dropped, f"{msg.sender} no longer holds it")
        await self.reply(msg, self.open.stimuli(self.now))

    async def on_claim(self, msg: Message) -> None:
        await self.claims.answer(self, msg, self.grant)

    async def grant(self, msg: Message) -> tuple[str, Any]:
        """A claim for a type wins its oldest open task (an attempt numbered as a lead's assignment
        is); with none open it is refused."""
        tid = self.open.take(msg.body.type)
        if tid is None:
            return "refused", msg.body
        job = self.hand_out(tid, msg.sender)  # numbered, given and logged as a lead's assignment is
        self.spawn(self.lease(tid, job.attempts, msg.sender,
                              2 * job.duration / self.speeds[msg.sender] + self.lease_slack))
        return "granted", Assign(job.task, job.attempts, job.duration, job.inputs)

    async def lease(self, tid: str, attempt: int, worker: str, seconds: float) -> None:
        await self.sleep(seconds)
        held = self.holding.get(tid)
        if held is not None and held.child == worker and held.job.attempts == attempt:
            await self.take_back(worker, [tid], f"{worker} did not report it within its lease of {seconds:g}s")
            await self.pass_on()

    async def on_result(self, msg: Message) -> None:
        """A member's result, acknowledged always: the lead's own handler applies it once."""
        await self.reply(msg, kind="done_ok")
        await super().on_result(msg)
        self.open.unpost(msg.body.task)  # done, even if it had been posted again meanwhile

    async def on_failure(self, msg: Message) -> None:
        await self.reply(msg, kind="done_ok")
        await super().on_failure(msg)


class GroupMember(ThresholdWorker):
    """A threshold worker that reports as a hierarchy's worker does, in a ``result`` or a ``failure``
    (which its lead acknowledges): so the hierarchy's checkers read a group like any team."""

    def report_kind(self, report: Result | Failure) -> str:
        return "result" if isinstance(report, Result) else "failure"


def group_chart(groups: Sequence[Sequence[WorkerSpec]]) -> OrgChart:
    """The director over one lead per group, each over its members."""
    graph = nx.DiGraph()
    for i, group in enumerate(groups):
        graph.add_edge(DIRECTOR, group_name(i))
        graph.add_edges_from((group_name(i), member.name) for member in group)
    return OrgChart.from_graph(graph, {member.name: sorted(member.capabilities) for group in groups
                                       for member in group})


def run_groups_hierarchy(tasks: Sequence[Task], workers: int | Sequence[WorkerSpec] = 4, *, seed: int = 0,
                         faults: Faults = (), until: float | None = None, groups: int | None = None,
                         threshold: float | Mapping[str, float] = 1.0, growth: float = 0.5,
                         retry: RetryPolicy = RetryPolicy(initial_interval=0.2), service_time: float = 0.005,
                         latency: Latency = 0.01, max_events: int = 1_000_000) -> HierarchicalRun:
    """Run ``tasks`` on a client, a director and ``groups`` self-organising groups of ``workers``:
    the hierarchy's leads relieved of assigning (and watching) every worker, its containment kept.

    ``groups`` defaults to about √M for M workers; ``threshold`` and ``growth`` are the groups'
    (``run_threshold``); ``retry`` says how often a group tries a task before escalating it.
    Bad input raises here, before anything runs, naming the argument.
    """
    count = len(resolve_workers(workers, task_list(tasks)))
    groups = max(1, round(count ** 0.5)) if groups is None else validate.count("groups", groups, maximum=count)
    reserved = {DIRECTOR: "the director", CLIENT: "the client",
                **{group_name(i): "a group lead" for i in range(groups)}}
    tasks, specs = checked_workload(tasks, workers, reserved)
    thresholds = thresholds_by_type(threshold, [t.type for t in tasks])
    validate.number("growth", growth, minimum=0)
    validate.number("service_time", service_time, minimum=0)
    seed = validate.seed(seed)
    members = split_teams(specs, groups)
    chart = group_chart(members)
    durations = draw_durations(tasks, random.Random(f"{seed}/durations"))
    project = Project("job", tuple(tasks))
    options = dict(policy=resolve_policy("least loaded"), retry=retry, escalation=RetryInTeam(retry),
                   service_time=service_time)
    world = World(seed, latency=latency, faults=faults, max_events=max_events)
    world.add(Client(CLIENT, [project], durations, DIRECTOR), Director(DIRECTOR, chart, **options))
    speeds = {spec.name: spec.speed for spec in specs}
    for i, group in enumerate(members):
        world.add(GroupLead(group_name(i), chart, speeds=speeds, growth=growth, **options),
                  *(GroupMember(spec, group_name(i), thresholds=thresholds, board_owns_job=False) for spec in group))
    for checker in [*hierarchy_checkers(chart, tasks, CLIENT), kinds_declared(PROTOCOL + BOARD_PROTOCOL)]:
        world.add_checker(checker)
    return summarise(world.run(until=until), [project], chart, durations)
