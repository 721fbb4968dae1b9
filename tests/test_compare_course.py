"""Exercise checks of notebook 07: each accepts the solution, rejects the stub and plausible wrong answers."""
from collections import Counter

import pytest

from coordlab.compare import CONTENDERS, PATTERNS, org_chart, workload
from coordlab.course.compare import (
    HYBRID_LOAD,
    REQUIREMENT_SEEDS,
    busiest_messages,
    check_choice,
    check_hybrid,
    check_ranking,
    mean_makespan,
    meets,
    requirement_row,
    requirement_table,
)
from coordlab.patterns.hierarchical import Project, run_hierarchical
from coordlab.patterns.hybrids import run_goals_swarm, run_teams_p2p
from coordlab.patterns.swarm import run_threshold


def stub(*args, **kwargs):
    raise NotImplementedError("Your answer goes here: replace this line.")


# --- Exercise 1 -------------------------------------------------------------------------
def test_ranking_check_accepts_the_measured_order(capsys):
    measured = busiest_messages()
    assert check_ranking(lambda: sorted(PATTERNS, key=measured.get))
    assert capsys.readouterr().out.startswith("✅ Exercise 1")


def test_ranking_is_measured_independently():
    load = workload(tasks=128, agents=64, seed=7)
    for pattern in ("hierarchical", "peer-to-peer"):
        run = CONTENDERS[pattern].run(load, seed=7)
        handled = Counter(e.agent for e in run.trace.select(("send", "deliver")))
        assert busiest_messages()[pattern] == max(handled.values())


@pytest.mark.parametrize("wrong, words", [
    (stub, "not solved yet"),
    (lambda: sorted(PATTERNS, key=busiest_messages().get, reverse=True), "before"),
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
    def busiest(r):
        return max(Counter(e.agent for e in r.trace.select(("send", "deliver"))).values())
    assert busiest(run) <= 0.6 * busiest(plain)


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


def test_choice_check_recomputes_the_winner_independently():
    table = requirement_table()
    fine = [p for p in PATTERNS if all(r["completion"] >= 0.9 and r["valid"] for r in table[p])]
    assert fine and solution()[0] == min(fine, key=lambda p: mean_makespan(table[p]))
    assert [meets(table[p]) for p in PATTERNS] == [p in fine for p in PATTERNS]


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
