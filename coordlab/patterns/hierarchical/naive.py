"""⚠️ NAIVE, FOR THE "BREAK" SECTION ONLY: the textbook hierarchy, flaws included.

This is the director / team lead / worker code found in many tutorials, reproduced on
purpose so the course can run it and measure it beside ``run_hierarchical``. Do not copy it.
Its four flaws, each marked ``FLAW`` in the code:

1. the demo awaits every agent's endless receive loop before it sends the first
   project, so nothing ever happens (the world reports a deadlock);
2. the director passes the team lead's name where the message type belongs, so the
   project goes to every lead under the wrong type (each is traced as ``unhandled``);
3. a worker whose specialty does not match a task ignores it silently, so a task that
   nobody in a team can do vanishes without a trace;
4. the lead's completion tracking is a placeholder, so the director never learns that
   the project is done (and the client waits forever).

``run_naive`` can repair the first two (``fixes=("launch", "addressing")``) so that the
last two can be seen. Its workers log the same task events as the real ones, so the same
task table, pictures and checkers apply.
"""
from __future__ import annotations

import random
from collections.abc import Iterable

from coordlab.patterns.centralized.protocol import Result
from coordlab.patterns.hierarchical.checks import hierarchy_checkers
from coordlab.patterns.hierarchical.org_chart import OrgChart
from coordlab.patterns.hierarchical.protocol import CLIENT, Project, ProjectOrder
from coordlab.patterns.hierarchical.run import HierarchicalRun, as_chart, summarise
from coordlab.patterns.tasks import Task, draw_durations
from coordlab.world import Agent, Faults, World, validate
from coordlab.world.latency import Latency

FIXES = ("launch", "addressing")


class NaiveAgent(Agent):
    """The tutorial's base class: a message goes to ``recipient``, or to every subordinate."""

    daemon = True

    def __init__(self, name: str, chart: OrgChart, fixes: Iterable[str] = ()) -> None:
        super().__init__(name)
        self.subordinates = chart.children(name)
        self.superior = chart.parent[name]
        self.fixes = set(fixes)

    async def send_message(self, msg_type: str, content: object, recipient: str | None = None) -> None:
        for name in [recipient] if recipient else self.subordinates:
            await self.send(name, msg_type, content)


class NaiveDirector(NaiveAgent):
    async def on_project(self, msg) -> None:
        for lead in self.subordinates:
            if "addressing" in self.fixes:
                await self.send_message("project", msg.body, lead)
            else:
                # FLAW 2: the lead's name lands in the msg_type slot; with no recipient the
                # project is broadcast to every lead, under a kind no lead handles.
                await self.send_message(lead, msg.body)


class NaiveLead(NaiveAgent):
    async def on_project(self, msg) -> None:
        order: ProjectOrder = msg.body
        for task in order.project.tasks:
            await self.send_message("task", (task, order.durations[task.id]))  # to every worker of the team

    async def on_result(self, msg) -> None:
        pass  # FLAW 4: "... logic to track completion ..." — nothing is ever reported up


class NaiveWorker(NaiveAgent):
    def __init__(self, name: str, chart: OrgChart, fixes: Iterable[str] = ()) -> None:
        super().__init__(name, chart, fixes)
        self.specialties = chart.specialties[name]

    async def on_task(self, msg) -> None:
        task, duration = msg.body
        if task.type not in self.specialties:
            return  # FLAW 3: not my specialty: ignored silently, and nobody else may take it
        self.log("task_start", task=task.id, attempt=1)
        await self.work(duration, label=task.id)
        self.log("task_end", task=task.id, attempt=1, ok=True)
        await self.send_message("result", Result(task.id, 1), self.superior)


class NaiveLauncher(Agent):
    """The tutorial's ``main()``: start every agent, then send the project, then wait for the answer."""

    def __init__(self, name: str, project: Project, durations: dict[str, float], chart: OrgChart,
                 fixes: Iterable[str] = ()) -> None:
        super().__init__(name)
        self.project, self.durations, self.chart, self.fixes = project, durations, chart, set(fixes)

    async def run(self) -> None:
        if "launch" not in self.fixes:
            # FLAW 1: ``await asyncio.gather(*(agent.run() for agent in agents))`` comes first,
            # and those loops never end, so the line that sends the project is never reached.
            for name in self.chart.parent:
                await self.receive("finished", sender=name)
        await self.send(self.chart.director, "project", ProjectOrder(self.project, self.durations))
        await self.receive("project_done", sender=self.chart.director)


def run_naive(project: Project, chart: OrgChart | list[int] | dict, *, fixes: Iterable[str] = (), seed: int = 0,
              latency: Latency = 0.01, faults: Faults = (), until: float | None = None) -> HierarchicalRun:
    """Run ``project`` on the textbook hierarchy (a director, leads, workers: depth 3)."""
    if not isinstance(project, Project):
        raise TypeError(f"project={project!r} is not allowed: give one Project")
    chart = as_chart(chart)
    if chart.depth != 3 or any(chart.level(w) != 2 for w in chart.workers):
        raise ValueError(f"chart={chart!r} is not allowed: the textbook hierarchy is exactly a director, "
                         "leads and workers (depth 3)")
    listed = tuple(fixes) if isinstance(fixes, Iterable) and not isinstance(fixes, str) else None
    if listed is None or not all(fix in FIXES for fix in listed):
        raise ValueError(f"fixes={fixes!r} is not allowed: give a list of the fixable flaws, "
                         f"{', '.join(map(repr, FIXES))}")
    fixes = listed
    validate.seed(seed)
    durations = draw_durations(project.tasks, random.Random(f"{seed}/durations"))
    roles = {0: NaiveDirector, 1: NaiveLead, 2: NaiveWorker}
    world = World(seed, latency=latency, faults=faults)
    world.add(NaiveLauncher(CLIENT, project, durations, chart, fixes),
              *(roles[chart.level(name)](name, chart, fixes) for name in chart.parent))
    for checker in hierarchy_checkers(chart, list(project.tasks), CLIENT):
        world.add_checker(checker)
    return summarise(world.run(until=until), [project], chart, durations)


def vanished(run: HierarchicalRun, tasks: Iterable[Task]) -> list[str]:
    """Tasks sent down that no worker ever started: they disappeared without a trace."""
    started = {e.data["task"] for e in run.trace.select("task_start")}
    return [task.id for task in tasks if task.id not in started]
