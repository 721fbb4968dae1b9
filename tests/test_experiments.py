"""Sweeps on dask.distributed and cached sweeps: the same table as a serial run, or no run at all.

One local cluster serves the module (passed by address); the tests that are about starting and
closing a cluster of their own start one each.
"""
import json
import os
import subprocess
import sys

import pandas as pd
import psutil
import pytest
from distributed import Client

from coordlab import Uniform
from coordlab.experiments import random_crashes, sweep
from coordlab.patterns.centralized import run_centralized
from coordlab.patterns.tasks import research_pipeline
from coordlab.runtime import local_cluster

GRID = {"workers": [1, 2]}
SEEDS = [0, 1, 2]


def measure(workers, seed):
    """A small real pattern run whose numbers change with the seed (the durations are drawn)."""
    tasks = research_pipeline(3, research=Uniform(0.5, 1.5), analysis=Uniform(1.0, 3.0))
    return run_centralized(tasks, workers=workers, seed=seed).metrics


def divide(n, seed):
    return {"ratio": 1 / (n - seed)}


@pytest.fixture(scope="module")
def address():
    with local_cluster() as address:
        yield address


class Bar:
    """Stands in for the ipywidgets progress bar and remembers how far it got."""

    def __init__(self, total):
        self.total, self.value, self.bar_style = total, 0, ""


def live_children():
    return {p.pid for p in psutil.Process().children(recursive=True)
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE}


def test_dask_gives_the_serial_table_bit_for_bit(address):
    serial = sweep(measure, GRID, SEEDS, progress=False)
    on_dask = sweep(measure, GRID, SEEDS, progress=False, engine="dask", address=address)
    pd.testing.assert_frame_equal(on_dask, serial, check_exact=True)
    assert serial[["workers", "seed"]].values.tolist() == [[w, s] for w in GRID["workers"] for s in SEEDS]
    # the seeds really differ, so a shuffled order could not pass for the right one
    assert serial.loc[serial.workers == 1, "makespan"].nunique() == len(SEEDS)
    assert serial.makespan.tolist() == [measure(w, s)["makespan"] for w in GRID["workers"] for s in SEEDS]


def test_a_lambda_runs_on_a_cluster_started_and_closed_for_the_call():
    before = live_children()
    frame = sweep(lambda a, b, seed: {"sum": a + b + seed}, {"a": [1, 2], "b": [10]}, [0, 5], progress=False,
                  engine="dask", workers=1)
    assert frame.to_dict("records") == [{"a": a, "b": 10, "seed": s, "sum": a + 10 + s} for a in [1, 2] for s in [0, 5]]
    assert live_children() <= before


def test_a_failing_run_raises_its_own_error_naming_point_and_seed(address):
    for options in (dict(), dict(engine="dask", address=address)):
        with pytest.raises(ZeroDivisionError) as raised:
            sweep(divide, {"n": [0, 1, 3]}, seeds=[1, 2], progress=False, **options)
        assert raised.value.__notes__ == ["raised by the sweep's run at {'n': 1}, seed=1"], options


def test_the_local_cluster_is_closed_on_error_and_on_interrupt(monkeypatch):
    before = live_children()
    with pytest.raises(ZeroDivisionError):
        sweep(divide, {"n": [1]}, seeds=[1], progress=False, engine="dask", workers=1)
    assert live_children() <= before

    class Interrupting(Bar):
        def __setattr__(self, name, value):
            if name == "value" and value > 0:
                raise KeyboardInterrupt  # as if Ctrl-C arrived while the sweep waited for results
            super().__setattr__(name, value)

    monkeypatch.setattr("coordlab.experiments._progress_bar", Interrupting)
    with pytest.raises(KeyboardInterrupt):
        sweep(divide, {"n": [5]}, seeds=[1, 2], engine="dask", workers=1)
    assert live_children() <= before


def listening_addresses(root, seed):
    """The interfaces that ``root`` and its child processes listen on, read from a worker while the sweep runs."""
    processes = [psutil.Process(root), *psutil.Process(root).children(recursive=True)]
    found = {connection.laddr.ip for process in processes for connection in process.net_connections(kind="inet")
             if connection.status == psutil.CONN_LISTEN}
    return {"listening on": sorted(found)}


def test_the_cluster_a_sweep_starts_listens_on_127_0_0_1_only():
    frame = sweep(listening_addresses, {"root": [os.getpid()]}, seeds=[0], progress=False, engine="dask", workers=1)
    # the scheduler (here), the nanny and the worker each listen: several sockets, all on the loopback
    assert frame.loc[0, "listening on"] == ["127.0.0.1"]


def test_a_cluster_given_by_address_is_left_running(address):
    sweep(divide, {"n": [5]}, seeds=[1], progress=False, engine="dask", address=address)
    with pytest.raises(ZeroDivisionError):
        sweep(divide, {"n": [1]}, seeds=[1], progress=False, engine="dask", address=address)
    with Client(address) as client:
        assert len(client.scheduler_info()["workers"]) == 2


def test_the_progress_bar_reaches_the_end_on_both_engines(monkeypatch, address):
    bars = []
    monkeypatch.setattr("coordlab.experiments._progress_bar", lambda total: bars.append(Bar(total)) or bars[-1])
    sweep(divide, {"n": [5, 6]}, seeds=[1, 2, 3], progress=True)
    sweep(divide, {"n": [5, 6]}, seeds=[1, 2, 3], progress=True, engine="dask", address=address)
    assert [(bar.total, bar.value, bar.bar_style) for bar in bars] == [(6, 6, "success")] * 2

    bars.clear()
    with pytest.raises(ZeroDivisionError):
        sweep(divide, {"n": [5, 1]}, seeds=[1], progress=True)
    assert [(bar.total, bar.value, bar.bar_style) for bar in bars] == [(2, 1, "")]


def test_the_real_progress_bar_works_headless(address):
    assert len(sweep(divide, {"n": [5]}, seeds=[1, 2], engine="dask", address=address)) == 2


def counting(calls):
    def run(n, seed):
        calls.append((n, seed))
        return {"value": n * 0.1 + seed, "label": f"n{n}", "flag": n > 1, "missing": None}
    return run


def test_a_matching_cache_is_loaded_without_running(tmp_path):
    path, calls = tmp_path / "results" / "sweep.jsonl", []
    first = sweep(counting(calls), {"n": [1, 2]}, seeds=[0, 1], progress=False, cache=path)
    assert len(calls) == 4
    lines = path.read_text().splitlines()
    assert len(lines) == 1 + 4 and json.loads(lines[0])["seeds"] == [0, 1]
    assert json.loads(lines[1]) == {"n": 1, "seed": 0, "value": 0.1, "label": "n1", "flag": False, "missing": None}

    again = sweep(counting(calls), {"n": [1, 2]}, seeds=[0, 1], progress=False, cache=str(path))
    assert len(calls) == 4
    pd.testing.assert_frame_equal(again, first, check_exact=True)


def test_a_different_grid_seeds_or_refresh_recomputes(tmp_path):
    path, calls = tmp_path / "sweep.jsonl", []
    sweep(counting(calls), {"n": [1, 2]}, seeds=[0, 1], progress=False, cache=path)
    sweep(counting(calls), {"n": [1, 3]}, seeds=[0, 1], progress=False, cache=path)
    assert calls[4:] == [(1, 0), (1, 1), (3, 0), (3, 1)]
    sweep(counting(calls), {"n": [1, 3]}, seeds=[0, 2], progress=False, cache=path)
    assert calls[8:] == [(1, 0), (1, 2), (3, 0), (3, 2)]
    frame = sweep(counting(calls), {"n": [1, 3]}, seeds=[0, 2], progress=False, cache=path, refresh=True)
    assert len(calls) == 16 and frame.seed.tolist() == [0, 2, 0, 2]
    sweep(counting(calls), {"n": [1, 3]}, seeds=[0, 2], progress=False, cache=path)
    assert len(calls) == 16


def test_a_cache_made_by_another_run_function_is_recomputed(tmp_path):
    path = tmp_path / "sweep.jsonl"
    sweep(divide, {"n": [5]}, seeds=[1], progress=False, cache=path)
    calls = []
    sweep(counting(calls), {"n": [5]}, seeds=[1], progress=False, cache=path)
    assert calls == [(5, 1)]


def test_a_table_json_cannot_keep_is_returned_with_a_warning_and_not_cached(tmp_path):
    path = tmp_path / "sweep.jsonl"
    with pytest.warns(UserWarning, match="not written"):
        frame = sweep(lambda n, seed: {"pair": (n, seed)}, {"n": [1]}, seeds=[0], progress=False, cache=path)
    assert frame.pair.tolist() == [(1, 0)] and not path.exists()


def test_a_cached_dask_sweep_matches_the_serial_table(tmp_path, address):
    path = tmp_path / "sweep.jsonl"
    on_dask = sweep(measure, GRID, SEEDS, progress=False, engine="dask", address=address, cache=path)
    loaded = sweep(measure, GRID, SEEDS, progress=False, cache=path)
    pd.testing.assert_frame_equal(loaded, on_dask, check_exact=True)
    pd.testing.assert_frame_equal(loaded, sweep(measure, GRID, SEEDS, progress=False), check_exact=True)


def test_importing_coordlab_does_not_import_distributed():
    code = "import sys, coordlab, coordlab.experiments; print(sorted({'distributed', 'dask'} & set(sys.modules)))"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "[]\n"


def test_sweep_runs_every_point_and_seed():
    frame = sweep(lambda workers, seed: {"sum": workers + seed}, {"workers": [1, 2]}, seeds=[10, 20],
                  progress=False)
    assert frame.to_dict("records") == [{"workers": 1, "seed": 10, "sum": 11}, {"workers": 1, "seed": 20, "sum": 21},
                                        {"workers": 2, "seed": 10, "sum": 12}, {"workers": 2, "seed": 20, "sum": 22}]


def test_random_crashes_are_seeded_and_follow_the_rate():
    names = [f"w{i}" for i in range(200)]
    assert random_crashes(names, 0.3, 5.0, seed=1) == random_crashes(names, 0.3, 5.0, seed=1)
    assert 40 < len(random_crashes(names, 0.3, 5.0, seed=1)) < 80
    assert random_crashes(names, 0.0, 5.0, seed=1) == []
    assert all(0 <= c.at < 5.0 for c in random_crashes(names, 1.0, 5.0, seed=2))
