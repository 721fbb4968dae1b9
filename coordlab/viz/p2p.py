"""Pictures of peer-to-peer runs: a rumour spreading over the graph, and costs against n.

* ``topologies`` — a row of graphs side by side, to compare who knows whom.
* ``rumour_spread`` — the graph drawn a few times, at chosen rounds: who has the rumour.
* ``versus_n`` — a measured column (rounds, messages) against the number of peers, per
  method, with theory curves dashed beside the measured means.
* ``error_vs_rounds`` — push-sum's worst error per round, one line per topology (log scale).
* ``scaling`` — wall time, memory and messages per run against n, log-log, beside n·ln(n)
  (read from the CSV ``benchmarks/gossip_scale.py`` writes).

Every function draws what runs left behind; none runs a simulation.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from numbers import Integral

import matplotlib.pyplot as plt
import networkx as nx
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from coordlab.patterns.p2p import BroadcastRun
from coordlab.world import validate

INFORMED = "#1f77b4"
NEWLY_INFORMED = "#ff7f0e"
UNINFORMED = "#dddddd"
DEAD = "#d62728"


def graph_layout(graph: nx.Graph) -> dict[str, np.ndarray]:
    """Positions: a circle when every peer has the same degree (ring, complete), else a spring layout."""
    degrees = {d for _, d in graph.degree}
    if len(degrees) == 1:
        return nx.circular_layout(sorted(graph))
    return nx.spring_layout(graph, seed=0)


def topologies(graphs: Mapping[str, nx.Graph], *, title: str | None = None) -> Figure:
    """Each graph drawn in its own panel, titled with its name and number of links."""
    if not isinstance(graphs, Mapping) or not graphs or not all(isinstance(g, nx.Graph) for g in graphs.values()):
        raise TypeError(f"graphs={graphs!r} is not allowed: give a dict name -> networkx Graph, with at least one")
    fig, axes = plt.subplots(1, len(graphs), figsize=(2.6 * len(graphs), 2.9), squeeze=False)
    for ax, (name, graph) in zip(axes[0], graphs.items()):
        pos = graph_layout(graph)
        nx.draw_networkx_edges(graph, pos, ax=ax, width=0.6, edge_color="#888888",
                               alpha=min(1.0, 60 / max(1, graph.number_of_edges())))
        nx.draw_networkx_nodes(graph, pos, ax=ax, node_size=25, node_color=INFORMED)
        ax.set_title(f"{name}\n{graph.number_of_edges()} links", fontsize=9)
        ax.axis("off")
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    plt.close(fig)
    return fig


def rumour_spread(run: BroadcastRun, rounds: Sequence[int] | None = None, *, cut: Iterable[str] = (),
                  title: str | None = None) -> Figure:
    """The graph at each of ``rounds`` (default: four, from the start to the last infection).

    Blue: had the rumour before that round; orange: learnt it in that round; grey: not yet;
    red outline: crashed or left by the end of the run. Edges between the peers in ``cut``
    and the others (a partition) are drawn dashed red.
    """
    if not isinstance(run, BroadcastRun):
        raise TypeError(f"run={run!r} is not allowed: give the BroadcastRun that run_broadcast returned")
    last = max(run.informed.values(), default=0)
    if rounds is None:
        rounds = sorted({round(x) for x in np.linspace(0, last, 4)})
    if (isinstance(rounds, (str, bytes)) or not isinstance(rounds, Sequence) or not rounds
            or not all(isinstance(r, Integral) and not isinstance(r, bool) and r >= 0 for r in rounds)):
        raise ValueError(f"rounds={rounds!r} is not allowed: give a non-empty list of round numbers >= 0")
    if isinstance(cut, str) or not all(isinstance(name, str) for name in cut):
        raise TypeError(f"cut={cut!r} is not allowed: give a list of peer names")
    pos = graph_layout(run.graph)
    gone = set(run.graph) - set(run.trace.live_agents())
    side = set(cut)
    crossing = [(a, b) for a, b in run.graph.edges if (a in side) != (b in side)] if side else []
    fig, axes = plt.subplots(1, len(rounds), figsize=(3.2 * len(rounds), 3.4), squeeze=False)
    nodes = list(run.graph)
    for ax, number in zip(axes[0], rounds):
        colours = [NEWLY_INFORMED if run.informed.get(p) == number else
                   INFORMED if run.informed.get(p, number + 1) < number else UNINFORMED for p in nodes]
        nx.draw_networkx_edges(run.graph, pos, ax=ax, width=0.6, alpha=min(1.0, 40 / run.graph.number_of_edges()),
                               edge_color="#888888")
        nx.draw_networkx_edges(run.graph, pos, ax=ax, edgelist=crossing, width=1.5, style="--", edge_color=DEAD)
        nx.draw_networkx_nodes(run.graph, pos, ax=ax, nodelist=nodes, node_color=colours, node_size=90,
                               edgecolors=[DEAD if p in gone else "#555555" for p in nodes],
                               linewidths=[2.5 if p in gone else 0.5 for p in nodes])
        have = sum(1 for r in run.informed.values() if r <= number)
        ax.set_title(f"round {number}: {have}/{len(nodes)} informed", fontsize=9)
        ax.axis("off")
    handles = [plt.Line2D([], [], marker="o", ls="", color=c, markeredgecolor="#555555") for c in
               (INFORMED, NEWLY_INFORMED, UNINFORMED)]
    fig.legend(handles, ["had it", "learnt it this round", "not yet"], loc="lower center", ncols=3,
               frameon=False, fontsize=8)
    fig.suptitle(title or f"{run.method} on {len(nodes)} peers", fontsize=10)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    plt.close(fig)
    return fig


def versus_n(frame: pd.DataFrame, column: str, *, theory: Mapping[str, Callable[[float], float]] | None = None,
             logy: bool = False, title: str | None = None) -> Figure:
    """Mean ± standard deviation of ``column`` against ``n``, one line per ``method``.

    ``frame`` has one row per run with columns ``n``, ``method`` and ``column``. Each
    ``theory`` curve is drawn dashed over the same range of n.
    """
    if not isinstance(frame, pd.DataFrame) or frame.empty:
        raise TypeError(f"frame={frame!r} is not allowed: give a non-empty pandas DataFrame, one row per run")
    missing = [name for name in ("n", "method", column) if name not in frame.columns]
    if missing:
        raise ValueError(f"column={column!r} is not allowed: frame lacks the column(s) {missing} "
                         f"(it has {list(frame.columns)})")
    validate.flag("logy", logy)
    fig, ax = plt.subplots(figsize=(6.5, 4))
    stats = frame.groupby(["method", "n"])[column].agg(["mean", "std"]).reset_index()
    for method, rows in stats.groupby("method", sort=False):
        ax.errorbar(rows["n"], rows["mean"], yerr=rows["std"].fillna(0), marker="o", capsize=3,
                    label=f"{method} (measured)")
    grid = np.geomspace(frame["n"].min(), frame["n"].max(), 100)
    for label, curve in (theory or {}).items():
        ax.plot(grid, [curve(n) for n in grid], ls="--", lw=1.2, label=label)
    ax.set_xscale("log", base=2)
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel("peers n (log scale)")
    ax.set_ylabel(column)
    ax.legend(fontsize=8)
    ax.set_title(title or f"{column} against the number of peers", fontsize=10)
    ax.grid(alpha=0.3, which="both")
    fig.tight_layout()
    plt.close(fig)
    return fig


def error_vs_rounds(errors: Mapping[str, Sequence[float]], *, title: str | None = None) -> Figure:
    """The worst peer's distance from the true mean after each round, one line per label."""
    if not isinstance(errors, Mapping) or not errors or any(isinstance(v, str) or not isinstance(v, Sequence)
                                                             for v in errors.values()):
        raise TypeError(f"errors={errors!r} is not allowed: give a dict label -> errors per round "
                        "(e.g. an AveragingRun's .errors), with at least one")
    fig, ax = plt.subplots(figsize=(6.5, 4))
    for label, values in errors.items():
        ax.plot(range(len(values)), values, label=label)
    ax.set_yscale("log")
    ax.set_xlabel("round")
    ax.set_ylabel("max |estimate − mean| (log scale)")
    ax.legend(fontsize=8)
    ax.set_title(title or "Push-sum: how fast every estimate reaches the mean", fontsize=10)
    ax.grid(alpha=0.3, which="both")
    fig.tight_layout()
    plt.close(fig)
    return fig


#: What ``scaling`` draws: (column, axis label), one panel each.
SCALING_PANELS = (("wall_s", "wall time per run (s)"), ("peak_mb", "peak memory per run (MB)"),
                  ("messages", "messages until everyone knows"))


def scaling(frame: pd.DataFrame, *, title: str | None = None) -> Figure:
    """Wall time, peak memory and messages against n (log-log), one line per method.

    ``frame`` has the columns of ``benchmarks/gossip_scale.py``'s CSV (``n``, ``method`` and
    each of ``SCALING_PANELS``). The dashed line in each panel is n·ln(n), scaled to pass
    through the first method's value at the smallest n: a line parallel to it grows like n·ln(n).
    """
    if not isinstance(frame, pd.DataFrame) or frame.empty:
        raise TypeError(f"frame={frame!r} is not allowed: give a non-empty pandas DataFrame, one row per run")
    missing = [name for name in ("n", "method", *(column for column, _ in SCALING_PANELS)) if name not in frame]
    if missing:
        raise ValueError(f"frame={frame!r} is not allowed: it lacks the column(s) {missing} "
                         f"(it has {list(frame.columns)})")
    fig, axes = plt.subplots(1, len(SCALING_PANELS), figsize=(11, 3.6))
    means = frame.groupby(["method", "n"], sort=False)[[column for column, _ in SCALING_PANELS]].mean().reset_index()
    grid = np.geomspace(frame["n"].min(), frame["n"].max(), 50)
    for ax, (column, label) in zip(axes, SCALING_PANELS):
        for method, rows in means.groupby("method", sort=False):
            ax.plot(rows["n"], rows[column], marker="o", label=method)
        first = means.iloc[0]
        ax.plot(grid, first[column] * grid * np.log(grid) / (first["n"] * np.log(first["n"])), ls="--",
                color="grey", lw=1.2, label="∝ n ln n")
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("peers n (log scale)")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3, which="both")
    axes[0].legend(fontsize=8)
    fig.suptitle(title or "Gossip on a complete graph: the cost of one run against n", fontsize=10)
    fig.tight_layout()
    plt.close(fig)
    return fig
