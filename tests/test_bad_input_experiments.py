"""The sweep's bad-input catalogue: each case fails before any run (or cluster) starts, naming the argument.

Every case is ``(what, call, error type, argument)``; ``run`` counts its calls, so a case that
got as far as running would show.
"""
import pytest

from coordlab.experiments import random_crashes, sweep
from tests.bad_input import assert_refused

CALLS = []


def run(n, seed):
    CALLS.append((n, seed))
    return {"n squared": n * n}


def sweep_with(**options):
    return lambda: sweep(run, {"n": [1, 2]}, seeds=[0], progress=False, **options)


CASES = [
    ("an unknown engine", sweep_with(engine="spark"), ValueError, "engine"),
    ("an engine that is not a name", sweep_with(engine=None), ValueError, "engine"),
    ("no workers", sweep_with(engine="dask", workers=0), ValueError, "workers"),
    ("more workers than a local cluster may have", sweep_with(engine="dask", workers=9), ValueError, "workers"),
    ("a fractional worker count", sweep_with(engine="dask", workers=1.5), TypeError, "workers"),
    ("a port number as the address", sweep_with(engine="dask", address=8786), TypeError, "address"),
    ("an empty address", sweep_with(engine="dask", address=""), TypeError, "address"),
    ("an address without dask", sweep_with(address="tcp://127.0.0.1:8786"), ValueError, "address"),
    ("a cache that is not a path", sweep_with(cache=42), TypeError, "cache"),
    ("a cache given as bytes", sweep_with(cache=b"sweep.jsonl"), TypeError, "cache"),
    ("an empty cache name", sweep_with(cache=""), ValueError, "cache"),
    ("refresh as a word", sweep_with(refresh="yes"), TypeError, "refresh"),
    ("progress as a word", lambda: sweep(run, {"n": [1]}, seeds=[0], progress="no"), TypeError, "progress"),
    ("a run that is not a function", lambda: sweep("run", {"n": [1]}, seeds=[0]), TypeError, "run"),
    ("a cached grid of objects", lambda: sweep(run, {"n": [object()]}, seeds=[0], cache="s.jsonl"), TypeError,
     "grid"),
    ("sweep with no seeds", lambda: sweep(lambda **kw: {}, {"n": [1]}, seeds=[]), ValueError, "seeds"),
    ("sweep with a scalar grid value", lambda: sweep(lambda **kw: {}, {"n": 3}, seeds=[0]), TypeError, "grid"),
    ("random crashes at rate 2", lambda: random_crashes(["a"], 2.0, 5.0, seed=0), ValueError, "rate"),
    ("random crashes within negative", lambda: random_crashes(["a"], 0.5, -1.0, seed=0), ValueError, "within"),
]


@pytest.mark.parametrize("what, call, error, argument", CASES, ids=[case[0] for case in CASES])
def test_bad_sweep_input_is_refused_before_running(what, call, error, argument):
    CALLS.clear()
    assert_refused(call, error, argument)
    assert CALLS == []


def test_a_file_that_is_not_a_sweep_cache_is_refused_and_kept(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes, not a sweep\n")
    CALLS.clear()
    assert_refused(lambda: sweep(run, {"n": [1]}, seeds=[0], progress=False, cache=notes), ValueError, "cache")
    assert_refused(lambda: sweep(run, {"n": [1]}, seeds=[0], progress=False, cache=notes, refresh=True), ValueError,
                   "cache")
    assert notes.read_text() == "my notes, not a sweep\n" and CALLS == []


def test_good_input_is_accepted():
    """Near the refused cases, but fine: the serial engine with an explicit worker count runs."""
    CALLS.clear()
    frame = sweep(run, {"n": [1, 2]}, seeds=[0], progress=False, engine="serial", workers=1)
    assert frame["n squared"].tolist() == [1, 4] and CALLS == [(1, 0), (2, 0)]
