"""Running a replicated key-value store on Raft: ``run_raft`` and what it returns, ``RaftRun``.

    run = run_raft(servers=5, clients=2, operations=10, seed=1, faults=Nemesis(seed=1, spare=("c1", "c2")))
    run.stop_reason, run.verdict, run.metrics, run.history

``servers`` Raft servers (s1, s2, …) and ``clients`` clients (c1, c2, …), each running its
``operations`` one at a time, in a fresh world. The run ends with ``"all operations done"``
once every client has its answers (the test harness's finish line, as 6.5840's tester waits
for its clerks), or at ``until``: servers never stop on their own, they serve forever.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from coordlab.patterns.consensus.kv import KVClient, checked_keys, checked_operations
from coordlab.patterns.consensus.linearizability import Operation, history
from coordlab.patterns.consensus.protocol import RAFT_PROTOCOL
from coordlab.patterns.consensus.raft import RaftServer, server_names
from coordlab.patterns.consensus.raft_checks import raft_checkers
from coordlab.patterns.protocol import kinds_declared
from coordlab.patterns.run import PatternRun
from coordlab.world import Faults, Uniform, World, validate
from coordlab.world.latency import Latency

#: What a run that completes ends with.
ALL_DONE = "all operations done"
#: The largest cluster run_raft builds (a message per peer per heartbeat: more only slows the run).
MAX_SERVERS = 25
SERVER_KINDS = ("request_vote", "request_vote_ok", "append_entries", "append_entries_ok")


class FinishLine:
    """Ends the run once ``count`` clients have finished: the tester's view, not a message between agents."""

    def __init__(self, count: int) -> None:
        self.left = count

    def __call__(self, client: KVClient) -> None:
        self.left -= 1
        if self.left == 0:
            client.end_run(ALL_DONE)


@dataclass(repr=False)
class RaftRun(PatternRun):
    """A Raft run: the servers, the clients, and the clients' history of operations."""

    servers: list[str]
    clients: list[str]
    history: list[Operation]

    @property
    def completed(self) -> int:
        """Operations that returned."""
        return sum(1 for op in self.history if op.returned is not None)

    @property
    def metrics(self) -> dict[str, Any]:
        """Headline numbers: operations done, elections and leaders, messages, and their rate."""
        sends = self.trace.select("send")
        server_messages = sum(1 for e in sends if e.message.kind in SERVER_KINDS)
        return {
            "operations": len(self.history),
            "completed": self.completed,
            "elections": len(self.trace.select("election")),
            "leaders": len(self.trace.select("leader")),
            "messages": len(sends),
            "server messages": server_messages,
            "messages per operation": len(sends) / self.completed if self.completed else None,
            "operations per second": self.completed / self.result.time if self.result.time else 0.0,
            "time": self.result.time,
        }

    def describe(self) -> str:
        return (f"{len(self.servers)} servers, {len(self.clients)} clients: {self.completed}/{len(self.history)} "
                f"operations done; {super().describe()}")


def run_raft(servers: int = 5, clients: int = 2, operations: int | Sequence[tuple[str, str, str | None]] = 10, *,
             seed: int = 0, latency: Latency = Uniform(0.005, 0.015), loss: float = 0.0, faults: Faults = (),
             heartbeat: float = 0.1, election_timeout: float = 0.5, spread: float = 0.5,
             client_timeout: float = 1.0, think: float = 0.0, start_at: float = 0.0,
             keys: Sequence[str] = ("x", "y"), until: float = 60.0,
             server: type[RaftServer] = RaftServer) -> RaftRun:
    """Run a ``servers``-server Raft key-value store with ``clients`` clients in a fresh world.

    ``operations`` is each client's count of random operations over ``keys``, or one list of
    ``(op, key, value)`` every client runs. Timing: a leader sends ``heartbeat``s; a follower
    waits ``election_timeout`` plus a random part of ``spread`` before standing for election;
    a client waits ``client_timeout`` for an answer before asking another server, starts at
    ``start_at`` and pauses ``think`` between operations. ``server`` may be a ``RaftServer``
    subclass (a deliberately broken one, to watch the checkers catch it).
    """
    seed = validate.seed(seed)
    names = server_names(validate.count("servers", servers, maximum=MAX_SERVERS))
    client_names = [f"c{number}" for number in range(1, validate.count("clients", clients, minimum=0) + 1)]
    # The clients check these too, but a run with no clients must refuse them as well.
    operations, keys = checked_operations(operations), checked_keys(keys)
    if validate.number("client_timeout", client_timeout) <= 0:
        raise ValueError(f"client_timeout={client_timeout!r} is not allowed: client_timeout must be > 0 seconds")
    validate.number("think", think, minimum=0)
    validate.number("start_at", start_at, minimum=0)
    validate.number("until", until)  # servers serve forever: a run needs a horizon, in case clients never finish
    if not (isinstance(server, type) and issubclass(server, RaftServer)):
        raise TypeError(f"server={server!r} is not allowed: give RaftServer or a subclass of it")
    world = World(seed, latency=latency, loss=loss, faults=faults)
    world.add(*(server(name, names, heartbeat=heartbeat, election_timeout=election_timeout, spread=spread)
                for name in names))
    finish = FinishLine(len(client_names))
    world.add(*(KVClient(name, names, operations, keys=keys, timeout=client_timeout, start_at=start_at,
                         think=think, finished=finish) for name in client_names))
    for checker in [*raft_checkers(), kinds_declared(RAFT_PROTOCOL)]:
        world.add_checker(checker)
    result = world.run(until=until)
    return RaftRun(result=result, verdict=result.verdict(), servers=names, clients=client_names,
                   history=history(result.trace))
