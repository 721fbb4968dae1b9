"""The Byzantine generals on the world: OM(m) fails with 3 generals and holds with 4, needs n >= 3m+1,
costs (n-1) + (n-1)(n-2) + … messages; SM(m) holds for any number of traitors (with m at least that many)."""
import dataclasses
import itertools
import subprocess
import sys

import pytest

from coordlab import Byzantine, Crash, Delay, World
from coordlab.patterns.consensus.generals import (
    DEFAULT,
    GENERALS_PROTOCOL,
    Keyring,
    OMCommander,
    OMLieutenant,
    Only,
    OnOrders,
    Said,
    Signed,
    TwoFaced,
    choice,
    countersigned,
    majority,
    message_counts,
    om_messages,
    opposite,
    outcome_table,
    run_om,
    run_sm,
    strategies,
)
from coordlab.patterns.consensus.generals_checks import DECIDED, IC1, IC2, agreement, generals_checkers, obedience
from coordlab.patterns.protocol import kinds_declared, protocol_table
from coordlab.world import RunResult, Trace
from coordlab.world.byzantine import Equivocate, Lie, Replay, Silent

EQUIVOCATE = Equivocate(["attack", "retreat"])


def part(run_or_verdict, name):
    verdict = getattr(run_or_verdict, "verdict", run_or_verdict)
    return next(v for v in verdict.parts if v.name == name)


def ignored(run, agent=None):
    return [e.data["why"] for e in run.trace.select("ignored", agent)]


# --- loyal generals ----------------------------------------------------------------------------
@pytest.mark.parametrize("run", [run_om, run_sm])
@pytest.mark.parametrize("n, m", [(2, 0), (3, 1), (4, 1), (5, 2), (6, 3)])
@pytest.mark.parametrize("order", ["attack", "retreat"])
def test_without_traitors_every_lieutenant_obeys_the_commander(run, n, m, order):
    result = run(n, m, order=order, seed=n)
    assert result.decisions == {f"g{i}": order for i in range(1, n)}
    assert result.verdict and result.stop_reason == "completed"
    assert kinds_declared(GENERALS_PROTOCOL)(result.result)
    assert ignored(result) == []


def test_the_commander_need_not_be_g0():
    result = run_om(5, 1, commander="g3", order="retreat", traitors={"g1": EQUIVOCATE})
    assert result.decisions == {"g0": "retreat", "g2": "retreat", "g4": "retreat"} and result.verdict


def test_the_protocol_table_has_a_part_per_algorithm():
    table = protocol_table(GENERALS_PROTOCOL)
    assert list(table.index) == ["order", "relay", "signed_order", "countersigned"]
    assert list(table["part"]) == ["OM", "OM", "SM", "SM"] and table.loc["relay", "body"] == "Said"


# --- OM(m): the results of the paper ----------------------------------------------------------------
def test_with_three_generals_one_lying_lieutenant_breaks_om1():
    result = run_om(3, 1, traitors={"g2": Lie(opposite)})
    assert result.decisions == {"g1": "retreat"}  # attack from g0, "retreat" from g2: a tie, so the default
    assert not part(result, IC2) and part(result, IC1) and not result.verdict
    assert [e.agent for e in part(result, IC2).evidence] == ["g1"]


def test_with_three_generals_om1_fails_for_some_traitor_and_strategy_but_never_for_a_traitorous_commander():
    table = outcome_table(3, 1)
    assert len(table) == 3 * 7 and table["IC1"].all()  # with one loyal lieutenant left, IC1 is trivial
    failing = table[~table["IC2"]]
    assert set(failing["traitors"]) == {"g1", "g2"}
    assert {"Silent()", "Lie(opposite)"} <= set(failing[failing["traitors"] == "g2"]["strategies"])
    assert table[table["traitors"] == "g0"][["IC1", "IC2"]].all().all()  # the other lieutenant rescues IC1


@pytest.mark.parametrize("order", ["attack", "retreat"])
def test_with_four_generals_om1_holds_for_every_traitor_and_every_strategy(order):
    table = outcome_table(4, 1, order=order)
    assert len(table) == 4 * 7  # every traitor position, the equivocating commander included
    assert set(table["traitors"]) == {"g0", "g1", "g2", "g3"}
    assert "Equivocate(['attack', 'retreat'])" in set(table[table["traitors"] == "g0"]["strategies"])
    assert table["IC1"].all() and table["IC2"].all()


def test_five_generals_hold_om1_too_but_not_against_two_traitors():
    assert outcome_table(5, 1)[["IC1", "IC2"]].all().all()
    two = outcome_table(5, 1, traitor_count=2, tactics=[Lie(opposite), EQUIVOCATE])
    assert not two["IC2"].all()


def test_two_traitors_need_seven_generals_om2_holds_for_every_pair_of_traitors():
    generals = [f"g{i}" for i in range(7)]
    tactics = [Silent(), Lie(opposite), EQUIVOCATE, TwoFaced(generals[1::2])]
    table = outcome_table(7, 2, traitor_count=2, tactics=tactics)
    assert len(table) == 21 * 16 and table["IC1"].all() and table["IC2"].all()


def test_six_generals_are_one_too_few_for_two_traitors():
    result = run_om(6, 2, traitors={"g4": Lie(opposite), "g5": Lie(opposite)})
    assert set(result.decisions.values()) == {"retreat"} and not part(result, IC2)
    assert run_om(7, 2, traitors={"g4": Lie(opposite), "g5": Lie(opposite)}).verdict


# --- OM(m): messages ------------------------------------------------------------------------------
def test_the_exact_message_count_is_a_sum_of_falling_products():
    assert [om_messages(4, m) for m in (0, 1, 2)] == [3, 3 + 3 * 2, 3 + 3 * 2 + 3 * 2 * 1]
    assert om_messages(7, 2) == 6 + 6 * 5 + 6 * 5 * 4 == 156
    assert om_messages(10, 3) == 9 + 72 + 504 + 3024


def test_om_sends_exactly_the_counted_messages_growing_as_n_to_the_m_plus_1():
    table = message_counts(range(3, 10), (0, 1, 2))
    assert len(table) == 7 * 3 - 1  # OM(2) needs n >= 4
    assert (table["messages"] == table["exact"]).all()
    assert list(table[table["m"] == 2]["messages"]) == [15, 40, 85, 156, 259, 400]
    for m, rows in table.groupby("m"):
        assert ((rows["n"] - m - 1) ** (m + 1) <= rows["messages"]).all()
        assert (rows["messages"] <= rows["n^(m+1)"]).all()
    assert om_messages(40, 2) / om_messages(20, 2) == pytest.approx(2 ** 3, rel=0.2)  # doubling n: x 2^(m+1)


def test_a_silent_traitor_sends_nothing_and_a_replaying_one_sends_more():
    assert run_om(4, 1, traitors={"g1": Silent()}).messages == om_messages(4, 1) - 2
    replayed = run_om(4, 1, traitors={"g1": Replay()})
    assert replayed.messages == om_messages(4, 1) + 1 and replayed.verdict
    assert ignored(replayed) == ["a second message along this path (only the first counts)"]


# --- OM(m): timeouts and defaults ------------------------------------------------------------------
def test_a_missing_message_counts_as_the_default_when_its_round_ends():
    result = run_om(4, 1, traitors={"g1": Silent()})
    assert result.decisions == {"g2": "attack", "g3": "attack"}  # attack, attack and the default: attack
    alone = run_om(2, 0, traitors={"g0": Silent()})
    assert alone.decisions == {"g1": DEFAULT} and alone.verdict


def test_a_message_later_than_its_round_is_ignored_even_from_a_loyal_general():
    result = run_om(4, 1, faults=[Delay(1.5)])  # synchrony broken: every message misses its round
    assert set(result.decisions.values()) == {DEFAULT} and not part(result, IC2)
    assert set(ignored(result)) == {"late: a message through 1 general(s) must arrive in round 1",
                                    "late: a message through 2 general(s) must arrive in round 2"}
    assert run_om(4, 1, faults=[Delay(0.5)]).verdict  # slower, but within the round


def test_garbled_bodies_are_ignored_as_missing():
    # a raw Byzantine fault rewrites whole bodies, not orders: the receivers see no Said at all
    result = run_om(4, 1, faults=[Byzantine("g1", EQUIVOCATE)])
    assert ignored(result, "g2") == ["not a Said with an order of attack or retreat"]
    assert result.decisions["g2"] == "attack"


def test_a_crashed_lieutenant_is_faulty_and_not_judged():
    result = run_om(4, 1, faults=[Crash("g3", at=0.5)])
    assert result.decisions == {"g1": "attack", "g2": "attack"} and result.verdict
    assert part(result, IC1).explanation.startswith("the 2 loyal lieutenants")


# --- SM(m): signatures ---------------------------------------------------------------------------
def test_signatures_cannot_be_moved_to_another_order_or_chain():
    keyring = Keyring(["g0", "g1", "g2"], seed=0)
    signed = countersigned(countersigned(None, "attack", "g0", keyring.sealer("g0")), "attack", "g1",
                           keyring.sealer("g1"))
    assert keyring.genuine(signed) and signed.signers == ("g0", "g1")
    assert not keyring.genuine(dataclasses.replace(signed, order="retreat"))
    assert not keyring.genuine(dataclasses.replace(signed, signers=("g0", "g2")))
    assert not keyring.genuine(dataclasses.replace(signed, seals=signed.seals[:1]))
    # g1 re-sealing a changed order with its own key does not make g0's seal fit it
    assert not keyring.genuine(countersigned(dataclasses.replace(signed, signers=("g0",), seals=signed.seals[:1]),
                                             "retreat", "g1", keyring.sealer("g1")))
    assert Keyring(["g0"], seed=1).sealer("g0")("attack", ("g0",)) != keyring.sealer("g0")("attack", ("g0",))


def test_signed_messages_survive_the_lie_that_breaks_three_generals():
    oral = run_om(3, 1, traitors={"g2": Lie(opposite)})
    signed = run_sm(3, 1, traitors={"g2": Lie(opposite)})
    assert not oral.verdict and signed.verdict and signed.decisions == {"g1": "attack"}
    assert ignored(signed, "g1") == ["forged: a seal does not match its signer's key, this order and these signers"]


def test_a_traitorous_commander_can_sign_two_orders_and_everyone_sees_both():
    result = run_sm(4, 2, traitors={"g0": EQUIVOCATE})
    sent = {e.message.body.order for e in result.trace.select("send", "g0")}
    assert sent == {"attack", "retreat"} and ignored(result) == []  # its own seals are genuine
    assert result.decisions == {"g1": "retreat", "g2": "retreat", "g3": "retreat"} and result.verdict


def test_sm_holds_for_one_traitor_among_three_generals_whatever_it_does():
    table = outcome_table(3, 1, algorithm="SM")
    assert len(table) == 21 and table["IC1"].all() and table["IC2"].all()


def test_sm_holds_for_any_two_traitors_among_four_generals_whatever_they_do():
    table = outcome_table(4, 2, algorithm="SM", traitor_count=2)
    assert len(table) == 6 * 7 * 7 and table["IC1"].all() and table["IC2"].all()


def test_sm_needs_m_at_least_the_number_of_traitors():
    # the commander signs only for g3; g3 passes it on only to g1, in the last round SM(1) relays
    traitors = {"g0": Only(["g3"]), "g3": Only(["g1"])}
    short = run_sm(4, 1, traitors=traitors)
    assert short.decisions == {"g1": "attack", "g2": DEFAULT} and not part(short, IC1)
    assert run_sm(4, 2, traitors=traitors).decisions == {"g1": "attack", "g2": "attack"}
    assert not outcome_table(4, 1, algorithm="SM", traitor_count=2)["IC1"].all()


# --- the checkers, both ways ----------------------------------------------------------------------------
def doctored(run, agent, order):
    """The run's trace with ``agent``'s decision changed to ``order`` (None: removed)."""
    trace = Trace()
    for event in run.trace:
        mine = event.kind == "decide" and event.agent == agent
        if not (mine and order is None):
            trace.record(event.time, event.kind, event.agent, peer=event.peer, message=event.message,
                         reason=event.reason, data={"order": order} if mine else event.data)
    return RunResult(stop_reason=run.stop_reason, time=run.result.time, trace=trace)


def test_the_checkers_catch_a_doctored_decision():
    run = run_om(4, 1, traitors={"g3": EQUIVOCATE})
    assert agreement("g0", ["g3"])(run.result) and obedience("g0", ["g3"])(run.result)
    forged = doctored(run, "g2", "retreat")
    ic1, ic2 = agreement("g0", ["g3"])(forged), obedience("g0", ["g3"])(forged)
    assert not ic1 and sorted(e.agent for e in ic1.evidence) == ["g1", "g2"]
    assert not ic2 and [e.agent for e in ic2.evidence] == ["g2"]
    assert agreement("g0", ["g3", "g2"])(forged)  # a traitor's decision is nobody's business


def test_a_loyal_lieutenant_that_never_decides_is_caught():
    run = run_om(4, 1)
    checkers = dict(zip([IC1, IC2, DECIDED], generals_checkers("g0", [])))
    assert checkers[DECIDED](run.result)
    verdict = checkers[DECIDED](doctored(run, "g1", None))
    assert not verdict and [e.agent for e in verdict.evidence] == ["g1"]


def test_a_faulty_commander_is_owed_no_obedience():
    run = run_om(4, 1, traitors={"g0": TwoFaced(["g1"])})
    assert part(run, IC2).explanation == "the commander g0 is faulty: IC2 asks nothing"


class TrustingLieutenant(OMLieutenant):
    """A wrong OM: believes the commander and ignores what the others relay."""

    def value(self, path):
        return self.heard.get(path, DEFAULT)


def run_with(lieutenant, traitors):
    generals = ["g0", "g1", "g2", "g3"]
    world = World(seed=0, faults=[Byzantine(name, strategy) for name, strategy in traitors.items()])
    world.add(OMCommander("g0", generals, order="attack", m=1, period=1.0))
    world.add(*(lieutenant(name, generals, commander="g0", m=1, period=1.0) for name in generals[1:]))
    for checker in generals_checkers("g0", traitors):
        world.add_checker(checker)
    return world.run()


def test_a_lieutenant_that_trusts_the_commander_is_caught_by_ic1():
    two_faced = {"g0": OnOrders(TwoFaced(["g1", "g3"]), lambda said, lie: dataclasses.replace(said, order=lie))}
    assert part(run_with(OMLieutenant, two_faced).verdict(), IC1)
    broken = part(run_with(TrustingLieutenant, two_faced).verdict(), IC1)
    assert not broken and {e.agent: e.data["order"] for e in broken.evidence} == {
        "g1": "attack", "g2": "retreat", "g3": "attack"}


# --- small pieces ------------------------------------------------------------------------------------
def test_majority_and_choice_fall_back_to_the_default():
    assert majority(["attack", "attack", "retreat"]) == "attack"
    assert majority(["attack", "retreat"]) == majority(["attack", "retreat", "x", "y"]) == DEFAULT
    assert choice({"attack"}) == "attack" and choice(set()) == choice({"attack", "retreat"}) == DEFAULT


def test_the_protocol_aware_strategies():
    import random

    rng = random.Random(0)
    assert TwoFaced(["g1"])("g1", "relay", "retreat", rng, ()) == [("g1", "relay", "attack")]
    assert TwoFaced(["g1"])("g2", "relay", "attack", rng, ()) == [("g2", "relay", "retreat")]
    assert Only(["g1"])("g2", "relay", "attack", rng, ()) == [] and Only(["g1"])("g1", "x", 1, rng, ()) == [
        ("g1", "x", 1)]
    assert [repr(s) for s in strategies(["g0", "g1", "g2", "g3"])] == [
        "Silent()", "Lie(opposite)", "Equivocate(['attack', 'retreat'])", "Equivocate(['retreat', 'attack'])",
        "Replay()", "TwoFaced(['g1', 'g3'])", "Only(['g1', 'g3'])"]


def test_a_traitor_lies_about_the_order_and_keeps_the_path():
    result = run_om(4, 1, traitors={"g1": Lie(opposite)})
    relays = [e.message.body for e in result.trace.select("send", "g1")]
    assert relays == [Said(("g0", "g1"), "retreat")] * 2
    fault = result.trace.select("fault", "g1")[0]
    assert fault.reason.startswith("Lie(opposite) turned relay Said(path=('g0', 'g1'), order='attack')")


def test_the_run_reads_well():
    run = run_sm(4, 1, traitors={"g2": Silent()})
    assert repr(run) == ("<GeneralsRun SM(1) among 4 generals, g0 orders attack, traitors: g2=Silent(); "
                         "loyal decide g1=attack g3=attack; messages=7; verdict valid>")
    assert run.metrics == {"algorithm": "SM(1)", "generals": 4, "traitors": 1, "messages": 7, "IC1": True,
                           "IC2": True}
    assert isinstance(run.trace.select("send", "g0")[0].message.body, Signed)


def test_the_same_seed_replays_the_same_run_under_any_hash_seed():
    script = ("from coordlab.patterns.consensus.generals import run_om, run_sm\n"
              "from coordlab.world.byzantine import Replay, Equivocate\n"
              "t = {'g0': Equivocate(['attack', 'retreat']), 'g2': Replay()}\n"
              "print(run_om(5, 2, traitors=t, seed=3).trace.fingerprint(), "
              "run_sm(5, 2, traitors=t, seed=3).trace.fingerprint())")
    outputs = {subprocess.run([sys.executable, "-c", script], env={"PYTHONHASHSEED": seed}, capture_output=True,
                              text=True, check=True).stdout for seed in ("1", "2")}
    assert len(outputs) == 1
    assert run_om(4, 1, traitors={"g1": Replay()}, seed=1).trace.fingerprint() == \
        run_om(4, 1, traitors={"g1": Replay()}, seed=1).trace.fingerprint()


def test_every_traitor_pair_choice_is_enumerated_once():
    table = outcome_table(4, 1, traitor_count=2, tactics=[Silent()])
    assert list(table["traitors"]) == [", ".join(pair) for pair in itertools.combinations(
        ["g0", "g1", "g2", "g3"], 2)]
