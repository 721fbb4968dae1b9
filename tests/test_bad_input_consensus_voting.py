"""Bad-input catalogue for voting, ballots, the jury theorem and the bully election.

Each case is ``(call, error type, argument)``: the call must fail before anything runs, with a
message that starts with ``argument=`` (the project's format: argument, value, what is allowed).
"""

import pytest

from coordlab import Crash
from coordlab.patterns.consensus.ballots import run_election
from coordlab.patterns.consensus.bully import run_bully
from coordlab.patterns.consensus.jury import (
    accuracy_table,
    correlated_accuracy,
    majority_accuracy,
    simulate_majority,
)
from coordlab.patterns.consensus.voting import (
    SPOILER,
    ApprovalProfile,
    Profile,
    approve_top,
    elect,
    plurality,
    random_profile,
    without,
)
from tests.bad_input import assert_refused

APPROVALS = ApprovalProfile(["a,b", "b"])

CASES = [
    # profiles
    (lambda: Profile([]), ValueError, "ballots"),
    (lambda: Profile("a>b"), TypeError, "ballots"),
    (lambda: Profile(["a>b", "a>c"]), ValueError, "ballots"),
    (lambda: Profile(["a>b>a"]), ValueError, "ballots"),
    (lambda: Profile([3]), TypeError, "ballots"),
    (lambda: Profile(["a>"]), ValueError, "ballots"),
    (lambda: Profile({"a>b": 0}), ValueError, "ballots['a>b']"),
    (lambda: Profile({"a>b": 1.5}), TypeError, "ballots['a>b']"),
    (lambda: ApprovalProfile(["a,a"]), ValueError, "ballots"),
    (lambda: ApprovalProfile(["", ""]), ValueError, "ballots"),
    (lambda: ApprovalProfile(["x"], candidates="ab"), ValueError, "ballots"),
    (lambda: ApprovalProfile(["a"], candidates=[1]), ValueError, "candidates"),
    # rules
    (lambda: approve_top(SPOILER, 0), ValueError, "k"),
    (lambda: approve_top(SPOILER, 4), ValueError, "k"),
    (lambda: approve_top(["a>b"], 1), TypeError, "profile"),
    (lambda: elect(SPOILER, "condorcet"), ValueError, "rule"),
    (lambda: plurality(APPROVALS), TypeError, "profile"),
    (lambda: elect(SPOILER, "approval"), TypeError, "profile"),
    (lambda: without(SPOILER, "z"), ValueError, "candidate"),
    (lambda: without(SPOILER, "a", "b", "s"), ValueError, "candidates"),
    (lambda: random_profile(0, 5, seed=1), ValueError, "candidates"),
    (lambda: random_profile(3, 0, seed=1), ValueError, "voters"),
    (lambda: random_profile(3, 5, seed=None), TypeError, "seed"),
    # ballots on the world
    (lambda: run_election("a>b"), TypeError, "profile"),
    (lambda: run_election(SPOILER, rule="approval"), ValueError, "rule"),
    (lambda: run_election(APPROVALS, rule="borda"), ValueError, "rule"),
    (lambda: run_election(SPOILER, quorum=10), ValueError, "quorum"),
    (lambda: run_election(SPOILER, quorum=0), ValueError, "quorum"),
    (lambda: run_election(SPOILER, quorum=2.5), TypeError, "quorum"),
    (lambda: run_election(SPOILER, seed=None), TypeError, "seed"),
    (lambda: run_election(SPOILER, cast_by=0), ValueError, "cast_by"),
    (lambda: run_election(SPOILER, deadline=-1), ValueError, "deadline"),
    (lambda: run_election(SPOILER, retry_every=0), ValueError, "retry_every"),
    (lambda: run_election(SPOILER, tallier="sloppy"), ValueError, "tallier"),
    (lambda: run_election(SPOILER, faults="crash"), TypeError, "faults"),
    (lambda: run_election(SPOILER, faults=[Crash("v99", at=1)]), ValueError, "fault"),
    # the jury theorem
    (lambda: majority_accuracy(0, 0.5), ValueError, "n"),
    (lambda: majority_accuracy(3, 1.5), ValueError, "p"),
    (lambda: correlated_accuracy(3, 0.6, -0.1), ValueError, "rho"),
    (lambda: simulate_majority(3, 0.6, trials=0, seed=1), ValueError, "trials"),
    (lambda: simulate_majority(3, 0.6, seed=None), TypeError, "seed"),
    (lambda: accuracy_table([0], 0.6, seed=1), ValueError, "n"),
    # the bully election
    (lambda: run_bully(1), ValueError, "n"),
    (lambda: run_bully(5, seed=None), TypeError, "seed"),
    (lambda: run_bully(5, interval=0), ValueError, "interval"),
    (lambda: run_bully(5, suspect_after=0.4), ValueError, "suspect_after"),
    (lambda: run_bully(5, answer_timeout=-1), ValueError, "answer_timeout"),
    (lambda: run_bully(5, coordinator_timeout="1"), TypeError, "coordinator_timeout"),
    (lambda: run_bully(5, process=object), TypeError, "process"),
    (lambda: run_bully(5, faults=[Crash("p9", at=1)]), ValueError, "fault"),
    (lambda: run_bully(5, duration=-1), ValueError, "duration"),
]


@pytest.mark.parametrize("call, error, argument", CASES, ids=[f"{i}-{case[2]}" for i, case in enumerate(CASES)])
def test_bad_input_fails_naming_the_argument(call, error, argument):
    assert_refused(call, error, argument)
