"""Three pictures of any run, drawn from its trace alone.

* ``sequence_diagram`` — who sent what to whom, when (a Lamport diagram): time runs
  down, one vertical line per agent, one arrow per message; lost messages end in a red ✕.
* ``timeline`` — per agent, when it was working, idle or crashed.
* ``topology`` — who talked to whom, with message counts as edge widths.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import matplotlib.pyplot as plt
import networkx as nx
from matplotlib.figure import Figure

from coordlab.world import validate
from coordlab.world.trace import Trace

DROP_COLOUR = "#d62728"
CRASH_COLOUR = "#d62728"
BUSY_COLOUR = "#1f77b4"
IDLE_COLOUR = "#e6e6e6"
TIMEOUT_COLOUR = "#ff7f0e"


def _lanes(trace: Trace, agents: list[str] | None) -> dict[str, int]:
    """One lane per agent, in the order given (default: the trace's agents)."""
    if agents is None:
        return {name: index for index, name in enumerate(trace.agents())}
    if isinstance(agents, str) or not isinstance(agents, Iterable):
        raise TypeError(f"agents={agents!r} is not allowed: give a list of agent names, e.g. ['a', 'b']")
    agents = list(agents)
    for name in agents:
        validate.known_agent("agents", name, trace.agents())
    return {name: index for index, name in enumerate(agents)}


def _crash_intervals(trace: Trace, end: float) -> dict[str, list[tuple[float, float]]]:
    """When each agent was down: from each crash to its recovery (or the end of the run)."""
    down: dict[str, float] = {}
    intervals: dict[str, list[tuple[float, float]]] = {}
    for e in trace.select(("crash", "recover")):
        if e.kind == "crash":
            down[e.agent] = e.time
        elif e.agent in down:
            intervals.setdefault(e.agent, []).append((down.pop(e.agent), e.time))
    for name, start in down.items():
        intervals.setdefault(name, []).append((start, end))
    return intervals


def _end_time(trace: Trace) -> float:
    return max((e.time for e in trace), default=0.0)


def sequence_diagram(trace: Trace, agents: list[str] | None = None, *, max_messages: int = 80,
                     title: str | None = None) -> Figure:
    """Draw messages as arrows between agent lifelines; time runs downwards.

    Only the first ``max_messages`` messages are drawn (a long run becomes a solid
    block of ink otherwise); the title says when some were left out.
    """
    validate.count("max_messages", max_messages)
    lanes = _lanes(trace, agents)
    sends = [e for e in trace.select("send") if e.agent in lanes and e.peer in lanes]
    shown = sends[:max_messages]
    shown_ids = {e.message.id for e in shown}
    fates = [e for e in trace.select(("deliver", "drop"))
             if e.message is not None and e.message.id in shown_ids]
    end = max([_end_time(trace)] + [e.time for e in fates]) or 1.0
    if len(shown) < len(sends):
        end = max((e.time for e in fates), default=end)
    height = min(9.0, 2.5 + 0.12 * len(shown))
    fig, ax = plt.subplots(figsize=(max(4.0, 1.6 * len(lanes)), height))
    for x in lanes.values():
        ax.plot([x, x], [0, end], color="#999999", lw=1, zorder=1)
    for name, spans in _crash_intervals(trace, end).items():
        if name in lanes:
            for start, stop in spans:
                ax.plot([lanes[name]] * 2, [start, stop], color=CRASH_COLOUR, lw=4, alpha=0.35, zorder=1)
                ax.plot(lanes[name], start, marker="X", color=CRASH_COLOUR, ms=11, zorder=4)
    for e in fates:
        msg = e.message
        x0, x1 = lanes[msg.sender], lanes[msg.to]
        if e.kind == "deliver":
            ax.annotate("", xy=(x1, e.time), xytext=(x0, msg.sent_at), zorder=3,
                        arrowprops=dict(arrowstyle="->", color="#333333", lw=1))
            colour, label_y = "#333333", (msg.sent_at + e.time) / 2
        else:
            # Lost in the network: a red cross half way. Refused by a crashed or departed
            # receiver: the message arrives at its lifeline and dies there.
            if e.reason in ("crashed", "gone"):
                xm, ym = x1, e.time
            else:
                xm, ym = (x0 + x1) / 2, msg.sent_at + 0.03 * end
            ax.plot([x0, xm], [msg.sent_at, ym], color=DROP_COLOUR, lw=1, ls="--", zorder=3)
            ax.plot(xm, ym, marker="x", color=DROP_COLOUR, ms=8, mew=2, zorder=6)
            colour, label_y = DROP_COLOUR, (msg.sent_at + ym) / 2
        label = msg.kind if e.kind == "deliver" else f"{msg.kind} ({e.reason})"
        ax.text((x0 + x1) / 2, label_y, label, fontsize=7, color=colour, ha="center", va="bottom",
                zorder=5, bbox=dict(boxstyle="round,pad=0.1", fc="white", ec="none", alpha=0.7))
    for e in trace.select("timeout"):
        if e.agent in lanes and e.time <= end:
            ax.plot(lanes[e.agent], e.time, marker="o", color=TIMEOUT_COLOUR, ms=6, zorder=4)
    _shade_partitions(ax, trace, end)
    ax.set_xticks(list(lanes.values()), list(lanes))
    ax.xaxis.tick_top()
    ax.set_ylim(end * 1.03, -0.03 * end)
    ax.set_ylabel("simulated time (s)")
    ax.set_xlim(-0.6, len(lanes) - 0.4)
    note = f" (first {len(shown)} of {len(sends)} messages)" if len(shown) < len(sends) else ""
    ax.set_title((title or "Message sequence") + note, fontsize=10, pad=22)
    for side in ("right", "bottom", "left"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    plt.close(fig)
    return fig


def _shade_partitions(ax, trace: Trace, end: float) -> None:
    start = None
    for e in trace.select(("partition", "heal")):
        if e.kind == "partition":
            start = e.time
        elif start is not None:
            ax.axhspan(start, e.time, color="#9467bd", alpha=0.08, zorder=0)
            start = None
    if start is not None:
        ax.axhspan(start, end, color="#9467bd", alpha=0.08, zorder=0)


def timeline(trace: Trace, agents: list[str] | None = None, *, title: str | None = None) -> Figure:
    """One bar per agent: blue while working (``work``), red while crashed, grey otherwise."""
    lanes = _lanes(trace, agents)
    end = _end_time(trace) or 1.0
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(lanes) + 1.2))
    joined = {e.agent: e.time for e in reversed(trace.select("join"))}
    left = {e.agent: e.time for e in trace.select("leave")}
    for name, y in lanes.items():
        start, stop = joined.get(name, 0.0), left.get(name, end)
        ax.broken_barh([(start, stop - start)], (y - 0.35, 0.7), color=IDLE_COLOUR)
    for name, spans in _busy_intervals(trace, end).items():
        if name in lanes:
            ax.broken_barh([(s, t - s) for s, t in spans], (lanes[name] - 0.35, 0.7), color=BUSY_COLOUR)
    for name, spans in _crash_intervals(trace, end).items():
        if name in lanes:
            ax.broken_barh([(s, t - s) for s, t in spans], (lanes[name] - 0.35, 0.7),
                           color=CRASH_COLOUR, alpha=0.6, hatch="//")
    ax.set_yticks(list(lanes.values()), list(lanes))
    ax.set_ylim(len(lanes) - 0.5, -0.5)
    ax.set_xlim(0, end)
    ax.set_xlabel("simulated time (s)")
    handles = [plt.Rectangle((0, 0), 1, 1, color=c, alpha=a) for c, a in
               ((BUSY_COLOUR, 1), (IDLE_COLOUR, 1), (CRASH_COLOUR, 0.6))]
    ax.legend(handles, ["working", "idle", "crashed"], loc="lower right", ncols=3,
              bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=8)
    ax.set_title(title or "Timeline", fontsize=10, loc="left")
    fig.tight_layout()
    plt.close(fig)
    return fig


def _busy_intervals(trace: Trace, end: float) -> dict[str, list[tuple[float, float]]]:
    started: dict[str, list[float]] = {}
    spans: dict[str, list[tuple[float, float]]] = {}
    for e in trace.select(("work_start", "work_end", "crash", "leave")):
        if e.kind == "work_start":
            started.setdefault(e.agent, []).append(e.time)
        elif e.kind == "work_end" and started.get(e.agent):
            spans.setdefault(e.agent, []).append((started[e.agent].pop(0), e.time))
        else:
            for begin in started.pop(e.agent, []):
                spans.setdefault(e.agent, []).append((begin, e.time))
    for name, begins in started.items():
        spans.setdefault(name, []).extend((b, end) for b in begins)
    return spans


def message_graph(trace: Trace) -> nx.DiGraph:
    """Who sent messages to whom: edge weight = number of messages sent along it."""
    graph = nx.DiGraph()
    graph.add_nodes_from(trace.agents())
    counts = Counter((e.agent, e.peer) for e in trace.select("send"))
    for (sender, receiver), n in counts.items():
        graph.add_edge(sender, receiver, weight=n)
    return graph


def topology(trace: Trace, *, title: str | None = None, layout: str = "circular") -> Figure:
    """Draw who talked to whom; edge width and label = messages sent both ways."""
    directed = message_graph(trace)
    graph = nx.Graph()
    graph.add_nodes_from(directed.nodes)
    for a, b, data in directed.edges(data=True):
        if graph.has_edge(a, b):
            graph[a][b]["weight"] += data["weight"]
        else:
            graph.add_edge(a, b, weight=data["weight"])
    positions = {"circular": nx.circular_layout, "shell": nx.shell_layout,
                 "kamada_kawai": nx.kamada_kawai_layout}
    if layout not in positions:
        raise ValueError(f"layout={layout!r} is not allowed: choose one of {', '.join(positions)}")
    pos = positions[layout](graph)
    crashed = {e.agent for e in trace.select("crash")}
    fig, ax = plt.subplots(figsize=(5, 4.2))
    weights = [d["weight"] for _, _, d in graph.edges(data=True)]
    top = max(weights, default=1)
    nx.draw_networkx_edges(graph, pos, ax=ax, width=[0.5 + 5 * w / top for w in weights], edge_color="#888888")
    nx.draw_networkx_edge_labels(graph, pos, ax=ax, font_size=7,
                                 edge_labels={(a, b): d["weight"] for a, b, d in graph.edges(data=True)})
    colours = [CRASH_COLOUR if n in crashed else "#9ecae1" for n in graph.nodes]
    nx.draw_networkx_nodes(graph, pos, ax=ax, node_color=colours, node_size=700)
    nx.draw_networkx_labels(graph, pos, ax=ax, font_size=8)
    ax.set_title(title or "Who talked to whom (messages sent)", fontsize=10)
    ax.axis("off")
    fig.tight_layout()
    plt.close(fig)
    return fig
