"""Voting rules: the named paradoxes, and every rule against a brute-force definition on random profiles.

pref-voting (PyPI) would be the natural independent implementation, but it pulls in ~38
dependencies (ortools, numba): too heavy for CI. So each rule is defined again here, from a
different formulation (Borda as the sum of pairwise wins, IRV recursively, Copeland from a
numpy position matrix), and both must agree, tie-breaks included, on 240 random profiles
small enough that ties are frequent.
"""
import random

import numpy as np
import pytest

from coordlab.patterns.consensus import voting
from coordlab.patterns.consensus.voting import (
    CONDORCET_CYCLE,
    PLURALITY_VS_BORDA,
    SPOILER,
    ApprovalProfile,
    Profile,
    approval,
    approve_top,
    borda,
    compare_rules,
    condorcet_winner,
    copeland,
    elect,
    instant_runoff,
    plurality,
    random_profile,
    spoiler_effect,
    without,
)

PROFILES = 240


# --- brute force, written independently of the library -----------------------------------
def positions(ballots, candidates):
    """positions[v, c]: where voter v ranks candidate c (0 = first)."""
    return np.array([[ranking.index(c) for c in candidates] for ranking in ballots])


def first_alphabetically(scores):
    """The best score, ties to the name first in alphabetical order."""
    return sorted(scores, key=lambda c: (-scores[c], c))[0]


def brute_plurality(ballots, candidates):
    return first_alphabetically({c: sum(1 for r in ballots if r[0] == c) for c in candidates})


def brute_borda(ballots, candidates):
    pos = positions(ballots, candidates)
    # Borda score = the number of (voter, other candidate) pairs this candidate beats.
    beats = {c: int(sum((pos[:, i] < pos[:, j]).sum() for j in range(len(candidates)) if j != i))
             for i, c in enumerate(candidates)}
    return first_alphabetically(beats)


def brute_irv(ballots, remaining):
    tops = [min(remaining, key=r.index) for r in ballots]
    counts = {c: tops.count(c) for c in remaining}
    best = max(counts.values())
    if 2 * best > len(ballots) or len(remaining) == 1:
        return first_alphabetically(counts)
    worst = min(counts.values())
    loser = sorted(c for c in remaining if counts[c] == worst)[-1]
    return brute_irv(ballots, [c for c in remaining if c != loser])


def majority_matrix(ballots, candidates):
    pos = positions(ballots, candidates)
    m = len(candidates)
    wins = np.zeros((m, m), dtype=int)
    for i in range(m):
        for j in range(m):
            wins[i, j] = (pos[:, i] < pos[:, j]).sum()
    return wins


def brute_copeland(ballots, candidates):
    wins = majority_matrix(ballots, candidates)
    m = len(candidates)
    score = {c: sum(1.0 if wins[i, j] > wins[j, i] else 0.5 if wins[i, j] == wins[j, i] else 0.0
                    for j in range(m) if j != i) for i, c in enumerate(candidates)}
    return first_alphabetically(score)


def brute_condorcet(ballots, candidates):
    wins = majority_matrix(ballots, candidates)
    beat_all = [c for i, c in enumerate(candidates)
                if all(wins[i, j] > wins[j, i] for j in range(len(candidates)) if j != i)]
    assert len(beat_all) <= 1
    return beat_all[0] if beat_all else None


def brute_approval(ballots, candidates):
    matrix = np.array([[c in approved for c in candidates] for approved in ballots], dtype=int)
    totals = matrix.sum(axis=0)
    return first_alphabetically({c: int(totals[i]) for i, c in enumerate(candidates)})


def random_rankings(index):
    rng = random.Random(f"test-profile/{index}")
    candidates = list("abcde"[:rng.randint(2, 5)])
    return [tuple(rng.sample(candidates, len(candidates))) for _ in range(rng.randint(1, 12))], sorted(candidates)


@pytest.mark.parametrize("rule, brute", [
    (plurality, brute_plurality), (borda, brute_borda), (copeland, brute_copeland),
    (instant_runoff, lambda ballots, candidates: brute_irv(ballots, candidates)),
])
def test_each_ranked_rule_agrees_with_its_brute_force_definition(rule, brute):
    ties = 0
    for index in range(PROFILES):
        ballots, candidates = random_rankings(index)
        outcome = rule(Profile(ballots))
        assert outcome.winner == brute(ballots, candidates), (index, ballots, outcome.how())
        ties += outcome.tie_broken or any(r.tied_last for r in outcome.rounds)
    assert ties >= 20  # the tie-break itself was exercised, not only clear wins


def test_condorcet_winner_agrees_and_copeland_always_elects_it():
    found = 0
    for index in range(PROFILES):
        ballots, candidates = random_rankings(index)
        expected = brute_condorcet(ballots, candidates)
        outcome = copeland(Profile(ballots))
        assert condorcet_winner(Profile(ballots)) == outcome.condorcet_winner == expected
        if expected is not None:
            found += 1
            assert outcome.winner == expected and not outcome.tie_broken
    assert 50 <= found < PROFILES  # both cases occur


def test_approval_agrees_with_its_brute_force_definition():
    for index in range(PROFILES):
        rng = random.Random(f"approval/{index}")
        candidates = list("abcde"[:rng.randint(2, 5)])
        ballots = [tuple(c for c in candidates if rng.random() < 0.5) for _ in range(rng.randint(1, 12))]
        assert approval(ApprovalProfile(ballots, candidates)).winner == brute_approval(ballots, candidates)


# --- the named paradoxes -------------------------------------------------------------------
def test_condorcet_cycle_has_no_condorcet_winner_and_a_majority_for_each_step():
    assert condorcet_winner(CONDORCET_CYCLE) is None
    assert CONDORCET_CYCLE.prefers("a", "b") == CONDORCET_CYCLE.prefers("b", "c") == \
        CONDORCET_CYCLE.prefers("c", "a") == 2
    outcome = copeland(CONDORCET_CYCLE)
    assert outcome.tied == ("a", "b", "c") and outcome.winner == "a" and outcome.condorcet_winner is None


def test_plurality_and_borda_elect_different_winners():
    assert plurality(PLURALITY_VS_BORDA).winner == "a"
    assert borda(PLURALITY_VS_BORDA).winner == "b"
    assert borda(PLURALITY_VS_BORDA).scores == {"a": 6, "b": 9, "c": 6}


def test_a_spoiler_changes_the_plurality_winner_but_not_borda():
    assert spoiler_effect(SPOILER, "plurality", "s") == ("a", "b")
    assert spoiler_effect(SPOILER, "borda", "s") == ("b", "b")
    assert without(SPOILER, "s").candidates == ("a", "b")


def test_compare_rules_shows_every_ranked_rule_and_how():
    table = compare_rules(PLURALITY_VS_BORDA)
    assert list(table.index) == ["plurality", "borda", "instant-runoff", "copeland"]
    assert list(table["winner"]) == ["a", "b", "b", "b"]
    assert "eliminated in order: c" in table.loc["instant-runoff", "how"]


def test_instant_runoff_rounds_show_each_elimination():
    outcome = instant_runoff(Profile({"a>b>c>d": 4, "b>c>a>d": 3, "c>b>a>d": 2, "d>c>b>a": 1}))
    assert [r.eliminated for r in outcome.rounds] == ["d", "c", None]
    assert outcome.rounds[0].scores == {"a": 4, "b": 3, "c": 2, "d": 1}
    assert outcome.rounds[1].scores == {"a": 4, "b": 3, "c": 3}
    assert outcome.rounds[1].tied_last == ("b", "c")  # c goes out by the alphabetical tie-break
    assert outcome.winner == "b" and outcome.scores == {"a": 4, "b": 6}


# --- profiles ----------------------------------------------------------------------------------
def test_profile_forms_agree_and_counts_round_trip():
    by_list = Profile(["a>b", "a>b", ("b", "a")])
    by_counts = Profile({"a>b": 2, "b>a": 1})
    assert by_list == by_counts and len(by_list) == 3 and by_list.counts() == {"a>b": 2, "b>a": 1}
    assert Profile(["a > b"]).ballots == (("a", "b"),)


def test_approve_top_and_approval_profile_strings():
    assert approve_top(SPOILER, 1).ballots == tuple((r[0],) for r in SPOILER.ballots)
    assert ApprovalProfile(["a,b", ""], candidates="abc").ballots == (("a", "b"), ())
    assert approval(ApprovalProfile(["a,b", "b", ""], candidates="abc")).scores == {"a": 1, "b": 2, "c": 0}


def test_random_profiles_are_replayable():
    assert random_profile(4, 30, seed=5) == random_profile(4, 30, seed=5)
    assert random_profile(4, 30, seed=5) != random_profile(4, 30, seed=6)
    assert random_profile(["x", "y"], 3, seed=1).candidates == ("x", "y")


def test_elect_dispatches_by_name_and_refuses_mismatched_ballots():
    assert elect(SPOILER, "borda") == borda(SPOILER)
    with pytest.raises(TypeError, match="^profile=.*ApprovalProfile"):
        elect(SPOILER, "approval")
    with pytest.raises(TypeError, match="^profile=.*rule 'approval'"):
        elect(approve_top(SPOILER, 1), "borda")
    assert set(voting.RULES) == {"plurality", "borda", "instant-runoff", "copeland", "approval"}
