"""Raft's key-value store under the nemesis, judged from the trace without the library's checkers.

Five servers, two clients (spared: they stand for the users) running ten random operations
each, spread over the faults' horizon. Even seeds: every crash recovers. Odd seeds: a crash
recovers with probability 0.5, so a server may stay down for good. Safety is recomputed here
from the servers' own events: election safety, log matching (every pair of logs, after every
write), leader completeness, state-machine safety, each command applied at most once, and a
linearizable history (checked against the order of the agreed log, a witness the library's
search does not use). Liveness: whenever a majority of the servers is up at the end (always,
here: two crashes cannot take three of five servers), every operation has returned.
"""
from __future__ import annotations

from coordlab.patterns.consensus.raft_run import ALL_DONE, RaftRun, run_raft
from coordlab.world import Nemesis
from tests.nemesis import Suite

CLIENTS = ("c1", "c2")


def run(seed: int) -> RaftRun:
    nemesis = Nemesis(seed=seed, spare=CLIENTS, recover=1.0 if seed % 2 == 0 else 0.5)
    return run_raft(servers=5, clients=len(CLIENTS), operations=10, seed=seed, think=0.8, faults=nemesis,
                    until=nemesis.heal_time + 30)


def violations(run: RaftRun) -> list[str]:
    events = list(run.trace)
    return [*one_leader_per_term(events), *logs_match(events), *leaders_complete(events),
            *same_command_per_index(events), *applied_once(events), *history_fits_the_log(events),
            *every_operation_returned(run, events)]


def one_leader_per_term(events) -> list[str]:
    leaders: dict[int, set[str]] = {}
    for e in events:
        if e.kind == "leader":
            leaders.setdefault(e.data["term"], set()).add(e.agent)
    return [f"term {term} had leaders {sorted(names)}" for term, names in sorted(leaders.items()) if len(names) > 1]


def logs_over_time(events):
    """Yield (event, logs) after each restore/entries/leader/commit event, logs = every server's log then."""
    logs: dict[str, list] = {}
    for e in events:
        if e.kind in ("restore", "entries", "leader", "commit"):
            log = logs.setdefault(e.agent, [])
            if e.kind in ("restore", "entries"):
                log[e.data.get("start", 1) - 1:] = list(e.data["entries"])
            yield e, logs


def logs_match(events) -> list[str]:
    """After every write, the written log agrees with every other log up to their last shared (index, term)."""
    found = []
    for e, logs in logs_over_time(events):
        if e.kind not in ("restore", "entries"):
            continue
        mine = logs[e.agent]
        for other, theirs in logs.items():
            shared = [i for i in range(min(len(mine), len(theirs))) if mine[i].term == theirs[i].term]
            if shared and mine[:shared[-1] + 1] != theirs[:shared[-1] + 1]:
                found.append(f"t={e.time:.3f}: logs of {e.agent} and {other} share index {shared[-1] + 1}'s term "
                             "but differ before it")
    return found


def leaders_complete(events) -> list[str]:
    """An entry a term's leader committed is in the log of every leader of a later term, when elected."""
    leader_of = {}
    committed = []  # (index, entry, term)
    elected = []  # (term, server, log)
    for e, logs in logs_over_time(events):
        if e.kind == "leader":
            leader_of[e.data["term"]] = e.agent
            elected.append((e.data["term"], e.agent, list(logs[e.agent])))
        elif e.kind == "commit" and leader_of.get(e.data["term"]) == e.agent:
            log = logs[e.agent]
            committed.extend((i, log[i - 1], e.data["term"]) for i in range(1, e.data["index"] + 1))
    return sorted({f"leader {server} of term {term} lacks index {i} committed in term {when}"
                   for term, server, log in elected for i, entry, when in committed
                   if term > when and (len(log) < i or log[i - 1] != entry)})


def same_command_per_index(events) -> list[str]:
    commands: dict[int, set] = {}
    for e in events:
        if e.kind == "apply":
            commands.setdefault(e.data["index"], set()).add(e.data["command"])
    return [f"index {i} applied as {len(c)} different commands" for i, c in sorted(commands.items()) if len(c) > 1]


def applied_once(events) -> list[str]:
    counts: dict[tuple[str, str, int], int] = {}
    incarnation: dict[str, int] = {}
    for e in events:
        if e.kind == "crash":
            incarnation[e.agent] = incarnation.get(e.agent, 0) + 1
        elif e.kind == "apply" and e.data["fresh"]:
            c = e.data["command"]
            key = (f"{e.agent}#{incarnation.get(e.agent, 0)}", c.client, c.seq)
            counts[key] = counts.get(key, 0) + 1
    return [f"{server} applied {client}#{seq} {n} times" for (server, client, seq), n in sorted(counts.items())
            if n > 1]


def history_fits_the_log(events) -> list[str]:
    """Linearizability, with the agreed log as the witness order.

    Replaying the committed log (a command's first occurrence takes effect, later ones are
    retries) must give every client the output it saw, and an operation that returned before
    another was invoked must come first in the log.
    """
    log: dict[int, object] = {}
    for e in events:
        if e.kind == "apply":
            log.setdefault(e.data["index"], e.data["command"])
    store: dict[str, str] = {}
    position: dict[tuple[str, int], int] = {}
    expected: dict[tuple[str, int], str] = {}
    for index in sorted(log):
        c = log[index]
        if (c.client, c.seq) in position:
            continue
        if c.op == "put":
            store[c.key] = c.value
        elif c.op == "append":
            store[c.key] = store.get(c.key, "") + c.value
        position[(c.client, c.seq)] = index
        expected[(c.client, c.seq)] = store.get(c.key, "")
    invoked = {(e.agent, e.data["seq"]): e.time for e in events if e.kind == "invoke"}
    returned = [e for e in events if e.kind == "return"]
    found = []
    for e in returned:
        op = (e.agent, e.data["seq"])
        if op not in position:
            found.append(f"{op} returned but is not in the agreed log")
        elif expected[op] != e.data["output"]:
            found.append(f"{op} returned {e.data['output']!r}, the log says {expected[op]!r}")
    for e in returned:
        a = (e.agent, e.data["seq"])
        for b, started in invoked.items():
            if e.time < started and b in position and a in position and position[b] < position[a]:
                found.append(f"{b} was invoked after {a} returned but comes before it in the log")
    return found


def every_operation_returned(run: RaftRun, events) -> list[str]:
    up: dict[str, bool] = {}
    for e in events:
        if e.kind in ("join", "crash", "recover") and e.agent in run.servers:
            up[e.agent] = e.kind != "crash"
    if sum(up.values()) <= len(run.servers) // 2:
        return []  # no majority left: Raft promises nothing about progress
    pending = [(e.agent, e.data["seq"]) for e in events if e.kind == "invoke"]
    finished = {(e.agent, e.data["seq"]) for e in events if e.kind == "return"}
    if run.stop_reason != ALL_DONE:
        return [f"a majority is up but the run ended with {run.stop_reason!r}: "
                f"{len([op for op in pending if op not in finished])} operation(s) never returned"]
    return []


SUITES = [Suite("consensus raft", run, violations)]
