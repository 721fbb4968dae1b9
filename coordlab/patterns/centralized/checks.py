"""What a centralized run must respect, as checkers that read its trace.

The centralized pattern promises exactly what the task kit checks, and nothing less: each
task settled once (done, or failed or skipped with a reason), no attempt started before
its dependencies were done, and no result a worker produced lost. With one orchestrator
that keeps every result it is told, a lost result is a bug, never a price paid (compare
the hierarchy, where a crashed lead loses what it was aggregating).
"""
from __future__ import annotations

from collections.abc import Iterable

from coordlab.patterns.tasks import Task, dependencies_respected, every_task_settled, no_result_lost
from coordlab.world.checks import Checker

__all__ = ["centralized_checkers", "dependencies_respected", "every_task_settled", "no_result_lost"]


def centralized_checkers(tasks: Iterable[Task]) -> list[Checker]:
    """The checkers every centralized run (and the naive one) is judged by."""
    tasks = list(tasks)
    return [every_task_settled(tasks), dependencies_respected(tasks), no_result_lost(tasks)]
