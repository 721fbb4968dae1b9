"""The director, at the top of the hierarchy, and the client that orders projects from it.

The director is a ``Manager`` that also owns each project's task graph (a shared
``tasks.TaskGraph``, as the centralized orchestrator keeps one): it releases a task to
its reports once the results of its dependencies have reached the top, counts a task done
only when its result arrives there (a lead's result can still be lost on the way), fails
a task only when no subtree can do it, skips what depends on it, and answers the client.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from coordlab.patterns.hierarchical.manager import Manager
from coordlab.patterns.hierarchical.org_chart import OrgChart
from coordlab.patterns.hierarchical.protocol import Done, Job, Project, ProjectOrder
from coordlab.patterns.tasks import Report, TaskGraph
from coordlab.world import Agent


class Director(Manager):
    """The top manager: one task graph per project; answers the client for each."""

    def __init__(self, name: str, chart: OrgChart, **options: Any) -> None:
        super().__init__(name, chart, **options)
        self.graphs: dict[str, TaskGraph] = {}
        self.project_of: dict[str, str] = {}
        self.durations: dict[str, float] = {}
        self.requests: dict[str, Any] = {}

    async def on_project(self, msg) -> None:
        order: ProjectOrder = msg.body
        name = order.project.name
        graph = self.graphs[name] = TaskGraph(order.project.tasks, self.log)
        self.requests[name] = msg
        self.durations.update(order.durations)
        self.project_of.update(dict.fromkeys(graph.tasks, name))
        for tid in graph.ready():
            await self.release(tid)
        await self.finish_if_settled(name)

    def graph_of(self, tid: str) -> TaskGraph:
        return self.graphs[self.project_of[tid]]

    async def release(self, tid: str) -> None:
        """All of ``tid``'s dependencies are done: send it down with their results."""
        graph = self.graph_of(tid)
        graph.mark(tid, "running")
        self.holding.hold(Job(graph.tasks[tid], self.durations[tid], graph.inputs(tid)), self.project_of[tid])
        await self.route(tid)

    async def finished(self, tid: str, done: Done) -> None:
        """A result reached the top: only now is the task done (a lead's result can still be lost)."""
        self.holding.drop(tid)
        for child in self.graph_of(tid).complete(tid, done.value, worker=done.worker, attempt=done.attempt):
            await self.release(child)
        await self.finish_if_settled(self.project_of[tid])

    async def cannot_handle(self, tid: str, reason: str) -> None:
        """No subtree can finish ``tid``: it fails, and everything that depends on it is skipped."""
        self.holding.drop(tid)
        self.graph_of(tid).fail(tid, reason)
        await self.finish_if_settled(self.project_of[tid])

    async def finish_if_settled(self, project: str) -> None:
        graph = self.graphs[project]
        if project in self.requests and graph.all_settled:
            report = graph.report()
            self.log("project_done", project=project, outcome=report.outcome, done=report.done,
                     failed=report.failed, skipped=report.skipped)
            await self.reply(self.requests.pop(project), report)


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
