"""The hierarchical protocol: every message kind, who sends it to whom, and its body.

Messages flow only between a manager and its direct reports (and between the client and
the director): that is what ``checks.messages_follow_the_chart`` holds a run to. Between
a lead and its workers the centralized protocol is reused unchanged (``assign``,
``result``, ``failure``, ``register``, ``heartbeat``, ``probe``): to a worker, its lead is
just an orchestrator. ``protocol_table()`` prints it in the notebook.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from coordlab.patterns import protocol as shared
from coordlab.patterns.centralized.protocol import Assign, Failure, Heartbeat, Register, Result
from coordlab.patterns.protocol import MessageKind
from coordlab.patterns.tasks import Report, Task, check_dag

CLIENT = "client"


@dataclass(frozen=True, repr=False)
class Project:
    """A named piece of work: tasks (with dependencies) whose ids are unique in the run."""

    name: str
    tasks: tuple[Task, ...]

    def __init__(self, name: str, tasks: Iterable[Task]) -> None:
        if not isinstance(name, str) or not name:
            raise ValueError(f"name={name!r} is not allowed: a project needs a non-empty name")
        if isinstance(tasks, (set, frozenset)):  # the order tasks are released in must not depend on hashes
            raise TypeError(f"tasks={tasks!r} is not allowed: give a list (a set's order changes from one "
                            "Python process to the next)")
        by_id = check_dag(tasks)
        if not by_id:
            raise ValueError("tasks=[] is not allowed: a project needs at least one task")
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "tasks", tuple(by_id.values()))

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
    MessageKind("heartbeat", "report", "manager", Heartbeat | Progress,
                "still alive (and, from a lead, progress); also the answer to a probe"),
    MessageKind("probe", "manager", "report", "nothing", "are you there? (sent to a suspected report)"),
)


def protocol_table() -> pd.DataFrame:
    """The protocol as a table, one row per message kind (``coordlab.patterns.protocol.protocol_table``)."""
    return shared.protocol_table(PROTOCOL)
