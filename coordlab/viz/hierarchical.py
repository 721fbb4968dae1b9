"""Pictures of hierarchies: the org chart, who a failure disturbed, and shapes compared.

The Gantt chart every task-running pattern uses is in ``coordlab.viz.tasks``.

Like every picture in ``coordlab.viz`` these only draw a chart, a finished run or a
table of results; they never run a simulation.
"""
from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import networkx as nx
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from coordlab import metrics
from coordlab.patterns.hierarchical import HierarchicalRun, OrgChart, disturbed, progress
from coordlab.patterns.hierarchical.run import require_run

LEVEL_COLOURS = plt.get_cmap("Blues_r")
STATUS_COLOURS = {"crashed": "#d62728", "cut off": "#f4b6b6", "reacted": "#ff7f0e", "untouched": "#e6e6e6"}
SHAPE_COLUMNS = ("makespan", "director messages handled", "busiest agent messages handled")


def tree_positions(chart: OrgChart) -> dict[str, tuple[float, float]]:
    """A tidy layout: workers evenly spaced left to right, each manager above the middle of
    its reports, one row per level."""
    positions: dict[str, tuple[float, float]] = {}
    next_x = 0.0

    def place(name: str) -> float:
        nonlocal next_x
        below = chart.children(name)
        if below:
            xs = [place(child) for child in below]
            x = (xs[0] + xs[-1]) / 2
        else:
            x, next_x = next_x, next_x + 1.0
        positions[name] = (x, -float(chart.level(name)))
        return x

    place(chart.director)
    return positions


def org_chart(chart: OrgChart, *, status: Mapping[str, str] | None = None, title: str | None = None) -> Figure:
    """Draw the tree, one row per level. Without ``status`` nodes are coloured by level and
    workers show their specialties; with it (agent -> a key of ``STATUS_COLOURS``), by status."""
    if not isinstance(chart, OrgChart):
        raise TypeError(f"chart={chart!r} is not allowed: give an OrgChart")
    if status is not None and (not isinstance(status, Mapping)
                               or not all(value in STATUS_COLOURS for value in status.values())):
        raise ValueError(f"status={status!r} is not allowed: give a dict agent -> one of "
                         f"{', '.join(map(repr, STATUS_COLOURS))}")
    graph = chart.to_graph()
    pos = tree_positions(chart)
    workers = len(chart.workers)
    fig, ax = plt.subplots(figsize=(min(14.0, max(5.0, 0.9 * workers + 1.5)), 1.4 * chart.depth + 0.8))
    nx.draw_networkx_edges(graph, pos, ax=ax, edge_color="#999999", arrows=False)
    if status is None:
        colours = [LEVEL_COLOURS(0.15 + 0.6 * chart.level(n) / max(1, chart.depth - 1)) for n in graph]
        legend = [Patch(color=LEVEL_COLOURS(0.15 + 0.6 * k / max(1, chart.depth - 1)),
                        label=f"level {k}: {'director' if k == 0 else 'workers' if k == chart.depth - 1 else 'leads'}")
                  for k in range(chart.depth)]
    else:
        colours = [STATUS_COLOURS[status.get(n, "untouched")] for n in graph]
        legend = [Patch(color=c, label=label) for label, c in STATUS_COLOURS.items()]
    small = workers > 12
    nx.draw_networkx_nodes(graph, pos, ax=ax, node_color=colours, node_size=350 if small else 900,
                           edgecolors="#555555")
    for name, (x, y) in pos.items():
        if not chart.is_worker(name):  # managers: the name on (or, when crowded, above) the node
            ax.text(x, y + (0.18 if small else 0.0), name, ha="center", va="bottom" if small else "center",
                    fontsize=7)
        elif workers <= 24:  # workers: name and specialties below the node, while there is room
            label = name if small else f"{name}\n{', '.join(sorted(chart.specialties[name]))}"
            ax.text(x, y - 0.22, label, ha="center", va="top", fontsize=6 if small else 7,
                    rotation=90 if small else 0)
    ax.legend(handles=legend, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)
    ax.set_title(title or f"Org chart: depth {chart.depth}, {workers} workers", fontsize=10)
    ax.margins(x=0.08, y=0.25)
    ax.axis("off")
    fig.tight_layout()
    plt.close(fig)
    return fig


def containment(run: HierarchicalRun, *, title: str | None = None) -> Figure:
    """The org chart with the agents a run's failures touched: crashed (red), cut off below a
    crashed manager (pink), and the managers that had to react (orange). Everyone else never
    noticed."""
    touched = disturbed(run)  # refuses anything but a hierarchical run
    crashed = [name for name, kinds in touched.items() if "crash" in kinds]
    status = {below: "cut off" for name in crashed for below in run.chart.subtree(name)}
    status |= {name: "crashed" if "crash" in kinds else "reacted" for name, kinds in touched.items()}
    counts = {kind: sum(1 for s in status.values() if s == kind) for kind in ("reacted", "cut off")}
    return org_chart(run.chart, status=status,
                     title=title or f"{counts['reacted']} agent(s) reacted, {counts['cut off']} cut off, "
                                    f"{len(run.chart.parent) - len(status)} never noticed")


def shapes_compared(frame: pd.DataFrame, *, by: str = "shape") -> Figure:
    """Bars per shape (mean over seeds): makespan, and messages handled by the director and
    by the busiest agent. ``frame`` has one row per run with those columns."""
    needed = [by, *SHAPE_COLUMNS]
    if not isinstance(frame, pd.DataFrame) or not set(needed) <= set(frame.columns):
        raise ValueError(f"frame={frame!r} is not allowed: give a DataFrame with the columns "
                         f"{', '.join(map(repr, needed))}, one row per run")
    means = frame.groupby(by, sort=False)[list(SHAPE_COLUMNS)].mean()
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.4))
    left.bar(means.index, means["makespan"], color="#1f77b4")
    left.set_ylabel("makespan (s)")
    left.set_title("Time to finish the project", fontsize=10)
    width = 0.4
    xs = range(len(means))
    right.bar([x - width / 2 for x in xs], means["director messages handled"], width, label="director")
    right.bar([x + width / 2 for x in xs], means["busiest agent messages handled"], width, label="busiest agent")
    right.set_xticks(list(xs), means.index)
    right.set_ylabel("messages handled")
    right.set_title("Load on the top, and on the busiest agent", fontsize=10)
    right.legend(fontsize=8)
    for ax in (left, right):
        ax.tick_params(axis="x", labelsize=8)
        ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    plt.close(fig)
    return fig


def load_by_agent(run: HierarchicalRun, *, title: str | None = None) -> Figure:
    """Messages each agent handled, one bar per agent, grouped and coloured by level: a flat
    tree has one tall bar at the top, a deeper one spreads the load over its leads."""
    chart = require_run(run).chart
    handled = {name: row["received"] for name, row in metrics.messages_by_agent(run.trace).items()}
    names = sorted(chart.parent, key=lambda n: (chart.level(n), n))
    fig, ax = plt.subplots(figsize=(8, 3.2))
    colours = [LEVEL_COLOURS(0.15 + 0.6 * chart.level(n) / max(1, chart.depth - 1)) for n in names]
    ax.bar(range(len(names)), [handled.get(n, 0) for n in names], color=colours, width=1.0, edgecolor="white")
    ax.set_xticks(range(len(names)), names if len(names) <= 20 else [""] * len(names), rotation=90, fontsize=7)
    ax.set_ylabel("messages handled")
    ax.set_xlabel("agents, by level (director first)")
    ax.set_title(title or f"depth {chart.depth}: makespan {run.makespan:.2f} s, director handled "
                          f"{handled.get(chart.director, 0)} messages", fontsize=10)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    plt.close(fig)
    return fig


def progress_at_the_top(run: HierarchicalRun, *, title: str | None = None) -> Figure:
    """Tasks done over time, seen by the workers, by the director through heartbeats, and by
    the director as results in hand: the gaps are the price of aggregating up."""
    frame = progress(run)
    fig, ax = plt.subplots(figsize=(7, 3.4))
    for column, style in (("finished by workers", "-"), ("known at the director", "--"),
                          ("results at the director", "-")):
        ax.step(frame["time"], frame[column], where="post", linestyle=style, label=column)
    ax.set_xlabel("simulated time (s)")
    ax.set_ylabel("tasks done")
    ax.set_title(title or "Progress as seen from the bottom and from the top", fontsize=10)
    ax.legend(fontsize=8, loc="upper left")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    plt.close(fig)
    return fig
