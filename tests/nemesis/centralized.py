"""The centralized pattern under a random nemesis, judged from its own trace.

Two scenarios, each a client (spared: it stands for the user), the orchestrator and workers,
under ``Nemesis(seed=seed, spare=("client",))``: crashes of any other agent, the orchestrator
included, partitions, loss up to 0.5, duplication, delays that reorder, slow agents. Even
seeds draw crashes that all recover (``recover=1.0``), odd seeds crashes that recover half
the time (``recover=0.5``). The retry policy is generous (20 attempts, short backoff): the
pattern promises to finish once the faults are over, and every lost message costs an attempt.

* ``centralized pipeline``: the course's research pipeline on three generalist workers;
* ``centralized random dag``: a random layered DAG of two task types on three workers with
  different capabilities and capacities.

Each task's real work returns its id and its inputs, so the value a task ends with says
whether the right results flowed along the DAG.

What ``violations`` recomputes from the trace (and the orchestrator's journal, its disk):

* safety, always: each task settled at most once (exactly once if the job ended) and by the
  orchestrator, failed or skipped only with a reason; no attempt started before its
  dependencies were done; each done task's value is one a worker reported for it, and the
  right one; every task whose result reached the orchestrator (which did not crash afterwards)
  is done; the client's final report matches the tasks' states and is the run's stop reason;
  the run stops with the job's outcome, or with ``no_answer`` only if the orchestrator was
  down for good;
* liveness, when every crashed agent recovered: the job completed, every task done.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import Any

from coordlab import Nemesis, Uniform
from coordlab.patterns.centralized import CentralizedRun, WorkerSpec, run_centralized
from coordlab.patterns.tasks import Task, layered_tasks, research_pipeline
from tests.nemesis import (
    RETRY,
    UNTIL,
    Suite,
    down_at_the_end,
    expected_values,
    report_problems,
    settled_once,
    with_work,
)


def nemesis(seed: int) -> Nemesis:
    return Nemesis(seed=seed, recover=1.0 if seed % 2 == 0 else 0.5, spare=("client",))


def pipeline_tasks() -> list[Task]:
    return with_work(research_pipeline(3))


def random_dag_tasks(seed: int) -> list[Task]:
    layered = layered_tasks(10, 3, duration=Uniform(0.5, 1.5), fan_in=2, seed=seed)
    return with_work([replace(task, type="ab"[i % 2]) for i, task in enumerate(layered)])


RANDOM_DAG_WORKERS = [WorkerSpec("worker-1", ["a", "b"]), WorkerSpec("worker-2", ["a"], capacity=2),
                      WorkerSpec("worker-3", ["b"], capacity=2)]


def run_pipeline(seed: int) -> CentralizedRun:
    return run_centralized(pipeline_tasks(), workers=3, retry=RETRY, seed=seed, faults=nemesis(seed), until=UNTIL)


def run_random_dag(seed: int) -> CentralizedRun:
    return run_centralized(random_dag_tasks(seed), RANDOM_DAG_WORKERS, retry=RETRY, seed=seed,
                           faults=nemesis(seed), until=UNTIL)


def submitted(run: CentralizedRun) -> list[Task]:
    """The job, as the client's first submit carried it."""
    return list(next(e.message.body.tasks for e in run.trace.select("send") if e.message.kind == "submit"))


def violations(run: CentralizedRun) -> list[str]:
    tasks = submitted(run)

    # Each task settled at most once, by the orchestrator, with a reason unless done; no attempt
    # before its dependencies.
    state, found = settled_once(list(run.trace), tasks, ["orchestrator"])

    # Every input handed out is a value some worker reported; which results reached the orchestrator.
    reported: dict[str, list[Any]] = {t.id: [] for t in tasks}  # values workers sent for each task
    received: set[str] = set()  # tasks whose result reached the orchestrator, which did not crash since
    for e in run.trace:
        if e.kind == "send" and e.message.kind == "result":
            reported[e.message.body.task].append(e.message.body.value)
        elif e.kind == "deliver" and e.message.kind == "result":
            received.add(e.message.body.task)
        elif e.kind == "crash" and e.agent == "orchestrator":
            received.clear()  # results it received before a crash may have died with it: it re-runs those
        elif e.kind == "send" and e.message.kind == "assign":
            for dep, value in e.message.body.inputs.items():
                if value not in reported[dep]:
                    found.append(f"{e.message.body.task.id} was given a value for {dep} no worker reported")

    # Each done task's value, as the orchestrator keeps it on disk: one a worker reported, and the right one.
    journal = run.result.agents["orchestrator"].stable.get("settled", {})
    right = expected_values(tasks)
    for tid in sorted(t for t, s in state.items() if s == "done"):
        kept = journal.get(tid)
        if kept is None or kept.value not in reported[tid]:
            found.append(f"{tid} is done with a value no worker reported")
        elif kept.value != right[tid]:
            found.append(f"{tid} is done with a wrong value")

    # How the run ended: the client's first final answer, matching the tasks' states.
    answers = [e.message.body for e in run.trace.select("deliver")
               if e.agent == "client" and e.message.kind == "submit_ok" and e.message.body.outcome != "running"]
    if run.stop_reason == "no_answer":
        if "orchestrator" not in down_at_the_end(run):
            found.append("the client gave up although the orchestrator was up")
    elif run.stop_reason not in ("completed", "tasks_failed"):
        found.append(f"stopped with {run.stop_reason!r}, not with the job's outcome")
    else:
        counts = Counter(state.values())
        report = answers[0] if answers else None
        found += report_problems(run.stop_reason, report, counts, "the tasks' states")
        lost = sorted(tid for tid in received if state[tid] != "done")
        if lost:
            found.append(f"results the orchestrator received, yet the task not done: {', '.join(lost)}")
        if (report is not None and report.outcome == "completed") != (counts["done"] == len(tasks)):
            found.append("the outcome 'completed' does not match every task being done")

    # Liveness: once every crashed agent came back, the job must complete.
    if not down_at_the_end(run) and (run.stop_reason != "completed" or state and set(state.values()) != {"done"}):
        found.append(f"every crash recovered, yet the run ended {run.stop_reason!r} with states "
                     f"{dict(Counter(state.values()))}")
    return found


SUITES = [Suite("centralized pipeline", run_pipeline, violations),
          Suite("centralized random dag", run_random_dag, violations)]
