"""Who knows whom: overlay topologies from networkx, with peers named p00, p01, …

A topology is just an undirected ``networkx.Graph`` whose nodes are peer names: an edge
means the two peers know each other's address. ``make_topology`` builds the usual ones (to
draw and to measure); any connected graph works (``as_topology`` renames its nodes). Runs
never build complete, ring or grid graphs: ``overlay`` computes their links instead.
"""
from __future__ import annotations

import math

import networkx as nx
import numpy as np

from coordlab.world import validate

TOPOLOGIES = ("complete", "ring", "grid", "small-world", "scale-free")
#: The most peers a simulated run takes: 2^14. Each peer is an agent with its own coroutines,
#: mailbox and random generator (a few kilobytes), and a gossip round costs every peer at least
#: one step: at 16,384 peers a push gossip run on a complete graph (implicit: no links stored)
#: takes seconds and a few hundred megabytes (``benchmarks/gossip_scale.py``). Ten times more
#: is minutes per run, not a lesson. A networkx graph given explicitly costs its links on top.
MAX_PEERS = 16_384


def peer_names(n: int) -> list[str]:
    """``n`` peer names that sort in numeric order: p0…p9, or p00…p63, …"""
    n = validate.count("n", n, minimum=0, maximum=MAX_PEERS)
    width = len(str(max(n - 1, 0)))
    return [f"p{i:0{width}d}" for i in range(n)]


def as_topology(graph: nx.Graph) -> nx.Graph:
    """A copy of ``graph`` (one: no more) with its nodes renamed to peer names, in its node order."""
    if not isinstance(graph, nx.Graph):
        raise TypeError(f"graph={graph!r} is not allowed: give a networkx Graph")
    renamed = nx.Graph()
    renamed.add_nodes_from(peer_names(len(graph)))
    names = dict(zip(graph.nodes, renamed.nodes))
    renamed.add_edges_from((names[a], names[b]) for a, b in graph.edges)
    return renamed


def grid_shape(n: int) -> tuple[int, int]:
    """The most square ``rows × cols`` grid with exactly ``n`` cells (1 × n for a prime)."""
    rows = max(r for r in range(1, math.isqrt(n) + 1) if n % r == 0)
    return rows, n // rows


def make_topology(kind: str, n: int, seed: int = 0) -> nx.Graph:
    """One of ``TOPOLOGIES`` with ``n`` peers; the random ones are drawn from ``seed``.

    small-world is Watts–Strogatz (each peer linked to its 4 nearest on a ring, each link
    rewired with probability 0.1, redrawn until connected); scale-free is Barabási–Albert
    (each newcomer links to 2 peers, preferring well-connected ones).
    """
    if kind not in TOPOLOGIES:
        raise ValueError(f"topology={kind!r} is not allowed: choose one of {', '.join(TOPOLOGIES)} "
                         "or pass any connected networkx graph")
    n = validate.count("n", n, minimum=2, maximum=MAX_PEERS)
    seed = validate.seed(seed)
    if kind == "complete":
        graph = nx.complete_graph(n)
    elif kind == "ring":
        graph = nx.cycle_graph(n)
    elif kind == "grid":
        graph = nx.grid_2d_graph(*grid_shape(n))
    elif kind == "small-world":
        graph = nx.connected_watts_strogatz_graph(n, min(4, n - 1), 0.1, seed=seed)
    else:
        graph = nx.barabasi_albert_graph(n, min(2, n - 1), seed=seed)
    return as_topology(graph)


def require_connected(graph: nx.Graph, name: str = "topology") -> nx.Graph:
    """Return ``graph`` if every peer can reach every other; else say which cannot."""
    if not isinstance(graph, nx.Graph):
        raise TypeError(f"{name}={graph!r} is not allowed: give a networkx Graph or one of {', '.join(TOPOLOGIES)}")
    if graph.number_of_nodes() == 0:
        raise ValueError(f"{name}={graph!r} is not allowed: it has no peers; give a graph with at least one node")
    if not nx.is_connected(graph):
        parts = sorted((sorted(c) for c in nx.connected_components(graph)), key=len, reverse=True)
        raise ValueError(f"{name}={graph!r} is not allowed: it is disconnected ({len(parts)} parts): peers "
                         f"{parts[1][:5]} cannot reach {parts[0][0]}; a rumour could never get there. "
                         "Connect every peer")
    return graph


def known_peer(name: str, value: str, graph: nx.Graph) -> str:
    """Return ``value`` if it is a peer of ``graph``; else list the peers there are."""
    if value not in graph:
        listing = ", ".join(sorted(graph)[:10]) + (", …" if len(graph) > 10 else "")
        raise ValueError(f"{name}={value!r} is not a peer of the topology (peers: {listing})")
    return value


def spectral_gap(graph: nx.Graph) -> float:
    """1 − λ2 of the graph's normalised adjacency matrix: how fast random mixing forgets.

    A gap near 0 (a long ring) means averaging crawls; near 1 (a complete graph) means a few
    rounds suffice. λ2 is the second-largest eigenvalue of D^-1/2 A D^-1/2.
    """
    require_connected(graph, "graph")
    if len(graph) < 2:
        raise ValueError(f"graph={graph!r} is not allowed: it has one peer; a spectral gap needs at least two")
    adjacency = nx.to_numpy_array(graph, nodelist=sorted(graph))
    scale = 1 / np.sqrt(adjacency.sum(axis=1))
    eigenvalues = np.linalg.eigvalsh(scale[:, None] * adjacency * scale[None, :])
    return float(1 - eigenvalues[-2])

