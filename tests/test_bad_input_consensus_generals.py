"""Bad input to the Byzantine generals is refused before anything runs, naming the argument."""
import pytest

from coordlab import Crash
from coordlab.patterns.consensus.generals import (
    Only,
    TwoFaced,
    message_counts,
    om_messages,
    outcome_table,
    run_om,
    run_sm,
)
from coordlab.patterns.consensus.generals_checks import agreement, obedience
from coordlab.world.byzantine import Silent
from tests.bad_input import assert_refused

CASES = [
    (lambda: run_om(n="4"), TypeError, "n"),
    (lambda: run_om(n=1, m=0), ValueError, "n"),
    (lambda: run_om(n=True), TypeError, "n"),
    (lambda: run_om(n=2.5), TypeError, "n"),
    (lambda: run_om(n=51, m=0), ValueError, "n"),
    (lambda: run_om(4, -1), ValueError, "m"),
    (lambda: run_om(4, 3), ValueError, "m"),  # m <= n-2: a path of m+1 generals must leave someone to tell
    (lambda: run_om(4, 1.0), TypeError, "m"),
    (lambda: run_om(20, 5), ValueError, "m"),  # millions of messages
    (lambda: run_om(traitors=["g1"]), TypeError, "traitors"),
    (lambda: run_om(traitors={"g9": Silent()}), ValueError, "traitors"),
    (lambda: run_om(traitors={3: Silent()}), ValueError, "traitors"),
    (lambda: run_om(traitors={"g1": "lie"}), TypeError, "traitors"),
    (lambda: run_om(order="charge"), ValueError, "order"),
    (lambda: run_om(order=None), ValueError, "order"),
    (lambda: run_om(commander=0), TypeError, "commander"),
    (lambda: run_om(commander="g7"), ValueError, "commander"),
    (lambda: run_om(commander=""), ValueError, "commander"),
    (lambda: run_om(seed=None), TypeError, "seed"),
    (lambda: run_om(seed=-1), ValueError, "seed"),
    (lambda: run_om(period=0), ValueError, "period"),
    (lambda: run_om(period="1"), TypeError, "period"),
    (lambda: run_om(period=float("nan")), ValueError, "period"),
    (lambda: run_om(faults="crash"), TypeError, "faults"),
    (lambda: run_om(faults=[42]), TypeError, "faults"),
    (lambda: run_om(faults=[Crash("g9", at=1)]), ValueError, "fault"),
    (lambda: run_sm(3, 2), ValueError, "m"),
    (lambda: run_sm(traitors={"g1": None}), TypeError, "traitors"),
    (lambda: run_sm(order="ATTACK"), ValueError, "order"),
    (lambda: run_sm(seed=1.5), TypeError, "seed"),
    (lambda: TwoFaced("g1"), TypeError, "attack_to"),
    (lambda: TwoFaced(7), TypeError, "attack_to"),
    (lambda: Only([1]), TypeError, "recipients"),
    (lambda: om_messages(1, 0), ValueError, "n"),
    (lambda: om_messages(4, 3), ValueError, "m"),
    (lambda: outcome_table(4, 1, algorithm="PBFT"), ValueError, "algorithm"),
    (lambda: outcome_table(1, 0), ValueError, "n"),
    (lambda: outcome_table(4, 1, traitor_count=5), ValueError, "traitor_count"),
    (lambda: outcome_table(4, 1, tactics=["lie"]), TypeError, "tactics"),
    (lambda: outcome_table(4, 1, tactics=[]), TypeError, "tactics"),
    (lambda: message_counts(ns=5), TypeError, "ns"),
    (lambda: message_counts(ns=[1]), ValueError, "ns"),
    (lambda: message_counts(ms=[-1]), ValueError, "ms"),
    (lambda: message_counts(ms=["2"]), TypeError, "ms"),
    (lambda: agreement(3, []), TypeError, "commander"),
    (lambda: obedience("", []), ValueError, "commander"),
]


@pytest.mark.parametrize("call, error, argument", CASES)
def test_bad_input_is_refused_naming_the_argument(call, error, argument):
    assert_refused(call, error, argument)
