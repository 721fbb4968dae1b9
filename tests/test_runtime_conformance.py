"""Conformance: the same scenarios on both hosts give the same verdicts (not the same timings).

Each scenario runs a pattern's own run function on the simulated world, then the same agents
and checkers on the real runtime (``run_real``), with the same faults where both hosts have
them. Besides the checkers' verdicts, each test recomputes its invariant from the real trace
itself: tasks done exactly once, everyone informed, one leader per term.

The Raft run has one client: ``run_raft`` ends the run through a ``FinishLine`` that all its
clients share in memory (the tester's view), which agents in separate processes cannot share,
so a real run with more clients ends at its horizon instead (same verdicts, another stop_reason).
"""
from __future__ import annotations

from collections import Counter

import pytest

from coordlab import Crash, Partition
from coordlab.patterns.centralized import CentralizedRun, run_centralized
from coordlab.patterns.consensus import RaftRun, run_raft
from coordlab.patterns.p2p import BroadcastRun, run_broadcast
from coordlab.patterns.tasks import research_pipeline
from coordlab.runtime import local_cluster, run_real

PEERS = 12


@pytest.fixture(scope="module")
def address():
    with local_cluster() as address:
        yield address


def verdicts(run) -> list[tuple[str, bool]]:
    return [(part.name, part.valid) for part in run.verdict.parts]


def done_once(run) -> bool:
    """Every task of the pipeline has exactly one ``task_done`` event in the trace."""
    done = Counter(event.data["task"] for event in run.trace.select("task_done"))
    return sorted(done) == sorted(task.id for task in research_pipeline()) and set(done.values()) == {1}


@pytest.mark.parametrize("faults", [[], [Crash("worker-2", at=1.0)]], ids=["no faults", "a worker crashes"])
def test_the_centralized_pipeline_does_every_task_exactly_once_on_both_hosts(address, faults):
    simulated = run_centralized(research_pipeline(), workers=3, seed=1, faults=faults)
    real = run_real(simulated, address=address, faults=faults)
    assert isinstance(real, CentralizedRun)
    assert real.stop_reason == simulated.stop_reason == "completed"
    assert verdicts(real) == verdicts(simulated) and real.verdict.valid
    assert done_once(simulated) and done_once(real)
    assert real.count("done") == simulated.count("done") == len(research_pipeline())


def test_push_pull_gossip_informs_everyone_on_both_hosts(address):
    simulated = run_broadcast("complete", PEERS, method="push-pull", seed=1)
    real = run_real(simulated, address=address)
    assert isinstance(real, BroadcastRun)
    assert verdicts(real) == verdicts(simulated) and real.verdict.valid
    peers = {f"p{number:02d}" for number in range(PEERS)}  # the names run_broadcast gives: p00, p01, ...
    assert {event.agent for event in real.trace.select("informed")} == peers == set(simulated.informed)
    first_round: dict[str, int] = {}  # the round in which each peer first heard the rumour, read off the trace
    for event in real.trace.select("informed"):
        first_round.setdefault(event.agent, event.data["round"])
    assert real.rounds == max(first_round.values()) >= 1  # the origin knows it in round 0; the others later


def test_a_lasting_partition_leaves_the_same_peers_out_on_both_hosts(address):
    names = sorted(run_broadcast("complete", PEERS, method="push-pull", seed=1).informed)
    cut = Partition([names[: PEERS // 2], names[PEERS // 2:]], at=0)
    simulated = run_broadcast("complete", PEERS, method="push-pull", seed=1, faults=[cut])
    real = run_real(simulated, address=address, faults=[cut])
    assert verdicts(real) == verdicts(simulated) and not real.verdict.valid
    assert set(real.informed) == set(simulated.informed)  # the origin's half, and only it
    assert len(real.informed) == PEERS // 2


def test_raft_elects_one_leader_per_term_and_keeps_its_logs_matching_on_both_hosts(address):
    simulated = run_raft(servers=3, clients=1, operations=5, seed=1)
    real = run_real(simulated, address=address, until=20.0)  # ends at the horizon: see the module's docstring
    assert isinstance(real, RaftRun)
    assert verdicts(real) == verdicts(simulated) and real.verdict.valid
    assert "log matching" in dict(verdicts(real)) and "election safety" in dict(verdicts(real))
    leaders: dict[int, set[str]] = {}
    for event in real.trace.select("leader"):
        leaders.setdefault(event.data["term"], set()).add(event.agent)
    assert leaders and all(len(names) == 1 for names in leaders.values())
    assert real.completed == simulated.completed == 5
