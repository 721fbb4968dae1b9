"""The replicated orchestrator under the nemesis, judged from the trace without the library's checkers.

A client (spared: it stands for the user), three orchestrator replicas and the centralized
suite's random layered DAG of two task types on three workers of different capabilities,
each task's real work returning its id and inputs (so a wrong value shows). Any replica or
worker may crash (even seeds: every crash recovers; odd seeds: half of them), partitions cut
anyone off, loss, duplication, delays and slow agents come and go until the horizon.

What ``violations`` recomputes:

* safety, always: at most one leader per term; every replica applied the same decision at
  each log index; no replica sent an assign it had not applied the decision for (the
  leader acts on committed decisions only); each task settled at most once in the agreed
  log (each index counted once, however many replicas applied it), done only with the value
  a worker reported for that very attempt, and the right one; no attempt started before its
  dependencies were done in the agreed log; every assign carried the right inputs;
* the ending: the client's outcome is the run's stop reason and matches the tasks' states;
  a finished job has every task settled, and every result a worker produced for a task
  that is not done is a task that failed; ``no_answer`` only while a majority of the
  replicas was down at the end;
* liveness: once every crash has recovered, the job completes with every task done.
"""
from __future__ import annotations

from collections import Counter

from coordlab import Nemesis
from coordlab.patterns.consensus.replicated import Accepted, Assigned, ReplicatedRun, run_replicated
from coordlab.patterns.tasks import FINAL, RetryPolicy
from tests.nemesis import Suite, down_at_the_end, expected_values, report_problems
from tests.nemesis.centralized import RANDOM_DAG_WORKERS, random_dag_tasks
from tests.nemesis.consensus import one_leader_per_term

REPLICAS = ("s1", "s2", "s3")
RETRY = RetryPolicy(max_attempts=8, initial_interval=0.2, max_interval=1.0)


def run(seed: int) -> ReplicatedRun:
    nemesis = Nemesis(seed=seed, spare=("client",), recover=1.0 if seed % 2 == 0 else 0.5)
    return run_replicated(random_dag_tasks(seed), RANDOM_DAG_WORKERS, replicas=len(REPLICAS), retry=RETRY,
                          seed=seed, faults=nemesis, until=nemesis.heal_time + 120)


def violations(run: ReplicatedRun) -> list[str]:
    events = list(run.trace)
    tasks = list(next(e.message.body.tasks for e in events if e.kind == "send" and e.message.kind == "submit"))
    found = [*one_leader_per_term(events), *same_decision_per_index(events), *acts_on_applied_decisions(events)]
    agreed = agreed_log(events)
    found += settled_once_with_the_right_value(events, agreed, tasks)
    found += dependencies_and_inputs(events, agreed, tasks)
    found += the_ending(run, events, agreed, tasks)
    return found


def same_decision_per_index(events) -> list[str]:
    """Every replica applied the same decision at each index (compared, not hashed: a Job holds a dict)."""
    first: dict[int, object] = {}
    return [f"index {e.data['index']}: {e.agent} applied {e.data['command']!r}, another replica "
            f"{first[e.data['index']]!r}"
            for e in events if e.kind == "apply"
            and first.setdefault(e.data["index"], e.data["command"]) != e.data["command"]]


def acts_on_applied_decisions(events) -> list[str]:
    """Every assign a replica sends is for an assignment it has applied (since its last crash)."""
    applied: dict[str, set[tuple[str, int, str]]] = {}
    found = []
    for e in events:
        if e.kind == "crash":
            applied.pop(e.agent, None)
        elif e.kind == "apply" and isinstance(e.data["command"], Assigned) and e.data["fresh"]:
            d = e.data["command"]
            applied.setdefault(e.agent, set()).add((d.task, d.attempt, d.worker))
        elif e.kind == "send" and e.message.kind == "assign":
            job = (e.message.body.task.id, e.message.body.attempt, e.peer)
            if job not in applied.get(e.agent, set()):
                found.append(f"{e.agent} sent assign {job} at {e.time:g} before applying that decision")
    return found


def agreed_log(events) -> list[tuple[float, object, tuple]]:
    """The agreed log, each index once: (time first applied, decision, its task events), in index order."""
    log: dict[int, tuple[float, object, tuple]] = {}
    for e in events:
        if e.kind == "apply":
            log.setdefault(e.data["index"], (e.time, e.data["command"], e.data["output"]))
    return [log[index] for index in sorted(log)]


def states(agreed, tasks) -> dict[str, list[str]]:
    """How each task was settled in the agreed log (a list: more than one is a violation)."""
    settled: dict[str, list[str]] = {t.id: [] for t in tasks}
    for _, _, effects in agreed:
        for kind, data in effects:
            if kind in FINAL:
                settled[data["task"]].append(kind.removeprefix("task_"))
    return settled


def settled_once_with_the_right_value(events, agreed, tasks) -> list[str]:
    found = [f"{tid} settled {len(ways)} times: {ways}" for tid, ways in states(agreed, tasks).items()
             if len(ways) > 1]
    reported = {(e.message.body.task, e.message.body.attempt, e.agent): e.message.body.value
                for e in events if e.kind == "send" and e.message.kind == "result"}
    right = expected_values(tasks)
    for _, decision, effects in agreed:
        if isinstance(decision, Accepted) and any(kind == "task_done" for kind, _ in effects):
            key = (decision.task, decision.attempt, decision.worker)
            if key not in reported or reported[key] != decision.value:
                found.append(f"{decision.task} done with a value {decision.worker} never reported for attempt "
                             f"{decision.attempt}")
            elif decision.value != right[decision.task]:
                found.append(f"{decision.task} done with a wrong value")
    return found


def dependencies_and_inputs(events, agreed, tasks) -> list[str]:
    deps = {t.id: t.depends_on for t in tasks}
    right = expected_values(tasks)
    done_at = {data["task"]: time for time, _, effects in agreed for kind, data in effects if kind == "task_done"}
    found = []
    for e in events:
        if e.kind == "task_start":
            early = [d for d in deps[e.data["task"]] if done_at.get(d, float("inf")) > e.time]
            if early:
                found.append(f"{e.data['task']} started at {e.time:g} before {', '.join(early)} were done")
        elif e.kind == "send" and e.message.kind == "assign":
            for dep, value in e.message.body.inputs.items():
                if value != right[dep]:
                    found.append(f"{e.message.body.task.id} was given a wrong value for {dep}")
    return found


def the_ending(run: ReplicatedRun, events, agreed, tasks) -> list[str]:
    settled = states(agreed, tasks)
    state = {tid: ways[0] if ways else "open" for tid, ways in settled.items()}
    counts = Counter(state.values())
    down = down_at_the_end(run)
    found = []
    answers = [e.message.body for e in events if e.kind == "deliver" and e.agent == "client"
               and e.message.kind == "submit_ok" and e.message.body.outcome in ("completed", "tasks_failed")]
    if run.stop_reason == "no_answer":
        if len([r for r in REPLICAS if r not in down]) > len(REPLICAS) // 2:
            found.append("the client gave up although a majority of the replicas was up at the end")
    elif run.stop_reason not in ("completed", "tasks_failed"):
        found.append(f"stopped with {run.stop_reason!r}, not with the job's outcome")
    else:
        found += report_problems(run.stop_reason, answers[0] if answers else None, counts, "the agreed log's")
        produced = {e.data["task"] for e in events if e.kind == "task_end" and e.data.get("ok")}
        lost = sorted(tid for tid in produced if state[tid] not in ("done", "failed"))
        if lost:
            found.append(f"results produced for tasks neither done nor failed: {', '.join(lost)}")
    if not down and (run.stop_reason != "completed" or set(state.values()) != {"done"}):
        found.append(f"every crash recovered, yet the run ended {run.stop_reason!r} with states {dict(counts)}")
    return found


SUITES = [Suite("consensus replicated orchestrator", run, violations)]
