"""Ballots as messages: quorum, lost / duplicated / late ballots, and the checker that catches a naive tallier."""
import dataclasses

import pytest

from coordlab import Crash, Nemesis
from coordlab.patterns.consensus.ballots import BALLOT_PROTOCOL, run_election
from coordlab.patterns.consensus.voting import SPOILER, approve_top, elect, random_profile
from coordlab.patterns.protocol import kinds_declared
from coordlab.world import Verdict
from tests.doctor import doctor

PROFILE = random_profile(3, 9, seed=2)


def part(run, name):
    """The verdict of one named checker of a run."""
    return next(v for v in run.verdict.parts if v.name == name)


ONCE = "each voter counted at most once; a decision only with a quorum"


def test_a_reliable_election_counts_everyone_once_and_elects_the_rules_winner():
    run = run_election(SPOILER, rule="plurality", seed=1)
    assert run.stop_reason == "decided" and run.verdict
    assert run.winner == elect(SPOILER, "plurality").winner == "a"
    assert sorted(run.counted) == [f"v{i}" for i in range(1, 10)]
    assert run.metrics["ballots sent"] == run.metrics["ballots counted"] == 9
    assert kinds_declared(BALLOT_PROTOCOL)(run.result)


def test_without_a_quorum_of_ballots_there_is_no_decision():
    run = run_election(PROFILE, rule="borda", seed=1, loss=0.6)
    assert run.stop_reason == "no_quorum" and run.winner is None and run.outcome is None
    assert run.metrics["voters counted"] < run.quorum == 5
    assert run.verdict  # refusing to decide is correct behaviour
    assert run.trace.select("no_decision")[0].data == {"ballots": run.metrics["voters counted"], "quorum": 5}


def test_a_minority_quorum_is_allowed_and_decides_with_few_ballots():
    run = run_election(PROFILE, rule="borda", seed=1, loss=0.6, quorum=3)
    assert run.stop_reason == "decided" and run.verdict and 3 <= len(run.counted) < 5


def test_duplicated_ballots_count_once_but_the_naive_tallier_counts_them_twice():
    good = run_election(PROFILE, rule="borda", seed=1, duplicate=0.5)
    assert good.metrics["ballots delivered"] > good.metrics["voters"] == good.metrics["ballots counted"]
    assert good.verdict
    naive = run_election(PROFILE, rule="borda", seed=1, duplicate=0.5, tallier="naive")
    assert naive.metrics["ballots counted"] > naive.metrics["voters counted"]
    assert not part(naive, ONCE)
    assert {e.kind for e in part(naive, ONCE).evidence} == {"counted", "decision"}
    assert naive.winner != good.winner  # here the double count even changes the winner…
    assert not part(naive, "the recount agrees")  # …and the recount says so


def test_resent_ballots_survive_loss_and_are_deduplicated_by_voter():
    run = run_election(PROFILE, rule="copeland", seed=1, loss=0.3, retry_every=0.2)
    assert run.metrics["ballots sent"] > run.metrics["voters"] == run.metrics["voters counted"]
    assert run.stop_reason == "decided" and run.verdict
    assert kinds_declared(BALLOT_PROTOCOL)(run.result)
    naive = run_election(PROFILE, rule="copeland", seed=1, loss=0.3, retry_every=0.2, duplicate=0.3,
                         tallier="naive")
    assert not part(naive, ONCE)


def test_the_naive_tallier_decides_without_a_quorum_and_is_caught():
    naive = run_election(PROFILE, rule="borda", seed=1, loss=0.6, tallier="naive")
    assert naive.stop_reason == "decided" and len(set(naive.counted)) < naive.quorum
    assert [e.kind for e in part(naive, ONCE).evidence] == ["decision"]


def test_late_ballots_are_not_counted():
    run = run_election(PROFILE, rule="plurality", seed=1, cast_by=3.0, deadline=2.0)
    assert run.stop_reason == "decided" and run.metrics["decided at"] == 2.0
    assert run.quorum <= len(run.counted) < 9 and run.verdict


def test_a_tallier_that_crashes_and_restarts_keeps_the_ballots_it_counted():
    crash = run_election(PROFILE, rule="borda", seed=1, retry_every=0.2,
                         faults=[Crash("tallier", at=0.5, recover_at=1.5)])
    before = {e.data["voter"] for e in crash.trace.select("counted") if e.time < 0.5}
    assert before and before <= set(crash.counted)
    assert any(e.time >= 1.5 for e in crash.trace.select("counted"))  # resent after the restart
    assert len(crash.counted) == 9 and crash.stop_reason == "decided" and crash.verdict


def test_the_checkers_catch_a_doctored_decision():
    run = run_election(PROFILE, rule="borda", seed=1)
    decision = run.trace.select("decision")[0]
    checkers = run.result.checkers
    decision = doctor(run.trace, decision, data={**decision.data, "winner": "z"})
    assert not Verdict.all([check(run.result) for check in checkers])
    decision = doctor(run.trace, decision, data={**decision.data, "winner": run.winner, "ballots": 10})
    assert not Verdict.all([check(run.result) for check in checkers])
    counted = doctor(run.trace, run.trace.select("counted")[0], data={"voter": "v9"})  # v9 twice, another never
    doctor(run.trace, decision, data={**decision.data, "ballots": 9})
    verdict = next(check(run.result) for check in checkers if check.__name__ == "each_voter_once_and_quorum")
    assert not verdict and counted in verdict.evidence


def test_approval_elections_run_on_the_world():
    ballots = approve_top(PROFILE, 2)
    run = run_election(ballots, rule="approval", seed=3)
    assert run.winner == elect(ballots, "approval").winner and run.verdict


@pytest.mark.parametrize("seed", range(40))
def test_under_the_nemesis_every_election_is_counted_once_with_a_quorum(seed):
    run = run_election(PROFILE, rule="instant-runoff", seed=seed, retry_every=0.3,
                       faults=Nemesis(seed=seed, horizon=2))
    assert run.stop_reason in ("decided", "no_quorum")
    assert run.verdict, str(run.verdict)
    assert kinds_declared(BALLOT_PROTOCOL)(run.result)


def test_same_seed_same_trace():
    one = run_election(PROFILE, seed=7, duplicate=0.3, loss=0.2, retry_every=0.2)
    two = run_election(PROFILE, seed=7, duplicate=0.3, loss=0.2, retry_every=0.2)
    assert one.trace.fingerprint() == two.trace.fingerprint()
    assert dataclasses.replace(one.outcome) == two.outcome
    assert "winner=" in repr(one)
