"""Pictures of swarms: pheromone fields, tours, convergence, flocks and their order.

Each function draws what a swarm's ``history`` (or a finished sweep) holds and returns a
closed matplotlib ``Figure``; none of them runs a simulation.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from coordlab.patterns.swarm import FlockFrame, ForagingFrame, Instance, check_tour
from coordlab.patterns.swarm.flocking import positive


def expect(name: str, value: object, kind: type, where: str) -> None:
    """Raise naming ``name`` unless ``value`` is a ``kind`` (``where`` says where to find one)."""
    if not isinstance(value, kind):
        raise TypeError(f"{name}={value!r} is not allowed: {name} must be a {kind.__name__} ({where})")


def curves_of(name: str, curves: object) -> dict[str, np.ndarray]:
    """A non-empty mapping of label -> numbers, each as an array; raise naming ``name`` otherwise."""
    if not isinstance(curves, Mapping) or not curves:
        raise TypeError(f"{name}={curves!r} is not allowed: {name} must be a non-empty dict of label -> values")
    arrays = {}
    for label, values in curves.items():
        array = np.asarray(values)
        if not np.issubdtype(array.dtype, np.number) or not array.size:
            raise TypeError(f"{name}={curves!r} is not allowed: {label!r} has no numbers to draw")
        arrays[str(label)] = array.astype(float)
    return arrays


def foraging_frame(frame: ForagingFrame, nest: Sequence[int], *, title: str = "") -> Figure:
    """Pheromone heat map with the nest, the food left and the ants (carriers in orange)."""
    expect("frame", frame, ForagingFrame, "one of colony.history.frames")
    if isinstance(nest, str) or len(nest) != 2:
        raise ValueError(f"nest={nest!r} is not allowed: nest is a (row, column) pair, e.g. colony.nest")
    fig, ax = plt.subplots(figsize=(5.2, 4.6))
    image = ax.imshow(frame.pheromone, cmap="viridis", origin="upper")
    fig.colorbar(image, ax=ax, label="pheromone")
    food_r, food_c = np.nonzero(frame.food)
    ax.scatter(food_c, food_r, marker="s", s=18, color="limegreen", label="food")
    for carrying, colour, label in ((False, "white", "searching"), (True, "orange", "carrying food")):
        ants = frame.positions[frame.carrying == carrying]
        ax.scatter(ants[:, 1], ants[:, 0], s=6, color=colour, label=label)
    ax.scatter([nest[1]], [nest[0]], marker="*", s=160, color="red", label="nest")
    ax.set_title(title or f"step {frame.step}")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.legend(loc="upper left", fontsize=7, framealpha=0.8)
    plt.close(fig)
    return fig


def lines(curves: Mapping[str, Sequence[float]], *, xlabel: str, ylabel: str, title: str = "",
          reference: float | None = None, reference_label: str = "") -> Figure:
    """One line per labelled curve (food returned, best tour length, order, ...) against the step."""
    curves = curves_of("curves", curves)
    fig, ax = plt.subplots(figsize=(6, 3.4))
    for label, values in curves.items():
        ax.plot(np.arange(len(values)), values, label=label)
    if reference is not None:
        ax.axhline(reference, color="grey", linestyle="--", label=reference_label)
    return _labelled(fig, ax, xlabel, ylabel, title)


def tour(instance: Instance, tour: Sequence[int], *, title: str = "") -> Figure:
    """The cities and a closed tour through them."""
    expect("instance", instance, Instance, "tsplib.load(name) gives one")
    tour = check_tour(tour, instance.cities)
    fig, ax = plt.subplots(figsize=(6, 4))
    path = instance.coordinates[np.append(tour, tour[0])]
    ax.plot(path[:, 0], path[:, 1], "-", color="tab:blue", linewidth=1)
    ax.plot(instance.coordinates[:, 0], instance.coordinates[:, 1], "o", color="black", markersize=3)
    ax.set_title(title or f"{instance.name}: length {instance.tour_length(tour)}")
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    plt.close(fig)
    return fig


def spread(x: Sequence[float], runs: Mapping[str, np.ndarray], *, xlabel: str, ylabel: str, title: str = "",
           log_x: bool = False, baselines: Mapping[str, float] | None = None) -> Figure:
    """Mean over seeds (line) and min..max over seeds (band); ``runs[label]`` is (seeds, len(x))."""
    runs = curves_of("runs", runs)
    for label, values in runs.items():
        if values.ndim != 2 or values.shape[1] != len(x):
            raise ValueError(f"runs={{{label!r}: array of shape {values.shape}}} is not allowed: each run is "
                             f"(seeds, len(x)) = (seeds, {len(x)})")
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    for label, values in runs.items():
        line, = ax.plot(x, values.mean(axis=0), marker="." if len(x) < 40 else None, label=label)
        ax.fill_between(x, values.min(axis=0), values.max(axis=0), color=line.get_color(), alpha=0.2)
        if baselines and label in baselines:
            ax.axhline(baselines[label], color=line.get_color(), linestyle=":", linewidth=1,
                       label=f"{label}: random baseline")
    if log_x:
        ax.set_xscale("log")
    return _labelled(fig, ax, xlabel, ylabel, title)


def flock_frame(frame: FlockFrame, box: float, *, title: str = "") -> Figure:
    """Every agent as an arrow pointing where it flies, coloured by heading."""
    expect("frame", frame, FlockFrame, "one of flock.history.frames")
    box = positive("box", box)
    fig, ax = plt.subplots(figsize=(4.6, 4.6))
    ax.quiver(frame.positions[:, 0], frame.positions[:, 1], np.cos(frame.headings), np.sin(frame.headings),
              frame.headings, cmap="hsv", clim=(-np.pi, np.pi), angles="xy", scale=40, width=0.004)
    ax.set_xlim(0, box)
    ax.set_ylim(0, box)
    ax.set_aspect("equal")
    ax.set_title(title or f"step {frame.step}")
    plt.close(fig)
    return fig


def throughput(agents: Sequence[int], agent_steps_per_second: Sequence[float]) -> Figure:
    """Agent-steps per second against the number of agents (log-log)."""
    if len(agents) != len(agent_steps_per_second) or not len(agents):
        raise ValueError(f"agent_steps_per_second={agent_steps_per_second!r} is not allowed: give one rate per "
                         f"number of agents ({len(agents)})")
    fig, ax = plt.subplots(figsize=(5, 3.2))
    ax.loglog(agents, agent_steps_per_second, "o-")
    ax.set_xlabel("agents")
    ax.set_ylabel("agent-steps per second")
    ax.set_title("vectorised Vicsek: throughput")
    plt.close(fig)
    return fig


def _labelled(fig: Figure, ax, xlabel: str, ylabel: str, title: str) -> Figure:
    """Axis labels, title and legend for the line plots; the figure, closed, to return."""
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize=8)
    plt.close(fig)
    return fig
