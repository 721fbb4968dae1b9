"""Pictures of the centralized pattern: how far adding workers helps one orchestrator.

The Gantt chart and sweep lines every task-running pattern uses are in ``coordlab.viz.tasks``.
Like every picture in ``coordlab.viz`` these only draw a table of results; they never run
a simulation.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from coordlab.viz.tasks import require_columns, sweep_lines


def makespan_vs_workers(frame: pd.DataFrame) -> Figure:
    """Makespan against the number of workers, with the lower bound no schedule beats:
    the larger of the critical path and the total work shared perfectly among the workers.

    ``frame`` has one row per run with columns workers, makespan, critical path, total work.
    """
    require_columns(frame, x="workers", y="makespan", path="critical path", work="total work")
    bound = frame.assign(bound=[max(cp, work / n) for cp, work, n in
                                zip(frame["critical path"], frame["total work"], frame["workers"])])
    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    sweep_lines(frame, "workers", "makespan", ax=ax, label="measured (mean, min–max over seeds)")
    means = bound.groupby("workers")[["bound", "critical path"]].mean()
    ax.plot(means.index, means["bound"], "k--", label="lower bound: max(critical path, work / workers)")
    ax.plot(means.index, means["critical path"], color="grey", linestyle=":", label="critical path")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xticks(means.index, [str(c) for c in means.index])
    ax.set_ylabel("makespan (s, log scale)")
    ax.set_title("Adding workers helps until the orchestrator saturates")
    ax.legend(fontsize=8)
    fig.tight_layout()
    plt.close(fig)
    return fig
