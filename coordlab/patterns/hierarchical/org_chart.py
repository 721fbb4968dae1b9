"""The org chart of a hierarchy: who reports to whom, and what each worker can do.

    chart = OrgChart.from_levels([1, 3, 9], specialties=["research", "analysis", "writing"])
    chart = OrgChart.from_dict({"director": {"lead-a": {"ann": "research", "bo": "writing"},
                                             "lead-b": {"cy": ["research", "analysis"]}}})
    chart = OrgChart.from_graph(nx.bfs_tree(graph, "director"), specialties={...})

The root is the *director*, leaves are *workers* (each with its specialties), everything
in between is a *lead*, at any number of middle levels. Every builder ends in the same
validation, so a chart that is not a tree (a cycle, several roots, a worker with no
manager), a manager with no one under it (fan-out 0) or a chart of one level (depth < 2)
is refused with the reason, before anything runs.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from coordlab.world import validate

DIRECTOR = "director"
#: The most agents a chart may have: a bigger one would exhaust memory before a run could finish.
MAX_AGENTS = 100_000
Specialties = str | Iterable[str]


def _as_specialties(owner: str, value: Specialties) -> frozenset[str]:
    found = [value] if isinstance(value, str) else list(value) if isinstance(value, Iterable) else []
    if not found or not all(isinstance(s, str) and s for s in found):
        raise ValueError(f"specialties={value!r} is not allowed: worker {owner!r} needs at least one "
                         "specialty (a non-empty string, e.g. 'research')")
    return frozenset(found)


@dataclass(frozen=True)
class OrgChart:
    """A validated tree: ``parent`` of every agent (None for the director), workers' specialties."""

    parent: Mapping[str, str | None]
    specialties: Mapping[str, frozenset[str]]
    below: Mapping[str, tuple[str, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for argument in ("parent", "specialties"):
            if not isinstance(getattr(self, argument), Mapping):
                raise TypeError(f"{argument}={getattr(self, argument)!r} is not allowed: give a dict by agent name")
        if len(self.parent) > MAX_AGENTS:
            raise ValueError(f"parent={len(self.parent)} agents is not allowed: a chart has at most {MAX_AGENTS} "
                             "agents")
        for name in self.parent:
            validate.name("name", name)
        graph = nx.DiGraph()
        graph.add_nodes_from(self.parent)
        graph.add_edges_from((boss, name) for name, boss in self.parent.items() if boss is not None)
        _require_tree(graph)
        managers = {boss for boss in self.parent.values() if boss is not None}
        for name in self.parent:
            if name not in managers and name not in self.specialties:
                raise ValueError(f"worker {name!r} has no specialties: give it at least one")
        for name in self.specialties:
            if name in managers:
                raise ValueError(f"{name!r} manages others, so it cannot have specialties; only workers "
                                 "(the leaves of the tree) do work")
        # Managers ask "who is below this report?" for every task they route: answer it once.
        below: dict[str, list[str]] = {name: [] for name in self.parent}
        for name in self.parent:
            for boss in self.chain_of_command(name):
                below[boss].append(name)
        object.__setattr__(self, "below", {name: tuple(names) for name, names in below.items()})

    # --- builders ---------------------------------------------------------------------
    @classmethod
    def from_graph(cls, graph: nx.DiGraph, specialties: Mapping[str, Specialties] | None = None,
                   default: Specialties = "task") -> OrgChart:
        """A chart from a directed tree (edges manager -> report).

        A worker's specialties come from ``specialties``, else from its node attribute
        ``specialties``, else ``default``.
        """
        if not isinstance(graph, nx.DiGraph):
            raise TypeError(f"graph={graph!r} is not allowed: give a networkx DiGraph with edges manager -> "
                            "report; turn an undirected tree into one with nx.bfs_tree(graph, root)")
        if specialties is not None and not isinstance(specialties, Mapping):
            raise TypeError(f"specialties={specialties!r} is not allowed: give a dict worker -> specialties")
        if graph.number_of_nodes() > MAX_AGENTS:
            raise ValueError(f"graph={graph!r} is not allowed: a chart has at most {MAX_AGENTS} agents")
        _require_tree(graph)
        given = dict(specialties or {})
        parent: dict[str, str | None] = {}
        skills: dict[str, frozenset[str]] = {}
        for name in nx.topological_sort(graph):
            bosses = list(graph.predecessors(name))
            parent[name] = bosses[0] if bosses else None
            if graph.out_degree(name) == 0:
                value = given.get(name, graph.nodes[name].get("specialties", default))
                skills[name] = _as_specialties(name, value)
        return cls(parent, skills)

    @classmethod
    def from_dict(cls, tree: Mapping[str, Any]) -> OrgChart:
        """A chart from nested dicts: a manager maps to a dict of its reports, a worker to its
        specialties (a string or a list of strings). The one top-level key is the director."""
        if not isinstance(tree, Mapping) or len(tree) != 1:
            raise ValueError(f"tree={tree!r} is not allowed: a hierarchy has exactly one director, so give a "
                             "dict with one top-level key")
        graph = nx.DiGraph()
        skills: dict[str, Specialties] = {}

        def add(name: str, below: Any, boss: str | None) -> None:
            validate.name("name", name)
            if graph.number_of_nodes() >= MAX_AGENTS:
                raise ValueError(f"tree=... is not allowed: a chart has at most {MAX_AGENTS} agents")
            if name in graph:
                raise ValueError(f"{name!r} appears twice in the tree: each agent has exactly one manager "
                                 "(a name used twice would be a cycle or a second manager)")
            graph.add_node(name)
            if boss is not None:
                graph.add_edge(boss, name)
            if isinstance(below, Mapping):
                if not below:
                    raise ValueError(f"manager {name!r} has fan-out 0: give it at least one report, or make it "
                                     "a worker by giving it specialties instead of a dict")
                for child, rest in below.items():
                    add(child, rest, name)
            else:
                skills[name] = below

        (root, below), = tree.items()
        add(root, below, None)
        return cls.from_graph(graph, skills)

    @classmethod
    def from_levels(cls, levels: Sequence[int], specialties: Sequence[str] = ("task",)) -> OrgChart:
        """A chart from agents per level, e.g. ``[1, 3, 9]``: a director, 3 leads, 9 workers.

        Each level's agents are shared out among the level above in contiguous blocks, as
        evenly as possible. Names say the path: ``lead-2`` is the director's second report,
        ``worker-2.3`` the third report of ``lead-2``. Workers take ``specialties`` in turn
        (a list: its order says who gets which). At most ``MAX_AGENTS`` agents in all.
        """
        if not isinstance(levels, (list, tuple)):
            raise TypeError(f"levels={levels!r} is not allowed: give a list of agents per level, e.g. [1, 3, 9]")
        levels = list(levels)
        if len(levels) < 2:
            raise ValueError(f"levels={levels!r} is not allowed: depth must be >= 2 (a director and workers)")
        for index, count in enumerate(levels):
            validate.count(f"levels[{index}]", count, maximum=MAX_AGENTS)
        if sum(levels) > MAX_AGENTS:
            raise ValueError(f"levels={levels!r} is not allowed: {sum(levels)} agents in all, more than the "
                             f"{MAX_AGENTS} a chart may have")
        if levels[0] != 1:
            raise ValueError(f"levels={levels!r} is not allowed: the top level must be 1 (one director), "
                             f"not {levels[0]} roots")
        for above, below in zip(levels, levels[1:]):
            if below < above:
                raise ValueError(f"levels={levels!r} is not allowed: {above} managers over {below} reports "
                                 "leaves some with fan-out 0; each level needs at least as many agents as "
                                 "the one above")
        if (not isinstance(specialties, (list, tuple)) or not specialties
                or not all(isinstance(kind, str) and kind for kind in specialties)):
            raise TypeError(f"specialties={specialties!r} is not allowed: give a non-empty list of task types "
                            "(non-empty strings), which the workers take in turn")
        graph = nx.DiGraph()
        graph.add_node(DIRECTOR)
        row = [DIRECTOR]
        for depth, count in enumerate(levels[1:], start=1):
            role = "worker" if depth == len(levels) - 1 else "lead"
            children = []
            seen: dict[str, int] = {}
            for i in range(count):
                boss = row[i * len(row) // count]
                seen[boss] = seen.get(boss, 0) + 1
                path = boss.partition("-")[2]
                name = f"{role}-{path + '.' if path else ''}{seen[boss]}"
                graph.add_edge(boss, name)
                children.append(name)
            row = children
        return cls.from_graph(graph, {w: specialties[i % len(specialties)] for i, w in enumerate(row)})

    # --- reading the chart ----------------------------------------------------------------
    @property
    def director(self) -> str:
        return next(name for name, boss in self.parent.items() if boss is None)

    def require(self, name: str) -> str:
        """``name`` if it is an agent of the chart, else raise naming it."""
        if not isinstance(name, str) or name not in self.parent:
            shown = ", ".join(list(self.parent)[:12]) + (", …" if len(self.parent) > 12 else "")
            raise ValueError(f"name={name!r} is not allowed: it is not an agent of the chart (agents: {shown})")
        return name

    def children(self, name: str) -> list[str]:
        """The direct reports of ``name``, in chart order."""
        self.require(name)
        return [child for child, boss in self.parent.items() if boss == name]

    def is_worker(self, name: str) -> bool:
        return name in self.specialties

    @property
    def workers(self) -> list[str]:
        return [name for name in self.parent if self.is_worker(name)]

    @property
    def managers(self) -> list[str]:
        return [name for name in self.parent if not self.is_worker(name)]

    def level(self, name: str) -> int:
        """0 for the director, 1 for its reports, and so on."""
        return len(self.chain_of_command(name)) - 1

    @property
    def depth(self) -> int:
        """How many levels of agents: 2 for a director directly over workers."""
        return 1 + max(self.level(name) for name in self.parent)

    def role(self, name: str) -> str:
        """"director", "lead" or "worker"."""
        self.require(name)
        return "director" if self.parent[name] is None else ("worker" if self.is_worker(name) else "lead")

    def chain_of_command(self, name: str) -> list[str]:
        """``name``, its manager, its manager's manager, … up to the director."""
        chain = [self.require(name)]
        while self.parent[chain[-1]] is not None:
            chain.append(self.parent[chain[-1]])
        return chain

    def subtree(self, name: str) -> list[str]:
        """``name`` and everyone below it."""
        return list(self.below[self.require(name)])

    def can_do(self, name: str) -> frozenset[str]:
        """Every specialty of the workers in ``name``'s subtree."""
        return frozenset().union(*(self.specialties.get(other, ()) for other in self.subtree(name)))

    def team_size(self, name: str) -> int:
        """How many workers are in ``name``'s subtree (1 for a worker)."""
        return sum(1 for other in self.subtree(name) if self.is_worker(other))

    def require_capable(self, task_types: Iterable[str]) -> None:
        """Raise naming the first task type that no worker in the chart can do."""
        everything = self.can_do(self.director)
        for kind in task_types:
            if kind not in everything:
                raise ValueError(f"type={kind!r} is not allowed: no subtree can do task type {kind!r} "
                                 f"(workers' specialties: {', '.join(sorted(everything))})")

    def to_graph(self) -> nx.DiGraph:
        """The chart as a networkx tree, with ``level``, ``role`` and ``specialties`` on each node."""
        graph = nx.DiGraph()
        for name in self.parent:
            graph.add_node(name, level=self.level(name), role=self.role(name),
                           specialties=tuple(sorted(self.specialties.get(name, ()))))
        graph.add_edges_from((boss, name) for name, boss in self.parent.items() if boss is not None)
        return graph

    def __repr__(self) -> str:
        sizes = [sum(1 for n in self.parent if self.level(n) == k) for k in range(self.depth)]
        return f"<OrgChart depth {self.depth}, agents per level {sizes}>"


def _require_tree(graph: nx.DiGraph) -> None:
    """Raise naming the problem if ``graph`` is not one tree of depth >= 2."""
    if graph.number_of_nodes() == 0:
        raise ValueError("an empty org chart is not allowed: give a director and its workers")
    try:
        cycle = nx.find_cycle(graph)
    except nx.NetworkXNoCycle:
        cycle = None
    if cycle:
        path = " -> ".join([edge[0] for edge in cycle] + [cycle[0][0]])
        raise ValueError(f"the org chart has a cycle: {path}; a hierarchy is a tree")
    for name in graph:
        bosses = list(graph.predecessors(name))
        if len(bosses) > 1:
            raise ValueError(f"{name!r} has several managers ({', '.join(map(str, bosses))}); each agent reports "
                             "to exactly one")
    roots = [name for name in graph if graph.in_degree(name) == 0]
    loners = [name for name in roots if graph.out_degree(name) == 0]
    if len(roots) > 1 and loners:
        raise ValueError(f"worker {loners[0]!r} has no manager: connect it to a lead (roots found: "
                         f"{', '.join(map(str, roots))})")
    if len(roots) > 1:
        raise ValueError(f"the org chart has several roots ({', '.join(map(str, roots))}); a hierarchy has "
                         "exactly one director")
    if graph.number_of_nodes() < 2:
        raise ValueError(f"an org chart of just {roots[0]!r} is not allowed: depth must be >= 2 "
                         "(a director and at least one worker)")
