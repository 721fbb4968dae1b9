"""Raft scenarios the notebook, the exercises and the tests replay, and the broken servers they expose.

Chance rarely produces the interleavings that break a wrong Raft. These scenarios build them
on purpose: servers start from a persistent state written into ``stable`` (a term and a log,
as if read back from disk) with fixed election timeouts, and a fault schedule does the rest.

* ``figure_8``: the paper's Figure 8, where counting replicas of an old-term entry commits
  an entry that is overwritten later;
* ``stale_long_log``: a candidate with a longer but older log, which a voter comparing
  lengths only (or terms the wrong way round) elects;
* ``short_log_same_term``: a candidate whose last entry has the same term as the voter's
  but whose log is shorter, which a voter comparing terms only elects;
* ``demo``: a small run to watch (5 servers, one client), with a crash and a restart when
  asked: what the scrubber in ``coordlab.viz.consensus`` re-runs.

Each scenario takes the server class to run, so a deliberately broken variant
(``CountsOldTerms``, ``VotesByLength``) or a learner's own server can be put in its place.
"""
from __future__ import annotations

from collections.abc import Sequence

from coordlab.patterns.consensus.kv import KVClient
from coordlab.patterns.consensus.linearizability import history
from coordlab.patterns.consensus.protocol import RAFT_PROTOCOL, Command, Entry, RequestVote
from coordlab.patterns.consensus.raft import RaftServer, server_names
from coordlab.patterns.consensus.raft_checks import raft_checkers
from coordlab.patterns.consensus.raft_run import FinishLine, RaftRun, run_raft
from coordlab.patterns.protocol import kinds_declared
from coordlab.world import Constant, Crash, Partition, World, validate
from coordlab.world.faults import Fault


# --- deliberately broken servers -----------------------------------------------------------------
class CountsOldTerms(RaftServer):
    """Commits any entry a majority stores, whatever its term: the mistake Figure 8 shows."""

    def countable(self, index: int) -> bool:
        return True


class VotesByLength(RaftServer):
    """Grants a vote to any candidate whose log is as long as its own, ignoring the last term."""

    def log_up_to_date(self, ask: RequestVote) -> bool:
        return ask.last_log_index >= self.last_index


# --- reading a run ----------------------------------------------------------------------------------
def leader_at(run: RaftRun, t: float) -> str | None:
    """The leader of the highest term elected by ``t`` that has not crashed since, if any."""
    crashed = {e.agent: e.time for e in run.trace.select("crash") if e.time <= t}
    elected = [e for e in run.trace.select("leader") if e.time <= t and crashed.get(e.agent, -1) < e.time]
    return max(elected, key=lambda e: e.data["term"]).agent if elected else None


# --- runs from a chosen persistent state ----------------------------------------------------------
def preloaded(states: dict[str, tuple[int, list[Entry]]], timeouts: dict[str, float],
              operations: Sequence[tuple[str, str, str | None]], *, server: type[RaftServer] = RaftServer,
              faults: Sequence[Fault] = (), start_at: float = 0.0, think: float = 0.0) -> RaftRun:
    """Servers that start from the persistent state ``states`` (term, log), with fixed election timeouts.

    One client ``c1`` runs ``operations``; latency is a constant 0.01 s and heartbeats go every
    0.05 s, so the scenario's timing is exact.
    """
    names = sorted(states)
    world = World(0, latency=Constant(0.01), faults=list(faults))
    for name in names:
        replica = server(name, names, heartbeat=0.05, election_timeout=timeouts[name], spread=0.0)
        term, log = states[name]
        replica.stable.update(term=term, voted_for=None, log=list(log))
        world.add(replica)
    world.add(KVClient("c1", names, operations, start_at=start_at, think=think, finished=FinishLine(1)))
    for checker in [*raft_checkers(), kinds_declared(RAFT_PROTOCOL)]:
        world.add_checker(checker)
    result = world.run(until=30)
    return RaftRun(result=result, verdict=result.verdict(), servers=names, clients=["c1"],
                   history=history(result.trace))


def old(term: int, value: str) -> Entry:
    """An entry some earlier client wrote (on a key of its own, so the history stays the new client's)."""
    return Entry(term, Command("earlier", ord(value), "put", "earlier", value))


def figure_8(server: type[RaftServer] = RaftServer) -> RaftRun:
    """The paper's Figure 8, from (c): s1 leads term 4 and gets b (term 2) onto a majority, then crashes.

    s5, which holds c (term 3) at index 2, then wins term 5 with the votes of s2, s3, s4 (c's
    term is later than b's) and replaces b everywhere. Had s1 committed b by counting its
    replicas, a committed entry would now be gone.
    """
    a, b, c = old(1, "a"), old(2, "b"), old(3, "c")
    states = {"s1": (3, [a, b]), "s2": (3, [a, b]), "s3": (3, [a]), "s4": (3, [a]), "s5": (3, [a, c])}
    timeouts = {"s1": 0.3, "s2": 2.0, "s3": 2.0, "s4": 2.0, "s5": 0.25}
    return preloaded(states, timeouts, [("put", "x", "1"), ("get", "x", None)], server=server, start_at=1.3,
                     faults=[Crash("s5", at=0, recover_at=0.6), Crash("s1", at=0.5, recover_at=2.0)])


def stale_long_log(server: type[RaftServer] = RaftServer) -> RaftRun:
    """s3 holds three entries of term 1; s1 and s2 hold two, the second of term 2, which s1 commits.

    Once s1 crashes, s3 (back from a partition) stands for election: its log is longer than
    s2's, but older. A voter that compares lengths only elects it, and s3 overwrites d.
    """
    a, b, c, d = old(1, "a"), old(1, "b"), old(1, "c"), old(2, "d")
    states = {"s1": (2, [a, d]), "s2": (2, [a, d]), "s3": (1, [a, b, c])}
    timeouts = {"s1": 0.1, "s2": 1.5, "s3": 0.5}
    return preloaded(states, timeouts, [("put", "x", "1"), ("get", "x", None)], server=server, start_at=0.2,
                     think=1.0, faults=[Partition([["s3"]], at=0, heal_at=0.9), Crash("s1", at=0.5)])


def short_log_same_term(server: type[RaftServer] = RaftServer) -> RaftRun:
    """s1 leads term 2 and commits the client's put on all three, then its get on s1 and s2 only.

    s3 was cut off before the get arrived. Once s1 crashes and s3 is back, s3 stands: its last
    entry has term 2, like s2's, but its log is one entry shorter. A voter that compares the
    last terms only elects it, and the committed get is gone from the new leader's log.
    """
    a = old(1, "a")
    states = {"s1": (1, [a]), "s2": (1, [a]), "s3": (1, [a])}
    timeouts = {"s1": 0.1, "s2": 1.5, "s3": 0.5}
    return preloaded(states, timeouts, [("put", "x", "1"), ("get", "x", None)], server=server, start_at=0.2,
                     think=1.0, faults=[Partition([["s3"]], at=0.5, heal_at=1.6), Crash("s1", at=1.5)])


# --- a run to watch -------------------------------------------------------------------------------
#: The servers of ``demo`` runs.
DEMO_SERVERS = tuple(server_names(5))


def demo(crash: str | None = None, at: float = 2.0, restart_after: float | None = None, *, spread: float = 0.5,
         seed: int = 1, until: float = 6.0) -> RaftRun:
    """Five servers and one client (a put or get every 0.4 s) for ``until`` seconds, to watch.

    ``crash`` names a server to crash at ``at`` (``"leader"``: whoever leads at ``at``, found by
    running the same seed up to then); it restarts ``restart_after`` seconds later (None: never).
    ``spread`` is the random part of each election timeout (0: every timer aligned).
    """
    seed = validate.seed(seed)
    options = dict(servers=len(DEMO_SERVERS), clients=1, operations=40, think=0.4, client_timeout=0.5,
                   spread=spread, seed=seed)
    faults: list[Fault] = []
    if validate.number("at", at) <= 0:
        raise ValueError(f"at={at!r} is not allowed: at must be > 0 seconds (a crash once the run has started)")
    if restart_after is not None and validate.number("restart_after", restart_after) <= 0:
        raise ValueError(f"restart_after={restart_after!r} is not allowed: restart_after must be > 0 seconds "
                         "(or None: never)")
    if crash is not None:
        target = leader_at(run_raft(**options, until=at), at) if crash == "leader" else \
            validate.one_of("crash", crash, ["leader", *DEMO_SERVERS])
        if target is not None:
            faults.append(Crash(target, at=at, recover_at=None if restart_after is None else at + restart_after))
    return run_raft(**options, faults=faults, until=validate.number("until", until))
