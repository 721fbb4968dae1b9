"""Pictures of the comparison, and the decision guide as a widget.

Like every picture in ``coordlab.viz`` these only draw tables a sweep produced (or the
recommendation ``recommend`` gives); they never run a simulation.
"""
from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from coordlab.compare import QUESTIONS, Comparison, recommend
from coordlab.compare.columns import TASKS_PER_AGENT
from coordlab.compare.contenders import PATTERNS
from coordlab.viz.explore import explore

COLOURS = dict(zip(PATTERNS, ("#1f77b4", "#2ca02c", "#9467bd", "#d62728", "#ff7f0e")))


def scalability_plot(frame: pd.DataFrame) -> Figure:
    """Makespan and the busiest agent's messages against agents (log-log), one line per pattern.

    A hollow marker is a size where the pattern did not finish every task."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    means = frame.groupby(["pattern", "agents"], sort=False)[["makespan", "busiest messages", "completion"]].mean()
    for pattern in dict.fromkeys(frame["pattern"]):
        points = means.loc[pattern]
        for ax, column in zip(axes, ("makespan", "busiest messages")):
            ax.plot(points.index, points[column], "-", color=COLOURS.get(pattern), label=pattern)
            done = points["completion"] == 1.0
            ax.plot(points.index[done], points[column][done], "o", color=COLOURS.get(pattern))
            ax.plot(points.index[~done], points[column][~done], "o", mfc="white", color=COLOURS.get(pattern))
    for ax, label in zip(axes, ("makespan (simulated s)", "messages at the busiest agent")):
        ax.set(xscale="log", yscale="log", xlabel=f"agents ({TASKS_PER_AGENT} tasks each)", ylabel=label)
        ax.grid(alpha=0.3, which="both")
    axes[0].legend(fontsize=8)
    fig.suptitle("Scalability: hollow = not every task done")
    fig.tight_layout()
    plt.close(fig)
    return fig


def fault_plot(frame: pd.DataFrame) -> Figure:
    """Completion against the share of agents crashed (mean over seeds), one line per pattern."""
    fig, ax = plt.subplots(figsize=(6.5, 4))
    crashes = frame[frame["fault"] == "crashes"]
    for pattern, runs in crashes.groupby("pattern", sort=False):
        mean = runs.groupby("rate")["completion"].mean()
        ax.plot(mean.index * 100, mean.values, "o-", color=COLOURS.get(pattern), label=pattern)
    ax.set(xlabel="agents crashed (% of all, coordinators included)", ylabel="tasks done (share)", ylim=(-0.05, 1.05))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    plt.close(fig)
    return fig


def recommendation_figure(table: Comparison, agents: int, must_survive_coordinator_loss: bool,
                          fault_tolerance_needed: bool, predictability_needed: bool) -> Figure:
    """The guide's questions with the answers given, and the recommendation with its measurement."""
    answer = recommend(table, agents=agents, must_survive_coordinator_loss=must_survive_coordinator_loss,
                       fault_tolerance_needed=fault_tolerance_needed, predictability_needed=predictability_needed)
    given = {"agents": str(agents), "must_survive_coordinator_loss": _yes(must_survive_coordinator_loss),
             "fault_tolerance_needed": _yes(fault_tolerance_needed),
             "predictability_needed": _yes(predictability_needed), "simplest": ""}
    fig, ax = plt.subplots(figsize=(10, 3.2))
    ax.axis("off")
    for i, (key, question) in enumerate(QUESTIONS):
        decided = question == answer.question
        ax.text(0.0, 0.95 - 0.13 * i, f"{i + 1}. {question}  {given[key]}", fontsize=9,
                weight="bold" if decided else "normal", color="black" if decided else "#555555",
                transform=ax.transAxes)
    ax.text(0.0, 0.18, f"→ {answer.pattern}: {answer.reason}", fontsize=10, weight="bold",
            color=COLOURS.get(answer.pattern), transform=ax.transAxes, wrap=True)
    ax.text(0.0, 0.04, f"measured: {answer.measurement}", fontsize=9, transform=ax.transAxes, wrap=True)
    plt.close(fig)
    return fig


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def decision_guide(table: Comparison, agents: int = 16) -> None:
    """The decision guide as controls (its questions in order) above the recommendation.

    Headless, the figure for the default answers is shown as an ordinary output."""
    explore(lambda **answers: recommendation_figure(table, **answers),
            agents=widgets.IntText(value=agents, description="agents"),
            must_survive_coordinator_loss=widgets.Checkbox(value=False, description="survive coordinator loss"),
            fault_tolerance_needed=widgets.Checkbox(value=False, description="heavy crashes"),
            predictability_needed=widgets.Checkbox(value=False, description="predictable"))
