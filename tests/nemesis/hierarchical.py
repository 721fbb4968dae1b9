"""The hierarchical pattern under a random nemesis, judged from its own trace.

Two scenarios, each a client (spared: it stands for the user) and an org chart whose every
agent may crash, the director and the leads included, under ``Nemesis(seed=seed,
spare=("client",))``: partitions, loss up to 0.5, duplication, delays that reorder, slow
agents. Even seeds draw crashes that all recover (``recover=1.0``), odd seeds crashes that
recover half the time (``recover=0.5``). The retry policy is generous (20 attempts in a team,
short backoff): every lost message costs an attempt, and the pattern promises to finish once
the faults are over.

* ``hierarchical two teams``: 8 tasks of two types (a random layered DAG) on ``[1, 2, 4]``,
  each team one worker of each type, so a suspected worker leaves a type only it can do;
* ``hierarchical three levels``: the same kind of project on ``[1, 2, 4, 8]``, leads over leads.

Each task's real work returns its id and its inputs, so the value a task ends with says
whether the right results flowed along the DAG (helpers shared with the centralized suite).

What ``violations`` recomputes from the trace (and the director's books, its disk):

* safety, always: each task settled at most once and only at the top (exactly once if the
  project ended), failed or skipped only with a reason; no attempt started before its
  dependencies were done; each done task has the right value; every result the director
  handled for a task still open made it done (a result is *handled* once the director's
  work on that message ended without a crash in between); the client's answer and every final
  answer the director sent match the tasks' states, and the stop reason is the outcome (or
  ``no_answer``, only if the director was down for good); every message went between a
  manager and a direct report; every reaction of a manager (``task_retry``, ``child_lost``,
  ``task_rerouted``) concerns a report whose subtree a failure touched, and every escalation
  comes from a lead whose subtree a failure touched. A failure touches the agent that
  crashed, the worker whose attempt failed, and both ends of a lost message;
* liveness, when every crashed agent recovered: the project completed, every task done.
* every run ends by itself, long before the ``UNTIL`` safety net.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from coordlab import Nemesis, Uniform
from coordlab.patterns.hierarchical import CLIENT, HierarchicalRun, OrgChart, Project, run_hierarchical
from coordlab.patterns.tasks import FINAL, Task, layered_tasks
from coordlab.world.trace import Event
from tests.nemesis import RETRY, UNTIL, Suite, down_at_the_end, expected_values, settled_once, with_work

REACTIONS = ("task_retry", "child_lost", "task_rerouted")
TWO_TEAMS = OrgChart.from_levels([1, 2, 4], specialties=["a", "b"])
THREE_LEVELS = OrgChart.from_levels([1, 2, 4, 8], specialties=["a", "b"])


def nemesis(seed: int) -> Nemesis:
    return Nemesis(seed=seed, recover=1.0 if seed % 2 == 0 else 0.5, spare=(CLIENT,))


def project(seed: int) -> Project:
    """8 tasks in layers of 4, each depending on two of the layer before, of types a and b."""
    layered = layered_tasks(8, 4, duration=Uniform(0.5, 1.5), fan_in=2, seed=seed)
    return Project("p", with_work([replace(task, type="ab"[i % 2]) for i, task in enumerate(layered)]))


def run_two_teams(seed: int) -> HierarchicalRun:
    return run_hierarchical(project(seed), TWO_TEAMS, retry=RETRY, seed=seed, faults=nemesis(seed), until=UNTIL)


def run_three_levels(seed: int) -> HierarchicalRun:
    return run_hierarchical(project(seed), THREE_LEVELS, retry=RETRY, seed=seed, faults=nemesis(seed),
                            until=UNTIL)


def ordered(run: HierarchicalRun) -> list[Task]:
    """The project, as the client's first order carried it."""
    return list(next(e.message.body.project.tasks for e in run.trace.select("send", CLIENT)))


def handled_results(run: HierarchicalRun) -> dict[str, float]:
    """When the director handled a result for each task still open then.

    The director takes its messages in the order they arrived and works ``service_time`` on
    each before acting on it; a crash empties its inbox and loses the message in hand.
    """
    director = run.chart.director
    inbox: list[Any] = []
    settled: set[str] = set()
    handled: dict[str, float] = {}
    for e in run.trace:
        if e.kind in FINAL:
            settled.add(e.data["task"])
        elif e.agent != director:
            continue
        elif e.kind == "deliver":
            inbox.append(e.message)
        elif e.kind == "crash":
            inbox.clear()
        elif e.kind == "work_end":
            msg = inbox.pop(0)
            results = {"result": lambda body: [body.task], "report": lambda body: list(body.results)}
            for tid in results.get(msg.kind, lambda body: [])(msg.body):
                if tid not in settled:
                    handled.setdefault(tid, e.time)
    return handled


def contained(run: HierarchicalRun, also_touched: Callable[[Event], Iterable[str]] = lambda e: ()) -> list[str]:
    """Reactions and escalations with no failure before them in the subtree concerned.

    A failure touches a crashed agent, a worker whose attempt failed and both ends of a lost
    message; ``also_touched(event)`` names the agents an event touches besides (a pattern whose
    reactions answer more kinds of trouble than its parent's)."""
    chart = run.chart
    touched: set[str] = set()
    found = []
    for e in run.trace:
        touched.update(also_touched(e))
        if e.kind == "crash" or (e.kind == "task_end" and not e.data["ok"]):
            touched.add(e.agent)
        elif e.kind == "drop":
            touched.update((e.agent, e.peer))
        elif e.kind in REACTIONS and not touched & set(chart.subtree(e.data["child"])):
            found.append(f"{e.agent} {e.kind} about {e.data['child']} at {e.time:g}, no failure in its subtree")
        elif e.kind == "task_escalated" and not touched & set(chart.subtree(e.agent)):
            found.append(f"{e.agent} escalated {e.data['task']} at {e.time:g}, no failure in its subtree")
    return found


def violations(run: HierarchicalRun) -> list[str]:
    chart = run.chart
    director = chart.director
    tasks = ordered(run)

    # Each task settled at most once, at the top, with a reason unless done; no attempt before its dependencies.
    state, found = settled_once(list(run.trace), tasks, [director])
    counts = Counter(state.values())
    done = {e.data["task"] for e in run.trace.select("task_done")}

    # Each done task's value, as the director keeps it in its books: the right one.
    results = run.result.agents[director].stable["books"].graphs["p"].results
    right = expected_values(tasks)
    wrong = sorted(tid for tid in done if results.get(tid) != right[tid])
    if wrong:
        found.append(f"done with a wrong value: {', '.join(wrong)}")

    # No result the director handled is lost.
    lost = sorted(tid for tid in handled_results(run) if state[tid] != "done")
    if lost:
        found.append(f"results the director handled, yet the task not done: {', '.join(lost)}")

    # How the run ended: the client's answer, and every final answer sent, match the tasks' states.
    finals = [e for e in run.trace.select("send", director)
              if e.message.kind == "project_ok" and e.message.body.outcome != "running"]
    for e in finals:
        report = e.message.body
        if (report.done, report.failed, report.skipped) != (counts["done"], counts["failed"], counts["skipped"]):
            found.append(f"the director answered {report} at {e.time:g}; the tasks' states are {dict(counts)}")
    if run.stop_reason == "no_answer":
        if director not in down_at_the_end(run):
            found.append("the client gave up although the director was up")
    elif run.stop_reason not in ("completed", "tasks_failed"):
        found.append(f"stopped with {run.stop_reason!r}, not with the project's outcome")
    else:
        answer = run.projects["p"]
        if answer is None or answer.outcome != run.stop_reason:
            found.append(f"stop reason {run.stop_reason!r} is not the client's answer {answer!r}")
        if counts["open"]:
            found.append(f"the project ended with {counts['open']} task(s) never settled")
        if (run.stop_reason == "completed") != (counts["done"] == len(tasks)):
            found.append("the outcome 'completed' does not match every task being done")

    # The chart: messages only between a manager and a direct report; failures stay contained.
    allowed = {(CLIENT, director), (director, CLIENT)}
    allowed |= {pair for child, boss in chart.parent.items() if boss for pair in ((child, boss), (boss, child))}
    sideways = Counter(f"{e.agent}->{e.peer}" for e in run.trace.select("send") if (e.agent, e.peer) not in allowed)
    if sideways:
        found.append(f"messages that skipped a level or went sideways: {dict(sideways)}")
    found.extend(contained(run))

    # Liveness: once every crashed agent came back, the project must complete.
    if not down_at_the_end(run) and (run.stop_reason != "completed" or set(state.values()) != {"done"}):
        found.append(f"every crash recovered, yet the run ended {run.stop_reason!r} with states {dict(counts)}")
    if run.stop_reason == "until":
        found.append(f"still running at the {UNTIL:g} s safety net")
    return found


SUITES = [Suite("hierarchical two teams", run_two_teams, violations),
          Suite("hierarchical three levels", run_three_levels, violations)]
