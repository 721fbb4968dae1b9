"""The bully election: who coordinates after crashes, the epoch claim, and what an election costs."""
import pytest

from coordlab import Crash, Nemesis
from coordlab.patterns.consensus.bully import (
    BULLY_PROTOCOL,
    BullyProcess,
    one_coordinator_per_epoch,
    process_names,
    run_bully,
)
from coordlab.patterns.protocol import kinds_declared
from tests.doctor import doctor


def part(run, name):
    return next(v for v in run.verdict.parts if v.name == name)


EPOCH = "one coordinator per epoch"
AGREE = "everyone follows the highest live id"


def test_without_faults_the_highest_id_coordinates_and_nobody_holds_an_election():
    run = run_bully(5, seed=1)
    assert run.coordinator == "p5" and run.verdict and run.stop_reason == "until"
    assert run.announcements == 0 and run.election_messages == 0 and run.metrics["heartbeats"] > 0
    assert kinds_declared(BULLY_PROTOCOL)(run.result)


def test_when_the_coordinator_crashes_the_next_highest_takes_over_in_epoch_1():
    run = run_bully(5, seed=1, faults=[Crash("p5", at=2)])
    assert run.coordinator == "p4" and run.verdict
    announce = run.trace.select("announce")
    assert [(e.agent, e.data["epoch"]) for e in announce] == [("p4", 1)]
    # silent since the last heartbeat (at most one interval before the crash), then the answer wait
    assert 2 - 0.5 + 1.5 + 0.2 <= announce[0].time <= 2 + 1.5 + 0.2 + 0.05
    assert kinds_declared(BULLY_PROTOCOL)(run.result)


def test_a_recovered_coordinator_bullies_its_way_back_in_a_newer_epoch():
    run = run_bully(5, seed=1, faults=[Crash("p5", at=2, recover_at=8)])
    assert [(e.agent, e.data["epoch"]) for e in run.trace.select("announce")] == [("p4", 1), ("p5", 2)]
    assert run.coordinator == "p5" and run.verdict


def test_the_next_coordinator_crashing_too_is_handled():
    run = run_bully(6, seed=2, faults=[Crash("p6", at=1), Crash("p5", at=3.5), Crash("p4", at=3.6, recover_at=9)])
    assert run.coordinator == "p4" and run.verdict


@pytest.mark.parametrize("n", [4, 8, 16, 32])
def test_an_election_everyone_starts_costs_n_times_n_minus_1_messages(n):
    """All n-1 survivors notice together: n(n-1)/2 elections (the dead one's included),
    (n-1)(n-2)/2 answers and n-1 announcements, n(n-1) in all: the O(n^2) worst case."""
    run = run_bully(n, seed=3, faults=[Crash(process_names(n)[-1], at=2)])
    assert run.election_messages == n * (n - 1)
    assert run.verdict and run.coordinator == process_names(n)[-2]


@pytest.mark.parametrize("seed", range(40))
def test_with_crashes_only_the_epoch_claim_and_the_agreement_hold(seed):
    run = run_bully(5, seed=seed, faults=Nemesis(seed=seed, crashes=3, partitions=0, windows=0, slows=0))
    assert run.verdict, str(run.verdict)
    assert kinds_declared(BULLY_PROTOCOL)(run.result)


def test_partitions_and_loss_break_the_epoch_claim_but_agreement_returns_once_they_heal():
    runs = [run_bully(5, seed=seed, faults=Nemesis(seed=seed)) for seed in range(12)]
    assert sum(not part(run, EPOCH) for run in runs) >= 3  # bully assumes a synchronous network
    assert all(part(run, AGREE) for run in runs)
    broken = runs[0]
    epochs = {e.data["epoch"] for e in part(broken, EPOCH).evidence}
    assert len(epochs) == 1 and len({e.agent for e in part(broken, EPOCH).evidence}) == 2


class IgnoresAnswers(BullyProcess):
    """A broken variant: it never hears ``answer``, so every process holding an election wins it."""

    async def on_answer(self, msg):
        self.see(msg.body)


def test_a_variant_that_ignores_answers_is_caught_announcing_twice_in_one_epoch():
    run = run_bully(5, seed=1, faults=[Crash("p5", at=2)], process=IgnoresAnswers)
    verdict = part(run, EPOCH)
    assert not verdict and {e.agent for e in verdict.evidence} == {"p1", "p2", "p3", "p4"}


def test_a_run_cut_short_mid_election_is_not_agreement():
    run = run_bully(5, seed=1, faults=[Crash("p5", at=2)], duration=3.1)
    assert not part(run, AGREE) and run.coordinator is None


def test_a_doctored_announcement_is_caught_and_a_crash_in_between_excuses_it():
    run = run_bully(5, seed=1, faults=[Crash("p5", at=2, recover_at=8)])
    assert one_coordinator_per_epoch(run.result)
    doctor(run.trace, run.trace.select("announce")[1], data={"epoch": 1})  # p5 now claims p4's epoch while p4 is up
    assert not one_coordinator_per_epoch(run.result)
    crashed = run_bully(5, seed=1, faults=[Crash("p5", at=2, recover_at=8), Crash("p4", at=6)])
    later = crashed.trace.select("announce")[-1]
    assert later.agent == "p5"
    doctor(crashed.trace, later, data={"epoch": 1})  # the same epoch again, but its first claimant p4 crashed before
    assert one_coordinator_per_epoch(crashed.result)


def test_same_seed_same_trace():
    faults = Nemesis(seed=5)
    assert run_bully(5, seed=5, faults=faults).trace.fingerprint() == \
        run_bully(5, seed=5, faults=faults).trace.fingerprint()
