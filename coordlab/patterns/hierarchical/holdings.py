"""A manager's books: the tasks it answers for, and which of its reports has each one now.

Plain bookkeeping, no messages: the ``Manager`` decides, ``Holdings`` remembers. What an
assignment policy sees of a report (``views``) comes from here: how many tasks its team
holds now, and how many it was given in all.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from coordlab.patterns.hierarchical.protocol import Job
from coordlab.patterns.tasks import WorkerView


@dataclass
class Holding:
    """A task a manager answers for, until it is done here or passed up."""

    job: Job
    order: str                 # the order (or, at the director, the project) it came in
    child: str | None = None   # the report that has it now (None: waiting here)
    given_at: float = 0.0
    failures: int = 0          # failed attempts by this manager's own workers
    tried: set[str] = field(default_factory=set)  # reports that escalated it back


class Holdings(Mapping[str, Holding]):
    """Each held task's ``Holding`` by task id, and the tasks each report holds.

    ``skills`` and ``team_size`` give, for each report, what its subtree can do and how
    many workers it has: what the assignment policy weighs, with the load kept here.
    """

    def __init__(self, skills: Mapping[str, frozenset[str]], team_size: Mapping[str, int]) -> None:
        self.skills = skills
        self.team_size = team_size
        self.tasks: dict[str, Holding] = {}
        self.held_by: dict[str, set[str]] = {child: set() for child in skills}
        self.given = {child: 0 for child in skills}

    def __getitem__(self, tid: str) -> Holding:
        return self.tasks[tid]

    def __iter__(self) -> Iterator[str]:
        return iter(self.tasks)

    def __len__(self) -> int:
        return len(self.tasks)

    def hold(self, job: Job, order: str) -> None:
        """From now on I answer for ``job``'s task, which came in ``order``."""
        self.tasks[job.task.id] = Holding(job, order)

    def move(self, tid: str, child: str | None) -> None:
        """Record that ``child`` now has ``tid`` (None: it is back here, or gone)."""
        held = self.tasks[tid]
        if held.child is not None:
            self.held_by[held.child].discard(tid)
        held.child = child
        if child is not None:
            self.held_by[child].add(tid)

    def give(self, tid: str, child: str, now: float) -> bool:
        """``child`` takes ``tid`` at ``now``; True if it held nothing before (its first piece of work)."""
        first = not self.held_by[child]
        self.move(tid, child)
        self.tasks[tid].given_at = now
        self.given[child] += 1
        return first

    def is_here(self, tid: str) -> bool:
        """I still hold ``tid`` and no report has it: it waits for me to send it somewhere."""
        return tid in self.tasks and self.tasks[tid].child is None

    def drop(self, tid: str) -> Holding:
        """``tid`` is settled here: forget where it was."""
        self.move(tid, None)
        return self.tasks.pop(tid)

    def views(self, children: Iterable[str]) -> list[WorkerView]:
        """What the assignment policy sees of each report: its whole team as one candidate."""
        return [WorkerView(child, self.skills[child], self.team_size[child], len(self.held_by[child]), 1.0,
                           self.given[child]) for child in children]
