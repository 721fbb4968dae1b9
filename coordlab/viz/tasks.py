"""Pictures of any task-running pattern's runs: who ran what when, and sweeps over seeds.

They sit next to the kit they draw (``coordlab.patterns.tasks``): ``gantt`` reads only the
task life-cycle events every task-running pattern logs, so notebook 02 (centralized) and
notebook 04 (hierarchical) draw their runs with the same picture. Pictures of one pattern
alone are in ``coordlab.viz.centralized`` and ``coordlab.viz.hierarchical``.

Like every picture in ``coordlab.viz`` these only draw a trace or a table of results;
they never run a simulation.
"""
from __future__ import annotations

from collections.abc import Iterable

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from coordlab.patterns.tasks import Task, task_list
from coordlab.world.trace import Trace

PALETTE = plt.get_cmap("tab10").colors


def gantt(trace: Trace, tasks: Iterable[Task] = (), *, workers: Iterable[str] = (),
          title: str = "Who ran which task when") -> Figure:
    """One row per worker, one bar per attempt, coloured by task type.

    Attempts that never ended (the worker crashed, or the run stopped) are hatched grey;
    attempts whose work raised are outlined in red; a red × marks a crash. Workers named
    in ``workers`` get a row even if they never ran anything: idle workers are news too.
    """
    if not isinstance(trace, Trace):
        raise TypeError(f"trace={trace!r} is not allowed: give a run's trace (run.trace)")
    names = list(workers) if isinstance(workers, Iterable) and not isinstance(workers, str) else [None]
    if not all(isinstance(name, str) for name in names):
        raise TypeError(f"workers={workers!r} is not allowed: give a list of worker names")
    types = {t.id: t.type for t in task_list(tasks)}
    colour = {kind: PALETTE[i % len(PALETTE)] for i, kind in enumerate(dict.fromkeys(types.values()))}
    end_of_run = trace[-1].time if len(trace) else 0.0
    open_attempts: dict[tuple[str, int], tuple[str, float]] = {}
    bars: list[tuple[str, str, float, float, str]] = []  # worker, task, start, end, outcome
    crashes: list[tuple[str, float]] = []
    for e in trace:
        if e.kind == "task_start":
            open_attempts[(e.data["task"], e.data["attempt"])] = (e.agent, e.time)
        elif e.kind == "task_end":
            worker, start = open_attempts.pop((e.data["task"], e.data["attempt"]))
            bars.append((worker, e.data["task"], start, e.time, "ok" if e.data["ok"] else "error"))
        elif e.kind == "crash":
            crashes.append((e.agent, e.time))
            for key, (worker, start) in list(open_attempts.items()):
                if worker == e.agent:
                    bars.append((worker, key[0], start, e.time, "lost"))
                    del open_attempts[key]
    bars += [(w, key[0], start, end_of_run, "lost") for key, (w, start) in open_attempts.items()]
    workers = sorted({b[0] for b in bars} | set(names), key=_natural)
    row = {w: i for i, w in enumerate(workers)}
    fig, ax = plt.subplots(figsize=(9, 0.45 * len(workers) + 1.6))
    for worker, task, start, end, outcome in bars:
        face = "lightgrey" if outcome == "lost" else colour.get(types.get(task), PALETTE[0])
        ax.barh(row[worker], end - start, left=start, height=0.6, color=face,
                edgecolor="red" if outcome == "error" else "black", linewidth=1.5 if outcome == "error" else 0.5,
                hatch="//" if outcome == "lost" else None)
        if len(bars) <= 40:
            ax.text(start + (end - start) / 2, row[worker], task, ha="center", va="center", fontsize=7)
    for worker, time in crashes:
        if worker in row:
            ax.plot(time, row[worker], marker="x", color="red", markersize=10, markeredgewidth=2)
    ax.set_yticks(range(len(workers)), workers)
    ax.invert_yaxis()
    ax.set_xlabel("simulated time (s)")
    ax.set_title(title)
    legend = [Patch(color=c, label=k) for k, c in colour.items()]
    if any(b[4] == "lost" for b in bars):
        legend.append(Patch(facecolor="lightgrey", hatch="//", label="attempt lost or cut short"))
    if legend:
        ax.legend(handles=legend, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8)
    fig.tight_layout()
    plt.close(fig)
    return fig


def sweep_lines(frame: pd.DataFrame, x: str, y: str, *, by: str | None = None, ax=None,
                label: str | None = None) -> Figure:
    """Mean of ``y`` against ``x`` over seeds, with a band from the lowest to the highest seed.

    ``by`` draws one line per value of that column.
    """
    require_columns(frame, x=x, y=y, **({"by": by} if by is not None else {}))
    fig, ax = (ax.figure, ax) if ax is not None else plt.subplots(figsize=(6, 3.6))
    groups = frame.groupby(by) if by else [(label or y, frame)]
    for name, part in groups:
        stats = part.groupby(x)[y].agg(["mean", "min", "max"])
        line, = ax.plot(stats.index, stats["mean"], marker="o", label=f"{name}")
        ax.fill_between(stats.index, stats["min"], stats["max"], color=line.get_color(), alpha=0.2)
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.grid(alpha=0.3)
    plt.close(fig)
    return fig


def require_columns(frame: pd.DataFrame, **columns: str) -> None:
    """Raise naming the argument unless ``frame`` is a table with each of ``columns`` (argument -> column)."""
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"frame={frame!r} is not allowed: give a table (a pandas DataFrame), e.g. a sweep's result")
    for argument, column in columns.items():
        if column not in frame.columns:
            raise ValueError(f"{argument}={column!r} is not allowed: the table has no such column "
                             f"(columns: {', '.join(map(str, frame.columns))})")


def _natural(name: str) -> tuple:
    """Sort worker-2 before worker-10."""
    stem, _, number = name.rpartition("-")
    return (stem, int(number)) if number.isdigit() else (name, 0)
