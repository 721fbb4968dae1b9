"""Sweeps: run a function over a grid of parameters × seeds and collect a table.

    frame = sweep(lambda workers, seed: {"makespan": ...}, {"workers": [1, 2, 4]}, seeds=range(3))

One row per (parameter combination, seed), with the parameters, the seed and whatever
the function returned. Several seeds per point show how much of a difference is luck.
"""
from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from coordlab.world import Crash, validate


def sweep(run: Callable[..., Mapping[str, Any]], grid: Mapping[str, Sequence[Any]], seeds: Iterable[int],
          progress: bool = True) -> pd.DataFrame:
    """Call ``run(**point, seed=seed)`` for every point of ``grid`` and every seed.

    With ``progress`` a progress bar is displayed (in a notebook) while it runs.
    """
    seeds = list(seeds)
    if not seeds:
        raise ValueError("seeds=[] is not allowed: give at least one seed")
    names = list(grid)
    for name in names:
        if isinstance(grid[name], (str, bytes)) or not isinstance(grid[name], Iterable):
            raise TypeError(f"grid={dict(grid)!r} is not allowed: each value is a list of settings to try, "
                            f"e.g. {{{name!r}: [{grid[name]!r}]}}")
    points = [dict(zip(names, values)) for values in itertools.product(*(grid[n] for n in names))]
    bar = _progress_bar(len(points) * len(seeds)) if progress else None
    rows = []
    for point in points:
        for seed in seeds:
            rows.append({**point, "seed": seed, **run(**point, seed=seed)})
            if bar is not None:
                bar.value += 1
    if bar is not None:
        bar.bar_style = "success"
    return pd.DataFrame(rows)


def _progress_bar(total: int):
    import ipywidgets as widgets
    from IPython.display import display

    bar = widgets.IntProgress(value=0, min=0, max=total, description="runs")
    display(bar)
    return bar


def random_crashes(agents: Sequence[str], rate: float, within: float, seed: int) -> list[Crash]:
    """Crash each of ``agents`` with probability ``rate``, at a uniform time in [0, within)."""
    validate.probability("rate", rate)
    if validate.number("within", within) <= 0:
        raise ValueError(f"within={within!r} is not allowed: within must be > 0 (seconds)")
    rng = random.Random(f"{seed}/crashes")
    return [Crash(name, at=rng.uniform(0, within)) for name in agents if rng.random() < rate]
