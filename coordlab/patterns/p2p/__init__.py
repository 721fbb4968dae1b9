"""Peer-to-peer coordination: agents that talk directly, with no one in charge.

One module per idea, in the order notebook 03 tells them:

* ``protocol``     the message kinds, printable as a table (``protocol_table()``);
* ``topology``     who knows whom: complete, ring, grid, small-world, scale-free, any graph;
* ``overlay``      the same, as runs use it: complete, ring and grid computed, never stored;
* ``peer``         a ``Peer``: joins through a contact, keeps a view, leaves, acts in rounds;
* ``discovery``    peers that know one contact each come to know everyone by gossip;
* ``broadcast``    flooding, push and push-pull gossip, with the theory;
* ``averaging``    push-sum: every peer learns the mean, mass conserved exactly;
* ``contract_net`` allocating tasks by auction, against a central greedy allocator;
* ``checks``       what each protocol promises, as checkers of a run's trace;
* ``naive``        the widely copied textbook peer, flaws included (for "Break" only).

Each run function returns a ``coordlab.patterns.run.PatternRun``: ``run_discovery`` a
``DiscoveryRun``, ``run_broadcast`` a ``BroadcastRun``, ``run_push_sum`` an ``AveragingRun``,
``run_contract_net`` a ``ContractRun`` (and ``naive.run_naive`` a ``naive.NaiveRun``).

Under any fault schedule (a ``coordlab.Nemesis`` included) a repeated message changes
nothing, state that must outlive a crash is in ``stable``, and every argument is checked
before a run starts (at most ``MAX_PEERS`` = 16,384 peers: ``benchmarks/gossip_scale.py``
measures what a run costs up to there).
"""
from coordlab.patterns.p2p import naive
from coordlab.patterns.p2p.averaging import (
    AveragingRun,
    PushSumPeer,
    error_by_round,
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
    informed_rounds,
    push_pull_rounds,
    push_rounds,
    run_broadcast,
)
from coordlab.patterns.p2p.checks import (
    estimates_within,
    everyone_informed,
    tasks_awarded_once_and_done,
    views_complete,
)
from coordlab.patterns.p2p.contract_net import (
    BidderView,
    ContractPeer,
    ContractRun,
    ContractTask,
    Strategy,
    bid_by_load,
    greedy_makespan,
    make_tasks,
    promise_lateness,
    run_contract_net,
)
from coordlab.patterns.p2p.discovery import DiscoveryRun, MemberPeer, run_discovery
from coordlab.patterns.p2p.overlay import Complete, Explicit, Grid, Overlay, Ring
from coordlab.patterns.p2p.peer import Peer, View, view_sizes
from coordlab.patterns.p2p.protocol import PROTOCOL, protocol_table
from coordlab.patterns.p2p.topology import (
    MAX_PEERS,
    TOPOLOGIES,
    as_topology,
    make_topology,
    peer_names,
    require_connected,
    spectral_gap,
)

__all__ = [
    # run functions and their results
    "run_discovery", "DiscoveryRun", "run_broadcast", "BroadcastRun", "run_push_sum", "AveragingRun",
    "run_contract_net", "ContractRun",
    # the protocol
    "PROTOCOL", "protocol_table",
    # checkers
    "views_complete", "everyone_informed", "estimates_within", "tasks_awarded_once_and_done",
    # the textbook version, for "Break"
    "naive",
    # topologies
    "TOPOLOGIES", "MAX_PEERS", "as_topology", "make_topology", "peer_names", "require_connected", "spectral_gap",
    "Overlay", "Complete", "Ring", "Grid", "Explicit",
    # peers
    "View", "Peer", "MemberPeer", "RumourPeer", "FloodPeer", "GossipPeer", "PushSumPeer", "ContractPeer",
    # broadcast methods and their theory
    "METHODS", "default_rounds", "push_rounds", "push_pull_rounds",
    # contract net: tasks, bidding, the central yardstick
    "ContractTask", "BidderView", "Strategy", "bid_by_load", "make_tasks", "greedy_makespan",
    # reading a run
    "view_sizes", "informed_rounds", "error_by_round", "final_estimates", "mass_ledger",
    "promise_lateness",
]
