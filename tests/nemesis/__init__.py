"""The nemesis suites: every pattern under random fault schedules, judged from its own trace.

Each ``tests/nemesis/<pattern>.py`` defines ``SUITES``: ``Suite(name, run, violations)``.
``run(seed)`` runs the pattern under ``Nemesis(seed=...)``; ``violations(run)`` recomputes the
pattern's safety (and, where promised, liveness) invariants from the trace and task tables,
*without* the library's checkers, and lists what broke. ``tests/test_nemesis.py`` runs a
CI-sized sample (``COORDLAB_NEMESIS_SEEDS``, default 20 seeds per suite); the full size is

    .venv/bin/python tools/nemesis.py --seeds 1000

which prints, per suite, the runs, their stop reasons and the violations (which must be 0).
"""
from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from coordlab.patterns.tasks import FINAL, RetryPolicy, Task
from coordlab.world.trace import Event

#: The task patterns' suites (centralized, hierarchical, replicated): a generous retry policy, since every
#: lost message costs an attempt, and a horizon that is only a safety net (a run still going then is a violation).
RETRY = RetryPolicy(max_attempts=20, initial_interval=0.2, max_interval=1.0)
UNTIL = 600.0

#: Stop reasons no pattern may end with under a nemesis: the library raised, looped or hung.
BROKEN = ("agent_error", "event_limit", "spinning", "blocked")


@dataclass(frozen=True)
class Suite:
    """One pattern scenario under a nemesis, and the invariants its trace must satisfy."""

    name: str
    run: Callable[[int], Any]
    violations: Callable[[Any], list[str]]

    def judge(self, seed: int) -> tuple[str, list[str]]:
        """Run one seed: its stop reason and everything it violated (a raise is a violation too)."""
        try:
            run = self.run(seed)
        except Exception as exc:  # the library must raise nothing under a nemesis
            return "raised", [f"raised {type(exc).__name__}: {exc}"]
        broken = [f"stop_reason {run.stop_reason!r}"] if run.stop_reason in BROKEN else []
        return run.stop_reason, broken + self.violations(run)


def sample_size() -> int:
    """Seeds per suite in the test run: ``COORDLAB_NEMESIS_SEEDS`` (default 20)."""
    return int(os.environ.get("COORDLAB_NEMESIS_SEEDS", "20"))


# --- what the task patterns' suites share ------------------------------------------------
def echo(payload: str, inputs: dict[str, Any]) -> tuple:
    """A task's value: its id and its inputs, so a wrong or missing input shows in the value."""
    return payload, tuple(sorted(inputs.items()))


def with_work(tasks: list[Task]) -> list[Task]:
    return [replace(task, payload=task.id, work=echo) for task in tasks]


def expected_values(tasks: list[Task]) -> dict[str, tuple]:
    """What each task's value must be, computed from the DAG alone."""
    by_id = {t.id: t for t in tasks}
    values: dict[str, tuple] = {}

    def value(tid: str) -> tuple:
        if tid not in values:
            values[tid] = echo(tid, {dep: value(dep) for dep in by_id[tid].depends_on})
        return values[tid]

    for tid in by_id:
        value(tid)
    return values


def down_at_the_end(run: Any) -> set[str]:
    """Agents whose last crash was not followed by a recovery."""
    down: set[str] = set()
    for e in run.trace.select(("crash", "recover")):
        (down.add if e.kind == "crash" else down.discard)(e.agent)
    return down


def settled_once(events: Sequence[Event], tasks: Sequence[Task], owners: Iterable[str]) -> tuple[dict[str, str],
                                                                                                 list[str]]:
    """Each task's final state (``open`` if never settled), and what broke: a task settled twice or
    by an agent not in ``owners``, failed or skipped without a reason, an attempt started before
    its dependencies were done."""
    owners = set(owners)
    deps = {t.id: t.depends_on for t in tasks}
    settled: dict[str, list[Event]] = {t.id: [] for t in tasks}
    done: set[str] = set()
    found = []
    for e in events:
        if e.kind in FINAL:
            settled[e.data["task"]].append(e)
            if e.kind == "task_done":
                done.add(e.data["task"])
            elif not e.data.get("reason"):
                found.append(f"{e.data['task']} {e.kind} without a reason")
            if e.agent not in owners:
                found.append(f"{e.data['task']} {e.kind} by {e.agent}, not by {' or '.join(sorted(owners))}")
        elif e.kind == "task_start" and not set(deps[e.data["task"]]) <= done:
            found.append(f"{e.data['task']} attempt {e.data['attempt']} started at {e.time:g} "
                         "before its dependencies were done")
    twice = sorted(tid for tid, settlements in settled.items() if len(settlements) > 1)
    if twice:
        found.append(f"settled more than once: {', '.join(twice)}")
    return {tid: s[0].kind.removeprefix("task_") if s else "open" for tid, s in settled.items()}, found


def report_problems(stop_reason: str, report: Any, counts: Mapping[str, int], states_of: str) -> list[str]:
    """What is wrong with how a job ended: the client's first final ``report`` must give the run's
    ``stop_reason`` and the numbers of done, failed and skipped tasks in ``counts`` (read from
    ``states_of``: the tasks' states, the agreed log, …), and no task may be left open."""
    found = []
    if report is None or report.outcome != stop_reason:
        found.append(f"stop reason {stop_reason!r} is not the client's report {report!r}")
    elif (report.done, report.failed, report.skipped) != (counts["done"], counts["failed"], counts["skipped"]):
        found.append(f"the client's report {report} does not match {states_of} {dict(counts)}")
    if counts["open"]:
        found.append(f"the job ended with {counts['open']} task(s) never settled")
    return found
