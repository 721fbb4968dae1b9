"""Sweeps: run a function over a grid of parameters × seeds and collect a table.

    frame = sweep(lambda workers, seed: {"makespan": ...}, {"workers": [1, 2, 4]}, seeds=range(3))

One row per (parameter combination, seed), with the parameters, the seed and whatever
the function returned. Several seeds per point show how much of a difference is luck.

A sweep outgrows one process quickly (patterns × sizes × fault rates × seeds), so
``engine="dask"`` spreads the runs over dask.distributed worker processes: a local cluster by
default, or the scheduler at ``address``, so the same call runs on a real cluster. Every run
is deterministic in its seed, so the table is the same whichever engine computed it.
``cache=`` keeps the table in a file, so a notebook re-renders without recomputing.
"""
from __future__ import annotations

import itertools
import json
import os
import random
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from coordlab.runtime.cluster import checked_workers, connect
from coordlab.world import Crash, validate

ENGINES = ("serial", "dask")
CACHE_FORMAT = "coordlab sweep cache v1"  # the header line's marker: a file without it is not ours to overwrite


def sweep(run: Callable[..., Mapping[str, Any]], grid: Mapping[str, Sequence[Any]], seeds: Iterable[int],
          progress: bool = True, *, engine: str = "serial", address: str | None = None, workers: int = 2,
          cache: str | os.PathLike[str] | None = None, refresh: bool = False) -> pd.DataFrame:
    """Call ``run(**point, seed=seed)`` for every point of ``grid`` and every seed.

    With ``progress`` a progress bar is displayed (in a notebook) while it runs; it advances
    as runs finish, whichever engine runs them.

    ``engine="serial"`` runs everything here, one run after the other. ``engine="dask"``
    runs them on a local cluster of ``workers`` processes (1 to 8, one thread each, listening on
    127.0.0.1 only: ``coordlab.runtime.local_cluster``), started for this call and closed when
    it returns, fails or is interrupted; or, with
    ``address="tcp://host:8786"``, on that running scheduler's workers, which need coordlab
    installed (the cluster is then left running: it is not ours). ``run`` travels to the workers with cloudpickle, so a
    lambda or a function defined in a notebook works; it must not rely on state that only
    this process has (an open file, a variable changed after the call). Rows come back in
    the serial order with the same values, because each run depends only on its seed.

    If ``run`` raises, the sweep raises the same exception, with a note naming the point
    and seed that failed (shown under the traceback).

    ``cache="results/sweep.jsonl"`` keeps the table in that file: a header line with the
    key (``run``'s module and name, ``grid``, ``seeds``), then one JSON row per line, so it
    diffs well when committed. If the file was made for the same key it is loaded and
    nothing runs; otherwise the sweep runs and rewrites it. The key does not cover
    ``run``'s code, what else it reads (a notebook variable) nor the library's version: after
    a change that alters the results, pass ``refresh=True`` (or delete the file) to recompute.
    """
    seeds = list(seeds)
    if not seeds:
        raise ValueError("seeds=[] is not allowed: give at least one seed")
    grid = _settings(grid)
    if not callable(run):
        raise TypeError(f"run={run!r} is not allowed: run must be a function called as run(**point, seed=seed)")
    validate.flag("progress", progress)
    validate.flag("refresh", refresh)
    _check_engine(engine, address, workers)
    path = _cache_path(cache)
    key = _cache_key(run, grid, seeds) if path is not None else None
    if path is not None:
        cached = _load(path, key, refresh)
        if cached is not None:
            return cached
    points = [dict(zip(grid, values)) for values in itertools.product(*grid.values())]
    runs = [(point, seed) for point in points for seed in seeds]
    bar = _progress_bar(len(runs)) if progress else None
    if engine == "serial":
        rows = [_row(run, point, seed) for point, seed in _advancing(runs, bar)]
    else:
        rows = _rows_on_dask(run, runs, bar, address, workers)
    if bar is not None:
        bar.bar_style = "success"
    frame = pd.DataFrame(rows)
    if path is not None:
        _save(path, key, frame)
    return frame


def _settings(grid: Mapping[str, Iterable[Any]]) -> dict[str, list[Any]]:
    """The grid with each name's settings as a list (read once: a generator is fine)."""
    for name in grid:
        if isinstance(grid[name], (str, bytes)) or not isinstance(grid[name], Iterable):
            raise TypeError(f"grid={dict(grid)!r} is not allowed: each value is a list of settings to try, "
                            f"e.g. {{{name!r}: [{grid[name]!r}]}}")
    return {name: list(grid[name]) for name in grid}


def _check_engine(engine: object, address: object, workers: object) -> None:
    if engine not in ENGINES:
        raise ValueError(f"engine={engine!r} is not allowed: engine must be one of {', '.join(map(repr, ENGINES))}")
    checked_workers(workers)
    if address is None:
        return
    if not isinstance(address, str) or not address:
        raise TypeError(f"address={address!r} is not allowed: address must be a scheduler's address as a string, "
                        "e.g. 'tcp://127.0.0.1:8786', or None to start a local cluster")
    if engine != "dask":
        raise ValueError(f"address={address!r} is not allowed with engine={engine!r}: "
                         "a scheduler address is only used with engine='dask'")


def _row(run: Callable[..., Mapping[str, Any]], point: dict[str, Any], seed: int) -> dict[str, Any]:
    """One row of the table: the point, the seed, then what ``run`` returned. Runs on a worker with dask."""
    try:
        return {**point, "seed": seed, **run(**point, seed=seed)}
    except Exception as error:
        _name_the_run(error, point, seed)
        raise


def _name_the_run(error: BaseException, point: dict[str, Any], seed: int) -> None:
    """Say which run failed, keeping the exception's type and message (a note shows under the traceback)."""
    note = f"raised by the sweep's run at {point!r}, seed={seed!r}"
    if note not in getattr(error, "__notes__", ()):
        error.add_note(note)


# --- progress -------------------------------------------------------------------------------------

def _progress_bar(total: int):
    import ipywidgets as widgets
    from IPython.display import display

    bar = widgets.IntProgress(value=0, min=0, max=total, description="runs")
    display(bar)
    return bar


def _advancing(items: Iterable[Any], bar) -> Iterator[Any]:
    """Yield ``items``, advancing ``bar`` (if any) after each one has been used."""
    for item in items:
        yield item
        if bar is not None:
            bar.value += 1


# --- dask -----------------------------------------------------------------------------------------

def _rows_on_dask(run: Callable[..., Mapping[str, Any]], runs: list[tuple[dict[str, Any], int]], bar,
                  address: str | None, workers: int) -> list[dict[str, Any]]:
    """Submit every run, collect rows as they finish, and return them in submission order."""
    from distributed import as_completed  # here, not at the top: import coordlab stays light without dask

    with connect(address, workers) as client:
        futures = [client.submit(_row, run, point, seed, pure=False) for point, seed in runs]
        position = {future.key: index for index, future in enumerate(futures)}
        rows: list[dict[str, Any]] = [{} for _ in runs]
        # Closing the client (on return, error or Ctrl-C) releases the futures still pending.
        for future in _advancing(as_completed(futures), bar):
            index = position[future.key]
            try:
                rows[index] = future.result()
            except Exception as error:  # re-raised here with the remote traceback; name the run again
                _name_the_run(error, *runs[index])
                raise
        return rows


# --- cache ----------------------------------------------------------------------------------------

def _cache_path(cache: object) -> Path | None:
    if cache is None:
        return None
    if not isinstance(cache, (str, os.PathLike)) or isinstance(os.fspath(cache), bytes):
        raise TypeError(f"cache={cache!r} is not allowed: cache must be a file path (a string or a pathlib.Path), "
                        "or None for no cache")
    if not os.fspath(cache):
        raise ValueError(f"cache={cache!r} is not allowed: give a file name, e.g. 'results/sweep.jsonl'")
    return Path(cache)


def _cache_key(run: Callable[..., Any], grid: dict[str, list[Any]], seeds: list[int]) -> dict[str, Any]:
    """What a cache file must have been made for: the run's name, the grid and the seeds, as JSON."""
    name = f"{getattr(run, '__module__', None) or type(run).__module__}." \
           f"{getattr(run, '__qualname__', None) or type(run).__qualname__}"
    key = {"format": CACHE_FORMAT, "run": name, "grid": grid, "seeds": seeds}
    try:
        return json.loads(json.dumps(key, default=_plain))
    except (TypeError, ValueError):
        raise TypeError(f"grid={grid!r} is not allowed with a cache: a cached grid holds plain values "
                        "(numbers, strings, True/False, None); use names and build the objects inside run") from None


def _plain(value: Any) -> Any:
    """numpy numbers as Python numbers, for JSON; anything else cannot be cached."""
    if hasattr(value, "item") and getattr(value, "shape", None) == ():
        return value.item()
    raise TypeError(f"{value!r} is not a plain value")


def _load(path: Path, key: dict[str, Any], refresh: bool) -> pd.DataFrame | None:
    """The cached table if ``path`` was made for ``key``; None if there is none yet, it is stale or ``refresh``.

    A file that is not a sweep cache is refused even with ``refresh``: it would be overwritten.
    """
    if not path.exists():
        return None
    with path.open(encoding="utf-8") as file:
        header = file.readline()
        try:
            found = json.loads(header)
        except ValueError:
            found = None
        if not isinstance(found, dict) or found.get("format") != CACHE_FORMAT:
            raise ValueError(f"cache={str(path)!r} is not allowed: that file exists and is not a sweep cache "
                             "(its first line is not a sweep's key); choose another name or delete the file")
        if refresh or found != key:
            return None
        return pd.DataFrame([json.loads(line) for line in file if line.strip()])


def _save(path: Path, key: dict[str, Any], frame: pd.DataFrame) -> None:
    """Write the key, then one row per line; only if reading it back gives this very table."""
    try:
        lines = [json.dumps(key)] + [json.dumps(row, default=_plain) for row in frame.to_dict("records")]
    except (TypeError, ValueError) as error:
        warnings.warn(f"cache={str(path)!r} not written: the table holds a value JSON cannot keep ({error}); "
                      "return numbers, strings, True/False or None from run", stacklevel=3)
        return
    if not pd.DataFrame([json.loads(line) for line in lines[1:]]).equals(frame):
        warnings.warn(f"cache={str(path)!r} not written: read back, the table would not be the same "
                      "(e.g. a tuple would come back as a list)", stacklevel=3)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text("\n".join(lines) + "\n", encoding="utf-8")
    partial.replace(path)  # all or nothing: an interrupted write never leaves half a cache behind


def random_crashes(agents: Sequence[str], rate: float, within: float, seed: int) -> list[Crash]:
    """Crash each of ``agents`` with probability ``rate``, at a uniform time in [0, within)."""
    validate.probability("rate", rate)
    if validate.number("within", within) <= 0:
        raise ValueError(f"within={within!r} is not allowed: within must be > 0 (seconds)")
    rng = random.Random(f"{seed}/crashes")
    return [Crash(name, at=rng.uniform(0, within)) for name in agents if rng.random() < rate]
