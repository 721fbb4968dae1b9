"""The director, at the top of the hierarchy, and the client that orders projects from it.

The director is a ``Manager`` that also owns each project's task graph (a shared
``tasks.TaskGraph``, as the centralized orchestrator keeps one): it releases a task to
its reports once the results of its dependencies have reached the top, counts a task done
only when its result arrives there (a lead's result can still be lost on the way), fails
a task only when no subtree can do it, skips what depends on it, and answers the client.

Nobody above the director can take its work back, so it keeps its books (``Books``) in
``self.stable``, as a real one would on disk: after a crash it picks up where it left off.
The client asks again when an answer is slow to come (the question or the answer may be
lost); the director takes each project once, and answers a repeated ask with its progress.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from coordlab.patterns.hierarchical.holdings import Holdings
from coordlab.patterns.hierarchical.manager import Manager
from coordlab.patterns.hierarchical.org_chart import OrgChart
from coordlab.patterns.hierarchical.protocol import Done, Job, Project, ProjectOrder
from coordlab.patterns.tasks import Report, TaskGraph
from coordlab.world import Agent, Message, Timeout, validate


@dataclass
class Books:
    """What the director must not forget in a crash: who holds which task, each project's
    order and task graph, and the client's latest unanswered ask for each project."""

    holding: Holdings
    orders: dict[str, ProjectOrder] = field(default_factory=dict)
    graphs: dict[str, TaskGraph] = field(default_factory=dict)
    requests: dict[str, Message] = field(default_factory=dict)


class Director(Manager):
    """The top manager: one task graph per project; answers the client for each."""

    def __init__(self, name: str, chart: OrgChart, **options: Any) -> None:
        super().__init__(name, chart, **options)
        if self.boss is not None:
            raise ValueError(f"name={name!r} is not allowed: the director is {chart.director!r}, the top of the chart")
        self.books = Books(self.holding)
        self.project_of: dict[str, str] = {}

    async def run(self) -> None:
        """Open the books (those in stable storage, after a crash), then manage as every manager does."""
        if "books" in self.stable:
            await self.resume(self.stable["books"])
        else:
            self.stable["books"] = self.books
        await super().run()

    async def resume(self, books: Books) -> None:
        """Back from a crash: send each lead again, in a new order, what it holds (its reports to
        the crashed director were lost; it answers again without redoing the work), watch every
        report that holds a task, and send on the rest (whatever waited, was parked or was about
        to be retried when the director crashed)."""
        self.books, self.holding = books, books.holding
        for project, graph in books.graphs.items():
            graph.log = self.log  # the graph writes its events through the director running now
            self.project_of.update(dict.fromkeys(graph.tasks, project))
        self.log("resumed", held=len(self.holding))
        for tid in list(self.holding):
            child = self.holding[tid].child
            if child is None:
                await self.route(tid)
                continue
            if not self.chart.is_worker(child):
                self.outbox.setdefault(child, []).append(tid)
            self.silence.gave_work(child, first=True)
        await self.pass_on()

    async def on_project(self, msg) -> None:
        """A project, or the same one again (its client heard nothing): answer it, never start it twice."""
        order: ProjectOrder = msg.body
        name = order.project.name
        self.books.requests[name] = msg  # the final answer goes to the latest ask
        graph = self.books.graphs.get(name)
        if graph is None:
            graph = self.books.graphs[name] = TaskGraph(order.project.tasks, self.log)
            self.books.orders[name] = order
            self.project_of.update(dict.fromkeys(graph.tasks, name))
            for tid in graph.ready():
                await self.release(tid)
        elif not graph.all_settled:
            await self.reply(msg, graph.report())  # "running", and the counts so far: I am alive and at work
        await self.answer(name)

    def graph_of(self, tid: str) -> TaskGraph:
        return self.books.graphs[self.project_of[tid]]

    async def release(self, tid: str) -> None:
        """All of ``tid``'s dependencies are done: send it down with their results."""
        graph, project = self.graph_of(tid), self.project_of[tid]
        graph.mark(tid, "running")
        self.holding.hold(Job(graph.tasks[tid], self.books.orders[project].durations[tid], graph.inputs(tid)),
                          project)
        await self.route(tid)

    async def finished(self, tid: str, done: Done) -> None:
        """A result reached the top: only now is the task done (a lead's result can still be lost)."""
        self.holding.drop(tid)
        for child in self.graph_of(tid).complete(tid, done.value, worker=done.worker, attempt=done.attempt):
            await self.release(child)
        await self.answer(self.project_of[tid], just_settled=True)

    async def cannot_handle(self, tid: str, reason: str) -> None:
        """No subtree can finish ``tid``: it fails, and everything that depends on it is skipped."""
        self.holding.drop(tid)
        self.graph_of(tid).fail(tid, reason)
        await self.answer(self.project_of[tid], just_settled=True)

    async def answer(self, project: str, *, just_settled: bool = False) -> None:
        """Once every task of ``project`` is settled, answer the client's latest ask
        (``just_settled``: a task just settled, so the project may have just ended)."""
        graph = self.books.graphs[project]
        if not graph.all_settled:
            return
        report = graph.report()
        if just_settled:
            self.log("project_done", project=project, outcome=report.outcome, done=report.done,
                     failed=report.failed, skipped=report.skipped)
        if project in self.books.requests:
            await self.reply(self.books.requests.pop(project), report)


class Client(Agent):
    """Orders every project from the director, and ends the run once all are answered.

    An order or its answer can be lost, and the director can be down for a while. So, for
    each project, the client asks again whenever it has heard nothing for ``patience``
    seconds, in the same conversation: the director knows the project by its name and
    answers (its progress, or its outcome) instead of starting it again. After ``tries``
    silences in a row it gives up and ends the run with ``stop_reason="no_answer"``: a run
    without its director still ends.
    """

    def __init__(self, name: str, projects: Sequence[Project], durations: dict[str, float], director: str, *,
                 patience: float = 10.0, tries: int = 5) -> None:
        super().__init__(name)
        if isinstance(projects, Project) or not all(isinstance(p, Project) for p in projects):
            raise TypeError(f"projects={projects!r} is not allowed: give a list of Project")
        self.projects = list(projects)
        self.durations = durations
        self.director = validate.name("director", director)
        if validate.number("patience", patience) <= 0:
            raise ValueError(f"patience={patience!r} is not allowed: the client must wait > 0 s before asking again")
        self.patience = patience
        self.tries = validate.count("tries", tries)
        self.answers: dict[str, Report] = {}

    async def run(self) -> None:
        for project in self.projects:
            self.spawn(self.order(project))

    async def order(self, project: Project) -> None:
        """Ask for ``project`` until its outcome comes back (or the director stays silent too long)."""
        order = ProjectOrder(project, {t.id: self.durations[t.id] for t in project.tasks})
        first = await self.send(self.director, "project", order)
        silences = 0
        while True:
            try:
                reply = await self.receive("project_ok", match=lambda m: m.conversation == first.conversation,
                                           timeout=self.patience)
            except Timeout:
                silences += 1
                if silences == self.tries:
                    self.end_run("no_answer")
                    return
                await self.send(self.director, "project", order, conversation=first.conversation)
                continue
            silences = 0
            if reply.body.outcome != "running":  # "running": the director is alive and at work
                break
        self.answers[project.name] = reply.body
        if len(self.answers) == len(self.projects):
            failed = any(a.outcome != "completed" for a in self.answers.values())
            self.end_run("tasks_failed" if failed else "completed")
