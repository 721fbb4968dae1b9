"""Linearizability of a key-value history: a small Wing–Gong search with memoisation.

A history is linearizable (Herlihy & Wing 1990) if every operation can be given one instant
between its invocation and its return such that, taken in that order, the operations are a
legal run of a single, non-replicated store. The search of Wing & Gong (1993) builds that
order one operation at a time: the next one may be any operation not yet placed that was
invoked before every other unplaced one returned (otherwise something must come before it);
placing it must give the output the client saw. It backtracks on a dead end, and remembers
dead ends as (operations placed, store state) so it never explores one twice (Lowe 2017).

Keys are independent (linearizability is *local*), so each key is searched on its own: a few
dozen operations are checked in milliseconds. An operation that never returned may have
taken effect or not, and its output is unknown: it is placed freely, and always fits last.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from coordlab.world import RunResult, Trace, Verdict, judge
from coordlab.world.trace import Event


@dataclass(frozen=True)
class Operation:
    """One client operation: what was asked (op, key, value), what it returned (None: never), and when."""

    client: str
    op: str
    key: str
    value: str | None
    output: str | None
    invoked: float
    returned: float | None = None
    source: Event | None = field(default=None, compare=False, repr=False)  # the invoke event, for evidence


def step(state: str, operation: Operation) -> str | None:
    """The register's state after ``operation``, or None if its output cannot be explained from ``state``."""
    after = {"get": state, "put": operation.value, "append": state + (operation.value or "")}[operation.op]
    seen = after if operation.op != "get" else state
    return after if operation.output is None or operation.output == seen else None


def linearizable_register(operations: Sequence[Operation]) -> bool:
    """Whether the operations on one key (initially ``""``) can be ordered as a single register would run them."""
    ops = list(operations)
    everything = (1 << len(ops)) - 1
    dead_ends: set[tuple[int, str]] = set()

    def search(placed: int, state: str) -> bool:
        if placed == everything:
            return True
        if (placed, state) in dead_ends:
            return False
        unplaced = [i for i in range(len(ops)) if not placed >> i & 1]
        first_return = min(math.inf if ops[i].returned is None else ops[i].returned for i in unplaced)
        for i in unplaced:
            if ops[i].invoked <= first_return:
                after = step(state, ops[i])
                if after is not None and search(placed | 1 << i, after):
                    return True
        dead_ends.add((placed, state))
        return False

    return search(0, "")


def non_linearizable_keys(operations: Iterable[Operation]) -> list[str]:
    """The keys whose operations are not linearizable, sorted (empty: the whole history is linearizable)."""
    by_key: dict[str, list[Operation]] = {}
    for operation in operations:
        by_key.setdefault(operation.key, []).append(operation)
    return sorted(key for key, ops in by_key.items() if not linearizable_register(ops))


def history(trace: Trace) -> list[Operation]:
    """The clients' operations, read from their ``invoke`` and ``return`` events, in order of invocation."""
    open_ops: dict[tuple[str, int], Event] = {}
    done: list[Operation] = []
    for event in trace.select(("invoke", "return")):
        key = (event.agent, event.data["seq"])
        if event.kind == "invoke":
            open_ops[key] = event
        else:
            invoke = open_ops.pop(key)
            done.append(operation(invoke, event.data["output"], event.time))
    done.extend(operation(invoke, None, None) for invoke in open_ops.values())
    return sorted(done, key=lambda op: op.source.seq)


def operation(invoke: Event, output: str | None, returned: float | None) -> Operation:
    data = invoke.data
    return Operation(invoke.agent, data["op"], data["key"], data["value"], output, invoke.time, returned, invoke)


def linearizability(result: RunResult) -> Verdict:
    """Checker: the clients' key-value history is linearizable (evidence: the invocations on a failing key)."""
    operations = history(result.trace)
    failing = non_linearizable_keys(operations)
    offending = [op.source for op in operations if op.key in failing]
    return judge("linearizable", offending,
                 f"the {len(operations)} operations fit one order of a single store, each within its call",
                 "{n} operation(s) on key(s) " + ", ".join(failing) + " fit no order of a single store")
