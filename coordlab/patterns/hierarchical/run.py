"""Running the hierarchy: ``run_hierarchical``, its result ``HierarchicalRun``, and what to read from it.

    chart = OrgChart.from_levels([1, 3, 9], specialties=["research", "analysis", "writing"])
    run = run_hierarchical([Project("report", research_pipeline(3))], chart, seed=1)
    run.stop_reason, run.tasks, run.projects, run.verdict

One client and one agent per box of the chart, in a fresh world. ``progress``,
``disturbed``, ``team_results`` and ``other_teams_unchanged`` read a finished run: how far
along it looked from the top, whom its failures touched, and whether they stayed contained.
"""
from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from coordlab import metrics
from coordlab.patterns.centralized.workers import Worker, WorkerSpec
from coordlab.patterns.hierarchical.checks import REACTIONS, hierarchy_checkers
from coordlab.patterns.hierarchical.director import Client, Director
from coordlab.patterns.hierarchical.lead import Lead
from coordlab.patterns.hierarchical.manager import EscalationRule, RetryInTeam
from coordlab.patterns.hierarchical.org_chart import OrgChart
from coordlab.patterns.hierarchical.protocol import CLIENT, Progress, Project
from coordlab.patterns.tasks import (
    AssignmentPolicy,
    Report,
    RetryPolicy,
    TaskRun,
    draw_durations,
    resolve_policy,
    task_metrics,
    task_run,
)
from coordlab.world import Agent, Faults, RunResult, Verdict, World, validate
from coordlab.world.latency import Latency


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
            **task_metrics(self),
            "director messages handled": handled.get(self.chart.director, 0),
            "busiest agent": busiest,
            "busiest agent messages handled": handled.get(busiest, 0),
        }


def require_run(run: object, name: str = "run") -> HierarchicalRun:
    """``run`` if it is what ``run_hierarchical`` returned, else raise naming ``name``."""
    if not isinstance(run, HierarchicalRun):
        raise TypeError(f"{name}={run!r} is not allowed: give the result of run_hierarchical (a HierarchicalRun)")
    return run


def progress(run: HierarchicalRun) -> pd.DataFrame:
    """How far along the project was, over time, seen from three places: tasks finished by
    workers; tasks the director knew were done, counting what its reports' heartbeats said;
    and tasks whose result had reached the director. The gaps are what aggregation holds back."""
    require_run(run)
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
    require_run(run)
    touched: dict[str, list[str]] = {}
    for e in run.trace.select(("crash", *REACTIONS, "task_escalated", "task_failed")):
        touched.setdefault(e.agent, [])
        if e.kind not in touched[e.agent]:
            touched[e.agent].append(e.kind)
    return touched


def team_results(run: HierarchicalRun) -> dict[str, dict[str, str]]:
    """For each of the director's reports, the tasks done inside its subtree (task -> worker)."""
    require_run(run)
    team_of = {w: next(c for c in run.chart.children(run.chart.director) if w in run.chart.subtree(c))
               for w in run.chart.workers}
    teams: dict[str, dict[str, str]] = {c: {} for c in run.chart.children(run.chart.director)}
    for e in run.trace.select("task_done"):
        teams[team_of[e.data["worker"]]][e.data["task"]] = e.data["worker"]
    return teams


def other_teams_unchanged(baseline: HierarchicalRun, faulty: HierarchicalRun, team: str) -> Verdict:
    """Verdict: every team but ``team`` completed exactly the same tasks in both runs,
    apart from tasks escalated out of ``team`` (which another team may take on)."""
    require_run(baseline, "baseline")
    require_run(faulty, "faulty")
    teams = baseline.chart.children(baseline.chart.director)
    if team not in teams:
        raise ValueError(f"team={team!r} is not allowed: give one of the director's reports ({', '.join(teams)})")
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
               suspect_after: float, give_up_after: float = 30.0) -> list[Agent]:
    """One agent per box of the chart: a ``Director``, a ``Lead`` per lead, a ``Worker``
    per worker. A policy given by name is a fresh one for each manager."""
    chart = as_chart(chart)
    options = dict(retry=retry, escalation=escalation, service_time=service_time, suspect_after=suspect_after,
                   give_up_after=give_up_after)
    agents: list[Agent] = []
    for name, boss in chart.parent.items():
        if chart.is_worker(name):
            agents.append(Worker(WorkerSpec(name, chart.specialties[name]), boss, heartbeat_interval))
        elif boss is None:
            agents.append(Director(name, chart, policy=resolve_policy(policy), **options))
        else:
            agents.append(Lead(name, chart, policy=resolve_policy(policy), heartbeat_interval=heartbeat_interval,
                               **options))
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


def as_projects(projects: Project | Sequence[Project]) -> list[Project]:
    """A list of projects with unique names and task ids unique across them, or an error naming the problem."""
    listed = [projects] if isinstance(projects, Project) else projects
    if not isinstance(listed, (list, tuple)) or not listed or not all(isinstance(p, Project) for p in listed):
        raise TypeError(f"projects={projects!r} is not allowed: give a Project or a non-empty list of them")
    names = [p.name for p in listed]
    if len(set(names)) < len(names):
        raise ValueError(f"projects={names!r} is not allowed: project names must be unique")
    owner: dict[str, str] = {}
    for project in listed:
        for task in project.tasks:
            if owner.setdefault(task.id, project.name) != project.name:
                raise ValueError(f"projects={names!r} is not allowed: task id {task.id!r} is in projects "
                                 f"{owner[task.id]!r} and {project.name!r}; task ids must be unique across projects")
    return list(listed)


def check_options(*, retry: RetryPolicy, escalation: EscalationRule | None, service_time: float,
                  heartbeat_interval: float, suspect_after: float, give_up_after: float) -> None:
    """Refuse, naming the argument, any option a hierarchy cannot run with."""
    if not isinstance(retry, RetryPolicy):
        raise TypeError(f"retry={retry!r} is not allowed: give a RetryPolicy, e.g. RetryPolicy(max_attempts=3)")
    if escalation is not None:
        if not callable(escalation):
            raise TypeError(f"escalation={escalation!r} is not allowed: give a function rule(failures, "
                            "capable_alive) that returns 'retry' or 'escalate'")
        answer = escalation(1, 1)
        if answer not in ("retry", "escalate"):
            raise ValueError(f"escalation={escalation!r} is not allowed: escalation(1, 1) returned {answer!r}; "
                             "it must return 'retry' or 'escalate'")
    validate.number("service_time", service_time, minimum=0)
    if validate.number("heartbeat_interval", heartbeat_interval, minimum=0) == 0:
        raise ValueError("heartbeat_interval=0 is not allowed: it must be > 0 seconds")
    if validate.number("suspect_after", suspect_after) <= heartbeat_interval:
        raise ValueError(f"suspect_after={suspect_after!r} is not allowed: it must be longer than "
                         f"heartbeat_interval={heartbeat_interval!r}, or busy reports look dead")
    validate.number("give_up_after", give_up_after, minimum=0)


def run_hierarchical(projects: Project | Sequence[Project], chart: OrgChart | Sequence[int] | dict = (1, 3, 9), *,
                     policy: str | AssignmentPolicy = "least loaded", retry: RetryPolicy = RetryPolicy(
                         initial_interval=0.2), escalation: EscalationRule | None = None,
                     service_time: float = 0.005, heartbeat_interval: float = 0.5, suspect_after: float = 2.0,
                     give_up_after: float = 30.0, seed: int = 0, latency: Latency = 0.01, faults: Faults = (),
                     until: float | None = None, max_events: int = 1_000_000) -> HierarchicalRun:
    """Run ``projects`` on a client and the hierarchy ``chart`` in a fresh world.

    ``escalation`` decides, after each failed attempt in a team, whether to retry there
    or escalate (default: ``RetryInTeam(retry)``). A report silent for ``suspect_after``
    seconds is suspected and probed; after ``give_up_after`` seconds without an answer it
    is given up on, and the tasks only it could do leave its manager's team (or fail).
    ``faults`` may be a list of faults or a ``Nemesis``. Bad input (duplicate task ids
    across projects, a task type no subtree can do, a malformed chart, an option out of
    range) raises before anything runs.
    """
    projects = as_projects(projects)
    tasks = [task for project in projects for task in project.tasks]
    chart = as_chart(chart)
    chart.require_capable(task.type for task in tasks)
    if CLIENT in chart.parent:
        raise ValueError(f"chart={chart!r} is not allowed: the name {CLIENT!r} is reserved for the client; "
                         "rename that agent of the chart")
    resolve_policy(policy)  # a bad policy fails here, before anything runs
    check_options(retry=retry, escalation=escalation, service_time=service_time,
                  heartbeat_interval=heartbeat_interval, suspect_after=suspect_after, give_up_after=give_up_after)
    validate.seed(seed)
    durations = draw_durations(tasks, random.Random(f"{seed}/durations"))
    world = World(seed, latency=latency, faults=faults, max_events=max_events)
    world.add(Client(CLIENT, projects, durations, chart.director),
              *agents_for(chart, policy=policy, retry=retry,
                          escalation=escalation or RetryInTeam(retry), service_time=service_time,
                          heartbeat_interval=heartbeat_interval, suspect_after=suspect_after,
                          give_up_after=give_up_after))
    for checker in hierarchy_checkers(chart, tasks, CLIENT):
        world.add_checker(checker)
    return summarise(world.run(until=until), projects, chart, durations)


def summarise(result: RunResult, projects: Sequence[Project], chart: OrgChart,
              durations: dict[str, float]) -> HierarchicalRun:
    """Turn a finished world run into a ``HierarchicalRun`` (used by the naive hierarchy too)."""
    asked = {e.message.id: e.message.body.project.name for e in result.trace.select("send", CLIENT)
             if e.message.kind == "project"}
    answers: dict[str, Report] = {}
    for e in result.trace.select("deliver", CLIENT):
        if e.message.kind == "project_ok" and e.message.body.outcome != "running":  # not a progress report
            answers.setdefault(asked[e.message.in_reply_to], e.message.body)
    tasks = [task for project in projects for task in project.tasks]
    return task_run(HierarchicalRun, result, tasks, durations, projects={p.name: answers.get(p.name) for p in projects},
                    chart=chart)
