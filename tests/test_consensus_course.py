"""Every notebook-06 exercise check accepts the solution and rejects the stub and the usual wrong answers.

The vote-rule check must do more than say no: for each usual mistake it shows the Raft run that
breaks (the checker's name and its evidence) and names the mistake in its hint.
"""
import pytest

from coordlab.course.consensus import (
    CONFIRMATIONS,
    VOTE_SCENARIOS,
    by_formula,
    check_borda,
    check_generals,
    check_quorum,
    check_vote_rule,
    disjoint_quorums,
    server_with,
)
from coordlab.patterns.consensus.raft import RaftServer
from coordlab.patterns.consensus.scenarios import stale_long_log


def stub(*args):
    raise NotImplementedError("Your answer goes here: replace this line.")


# --- Exercise 1: Borda ------------------------------------------------------------------------------
def borda_scores(ballots):
    """The solution: m - 1 points for a first place, …, 0 for the last."""
    scores = {}
    for ranking in ballots:
        for position, name in enumerate(ranking):
            scores[name] = scores.get(name, 0) + len(ranking) - 1 - position
    return scores


def test_borda_check(capsys):
    assert check_borda(borda_scores).passed
    assert "✅" in capsys.readouterr().out
    one_too_many = check_borda(lambda ballots: {c: v + len(ballots) for c, v in borda_scores(ballots).items()})
    assert not one_too_many and "too high (one point per voter)" in one_too_many.hint
    upside_down = check_borda(lambda ballots: {c: sum(r.index(c) for r in ballots) for c in ballots[0]})
    assert not upside_down and "upside down" in upside_down.hint
    plurality = check_borda(lambda ballots: {c: sum(r[0] == c for r in ballots) for c in ballots[0]})
    assert not plurality and "the Borda count is" in plurality.message
    assert "not a dict" in check_borda(lambda ballots: 3).message
    assert "not a candidate" in check_borda(lambda ballots: {**borda_scores(ballots), "zz": 0}).message
    assert "not solved yet" in check_borda(stub).message
    assert "is not allowed" in check_borda(42).message
    assert "❌" in capsys.readouterr().out


# --- Exercise 2: the vote-granting rule ----------------------------------------------------------------
def up_to_date(candidate_term, candidate_index, my_term, my_index):
    """The solution (Raft section 5.4.1)."""
    if candidate_term != my_term:
        return candidate_term > my_term
    return candidate_index >= my_index


WRONG_RULES = {
    "lengths only": (lambda ct, ci, mt, mi: ci >= mi, "a stale long log", "longer but older"),
    "terms the wrong way": (lambda ct, ci, mt, mi: ct < mt or (ct == mt and ci >= mi), "a stale long log",
                            "wrong way round"),
    "terms only": (lambda ct, ci, mt, mi: ct >= mt, "a short log of the same term", "fewer entries"),
    "strictly more": (lambda ct, ci, mt, mi: (ct, ci) > (mt, mi), "a stale long log", "includes equal"),
}


def test_the_vote_rule_solution_passes():
    result = check_vote_rule(up_to_date)
    assert result.passed, str(result)


@pytest.mark.parametrize("mistake", WRONG_RULES, ids=str)
def test_each_usual_wrong_vote_rule_shows_the_run_it_breaks(mistake):
    rule, scenario, hint = WRONG_RULES[mistake]
    result = check_vote_rule(rule)
    assert not result
    assert f"the scenario {scenario!r} breaks Raft" in result.message
    assert hint in result.hint
    if mistake != "strictly more":  # a safety violation, with the checker's evidence
        assert "leader completeness" in result.message and "(first: t=" in result.message
    else:  # a liveness failure: nobody can win an election
        assert "no leader could be elected" in result.message


def test_the_scenarios_break_a_wrong_rule_for_real():
    """The check's claim, checked without it: the same scenario passes the right rule and fails the wrong one."""
    assert stale_long_log(server_with(up_to_date)).verdict
    assert stale_long_log(RaftServer).verdict
    assert not stale_long_log(server_with(WRONG_RULES["lengths only"][0])).verdict
    assert set(VOTE_SCENARIOS) == {"a stale long log", "a short log of the same term"}


def test_the_vote_rule_check_refuses_stubs_non_bools_and_non_functions():
    assert "not solved yet" in check_vote_rule(stub).message
    assert "return True or False" in check_vote_rule(lambda *logs: 1).message
    assert "is not allowed" in check_vote_rule(True).message


# --- Exercise 3: the quorum size -----------------------------------------------------------------
def quorum_size(n, f):
    """The solution: a majority, if the servers still up can form one."""
    majority = n // 2 + 1
    return majority if majority <= n - f else None


def test_quorum_check():
    assert check_quorum(quorum_size).passed
    half = check_quorum(lambda n, f: max(1, n // 2) if n >= 2 * f + 1 else None)
    assert not half and "share no server" in half.message and "2q > n" in half.hint
    f_plus_one = check_quorum(lambda n, f: f + 1)
    assert not f_plus_one and "split brain" in f_plus_one.message
    always = check_quorum(lambda n, f: n // 2 + 1)
    assert not always and "could never decide again" in always.message
    everyone_up = check_quorum(lambda n, f: n - f if n >= 2 * f + 1 else None)
    assert not everyone_up and "safe and live, but" in everyone_up.message
    never = check_quorum(lambda n, f: None)
    assert not never and "you said no quorum works" in never.message
    assert "give a number of servers" in check_quorum(lambda n, f: 2.5).message
    assert "not solved yet" in check_quorum(stub).message


def test_disjoint_quorums_are_found_by_trying_every_pair():
    assert disjoint_quorums(4, 2) == (("s1", "s2"), ("s3", "s4"))
    assert disjoint_quorums(5, 3) is None and disjoint_quorums(4, 3) is None
    assert disjoint_quorums(1, 1) is None


# --- Exercise 4: generals --------------------------------------------------------------------------
def test_generals_check():
    assert check_generals(lambda f: 3 * f + 1).passed
    majority = check_generals(lambda f: 2 * f + 1)
    assert not majority and "min_generals(1) = 3" in majority.message and "not against liars" in majority.hint
    three_f = check_generals(lambda f: max(1, 3 * f))
    assert not three_f and "needs more than 3f" in three_f.message
    padded = check_generals(lambda f: 3 * f + 2)
    assert not padded and "already tolerate" in padded.message
    assert "not a number of generals" in check_generals(lambda f: "four").message
    assert "not solved yet" in check_generals(stub).message


def test_every_confirmation_agrees_with_the_formula_at_the_boundary():
    from coordlab.course.consensus import by_om

    for confirm in CONFIRMATIONS:
        for f in range(4):
            assert confirm(f, 3 * f + 1) is None
    for f in (1, 2, 3):
        assert by_formula(f, 3 * f) is not None
    assert by_formula(1, 3).startswith("3 generals cannot tolerate 1 traitor")
    # OM tries every traitor and every strategy, which is quick only for one traitor
    three = by_om(1, 3)
    assert three is not None and three.startswith("OM(1) with 3 generals fails when g")
    assert by_om(2, 6) is None and by_om(0, 1) is None
