"""The centralized protocol: every message kind, who sends it to whom, and its body.

A client talks only to the orchestrator, and workers only to the orchestrator: the star
that makes the orchestrator both the single point of control and of failure.
``protocol_table()`` prints it in the notebook.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from coordlab.patterns import protocol as shared
from coordlab.patterns.protocol import MessageKind
from coordlab.patterns.tasks import Report, Task

ORCHESTRATOR = "orchestrator"
CLIENT = "client"

@dataclass(frozen=True, repr=False)
class Submit:
    """The job: tasks and their modelled durations (seconds of work at speed 1)."""

    tasks: tuple[Task, ...]
    durations: dict[str, float]

    def __repr__(self) -> str:
        return f"Submit({len(self.tasks)} tasks)"


@dataclass(frozen=True)
class Register:
    """A worker (re)started with nothing running: what it can do, and how much at once."""

    capabilities: tuple[str, ...]
    capacity: int


@dataclass(frozen=True)
class Assign:
    """Attempt number ``attempt`` of ``task``, with the results of its dependencies."""

    task: Task
    attempt: int
    duration: float
    inputs: dict[str, Any]


@dataclass(frozen=True)
class Result:
    """A finished attempt and its value (what the task's ``work`` returned, or None)."""

    task: str
    attempt: int
    value: Any = None


@dataclass(frozen=True)
class Failure:
    """An attempt whose work raised ``error``."""

    task: str
    attempt: int
    error: str


@dataclass(frozen=True)
class Heartbeat:
    """"Still alive, still working on these": sent every ``heartbeat_interval`` while busy,
    and in answer to a ``probe``."""

    running: tuple[str, ...]


PROTOCOL: tuple[MessageKind, ...] = (
    MessageKind("submit", "client", "orchestrator", Submit,
                "run these tasks; reply when all are settled (sent again if unanswered)"),
    MessageKind("submit_ok", "orchestrator", "client", Report,
                "the reply: how the job ended (to a repeated submit: 'running' so far)"),
    MessageKind("register", "worker", "orchestrator", Register, "I (re)started, with nothing running"),
    MessageKind("assign", "orchestrator", "worker", Assign,
                "do this attempt of this task (asked again: answer again, never run it twice)"),
    MessageKind("result", "worker", "orchestrator", Result, "reply to assign: the attempt succeeded"),
    MessageKind("failure", "worker", "orchestrator", Failure, "reply to assign: the attempt's work raised"),
    MessageKind("heartbeat", "worker", "orchestrator", Heartbeat,
                "still alive (sent while busy, and in answer to a probe)"),
    MessageKind("probe", "orchestrator", "worker", "nothing", "are you there? (sent to a suspected worker)"),
)


def protocol_table() -> pd.DataFrame:
    """The protocol as a table, one row per message kind (``coordlab.patterns.protocol.protocol_table``)."""
    return shared.protocol_table(PROTOCOL)
