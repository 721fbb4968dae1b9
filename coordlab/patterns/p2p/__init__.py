"""Peer-to-peer coordination: agents that talk directly, with no one in charge.

One module per idea, in the order notebook 03 tells them:

* ``protocol``     the message kinds, printable as a table (``protocol_table()``);
* ``topology``     who knows whom: complete, ring, grid, small-world, scale-free, any graph;
* ``peer``         a ``Peer``: joins through a contact, gossips membership, leaves, acts in rounds;
* ``broadcast``    flooding, push and push-pull gossip, with the theory and a checker;
* ``averaging``    push-sum: every peer learns the mean, mass conserved exactly;
* ``contract_net`` allocating tasks by auction, against a central greedy allocator;
* ``naive``        the widely copied textbook peer, flaws included (for "Break" only).
"""
from coordlab.patterns.p2p.averaging import (
    AveragingRun,
    PushSumPeer,
    error_by_round,
    estimates_within,
    final_estimates,
    mass_ledger,
    run_push_sum,
)
from coordlab.patterns.p2p.broadcast import (
    METHODS,
    BroadcastRun,
    FloodPeer,
    GossipPeer,
    RumourPeer,
    default_rounds,
    everyone_informed,
    informed_rounds,
    live_peers,
    push_pull_rounds,
    push_rounds,
    run_broadcast,
)
from coordlab.patterns.p2p.contract_net import (
    BidderView,
    ContractPeer,
    ContractRun,
    Strategy,
    Task,
    bid_by_load,
    greedy_makespan,
    make_tasks,
    promise_lateness,
    run_contract_net,
    tasks_awarded_once_and_done,
)
from coordlab.patterns.p2p.naive import LoopFirstPeer, NaivePeer, mesh_links, run_naive
from coordlab.patterns.p2p.peer import DiscoveryRun, MemberPeer, Peer, run_discovery, view_sizes
from coordlab.patterns.p2p.protocol import PROTOCOL, MessageKind, protocol_table
from coordlab.patterns.p2p.topology import (
    TOPOLOGIES,
    as_topology,
    make_topology,
    peer_names,
    require_connected,
    spectral_gap,
)

__all__ = [
    "METHODS", "PROTOCOL", "TOPOLOGIES", "AveragingRun", "BidderView", "BroadcastRun", "ContractPeer", "ContractRun",
    "DiscoveryRun", "FloodPeer", "GossipPeer", "LoopFirstPeer", "MemberPeer", "MessageKind", "NaivePeer", "Peer",
    "PushSumPeer", "RumourPeer", "Strategy", "Task", "as_topology", "bid_by_load", "default_rounds", "error_by_round",
    "estimates_within", "everyone_informed", "final_estimates", "greedy_makespan", "informed_rounds", "live_peers",
    "make_tasks", "make_topology", "mass_ledger", "mesh_links", "peer_names", "promise_lateness", "protocol_table", "push_pull_rounds",
    "push_rounds", "require_connected", "run_broadcast", "run_contract_net", "run_discovery", "run_naive",
    "run_push_sum", "spectral_gap", "tasks_awarded_once_and_done", "view_sizes",
]
