"""Consensus: agents that agree on one decision, even when some of them fail or lie.

One module per idea, in the order notebook 06 tells them:

* ``voting``        voting rules on preference profiles (plurality, Borda, instant-runoff,
  Copeland with the Condorcet winner, approval) and the paradoxes that tell them apart;
* ``ballots``       voting as messages: voters, a tallier, a quorum, ballots lost or duplicated;
* ``jury``          Condorcet's jury theorem: when asking more agents helps, and when it does not;
* ``bully``         electing a coordinator by id, and why it needs a synchronous network;
* ``generals``      the Byzantine generals: OM(m) and SM(m), and why 3m+1 generals are needed;
* ``generals_checks`` interactive consistency (IC1, IC2) read from a run's trace;
* ``raft``          Raft (Ongaro & Ousterhout 2014): terms, elections, a replicated log;
* ``kv``            a key-value store replicated on that log, and clients that retry safely;
* ``linearizability`` a checker that a store's history looks like one copy;
* ``raft_checks``   the safety properties of Raft's Figure 3, read from a run's trace;
* ``raft_run``      ``run_raft``: a cluster, clients and a fault schedule, run to a verdict;
* ``replicated``    notebook 02's orchestrator with its task state on a Raft log: no single point of failure;
* ``scenarios``     Raft runs from chosen states (Figure 8, a stale long log) and deliberately broken servers;
* ``naive``         the textbook pitfalls, for "Break": split brain, one Byzantine replica, a naive tallier;
* ``protocol``      every message kind of the chapter, printable as a table.

Every run function returns a ``coordlab.patterns.run.PatternRun``: ``run_election`` an
``ElectionRun``, ``run_bully`` a ``BullyRun``, ``run_om`` and ``run_sm`` a ``GeneralsRun``,
``run_raft`` a ``RaftRun``, ``run_replicated`` a ``ReplicatedRun``.
"""
from coordlab.patterns.consensus import naive, scenarios
from coordlab.patterns.consensus.ballots import ElectionRun, run_election
from coordlab.patterns.consensus.bully import BullyRun, run_bully
from coordlab.patterns.consensus.generals import (
    GeneralsRun,
    Only,
    TwoFaced,
    message_counts,
    om_messages,
    outcome_table,
    run_om,
    run_sm,
)
from coordlab.patterns.consensus.kv import KVClient, KVStore
from coordlab.patterns.consensus.linearizability import linearizability
from coordlab.patterns.consensus.protocol import PROTOCOL, protocol_table
from coordlab.patterns.consensus.raft import RaftServer
from coordlab.patterns.consensus.raft_checks import raft_checkers
from coordlab.patterns.consensus.raft_run import RaftRun, run_raft
from coordlab.patterns.consensus.replicated import ReplicatedRun, cost_of_replication, run_replicated

__all__ = [
    "PROTOCOL", "BullyRun", "ElectionRun", "GeneralsRun", "KVClient", "KVStore", "Only", "RaftRun", "RaftServer",
    "TwoFaced", "linearizability", "message_counts", "om_messages", "outcome_table", "protocol_table",
    "raft_checkers", "run_bully", "run_election", "run_om", "run_raft", "run_sm", "ReplicatedRun",
    "cost_of_replication", "naive", "run_replicated", "scenarios",
]
