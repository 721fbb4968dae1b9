"""Who knows whom: overlay topologies from networkx, with peers named p00, p01, …

A topology is just an undirected ``networkx.Graph`` whose nodes are peer names: an edge
means the two peers know each other's address. ``make_topology`` builds the usual ones;
any connected graph works (``as_topology`` renames its nodes).
"""
from __future__ import annotations

import math

import networkx as nx
import numpy as np

from coordlab.world import validate

TOPOLOGIES = ("complete", "ring", "grid", "small-world", "scale-free")
#: The most peers a simulated run takes. Each peer is a coroutine and a complete graph of n
#: peers has n(n−1)/2 links: 2,000 peers are already minutes of simulation and ~1 GB of graph.
MAX_PEERS = 2_000


def peer_names(n: int) -> list[str]:
    """``n`` peer names that sort in numeric order: p0…p9, or p00…p63, …"""
    n = validate.count("n", n, minimum=0, maximum=MAX_PEERS)
    width = len(str(max(n - 1, 0)))
    return [f"p{i:0{width}d}" for i in range(n)]


def as_topology(graph: nx.Graph) -> nx.Graph:
    """``graph`` with its nodes renamed to peer names (in the graph's node order)."""
    if not isinstance(graph, nx.Graph):
        raise TypeError(f"graph={graph!r} is not allowed: give a networkx Graph")
    return nx.relabel_nodes(nx.Graph(graph), dict(zip(graph.nodes, peer_names(len(graph)))))


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


def resolve(topology: str | nx.Graph, n: int, seed: int = 0) -> nx.Graph:
    """A topology given by name (built with ``n`` peers) or as a graph.

    A graph whose nodes are not all non-empty strings is renamed to peer names (its own names
    could not be agent names); a directed graph or one with more than ``MAX_PEERS`` is refused.
    """
    if isinstance(topology, str):
        return require_connected(make_topology(topology, n, seed))
    if not isinstance(topology, nx.Graph) or topology.is_directed():
        raise TypeError(f"topology={topology!r} is not allowed: give one of {', '.join(TOPOLOGIES)} "
                        "or an undirected networkx Graph")
    if len(topology) > MAX_PEERS:
        raise ValueError(f"topology={topology!r} is not allowed: at most {MAX_PEERS} peers can be simulated")
    if not all(isinstance(v, str) and v for v in topology.nodes):
        topology = as_topology(topology)
    return require_connected(topology)


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

