"""Raft's guarantees (the paper's Figure 3), each a checker that recomputes it from the trace.

The servers record what they did (``leader``, ``entries``, ``commit``, ``apply``); from those
events alone each checker rebuilds what it needs (which server led which term, every
server's log at every moment) and judges one property:

* **election safety**: at most one leader per term;
* **log matching**: two logs holding an entry with the same index and term hold the same
  entries up to it;
* **leader completeness**: an entry committed in a term is in the log of every leader of
  a later term;
* **state-machine safety**: no two servers apply different commands at the same index;
* **at most once**: a server applies each client command (client, seq) once, however often
  it was sent (a restarted server applies its log again from the start, so this is per run
  of a server, between its crashes);
* and **linearizability** of the clients' key-value history (``linearizability.py``).
"""
from __future__ import annotations

from collections.abc import Iterator

from coordlab.patterns.consensus.linearizability import linearizability
from coordlab.patterns.consensus.protocol import Entry
from coordlab.world import Checker, RunResult, Trace, Verdict, judge
from coordlab.world.trace import Event


def replay_logs(trace: Trace) -> Iterator[tuple[Event, list[Entry]]]:
    """Each ``restore``, ``entries``, ``leader`` and ``commit`` event with its server's log just after it.

    An ``entries`` event says "from ``start`` on, my log is now these entries"; a ``restore``
    event gives the whole log a server (re)started with.
    """
    logs: dict[str, list[Entry]] = {}
    for event in trace.select(("restore", "entries", "leader", "commit")):
        log = logs.setdefault(event.agent, [])
        if event.kind in ("restore", "entries"):
            del log[event.data.get("start", 1) - 1:]
            log.extend(event.data["entries"])
        yield event, log


def election_safety(result: RunResult) -> Verdict:
    """Checker: at most one server became leader in each term."""
    leaders: dict[int, str] = {}
    offending = []
    for event in result.trace.select("leader"):
        first = leaders.setdefault(event.data["term"], event.agent)
        if first != event.agent:
            offending.append(event)
    return judge("election safety", offending,
                 f"{len(leaders)} term(s) had a leader, never two",
                 "{n} server(s) became leader of a term that already had one")


def log_matching(result: RunResult) -> Verdict:
    """Checker: an entry's (index, term) fixes its command and the term before it, in every log, always.

    That is the Log Matching property by induction: if (index, term) always comes with the
    same command and the same previous term, two logs that share it share everything before it.
    """
    known: dict[tuple[int, int], tuple[object, int]] = {}
    offending = []
    for event, log in replay_logs(result.trace):
        if event.kind not in ("restore", "entries"):
            continue
        for index in range(event.data.get("start", 1), len(log) + 1):
            entry, before = log[index - 1], log[index - 2].term if index > 1 else 0
            if known.setdefault((index, entry.term), (entry.command, before)) != (entry.command, before):
                offending.append(event)
                break
    return judge("log matching", offending,
                 f"{len(known)} distinct (index, term) entries, each with one command and one history",
                 "{n} log write(s) put an (index, term) entry after a different history or command")


def leader_completeness(result: RunResult) -> Verdict:
    """Checker: every leader of a term after an entry's commit term has that entry in its log when elected."""
    committed: dict[int, tuple[Entry, int]] = {}  # index -> (entry, the term it was first seen committed in)
    leaders: list[tuple[Event, tuple[Entry, ...]]] = []
    for event, log in replay_logs(result.trace):
        if event.kind == "commit":
            for index in range(1, event.data["index"] + 1):
                committed.setdefault(index, (log[index - 1], event.data["term"]))
        elif event.kind == "leader":
            leaders.append((event, tuple(log)))
    offending = [event for event, log in leaders
                 if any(term < event.data["term"] and (len(log) < index or log[index - 1] != entry)
                        for index, (entry, term) in committed.items())]
    return judge("leader completeness", offending,
                 f"all {len(leaders)} leaders held every entry committed before their term",
                 "{n} leader(s) lacked an entry committed in an earlier term")


def state_machine_safety(result: RunResult) -> Verdict:
    """Checker: no two servers (nor one server twice) apply different commands at the same log index."""
    applied: dict[int, object] = {}
    offending = [event for event in result.trace.select("apply")
                 if applied.setdefault(event.data["index"], event.data["command"]) != event.data["command"]]
    return judge("state-machine safety", offending,
                 f"every server applied the same command at each of {len(applied)} indexes",
                 "{n} apply event(s) put a different command at an index than another server applied")


def applied_at_most_once(result: RunResult) -> Verdict:
    """Checker: between two crashes, a server lets each (client, seq) change its store at most once."""
    seen: dict[str, set[tuple[str, int]]] = {}
    offending = []
    for event in result.trace.select(("apply", "crash")):
        if event.kind == "crash":
            seen.pop(event.agent, None)  # it restarts with an empty store and applies its log again
        elif event.data["fresh"]:
            command = event.data["command"]
            done = seen.setdefault(event.agent, set())
            if (command.client, command.seq) in done:
                offending.append(event)
            done.add((command.client, command.seq))
    return judge("each command applied at most once", offending,
                 "no server applied a client's command twice",
                 "{n} apply event(s) applied a (client, seq) command a second time")


def raft_checkers() -> list[Checker]:
    """Every Raft checker, in the order of the paper's Figure 3, then linearizability."""
    return [election_safety, log_matching, leader_completeness, state_machine_safety, applied_at_most_once,
            linearizability]
