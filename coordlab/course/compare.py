"""Exercise checks for notebook 07 (compare and choose).

Each check measures what it needs itself, compares the learner's answer with the measurement
and prints ✅ or ❌ with a hint; it never raises, so the exercise notebook always runs to the end.
"""
from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

from coordlab.compare import PATTERNS, measure, row, workload
from coordlab.course.report import CheckResult, exercise_check, failed, not_given, passed
from coordlab.experiments import random_crashes
from coordlab.patterns.run import PatternRun
from coordlab.world import Crash

# --- Exercise 1: predict a ranking, then check it ------------------------------------------------------
RANKING_LOAD = workload(tasks=128, agents=64, seed=7)
#: Two patterns whose measured values are this close (ratio) may come in either order.
TIE = 1.1


@functools.cache
def busiest_messages() -> dict[str, int]:
    """Messages handled by each pattern's busiest agent on ``RANKING_LOAD`` (no faults)."""
    return {pattern: row(pattern, RANKING_LOAD)["busiest messages"] for pattern in PATTERNS}


@exercise_check("Exercise 1 — predict who is busiest")
def check_ranking(predict: Callable[[], Sequence[str]]) -> CheckResult:
    """Exercise 1: ``predict()`` returns the five patterns, least loaded busiest agent first.

    Passes if no pattern comes before one whose busiest agent handled more than ``TIE`` times
    fewer messages on ``RANKING_LOAD`` (``busiest_messages``): near ties may come either way.
    """
    name = "Exercise 1 — predict who is busiest"
    if (wrong := not_given(name, "predict", predict, "your function")) is not None:
        return wrong
    prediction = predict()
    if isinstance(prediction, str) or not isinstance(prediction, Sequence) or sorted(prediction) != sorted(PATTERNS):
        return failed(name, f"your function returned {prediction!r}: give the five patterns, each once, "
                            "least loaded first", f"the patterns are {', '.join(PATTERNS)}")
    measured = busiest_messages()
    order = ", ".join(f"{p} {measured[p]}" for p in sorted(PATTERNS, key=measured.get))
    wrong = [(a, b) for i, a in enumerate(prediction) for b in prediction[i + 1:] if measured[a] > TIE * measured[b]]
    if wrong:
        a, b = wrong[0]
        return failed(name, f"you put {a} before {b}, but its busiest agent handled {measured[a]} messages "
                            f"against {measured[b]} (measured: {order})",
                      "who receives a message for every task, every bid or every heartbeat? count per agent")
    return passed(name, f"your order matches the measurement (within {TIE - 1:.0%}): {order}")


# --- Exercise 2: compose a hybrid that relieves the orchestrator --------------------------------------
HYBRID_LOAD = workload(tasks=256, agents=128, seed=2)
#: The hybrid's busiest agent may handle at most this share of the orchestrator's messages...
RELIEF = 0.6
#: ... and take at most this many times the orchestrator's makespan.
SLOWER = 1.1


@functools.cache
def orchestrator_row() -> dict:
    """``run_centralized`` on ``HYBRID_LOAD``: the parent to relieve."""
    return row("centralized", HYBRID_LOAD, seed=1)


@exercise_check("Exercise 2 — compose a hybrid that relieves the orchestrator")
def check_hybrid(run_hybrid: Callable[..., PatternRun]) -> CheckResult:
    """Exercise 2: ``run_hybrid(tasks, workers, seed=1)`` runs ``HYBRID_LOAD`` and returns the run.

    Passes if the run used every worker, did every task with a valid verdict, its busiest agent
    handled at most ``RELIEF`` of the orchestrator's busiest messages, and its makespan is at
    most ``SLOWER`` times the orchestrator's (``orchestrator_row``): relieved, and not slower.
    """
    name = "Exercise 2 — compose a hybrid that relieves the orchestrator"
    if (wrong := not_given(name, "run_hybrid", run_hybrid, "your function")) is not None:
        return wrong
    run = run_hybrid(HYBRID_LOAD.tasks, HYBRID_LOAD.workers, seed=1)
    if not isinstance(run, PatternRun):
        return failed(name, f"run_hybrid(...) returned {run!r}; expected a run (e.g. what run_teams_p2p returns)",
                      "return the run itself")
    missing = [w.name for w in HYBRID_LOAD.workers if w.name not in set(run.trace.agents())]
    if missing:
        return failed(name, f"your run left out {len(missing)} of the workers (e.g. {missing[0]})",
                      f"run on all {len(HYBRID_LOAD.workers)} workers you are given: the comparison is on the same "
                      "workload")
    yours, parent = measure("your hybrid", HYBRID_LOAD, 1, run), orchestrator_row()
    said = (f"yours: {yours['makespan']:.2f} s, busiest agent {yours['busiest']} with {yours['busiest messages']} "
            f"messages; the orchestrator: {parent['makespan']:.2f} s, {parent['busiest messages']} messages")
    if yours["completion"] < 1.0 or not yours["valid"]:
        return failed(name, f"your hybrid did {yours['completion']:.0%} of the tasks (verdict "
                            f"{'valid' if yours['valid'] else 'invalid'}); it must do them all, correctly",
                      "start from one of the kit's hybrids as it is")
    if yours["busiest messages"] > RELIEF * parent["busiest messages"]:
        return failed(name, f"your busiest agent is not relieved enough ({said})",
                      f"at most {RELIEF:.0%} of the orchestrator's messages: spread the coordination")
    if yours["makespan"] > SLOWER * parent["makespan"]:
        return failed(name, f"your hybrid is too slow ({said})",
                      f"at most {SLOWER:g} × the orchestrator's makespan: how many coordinators, and how big "
                      "are their teams?")
    return passed(name, said)


# --- Exercise 3: choose for a requirement, and back it with a measurement --------------------------------
REQUIREMENT_LOAD = workload(tasks=64, agents=32, seed=11)
REQUIREMENT_SEEDS = (1, 2, 3)
#: Each worker crashes for good with this probability, at a random time within the ideal makespan...
CRASH_RATE = 0.1
#: ... and the busiest agent of the same run without faults crashes for good at this time.
BUSIEST_CRASHES_AT = 2.0
NEEDED = 0.9


@functools.cache
def busiest_agent(pattern: str, seed: int) -> str:
    """The agent that handles the most messages when ``pattern`` runs ``REQUIREMENT_LOAD`` without faults."""
    return row(pattern, REQUIREMENT_LOAD, seed=seed)["busiest"]


def requirement_row(pattern: str, seed: int) -> dict:
    """One measurement for the requirement: ``pattern`` on ``REQUIREMENT_LOAD`` while its busiest agent
    crashes for good at ``BUSIEST_CRASHES_AT`` s, and each worker with probability ``CRASH_RATE``."""
    load = REQUIREMENT_LOAD
    workers = [worker.name for worker in load.workers]
    busiest = busiest_agent(pattern, seed)
    faults = [crash for crash in random_crashes(workers, CRASH_RATE, within=load.ideal_makespan, seed=seed)
              if crash.agent != busiest] + [Crash(busiest, at=BUSIEST_CRASHES_AT)]
    return row(pattern, load, seed=seed, faults=faults)


@functools.cache
def requirement_table() -> dict[str, list[dict]]:
    """Every pattern's ``requirement_row`` for each of ``REQUIREMENT_SEEDS``: what the check compares with."""
    return {pattern: [requirement_row(pattern, seed) for seed in REQUIREMENT_SEEDS] for pattern in PATTERNS}


def meets(rows: Sequence[dict]) -> bool:
    """The requirement: at least ``NEEDED`` of the tasks done, with a valid verdict, in every run."""
    return all(r["completion"] >= NEEDED and r["valid"] for r in rows)


def mean_makespan(rows: Sequence[dict]) -> float:
    """The mean makespan of ``rows``: how the check ranks the patterns that meet the requirement."""
    return sum(r["makespan"] for r in rows) / len(rows)


@exercise_check("Exercise 3 — choose for a requirement, with the measurement")
def check_choice(choose: Callable[[], tuple[str, list[dict]]]) -> CheckResult:
    """Exercise 3: ``choose()`` returns ``(pattern, rows)``: the choice and the measurement behind it.

    Passes if ``rows`` are that pattern's ``requirement_row`` for each seed, the pattern
    ``meets`` the requirement, and no other pattern that meets it has a shorter mean makespan.
    """
    name = "Exercise 3 — choose for a requirement, with the measurement"
    if (wrong := not_given(name, "choose", choose, "your function")) is not None:
        return wrong
    answer = choose()
    if not (isinstance(answer, tuple) and len(answer) == 2 and answer[0] in PATTERNS):
        return failed(name, f"choose() returned {answer!r}; expected (pattern, rows)",
                      f"return a tuple: one of {', '.join(PATTERNS)}, and its rows from requirement_row")
    pattern, rows = answer
    table = requirement_table()
    if list(rows) != table[pattern]:
        return failed(name, f"the rows you gave for {pattern} are not its measurement "
                            f"(requirement_row({pattern!r}, seed) for seeds {REQUIREMENT_SEEDS})",
                      "back the choice with the rows you measured, one per seed, in seed order")
    qualified = {p: mean_makespan(r) for p, r in table.items() if meets(r)}
    if not meets(rows):
        worst = min(r["completion"] for r in rows)
        return failed(name, f"{pattern} does not meet the requirement: in one run only {worst:.0%} of the tasks "
                            "were done" + ("" if all(r["valid"] for r in rows) else ", or its verdict was invalid"),
                      f"keep only the patterns with ≥ {NEEDED:.0%} done and a valid verdict in every run")
    best = min(qualified, key=qualified.get)
    if pattern != best:
        return failed(name, f"{pattern} meets the requirement, but {best} does too and finishes sooner "
                            f"({qualified[best]:.2f} s against {qualified[pattern]:.2f} s on average)",
                      "among those that qualify, take the shortest mean makespan")
    others = ", ".join(f"{p} {m:.2f} s" for p, m in sorted(qualified.items(), key=lambda item: item[1]))
    return passed(name, f"{pattern}: every run ≥ {NEEDED:.0%} done and valid, fastest of those that qualify "
                        f"({others})")
