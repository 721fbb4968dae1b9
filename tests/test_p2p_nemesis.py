"""The peer-to-peer nemesis suites' judges, tested both ways, and the defects they were written for.

Each judge in ``tests/nemesis/p2p.py`` must pass a good run and catch a run doctored to break
each invariant it promises. The regression tests run the issue's exact repros (issue 10,
defects 6 and 7): push-sum mass across a crash and recovery, and repeated messages.
"""
from __future__ import annotations

import dataclasses
from fractions import Fraction

import pytest

from coordlab import Crash, Duplicate, Loss, Nemesis, Partition
from coordlab.patterns import p2p
from coordlab.world import Trace
from tests.nemesis import p2p as suites


def doctored(run, change):
    """A copy of ``run`` whose trace is ``change(list of event copies)``; the run itself is untouched."""
    events = change([dataclasses.replace(e, data=dict(e.data) if e.data else e.data) for e in run.trace])
    trace = Trace()
    for event in events:
        trace.events.append(dataclasses.replace(event, seq=len(trace.events)))
    return dataclasses.replace(run, result=dataclasses.replace(run.result, trace=trace))


def undelivered(kind):
    """A change that removes every delivery of messages of ``kind`` from a trace."""
    return lambda events: [e for e in events if not (e.kind == "deliver" and e.message.kind == kind)]


def first(events, kind, **data):
    return next(i for i, e in enumerate(events) if e.kind == kind and all(e.data.get(k) == v for k, v in data.items()))


def only(problems, fragment):
    assert problems and any(fragment in p for p in problems), problems
    return problems


# --- broadcast ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def gossip():
    run = suites.run_broadcast(2)  # push-pull (2 % 3), every crash recovered (even seed)
    assert run.method == "push-pull" and suites.every_crash_recovered(run.trace)
    return run


def test_a_good_broadcast_under_a_nemesis_has_no_violation(gossip):
    assert suites.broadcast_violations(gossip) == []
    assert len(gossip.informed) == len(gossip.graph)


def test_the_broadcast_judge_catches_a_peer_informed_twice(gossip):
    def twice(events):
        index = first(events, "informed")
        return events[:index + 1] + [events[index]] + events[index + 1:]

    only(suites.broadcast_violations(doctored(gossip, twice)), "informed 2 times")


def test_the_broadcast_judge_catches_a_rumour_that_was_never_delivered(gossip):
    informed = next(e for e in gossip.trace.select("informed") if e.data["via"] is not None)

    def undelivered(events):
        return [e for e in events if not (e.kind == "deliver" and e.agent == informed.agent)]

    only(suites.broadcast_violations(doctored(gossip, undelivered)), f"{informed.agent} informed via")


def test_the_broadcast_judge_catches_a_peer_informed_by_nobody(gossip):
    informed = next(e for e in gossip.trace.select("informed") if e.data["via"] is not None)

    def by_nobody(events):
        events[informed.seq].data["via"] = None
        return events

    only(suites.broadcast_violations(doctored(gossip, by_nobody)), "by nobody, and is not the origin")


def test_the_broadcast_judge_catches_a_live_peer_never_informed(gossip):
    last = gossip.trace.select("informed")[-1]
    run = doctored(gossip, lambda events: [e for e in events if e.seq != last.seq])
    run = dataclasses.replace(run, informed={k: v for k, v in gossip.informed.items() if k != last.agent})
    only(suites.broadcast_violations(run), f"['{last.agent}'] never informed")


def test_the_broadcast_judge_catches_a_result_that_misreports_the_trace(gossip):
    run = dataclasses.replace(gossip, informed={**gossip.informed, "ghost": 1})
    only(suites.broadcast_violations(run), "is not the trace's")


def test_flooding_promises_no_liveness_under_loss():
    run = p2p.run_broadcast("ring", 16, method="flood", loss=0.5, seed=0)
    assert len(run.informed) < 16 and suites.broadcast_violations(run) == []


def test_a_duplicated_rumour_informs_once_and_is_not_passed_on_again():
    plain = p2p.run_broadcast("complete", 8, method="flood", seed=0)
    doubled = p2p.run_broadcast("complete", 8, method="flood", seed=0, faults=[Duplicate(1.0)])
    copies = [e for e in doubled.trace.select("deliver") if e.message.duplicate]
    assert copies  # every message really arrived twice
    assert len(doubled.trace.select("informed")) == 8 and doubled.verdict
    assert doubled.messages == plain.messages  # a second copy is not news: no second flood


# --- push-sum ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def averaging():
    run = suites.run_push_sum(2)  # p2 and p1 crash after giving shares, and recover
    assert suites.every_crash_recovered(run.trace) and len(run.trace.select("recover")) == 2
    return run


def test_a_good_push_sum_under_a_nemesis_has_no_violation(averaging):
    assert suites.push_sum_violations(averaging) == []


def test_the_push_sum_judge_catches_a_share_added_twice(averaging):
    def twice(events):
        index = next(i for i, e in enumerate(events) if e.kind == "mass" and "absorbed" in e.data)
        again = dataclasses.replace(events[index], data=dict(events[index].data))
        s, w = again.data["s"], again.data["w"]
        share = again.data["share"]
        again.data.update(s=s + share[0], w=w + share[1])
        return events[:index + 1] + [again] + events[index + 1:]

    only(suites.push_sum_violations(doctored(averaging, twice)), "twice")


def test_the_push_sum_judge_catches_mass_created_from_nothing(averaging):
    def created(events):
        mass = next(e for e in events if e.kind == "mass" and "sent" in e.data)
        mass.data["s"] += 1
        return events

    problems = suites.push_sum_violations(doctored(averaging, created))
    only(problems, "but its shares make")
    only(problems, "mass (")


def test_the_push_sum_judge_catches_a_peer_restarting_from_its_value(averaging):
    """The issue's defect: a recovered peer that forgot its pair and started again from (value, 1)."""
    recover = averaging.trace.select("recover")[0]
    kept = next(e for e in averaging.trace.select("mass", recover.agent) if e.seq > recover.seq)
    assert kept.data["w"] != 1  # it had given and taken shares before it crashed

    def forgot(events):
        events[kept.seq].data.update(s=Fraction(averaging.values[recover.agent]), w=Fraction(1))
        return events

    only(suites.push_sum_violations(doctored(averaging, forgot)), "but its shares make")


def test_the_push_sum_judge_catches_a_share_that_is_not_half(averaging):
    def greedy(events):
        mass = next(e for e in events if e.kind == "mass" and "sent" in e.data)
        mass.data["share"] = (mass.data["share"][0] * 2, mass.data["share"][1])
        return events

    only(suites.push_sum_violations(doctored(averaging, greedy)), "not half of its")


def test_the_push_sum_judge_catches_a_share_added_without_its_delivery(averaging):
    only(suites.push_sum_violations(doctored(averaging, undelivered("share"))), "which was not delivered to it")


def test_the_push_sum_judge_catches_a_share_never_added_and_a_wrong_estimate(averaging):
    last = [e for e in averaging.trace.select("mass") if "absorbed" in e.data][-1]

    def stuck(events):
        events = [e for e in events if e.seq != last.seq]
        final = [e for e in events if e.kind == "mass"][-1]
        final.data["estimate"] += 1
        return events

    problems = suites.push_sum_violations(doctored(averaging, stuck))
    only(problems, "were never added")
    only(problems, "are not within 0.01")


def test_push_sum_keeps_its_mass_across_a_crash_and_recovery():
    """Issue 10, defect 7: the total was (77.5, 7.75) after p3 crashed and recovered; it must be (80, 8)."""
    run = p2p.run_push_sum("complete", 8, values=[10] * 8, rounds=20, faults=[Crash("p3", at=2.5, recover_at=4)])
    assert {m.total for m in run.ledger} == {(80, 8)}
    assert run.ledger[-1].total == (Fraction(80), Fraction(8)) and run.ledger[-1].in_flight == (0, 0)
    assert set(p2p.final_estimates(run.trace).values()) == {10.0}
    assert suites.push_sum_violations(run) == []
    recovered = run.trace.select("recover")[0]
    before, after = (e for e in run.trace.select("mass", "p3") if e.seq < recovered.seq), None
    *_, before = before
    after = next(e for e in run.trace.select("mass", "p3") if e.seq > recovered.seq)
    assert (after.data["s"], after.data["w"]) == (before.data["s"], before.data["w"])  # kept in stable


@pytest.mark.parametrize("faults", [
    [Duplicate(1.0)],                                          # every share and share_ok arrives twice
    [Partition([["p0", "p1", "p2"]], at=1, heal_at=6)],        # shares dropped at the cut
    [Crash("p5", at=2.25, recover_at=7), Duplicate(0.5, at=1, until=9), Loss(0.3, at=0, until=10)],
], ids=["duplication", "partition", "crash, duplication and loss"])
def test_push_sum_mass_is_exact_under_duplication_partitions_and_crashes(faults):
    run = p2p.run_push_sum("complete", 8, values=list(range(8)), rounds=30, faults=faults, seed=4)
    assert {m.total for m in run.ledger} == {(28, 8)}
    assert run.ledger[-1].in_flight == (0, 0)  # the faults ended: every share was added in the end
    assert run.verdict and suites.push_sum_violations(run) == []


def test_shares_lost_in_the_last_round_stay_in_flight_but_are_not_lost():
    run = p2p.run_push_sum("complete", 8, values=list(range(8)), rounds=10, loss=0.3, seed=4)
    assert run.ledger[-1].in_flight[1] > 0 and {m.total for m in run.ledger} == {(28, 8)}


def test_a_share_delivered_twice_is_added_once_and_acknowledged_twice():
    run = p2p.run_push_sum("complete", 4, rounds=5, faults=[Duplicate(1.0)], seed=1)
    shares = [e for e in run.trace.select("deliver") if e.message.kind == "share"]
    added = [e for e in run.trace.select("mass") if "absorbed" in e.data]
    acks = [e for e in run.trace.select("send") if e.message.kind == "share_ok"]
    assert len(shares) == 2 * len(added) and len(acks) == len(shares)


def test_mass_ledger_never_raises_and_is_empty_without_push_sum():
    assert p2p.mass_ledger(p2p.run_broadcast("ring", 4).trace) == []
    for seed in range(30):  # duplicated shares dropped at crashed peers made the old ledger raise KeyError
        run = p2p.run_push_sum("complete", 6, rounds=15, seed=seed, faults=Nemesis(seed=seed, recover=0.5))
        assert {m.total for m in run.ledger} == {(sum(run.values.values()), 6)}


# --- contract net --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def auction():
    run = suites.run_contract_net(4)
    assert suites.every_crash_recovered(run.trace) and run.trace.select("award_failed")
    return run


def test_a_good_contract_net_under_a_nemesis_has_no_violation(auction):
    assert suites.contract_net_violations(auction) == [] and auction.unassigned == {}


def test_the_contract_net_judge_catches_two_standing_awards(auction):
    def two(events):
        award = events[first(events, "award")]
        again = dataclasses.replace(award, data={**award.data, "to": "p9"})
        return events[:award.seq + 1] + [again] + events[award.seq + 1:]

    only(suites.contract_net_violations(doctored(auction, two)), "while the award")


def test_the_contract_net_judge_catches_a_task_done_twice(auction):
    def twice(events):
        done = events[first(events, "task_done")]
        return events[:done.seq + 1] + [done] + events[done.seq + 1:]

    only(suites.contract_net_violations(doctored(auction, twice)), "done 2 times")


def test_the_contract_net_judge_catches_work_run_twice_for_one_award(auction):
    def twice(events):
        start = next(e for e in events if e.kind == "work_start")
        return events[:start.seq + 1] + [start] + events[start.seq + 1:]

    only(suites.contract_net_violations(doctored(auction, twice)), "times for 1 award(s)")


def test_the_contract_net_judge_catches_a_done_nobody_sent(auction):
    only(suites.contract_net_violations(doctored(auction, undelivered("done"))), "without its work and done")


def test_the_contract_net_judge_catches_a_withdrawal_of_an_award_that_did_not_stand(auction):
    def withdrawn(events):
        failed = events[first(events, "award_failed")]
        failed.data["attempt"] += 7
        return events

    only(suites.contract_net_violations(doctored(auction, withdrawn)), "but it did not stand")


def test_the_contract_net_judge_catches_a_task_left_undone_by_a_live_owner(auction):
    done = auction.trace.select("task_done")[0]
    problems = suites.contract_net_violations(doctored(auction, lambda events: [e for e in events
                                                                               if e.seq != done.seq]))
    only(problems, "neither done nor abandoned")
    only(problems, "every crash recovered, yet")


def test_unassigned_tasks_are_reported_with_their_reason():
    def refuse(me, task):
        return None

    tasks = p2p.make_tasks(3, ["p0", "p1"])
    run = p2p.run_contract_net(3, tasks, strategy=refuse, max_attempts=2, faults=[Crash("p1", at=0.5)])
    assert run.unassigned == {"t00": "no award kept in 2 attempts", "t01": "its owner p1 crashed or left",
                              "t02": "no award kept in 2 attempts"}
    assert suites.contract_net_violations(run) == []  # given up with a reason: not a safety violation


def test_a_duplicated_award_is_worked_on_once():
    """Issue 10, defect 6: every message arrives twice; no task may be run twice."""
    run = p2p.run_contract_net(5, seed=0, faults=[Duplicate(1.0)])
    awards = [e for e in run.trace.select("deliver") if e.message.kind == "award"]
    assert any(e.message.duplicate for e in awards)
    starts = [e.reason for e in run.trace.select("work_start")]
    assert sorted(starts) == sorted(t.id for t in run.tasks)  # each task once
    assert run.verdict and suites.contract_net_violations(run) == []


def test_a_duplicated_failure_report_starts_one_new_auction():
    run = p2p.run_contract_net(5, seed=3, fails=0.4, faults=[Duplicate(1.0)], max_attempts=20)
    calls = [(e.data["task"], e.data["attempt"]) for e in run.trace.select("announce")]
    assert len(run.trace.select("award_failed")) > 0 and len(calls) == len(set(calls))
    assert run.verdict and suites.contract_net_violations(run) == []


def test_a_manager_that_crashes_and_recovers_does_not_redo_finished_tasks():
    run = p2p.run_contract_net(5, seed=0, faults=[Crash("p2", at=11, recover_at=13)])
    assert run.verdict and sorted(run.allocation) == sorted(t.id for t in run.tasks)
    assert suites.contract_net_violations(run) == []
    announced_after = {e.data["task"] for e in run.trace.select("announce", "p2") if e.time >= 13}
    done_before = {e.data["task"] for e in run.trace.select("task_done", "p2") if e.time < 11}
    assert done_before == {"t02", "t07"} and announced_after == {"t12", "t17"}


def test_discovery_is_idempotent_under_duplication():
    plain = p2p.run_discovery(8, seed=0)
    doubled = p2p.run_discovery(8, seed=0, faults=[Duplicate(1.0)])
    assert doubled.verdict and p2p.view_sizes(doubled.trace) == p2p.view_sizes(plain.trace)
    assert any(e.message.duplicate for e in doubled.trace.select("deliver"))
