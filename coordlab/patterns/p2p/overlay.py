"""The overlay a run uses: who knows whom, computed where a formula says it, stored where it must be.

A complete graph of n peers has n(n − 1)/2 links: 134 million at n = 16,384, gigabytes as a
networkx graph, yet "everyone but me" is one line of arithmetic. So the three topologies
that are regular by construction are *implicit*: a peer's neighbours are computed when
asked (``Complete``: everyone else; ``Ring``: i ± 1; ``Grid``: the 4-neighbourhood), and
so is what a run needs to know about the whole (its diameter, its connected parts).
Any other graph (small-world, scale-free, your own) is ``Explicit``: a networkx graph.

Every overlay answers the same questions, in peer-name order (names sort numerically):
``names``, ``neighbours(name)``, ``diameter()``, ``parts(among)`` and ``to_networkx()`` (for
pictures, at sizes one can draw). A newcomer that joins through a contact adds one link
(``link``), kept beside the formula.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

import networkx as nx

from coordlab.patterns.p2p.topology import (
    MAX_PEERS,
    TOPOLOGIES,
    as_topology,
    grid_shape,
    make_topology,
    peer_names,
    require_connected,
)
from coordlab.world import validate

#: The topologies whose links are computed, never stored.
IMPLICIT = ("complete", "ring", "grid")


class EveryoneElse(Sequence[str]):
    """All peer names but one, in order, as a sequence that is never copied into a list.

    ``rng.sample`` and ``rng.choice`` draw an index and read one name: the same draws, and
    so the same run, as with the list of n − 1 names it stands for.
    """

    def __init__(self, names: Sequence[str], index: dict[str, int], me: str) -> None:
        self._names, self._index, self._me = names, index, index[me]

    def __len__(self) -> int:
        return len(self._names) - 1

    def __getitem__(self, position: int) -> str:  # type: ignore[override]
        if not -len(self) <= position < len(self):
            raise IndexError(position)
        position %= len(self)
        return self._names[position + (position >= self._me)]

    def __contains__(self, name: object) -> bool:
        return self._index.get(name, self._me) != self._me  # type: ignore[arg-type]

    def __iter__(self) -> Iterator[str]:
        return (name for position, name in enumerate(self._names) if position != self._me)


class Overlay:
    """Who knows whom among ``names``; subclasses say how a peer's neighbours are found."""

    kind = "graph"

    def __init__(self, names: Sequence[str]) -> None:
        self.base = list(names)  # the topology's own peers
        self.names = list(names)  # and newcomers, in the order they came
        self.index = {name: position for position, name in enumerate(self.names)}
        self.joined: dict[str, list[str]] = {}  # links newcomers added: name -> the peers it links to that way

    def __len__(self) -> int:
        return len(self.names)

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __contains__(self, name: object) -> bool:
        return name in self.index

    def __repr__(self) -> str:
        return f"<{type(self).__name__} overlay of {len(self)} peers>"

    def neighbours(self, name: str) -> Sequence[str]:
        """The peers ``name`` knows: its topology neighbours in name order, then newcomers' links."""
        own = self.linked(name) if self.index[name] < len(self.base) else []
        return [*own, *self.joined[name]] if name in self.joined else own

    def linked(self, name: str) -> Sequence[str]:
        """The neighbours of ``name``, one of the topology's own peers, in the topology itself."""
        raise NotImplementedError

    def link(self, newcomer: str, contact: str) -> None:
        """A newcomer joins through ``contact``: one more peer, one more link."""
        if newcomer not in self.index:
            self.index[newcomer] = len(self.names)
            self.names.append(newcomer)
        self.joined.setdefault(newcomer, []).append(contact)
        self.joined.setdefault(contact, []).append(newcomer)

    def diameter(self) -> int:
        """The most hops between two of the topology's own peers."""
        raise NotImplementedError

    def spanning_links(self, among: Sequence[str]) -> Iterable[tuple[str, str]]:
        """Links among ``among`` (the topology's own peers) that connect what the topology connects there."""
        inside = set(among)
        return ((a, b) for a in among for b in self.linked(a) if b in inside)

    def parts(self, among: Iterable[str]) -> list[set[str]]:
        """The connected parts of the overlay restricted to ``among`` (links to anyone else cut)."""
        among = [name for name in dict.fromkeys(among) if name in self.index]
        inside = set(among)
        graph = nx.Graph()
        graph.add_nodes_from(among)
        graph.add_edges_from(self.spanning_links([name for name in among if self.index[name] < len(self.base)]))
        graph.add_edges_from((a, b) for a in among for b in self.joined.get(a, ()) if b in inside)
        return [set(part) for part in nx.connected_components(graph)]

    def to_networkx(self) -> nx.Graph:
        """The overlay as a networkx graph, every link stored (for pictures of the small ones)."""
        graph = nx.Graph()
        graph.add_nodes_from(self.names)
        graph.add_edges_from((a, b) for a in self.names for b in self.neighbours(a))
        return graph


class Complete(Overlay):
    """Everyone knows everyone: a peer's neighbours are all the other names (never listed)."""

    kind = "complete"

    def __init__(self, n: int) -> None:
        super().__init__(peer_names(n))
        self._base_index = dict(self.index)

    def linked(self, name: str) -> Sequence[str]:
        return EveryoneElse(self.base, self._base_index, name)

    def diameter(self) -> int:
        return 1

    def spanning_links(self, among: Sequence[str]) -> Iterable[tuple[str, str]]:
        """Any peers of a complete graph are linked: a star through the first connects them all."""
        return ((among[0], other) for other in among[1:])


class Ring(Overlay):
    """Peer i knows peers i − 1 and i + 1 (mod n)."""

    kind = "ring"

    def __init__(self, n: int) -> None:
        super().__init__(peer_names(n))
        self.n = n

    def linked(self, name: str) -> Sequence[str]:
        i = self.index[name]
        return sorted({self.names[(i - 1) % self.n], self.names[(i + 1) % self.n]} - {name})

    def diameter(self) -> int:
        return self.n // 2


class Grid(Overlay):
    """Peers in ``rows × cols`` (row by row); each knows the ones above, below, left and right."""

    kind = "grid"

    def __init__(self, n: int) -> None:
        super().__init__(peer_names(n))
        self.rows, self.cols = grid_shape(n)

    def linked(self, name: str) -> Sequence[str]:
        row, col = divmod(self.index[name], self.cols)
        steps = [(row - 1, col), (row, col - 1), (row, col + 1), (row + 1, col)]  # in name order
        return [self.names[r * self.cols + c] for r, c in steps if 0 <= r < self.rows and 0 <= c < self.cols]

    def diameter(self) -> int:
        return self.rows + self.cols - 2


class Explicit(Overlay):
    """Any networkx graph whose nodes are peer names: its links are stored, as given."""

    def __init__(self, graph: nx.Graph) -> None:
        super().__init__(list(graph))
        self.graph = graph

    def linked(self, name: str) -> Sequence[str]:
        return sorted(self.graph[name])

    def diameter(self) -> int:
        """Exact, by networkx's bounding algorithm: a few searches on most graphs, not one per peer."""
        return nx.diameter(self.graph, usebounds=True) if len(self.graph) > 1 else 0

    def to_networkx(self) -> nx.Graph:
        if not self.joined:
            return self.graph
        return super().to_networkx()


def implicit(kind: str, n: int) -> Overlay:
    """The overlay of a topology that is regular by construction (one of ``IMPLICIT``)."""
    n = validate.count("n", n, minimum=2, maximum=MAX_PEERS)
    return {"complete": Complete, "ring": Ring, "grid": Grid}[kind](n)


def resolve(topology: str | nx.Graph, n: int, seed: int = 0) -> Overlay:
    """A fresh overlay for a topology given by name (with ``n`` peers) or as a networkx graph.

    complete, ring and grid are implicit; the other names are drawn from ``seed`` (see
    ``make_topology``). A graph whose nodes are not all non-empty strings is renamed to peer
    names (its own names could not be agent names); a directed graph, a disconnected one, or
    one with more than ``MAX_PEERS`` peers is refused.
    """
    if isinstance(topology, str) and topology in IMPLICIT:
        return implicit(topology, n)
    if isinstance(topology, str):
        return Explicit(require_connected(make_topology(topology, n, seed)))
    if not isinstance(topology, nx.Graph) or topology.is_directed():
        raise TypeError(f"topology={topology!r} is not allowed: give one of {', '.join(TOPOLOGIES)} "
                        "or an undirected networkx Graph")
    if len(topology) > MAX_PEERS:
        raise ValueError(f"topology={topology!r} is not allowed: at most {MAX_PEERS} peers can be simulated")
    if not all(isinstance(v, str) and v for v in topology.nodes):
        topology = as_topology(topology)
    return Explicit(require_connected(topology))


def overlay_of(graph: nx.Graph | Overlay, name: str = "graph") -> Overlay:
    """``graph`` as an overlay: an overlay as it is, a connected networkx graph as an ``Explicit`` one."""
    if isinstance(graph, Overlay):
        return graph
    if not isinstance(graph, nx.Graph):
        raise TypeError(f"{name}={graph!r} is not allowed: give a networkx Graph or an overlay")
    return Explicit(require_connected(graph, name))
