"""The five patterns, each running a ``Workload`` through its own run function.

    run = CONTENDERS["hierarchical"].run(load, seed=1, faults=[Crash("lead-1", at=2.0)])

Nothing here re-implements a pattern: each adapter only translates the workload into the
arguments its run function already takes, and says who the pattern's coordinators are (the
agents besides the workers that a fault may hit).
"""
from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass

import networkx as nx

from coordlab.compare.workload import Workload
from coordlab.patterns.centralized import ORCHESTRATOR, run_centralized
from coordlab.patterns.consensus import run_replicated
from coordlab.patterns.consensus.raft import server_names
from coordlab.patterns.hierarchical import OrgChart, Project, run_hierarchical
from coordlab.patterns.hierarchical.org_chart import DIRECTOR
from coordlab.patterns.p2p import BidderView, ContractTask, bid_by_load, run_contract_net
from coordlab.patterns.run import PatternRun
from coordlab.patterns.swarm import BOARD, run_threshold
from coordlab.world import Faults, validate

#: Orchestrator replicas in the consensus contender: the smallest cluster that survives a crash.
REPLICAS = 3
#: Levels of the default hierarchy: a director, leads, workers.
DEPTH = 3


def run_centralized_on(load: Workload, *, seed: int = 0, faults: Faults = ()) -> PatternRun:
    """Centralized: one orchestrator assigns every task (``run_centralized``, its defaults)."""
    return run_centralized(load.tasks, load.workers, seed=seed, faults=faults)


def contract_tasks(load: Workload) -> list[ContractTask]:
    """The workload as contract-net tasks: id kept, ``duration`` becomes ``work``, all announced at 0.

    Contract net has no central client, so the tasks are dealt out in turn: worker ``i``
    manages tasks ``i``, ``i + M``, … (every peer is a manager and a contractor). A
    contract-net task has no type and no dependencies: the type is kept by ``capable_bidder``
    (a peer refuses what it cannot do), and dependencies are not kept at all (dependent tasks
    are auctioned at once like the others), which can only make its makespan shorter.
    """
    names = [worker.name for worker in load.workers]
    return [ContractTask(task.id, task.duration, names[index % len(names)]) for index, task in enumerate(load.tasks)]


def capable_bidder(load: Workload) -> Callable[[BidderView, ContractTask], float | None]:
    """A contract-net strategy: ``bid_by_load`` for the task types a peer can do, refuse the rest."""
    can_do = {worker.name: worker.capabilities for worker in load.workers}
    task_type = {task.id: task.type for task in load.tasks}

    def strategy(me: BidderView, task: ContractTask) -> float | None:
        return bid_by_load(me, task) if task_type[task.id] in can_do[me.name] else None

    return strategy


def run_p2p_on(load: Workload, *, seed: int = 0, faults: Faults = ()) -> PatternRun:
    """Peer-to-peer: every worker auctions its share of the tasks by contract net (``run_contract_net``)."""
    return run_contract_net(len(load.workers), contract_tasks(load), speeds=[w.speed for w in load.workers],
                            strategy=capable_bidder(load), seed=seed, faults=faults)


def org_chart(load: Workload, depth: int = DEPTH) -> OrgChart:
    """A tree over the workload's workers with ``depth`` levels (director … workers).

    Fan-out ``ceil(M ** (1 / (depth - 1)))``, about √M for the default 3 levels: each level of
    managers takes the level below in consecutive groups of that size, and the director takes
    whatever is left at the top. Managers are ``lead-<level>.<i>``; workers keep their names.
    """
    depth = validate.count("depth", depth, minimum=2, maximum=12)
    fan = max(2, math.ceil(len(load.workers) ** (1 / (depth - 1)) - 1e-9))
    graph = nx.DiGraph()
    row = [worker.name for worker in load.workers]
    graph.add_nodes_from(row)
    for level in range(depth - 2, 0, -1):
        bosses = [f"lead-{level}.{i + 1}" for i in range(math.ceil(len(row) / fan))]
        graph.add_edges_from((bosses[i // fan], name) for i, name in enumerate(row))
        row = bosses
    graph.add_edges_from((DIRECTOR, name) for name in row)
    return OrgChart.from_graph(nx.bfs_tree(graph, DIRECTOR),
                               {worker.name: sorted(worker.capabilities) for worker in load.workers})


def run_hierarchical_on(load: Workload, *, seed: int = 0, faults: Faults = (), depth: int = DEPTH) -> PatternRun:
    """Hierarchical: the workload as one project on ``org_chart(load, depth)`` (``run_hierarchical``)."""
    return run_hierarchical(Project("workload", load.tasks), org_chart(load, depth), seed=seed, faults=faults)


def run_consensus_on(load: Workload, *, seed: int = 0, faults: Faults = ()) -> PatternRun:
    """Consensus: the replicated orchestrator, ``REPLICAS`` replicas on a Raft log (``run_replicated``)."""
    return run_replicated(load.tasks, load.workers, replicas=REPLICAS, seed=seed, faults=faults)


def run_swarm_on(load: Workload, *, seed: int = 0, faults: Faults = ()) -> PatternRun:
    """Swarm: response-threshold allocation from a shared board (``run_threshold``)."""
    return run_threshold(load.tasks, load.workers, seed=seed, faults=faults)


@dataclass(frozen=True)
class Contender:
    """One pattern in the comparison: how it runs a workload, and its coordinators' names."""

    name: str
    run: Callable[..., PatternRun]
    coordinators: Callable[[Workload], list[str]]

    def options(self) -> list[str]:
        """The options ``row(pattern, load, **options)`` passes on to this pattern (none for most)."""
        return [name for name in inspect.signature(self.run).parameters if name not in ("load", "seed", "faults")]

    def agents(self, load: Workload) -> list[str]:
        """Every agent a fault may hit: the workers, then the coordinators."""
        return [worker.name for worker in load.workers] + self.coordinators(load)


def _managers(load: Workload) -> list[str]:
    return org_chart(load).managers


CONTENDERS: dict[str, Contender] = {
    "centralized": Contender("centralized", run_centralized_on, lambda load: [ORCHESTRATOR]),
    "peer-to-peer": Contender("peer-to-peer", run_p2p_on, lambda load: []),
    "hierarchical": Contender("hierarchical", run_hierarchical_on, _managers),
    "consensus": Contender("consensus", run_consensus_on, lambda load: server_names(REPLICAS)),
    "swarm": Contender("swarm", run_swarm_on, lambda load: [BOARD]),
}
#: The patterns' names, in the order every table lists them.
PATTERNS = tuple(CONTENDERS)


def contender(pattern: str) -> Contender:
    """The contender called ``pattern``, or an error naming the choices."""
    if pattern not in CONTENDERS:
        raise ValueError(f"pattern={pattern!r} is not allowed: use one of {', '.join(map(repr, PATTERNS))}")
    return CONTENDERS[pattern]
