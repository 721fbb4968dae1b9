"""Each Raft checker both ways: it passes good runs and catches a broken server or a doctored trace.

The nemesis suite's own checks (``tests/nemesis/consensus.py``) must catch the same broken runs.
"""
from __future__ import annotations

import pytest

from coordlab.patterns.consensus.kv import KVStore
from coordlab.patterns.consensus.protocol import Command, Entry, Outcome
from coordlab.patterns.consensus.raft import RaftServer
from coordlab.patterns.consensus.raft_checks import (
    applied_at_most_once,
    election_safety,
    leader_completeness,
    log_matching,
    raft_checkers,
    state_machine_safety,
)
from coordlab.patterns.consensus.raft_run import run_raft
from coordlab.patterns.consensus.scenarios import CountsOldTerms, VotesByLength, figure_8, stale_long_log
from coordlab.world import Duplicate, Nemesis, RunResult, Trace
from tests.nemesis import consensus as nemesis_suite


class VotesForEveryone(RaftServer):
    """Grants every candidate of its term its vote, even after voting for another (or itself)."""

    async def on_request_vote(self, msg) -> None:
        self.stable["voted_for"] = None
        await super().on_request_vote(msg)


class Forgets(KVStore):
    """A store without de-duplication: a retried command is applied again."""

    def apply(self, command: Command) -> tuple[Outcome, bool]:
        return Outcome(self.execute(command)), True


class ForgetfulServer(RaftServer):
    state_machine = Forgets


def failed(run) -> set[str]:
    return {part.name for part in run.verdict.parts if not part}


def trace_of(*events) -> RunResult:
    """A run result whose trace holds ``events``: (time, kind, agent, data)."""
    trace = Trace()
    for time, kind, agent, data in events:
        trace.record(time, kind, agent, data=data)
    return RunResult("completed", events[-1][0], trace)


def put(client, seq, value) -> Command:
    return Command(client, seq, "put", "x", value)


@pytest.fixture(scope="module")
def nemesis_run():
    return run_raft(seed=3, think=0.8, faults=Nemesis(seed=3, spare=("c1", "c2")), until=40)


@pytest.mark.parametrize("checker", raft_checkers(), ids=lambda checker: checker.__name__)
def test_every_checker_passes_a_run_under_the_nemesis(nemesis_run, checker):
    assert checker(nemesis_run.result), str(checker(nemesis_run.result))
    assert nemesis_suite.violations(nemesis_run) == []


# --- election safety ---------------------------------------------------------------------------
def test_election_safety_catches_two_leaders_in_a_term():
    doctored = trace_of((1, "leader", "s1", {"term": 3}), (2, "leader", "s2", {"term": 3}),
                        (3, "leader", "s2", {"term": 4}))
    verdict = election_safety(doctored)
    assert not verdict and [e.agent for e in verdict.evidence] == ["s2"]


def test_election_safety_catches_a_server_that_votes_twice():
    # With no spread every server stands at once; only "one vote per term" leaves one leader.
    good = run_raft(servers=3, clients=1, operations=2, spread=0.0, seed=1)
    broken = run_raft(servers=3, clients=1, operations=2, spread=0.0, seed=1, server=VotesForEveryone)
    assert good.verdict, str(good.verdict)
    assert "election safety" in failed(broken)
    assert any("had leaders" in v for v in nemesis_suite.violations(broken))


# --- log matching ------------------------------------------------------------------------------
def test_log_matching_both_ways():
    a, b = Entry(1, put("c1", 1, "a")), Entry(1, put("c2", 1, "b"))
    same = trace_of((1, "entries", "s1", {"start": 1, "entries": (a,)}),
                    (2, "entries", "s2", {"start": 1, "entries": (a, b)}))
    clash = trace_of((1, "entries", "s1", {"start": 1, "entries": (a,)}),
                     (2, "entries", "s2", {"start": 1, "entries": (b,)}))
    assert log_matching(same)
    verdict = log_matching(clash)
    assert not verdict and [e.agent for e in verdict.evidence] == ["s2"]


def test_log_matching_catches_an_entry_after_a_different_history():
    a, b, c = Entry(1, put("c1", 1, "a")), Entry(2, put("c2", 1, "b")), Entry(3, put("c3", 1, "c"))
    forked = trace_of((1, "entries", "s1", {"start": 1, "entries": (a, c)}),
                      (2, "entries", "s2", {"start": 1, "entries": (b, c)}))
    assert not log_matching(forked)


# --- leader completeness and state-machine safety ----------------------------------------------
@pytest.mark.parametrize("scenario, broken", [(figure_8, CountsOldTerms), (stale_long_log, VotesByLength)],
                         ids=["figure 8", "votes by length"])
def test_lost_committed_entries_are_caught(scenario, broken):
    assert scenario(RaftServer).verdict
    run = scenario(broken)
    assert {"leader completeness", "state-machine safety"} <= failed(run)
    found = nemesis_suite.violations(run)
    assert any("lacks index" in v for v in found) and any("different commands" in v for v in found)


def test_state_machine_safety_on_a_doctored_trace():
    first, second = put("c1", 1, "a"), put("c2", 1, "b")
    apply = {"term": 1, "output": "a", "fresh": True}
    assert state_machine_safety(trace_of((1, "apply", "s1", {"index": 1, "command": first, **apply}),
                                         (2, "apply", "s2", {"index": 1, "command": first, **apply})))
    verdict = state_machine_safety(trace_of((1, "apply", "s1", {"index": 1, "command": first, **apply}),
                                            (2, "apply", "s2", {"index": 1, "command": second, **apply})))
    assert not verdict and verdict.evidence[0].agent == "s2"


def test_leader_completeness_on_a_doctored_trace():
    a, b = Entry(1, put("c1", 1, "a")), Entry(2, put("c2", 1, "b"))
    committed = [(1, "entries", "s1", {"start": 1, "entries": (a,)}), (2, "commit", "s1", {"index": 1, "term": 1})]
    assert leader_completeness(trace_of(*committed, (3, "entries", "s2", {"start": 1, "entries": (a,)}),
                                        (4, "leader", "s2", {"term": 2})))
    assert not leader_completeness(trace_of(*committed, (3, "entries", "s2", {"start": 1, "entries": (b,)}),
                                            (4, "leader", "s2", {"term": 2})))


# --- at most once, and linearizability -----------------------------------------------------------
def test_a_store_without_deduplication_is_caught():
    options = dict(servers=3, clients=2, operations=10, seed=2, faults=[Duplicate(0.5)], client_timeout=0.05)
    assert run_raft(**options).verdict
    broken = run_raft(**options, server=ForgetfulServer)
    assert "each command applied at most once" in failed(broken)
    assert any("times" in v for v in nemesis_suite.violations(broken))


def test_applying_again_after_a_restart_is_not_a_duplicate():
    fresh = {"index": 1, "term": 1, "command": put("c1", 1, "a"), "output": "a", "fresh": True}
    again = trace_of((1, "apply", "s1", fresh), (2, "crash", "s1", None), (3, "apply", "s1", fresh))
    twice = trace_of((1, "apply", "s1", fresh), (3, "apply", "s1", {**fresh, "index": 2}))
    assert applied_at_most_once(again)
    assert not applied_at_most_once(twice)


def test_duplicated_appends_break_linearizability():
    options = dict(servers=3, clients=2, operations=[("append", "x", "a"), ("get", "x", None)] * 4, seed=2,
                   faults=[Duplicate(0.5)], client_timeout=0.05)
    assert run_raft(**options).verdict
    broken = run_raft(**options, server=ForgetfulServer)
    assert "linearizable" in failed(broken)
    assert any("the log says" in v for v in nemesis_suite.violations(broken))
