"""The Wing–Gong linearizability checker, on hand-made histories and against brute force."""
from __future__ import annotations

import itertools
import random
import time

import pytest

from coordlab.patterns.consensus.linearizability import (
    Operation,
    history,
    linearizability,
    linearizable_register,
    non_linearizable_keys,
    step,
)
from coordlab.patterns.consensus.raft_run import run_raft
from coordlab.world import RunResult, Trace


def op(client, kind, value, output, invoked, returned, key="x"):
    return Operation(client, kind, key, value, output, invoked, returned)


LINEARIZABLE = {
    "put then get": [op("a", "put", "1", "1", 0, 1), op("b", "get", None, "1", 2, 3)],
    "get before any put reads empty": [op("b", "get", None, "", 0, 1), op("a", "put", "1", "1", 2, 3)],
    "concurrent get sees the old value": [op("a", "put", "1", "1", 0, 5), op("b", "get", None, "", 1, 2)],
    "concurrent get sees the new value": [op("a", "put", "1", "1", 0, 5), op("b", "get", None, "1", 1, 2)],
    "concurrent appends in either order": [op("a", "append", "p", "qp", 0, 5), op("b", "append", "q", "q", 1, 3),
                                           op("c", "get", None, "qp", 6, 7)],
    "a pending put that took effect": [op("a", "put", "1", None, 0, None), op("b", "get", None, "1", 2, 3)],
    "a pending put that never did": [op("a", "put", "1", None, 0, None), op("b", "get", None, "", 2, 3)],
    "touching intervals are concurrent": [op("a", "put", "1", "1", 0, 2), op("b", "get", None, "", 2, 3)],
}

NOT_LINEARIZABLE = {
    "stale read after a put returned": [op("a", "put", "1", "1", 0, 1), op("b", "get", None, "", 2, 3)],
    "a value nobody wrote": [op("a", "put", "1", "1", 0, 1), op("b", "get", None, "2", 2, 3)],
    "new then old (reads go back in time)": [op("a", "put", "1", "1", 0, 10), op("b", "get", None, "1", 1, 2),
                                             op("c", "get", None, "", 3, 4)],
    "an append applied twice": [op("a", "append", "p", "p", 0, 1), op("b", "get", None, "pp", 2, 3)],
    "flip-flop between two puts": [op("a", "put", "1", "1", 0, 3), op("b", "put", "2", "2", 0, 3),
                                   op("c", "get", None, "1", 4, 5), op("c", "get", None, "2", 6, 7),
                                   op("c", "get", None, "1", 8, 9)],
}


@pytest.mark.parametrize("name", LINEARIZABLE)
def test_linearizable_histories_pass(name):
    assert linearizable_register(LINEARIZABLE[name])


@pytest.mark.parametrize("name", NOT_LINEARIZABLE)
def test_non_linearizable_histories_fail(name):
    assert not linearizable_register(NOT_LINEARIZABLE[name])


def test_keys_are_judged_apart():
    good = [op("a", "put", "1", "1", 0, 1, key="y"), op("b", "get", None, "1", 2, 3, key="y")]
    bad = [op("a", "put", "1", "1", 0, 1, key="z"), op("b", "get", None, "", 2, 3, key="z")]
    assert non_linearizable_keys(good + bad) == ["z"]
    assert non_linearizable_keys(good) == []


def brute_force(ops) -> bool:
    """Try every order that respects real time; a pending op may also be left out."""
    pending = [i for i, o in enumerate(ops) if o.returned is None]
    for dropped in itertools.chain.from_iterable(itertools.combinations(pending, k) for k in range(len(pending) + 1)):
        kept = [o for i, o in enumerate(ops) if i not in dropped]
        for order in itertools.permutations(kept):
            respects = all(not (b.returned is not None and b.returned < a.invoked)
                           for i, a in enumerate(order) for b in order[i + 1:])
            state = ""
            for o in order if respects else ():
                state = step(state, o)
                if state is None:
                    break
            if respects and state is not None:
                return True
    return False


def random_history(rng: random.Random, size: int) -> list[Operation]:
    ops = []
    for i in range(size):
        kind = rng.choice(["get", "put", "append"])
        value = None if kind == "get" else rng.choice("ab")
        output = rng.choice(["", "a", "b", "ab", "ba", "aa"])
        if kind == "put" and rng.random() < 0.7:
            output = value
        start = rng.randint(0, 10)
        returned = None if rng.random() < 0.15 else start + rng.randint(0, 6)
        ops.append(op(f"c{i}", kind, value, None if returned is None else output, start, returned))
    return ops


def test_agrees_with_brute_force_on_random_histories():
    rng = random.Random(12)
    verdicts = []
    for _ in range(300):
        ops = random_history(rng, rng.randint(1, 5))
        verdicts.append(linearizable_register(ops))
        assert verdicts[-1] == brute_force(ops), ops
    assert 30 < sum(verdicts) < 270  # both answers were exercised


def test_a_few_dozen_operations_take_milliseconds():
    run = run_raft(servers=3, clients=6, operations=8, keys=("x",), seed=3)
    ops = history(run.trace)
    assert len(ops) == 48
    started = time.perf_counter()
    assert linearizable_register(ops)
    assert time.perf_counter() - started < 1.0
    wrong = [*ops[:-1], Operation(ops[-1].client, "get", "x", None, "nobody wrote this", ops[-1].invoked,
                                  ops[-1].returned)]
    assert not linearizable_register(wrong)


def test_checker_on_a_trace_both_ways():
    run = run_raft(servers=3, clients=2, operations=6, seed=4)
    assert linearizability(run.result)
    doctored = Trace()
    for e in run.trace:
        data = dict(e.data) if e.data else None
        if e.kind == "return" and data["op"] == "get":
            data["output"] = "nobody wrote this"
        doctored.record(e.time, e.kind, e.agent, peer=e.peer, message=e.message, reason=e.reason, data=data)
    verdict = linearizability(RunResult("completed", run.result.time, doctored))
    assert not verdict and verdict.evidence and all(e.kind == "invoke" for e in verdict.evidence)
