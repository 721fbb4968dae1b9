"""Exercise checks of notebook 07: each accepts the solution, rejects the stub and plausible wrong answers."""
import math
from collections import Counter

import pytest

import coordlab.course.compare as course
from coordlab.compare import CONTENDERS, PATTERNS, org_chart, workload
from coordlab.course.compare import (
    HYBRID_LOAD,
    REQUIREMENT_SEEDS,
    busiest_messages,
    check_choice,
    check_hybrid,
    check_ranking,
    requirement_row,
    requirement_table,
)
from coordlab.experiments import random_crashes
from coordlab.patterns.hierarchical import Project, run_hierarchical
from coordlab.patterns.hybrids import run_goals_swarm, run_teams_p2p
from coordlab.patterns.swarm import run_threshold
from coordlab.world import Crash


def stub(*args, **kwargs):
    raise NotImplementedError("Your answer goes here: replace this line.")


def handled_by_busiest(run):
    """Messages sent plus received by the agent that handled the most, counted from the trace."""
    return max(Counter(e.agent for e in run.trace.select(("send", "deliver"))).values())


# --- Exercise 1 -------------------------------------------------------------------------
#: The answer in solutions/07_compare_and_choose_exercises.ipynb.
SOLUTION_RANKING = ["hierarchical", "centralized", "swarm", "consensus", "peer-to-peer"]


@pytest.fixture(scope="module")
def busiest_recounted():
    """Each pattern's busiest agent on the exercise's workload, run and counted here, not by the check."""
    load = workload(tasks=128, agents=64, seed=7)
    return {pattern: handled_by_busiest(CONTENDERS[pattern].run(load, seed=7)) for pattern in PATTERNS}


def test_ranking_check_accepts_the_solution(busiest_recounted, capsys):
    counts = busiest_recounted
    # the solution's order holds within 10 % by the recount: no pattern before one with clearly fewer messages
    assert all(counts[a] <= 1.1 * counts[b] for i, a in enumerate(SOLUTION_RANKING) for b in SOLUTION_RANKING[i + 1:])
    assert check_ranking(lambda: list(SOLUTION_RANKING))
    assert capsys.readouterr().out.startswith("✅ Exercise 1")


def test_ranking_is_measured_independently(busiest_recounted):
    assert busiest_messages() == busiest_recounted


@pytest.mark.parametrize("wrong, words", [
    (stub, "not solved yet"),
    (lambda: list(reversed(SOLUTION_RANKING)), "before"),
    (lambda: list(PATTERNS[:4]), "five patterns"),  # one missing
    (lambda: "centralized", "five patterns"),
    # the seed table's intuition: "the orchestrator is the bottleneck, peers share the load"
    (lambda: ["peer-to-peer", "swarm", "hierarchical", "consensus", "centralized"], "before"),
    (sorted(PATTERNS), "check(my_function)"),  # the answer instead of the function
])
def test_ranking_check_rejects(wrong, words, capsys):
    result = check_ranking(wrong)
    assert not result and (words in result.message or words in result.hint), result
    assert capsys.readouterr().out.startswith("❌ Exercise 1")


# --- Exercise 2 -------------------------------------------------------------------------
def three_teams(tasks, workers, seed):
    return run_teams_p2p(tasks, workers, seed=seed, teams=3)


def test_hybrid_check_accepts_three_teams_and_recomputes(capsys):
    assert check_hybrid(three_teams)
    assert capsys.readouterr().out.startswith("✅ Exercise 2")
    run, plain = three_teams(HYBRID_LOAD.tasks, HYBRID_LOAD.workers, 1), CONTENDERS["centralized"].run(HYBRID_LOAD,
                                                                                                     seed=1)
    assert handled_by_busiest(run) <= 0.6 * handled_by_busiest(plain)


@pytest.mark.parametrize("wrong, words", [
    (stub, "not solved yet"),
    (lambda tasks, workers, seed: run_hierarchical(Project("job", tasks), org_chart(HYBRID_LOAD), seed=seed),
     "too slow"),  # a parent, not a hybrid: relieved, but slower
    (lambda tasks, workers, seed: run_threshold(tasks, workers, seed=seed), "not relieved enough"),  # the board
    (lambda tasks, workers, seed: run_goals_swarm(tasks, workers, seed=seed), "not relieved enough"),  # the floor
    (lambda tasks, workers, seed: run_teams_p2p(tasks, workers[:64], seed=seed, teams=3), "left out"),  # half of them
    (lambda tasks, workers, seed: None, "expected a run"),
])
def test_hybrid_check_rejects(wrong, words, capsys):
    result = check_hybrid(wrong)
    assert not result and words in result.message, result.message
    assert capsys.readouterr().out.startswith("❌ Exercise 2")


# --- Exercise 3 -------------------------------------------------------------------------
def solution():
    table = {p: [requirement_row(p, seed) for seed in REQUIREMENT_SEEDS] for p in PATTERNS}
    qualified = {p: rows for p, rows in table.items()
                 if all(r["completion"] >= 0.9 and r["valid"] for r in rows)}
    best = min(qualified, key=lambda p: sum(r["makespan"] for r in qualified[p]))
    return best, qualified[best]


def test_choice_check_accepts_the_solution(capsys):
    assert check_choice(solution)
    assert capsys.readouterr().out.startswith("✅ Exercise 3")


def independent_requirement_row(pattern, seed):
    """The requirement's run, set up and read here: the busiest agent of a run without faults crashes
    at 2 s, each worker (not it) with probability 10 % within the ideal makespan."""
    load = workload(tasks=64, agents=32, seed=11)
    contender = CONTENDERS[pattern]
    plain = contender.run(load, seed=seed)
    handled = Counter(e.agent for e in plain.trace.select(("send", "deliver")))
    busiest = min(handled, key=lambda agent: (-handled[agent], agent))
    crashes = [c for c in random_crashes([w.name for w in load.workers], 0.1, within=load.ideal_makespan, seed=seed)
               if c.agent != busiest]
    run = contender.run(load, seed=seed, faults=[*crashes, Crash(busiest, at=2.0)])
    if pattern == "peer-to-peer":
        ends = [e.time for e in run.trace.select("task_done")]
    else:
        ends = list(run.tasks.loc[run.tasks["state"] == "done", "end"])
    return {"completion": len(ends) / 64, "valid": bool(run.verdict), "makespan": max(ends, default=math.nan)}


def test_choice_check_recomputes_the_winner_independently():
    mine = {p: [independent_requirement_row(p, seed) for seed in REQUIREMENT_SEEDS] for p in PATTERNS}
    theirs = requirement_table()
    for pattern in PATTERNS:
        for recount, row in zip(mine[pattern], theirs[pattern], strict=True):
            assert recount["completion"] == row["completion"] and recount["valid"] == row["valid"]
            assert recount["makespan"] == pytest.approx(row["makespan"], nan_ok=True)
    fine = {p: sum(r["makespan"] for r in rows) / len(rows) for p, rows in mine.items()
            if all(r["completion"] >= 0.9 and r["valid"] for r in rows)}
    assert fine and solution()[0] == min(fine, key=fine.get)
    assert len(fine) < len(PATTERNS)  # the requirement rules some pattern out: the choice is not trivial


def made_up_rows(completion, makespan):
    return [{"completion": completion, "valid": True, "makespan": makespan} for _ in REQUIREMENT_SEEDS]


@pytest.fixture
def two_qualify(monkeypatch):
    """A made-up measurement in which two patterns qualify and the swarm is the faster of them."""
    table = {p: made_up_rows(0.5, 10.0) for p in PATTERNS}
    table["swarm"], table["consensus"] = made_up_rows(1.0, 12.0), made_up_rows(0.95, 15.0)
    monkeypatch.setattr(course, "requirement_table", lambda: table)
    return table


def test_choice_check_accepts_the_faster_of_two_that_qualify(two_qualify, capsys):
    assert check_choice(lambda: ("swarm", two_qualify["swarm"]))
    assert capsys.readouterr().out.startswith("✅ Exercise 3")


def test_choice_check_rejects_one_that_qualifies_but_is_slower(two_qualify, capsys):
    result = check_choice(lambda: ("consensus", two_qualify["consensus"]))
    assert not result and "swarm does too and finishes sooner" in result.message
    assert "12.00 s against 15.00 s" in result.message
    assert capsys.readouterr().out.startswith("❌ Exercise 3")


@pytest.mark.parametrize("wrong, words", [
    (stub, "not solved yet"),
    (lambda: ("centralized", requirement_table()["centralized"]), "does not meet"),  # fastest when nothing fails
    (lambda: (solution()[0], []), "not its measurement"),  # a choice with no measurement behind it
    (lambda: "consensus", "expected (pattern, rows)"),
    (solution(), "choose=("),  # the answer instead of the function
])
def test_choice_check_rejects(wrong, words, capsys):
    result = check_choice(wrong)
    assert not result and words in result.message
    assert capsys.readouterr().out.startswith("❌ Exercise 3")
