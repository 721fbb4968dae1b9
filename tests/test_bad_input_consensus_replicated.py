"""The replicated orchestrator's and the pitfalls' bad-input catalogue: each case fails before anything runs.

Every case is ``(what, call, error type, argument)``: ``call()`` must raise ``error type`` with a
message that starts with ``argument=`` (the argument, its value, what is allowed).
"""
import pytest

from coordlab.patterns.centralized import generalists
from coordlab.patterns.consensus.naive import byzantine_raft, split_brain
from coordlab.patterns.consensus.replicated import (
    OrchestratorReplica,
    ReplicatedClient,
    cost_of_replication,
    run_replicated,
)
from coordlab.patterns.tasks import Task, research_pipeline
from coordlab.world import Agent, Nemesis
from tests.bad_input import assert_refused

JOB = research_pipeline(2)
SERVERS = ["s1", "s2", "s3"]
JOB_WORKERS = generalists(2, ["research", "analysis", "writing"])

CASES = [
    # run_replicated(...)
    ("seed None", lambda: run_replicated(JOB, seed=None), TypeError, "seed"),
    ("seed negative", lambda: run_replicated(JOB, seed=-1), ValueError, "seed"),
    ("tasks a string", lambda: run_replicated("research"), TypeError, "tasks"),
    ("tasks with a cycle", lambda: run_replicated([Task("a", depends_on=("b",)), Task("b", depends_on=("a",))]),
     ValueError, "depends_on"),
    ("workers zero", lambda: run_replicated(JOB, workers=0), ValueError, "workers"),
    ("workers float", lambda: run_replicated(JOB, workers=2.5), TypeError, "workers"),
    ("replicas zero", lambda: run_replicated(JOB, replicas=0), ValueError, "replicas"),
    ("replicas too many", lambda: run_replicated(JOB, replicas=100), ValueError, "replicas"),
    ("replicas float", lambda: run_replicated(JOB, replicas=3.0), TypeError, "replicas"),
    ("policy unknown", lambda: run_replicated(JOB, policy="fastest"), ValueError, "policy"),
    ("retry an int", lambda: run_replicated(JOB, retry=3), TypeError, "retry"),
    ("timeout a number", lambda: run_replicated(JOB, timeout=4.0), TypeError, "timeout"),
    ("reask zero", lambda: run_replicated(JOB, reask=0), ValueError, "reask"),
    ("heartbeat zero", lambda: run_replicated(JOB, heartbeat=0), ValueError, "heartbeat"),
    ("election timeout below heartbeat", lambda: run_replicated(JOB, election_timeout=0.05), ValueError,
     "election_timeout"),
    ("spread negative", lambda: run_replicated(JOB, spread=-1), ValueError, "spread"),
    ("submit_at negative", lambda: run_replicated(JOB, submit_at=-1), ValueError, "submit_at"),
    ("patience zero", lambda: run_replicated(JOB, patience=0), ValueError, "patience"),
    ("tries zero", lambda: run_replicated(JOB, tries=0), ValueError, "tries"),
    ("latency negative", lambda: run_replicated(JOB, latency=-1), ValueError, "latency"),
    ("loss above 1", lambda: run_replicated(JOB, loss=1.5), ValueError, "loss"),
    ("faults a string", lambda: run_replicated(JOB, faults="crash s1"), TypeError, "faults"),
    ("nemesis seed None", lambda: run_replicated(JOB, faults=Nemesis(seed=None)), TypeError, "seed"),
    ("kill_leader_at zero", lambda: run_replicated(JOB, kill_leader_at=0), ValueError, "kill_leader_at"),
    ("kill_leader_at a string", lambda: run_replicated(JOB, kill_leader_at="soon"), TypeError, "kill_leader_at"),
    ("kill_leader_at before any leader", lambda: run_replicated(JOB, kill_leader_at=0.1), ValueError,
     "kill_leader_at"),
    ("until zero", lambda: run_replicated(JOB, until=0), ValueError, "until"),
    ("replica not an OrchestratorReplica", lambda: run_replicated(JOB, replica=Agent), TypeError, "replica"),
    # the agents
    ("replica not in its cluster", lambda: OrchestratorReplica("s9", SERVERS, JOB_WORKERS), ValueError, "servers"),
    ("replica without workers", lambda: OrchestratorReplica("s1", SERVERS, []), TypeError, "workers"),
    ("client patience negative", lambda: ReplicatedClient("client", SERVERS, JOB, {}, patience=-1), ValueError,
     "patience"),
    ("client start_at nan", lambda: ReplicatedClient("client", SERVERS, JOB, {}, start_at=float("nan")),
     ValueError, "start_at"),
    # cost_of_replication(...)
    ("workloads a list", lambda: cost_of_replication([JOB]), TypeError, "workloads"),
    ("replicas an int", lambda: cost_of_replication(replicas=3), TypeError, "replicas"),
    ("crash_at zero", lambda: cost_of_replication(crash_at=0), ValueError, "crash_at"),
    ("restart_after negative", lambda: cost_of_replication(restart_after=-1), ValueError, "restart_after"),
    # the pitfalls
    ("lie unknown", lambda: byzantine_raft("tells the truth"), ValueError, "lie"),
    ("traitor a string", lambda: byzantine_raft("falls silent", traitor="yes"), TypeError, "traitor"),
    ("byzantine seed None", lambda: byzantine_raft("falls silent", seed=None), TypeError, "seed"),
    ("heal_at before the cut", lambda: split_brain(heal_at=0.5), ValueError, "heal_at"),
    ("split brain seed None", lambda: split_brain(seed=None), TypeError, "seed"),
]


@pytest.mark.parametrize("what, call, error, argument", CASES, ids=[case[0] for case in CASES])
def test_bad_input_is_refused_naming_the_argument(what, call, error, argument):
    assert_refused(call, error, argument)


def test_the_catalogue_is_big_enough():
    assert len(CASES) >= 20
