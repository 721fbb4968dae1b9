"""Response-threshold task allocation under a random nemesis, judged from its own trace.

The centralized suite's random layered DAG of two task types on its three workers of
different capabilities and capacities, each task's real work returning its id and inputs
(so a wrong value shows), run by ``run_threshold`` under ``Nemesis(seed=seed)``: crashes of
any agent, the board included, partitions, loss up to 0.5, duplication, delays that reorder,
slow agents. Even seeds draw crashes that all recover (``recover=1.0``), odd seeds crashes
that recover half the time (``recover=0.5``). Nobody is spared: the board has no client.

What ``violations`` recomputes from the trace alone (``settled_once`` is every task suite's,
from ``tests/nemesis/__init__.py``; the other checks are this module's, which
``tests/nemesis/hybrids.py`` reuses):

* safety, always: each task settled at most once and only by its owner (here the board), failed
  or skipped only with a reason; no attempt started before its dependencies were done; every
  result a worker reported has the right value and every task handed out carried the right
  inputs; each done task has a result a worker reported; every attempt a worker started was
  granted to it by the board; every result the board acknowledged is of a task done;
* the ending: a finished job has every task settled and ``completed`` exactly when all are
  done; ``no_answer`` only if the board was down for good;
* liveness, when every crashed agent recovered: the job completed, every task done; every run
  ends by itself, long before the ``UNTIL`` safety net.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from coordlab import Nemesis
from coordlab.patterns.centralized.protocol import Assign, Result
from coordlab.patterns.swarm.protocol import BOARD
from coordlab.patterns.swarm.threshold import ThresholdRun, run_threshold
from coordlab.patterns.tasks import Task
from coordlab.world.trace import Event
from tests.nemesis import UNTIL, Suite, down_at_the_end, expected_values, settled_once
from tests.nemesis.centralized import RANDOM_DAG_WORKERS, random_dag_tasks


def nemesis(seed: int, spare: Sequence[str] = ()) -> Nemesis:
    return Nemesis(seed=seed, recover=1.0 if seed % 2 == 0 else 0.5, spare=tuple(spare))


def run(seed: int) -> ThresholdRun:
    return run_threshold(random_dag_tasks(seed), RANDOM_DAG_WORKERS, seed=seed, faults=nemesis(seed), until=UNTIL)


# --- the checks the hybrids' suites reuse --------------------------------------------------
def right_values(events: Sequence[Event], tasks: Sequence[Task], state: dict[str, str]) -> list[str]:
    """Every result sent has the right value, every task handed out the right inputs, and each
    done task has a result a worker reported."""
    right = expected_values(list(tasks))
    reported: set[str] = set()
    found = []
    for e in events:
        body = e.message.body if e.kind == "send" else None
        if isinstance(body, Result) and body.task in right:
            reported.add(body.task)
            if body.value != right[body.task]:
                found.append(f"{e.agent} reported a wrong value for {body.task} at {e.time:g}")
        elif isinstance(body, Assign) and dict(body.inputs) != {dep: right[dep] for dep in body.task.depends_on}:
            found.append(f"{e.agent} handed out {body.task.id} with wrong inputs at {e.time:g}")
    missing = sorted(tid for tid, s in state.items() if s == "done" and tid not in reported)
    if missing:
        found.append(f"done with no result any worker reported: {', '.join(missing)}")
    return found


def started_only_when_granted(events: Sequence[Event], grant_kinds: Iterable[str]) -> list[str]:
    """Every attempt a worker started was handed to it (in a message of ``grant_kinds``) before."""
    grant_kinds = set(grant_kinds)
    granted: set[tuple[str, str, int]] = set()
    found = []
    for e in events:
        if e.kind == "deliver" and e.message.kind in grant_kinds:
            granted.add((e.agent, e.message.body.task.id, e.message.body.attempt))
        elif e.kind == "task_start" and (e.agent, e.data["task"], e.data["attempt"]) not in granted:
            found.append(f"{e.agent} started {e.data['task']} attempt {e.data['attempt']} at {e.time:g}, "
                         "never handed to it")
    return found


def acknowledged_results_done(run: Any, state: dict[str, str], ack_kinds: Iterable[str]) -> list[str]:
    """Every result a coordinator acknowledged (a reply of ``ack_kinds`` to it reached the worker)
    is of a task done, once the job ended with its outcome. Not one acknowledged by an agent down
    for good (a floor, a group lead): what it had not passed on yet went down with it."""
    if run.stop_reason not in ("completed", "tasks_failed"):
        return []
    events, ack_kinds, down = list(run.trace), set(ack_kinds), down_at_the_end(run)
    sent = {e.message.id: e.message for e in events if e.kind == "send"}
    acked = sorted({sent[e.message.in_reply_to].body.task for e in events
                    if e.kind == "deliver" and e.message.kind in ack_kinds and e.message.in_reply_to in sent
                    and e.peer not in down
                    and isinstance(sent[e.message.in_reply_to].body, Result)})
    lost = [tid for tid in acked if state.get(tid) != "done"]
    return [f"results acknowledged, yet the task not done: {', '.join(lost)}"] if lost else []


def the_ending(run: Any, state: dict[str, str], may_give_up_without: Iterable[str]) -> list[str]:
    """The run stopped with the job's outcome, matching the tasks' states (or with ``no_answer``
    only if an agent of ``may_give_up_without`` was down for good); once every crash recovered,
    it completed; it never ran into the ``UNTIL`` safety net."""
    counts = Counter(state.values())
    down = down_at_the_end(run)
    found = []
    if run.stop_reason == "no_answer":
        if not down & set(may_give_up_without):
            found.append(f"no_answer although {', '.join(sorted(may_give_up_without))} ended up")
    elif run.stop_reason not in ("completed", "tasks_failed"):
        found.append(f"stopped with {run.stop_reason!r}, not with the job's outcome")
    else:
        if counts["open"]:
            found.append(f"the job ended with {counts['open']} task(s) never settled")
        if (run.stop_reason == "completed") != (counts["done"] == len(state)):
            found.append(f"stop reason {run.stop_reason!r} does not match the tasks' states {dict(counts)}")
    if not down and (run.stop_reason != "completed" or set(state.values()) != {"done"}):
        found.append(f"every crash recovered, yet the run ended {run.stop_reason!r} with states {dict(counts)}")
    return found


# --- the threshold suite -----------------------------------------------------------------
def violations(run: ThresholdRun) -> list[str]:
    events = list(run.trace)
    tasks = run.result.agents[BOARD].job  # the job as the board was given it
    state, found = settled_once(events, tasks, [BOARD])
    found += right_values(events, tasks, state)
    found += [f"{e.agent} granted {e.data['task']}: only the board grants" for e in events
              if e.kind == "task_assigned" and e.agent != BOARD]
    found += started_only_when_granted(events, ["granted"])
    found += acknowledged_results_done(run, state, ["done_ok"])
    found += the_ending(run, state, [BOARD])
    return found


SUITES = [Suite("swarm threshold random dag", run, violations)]
