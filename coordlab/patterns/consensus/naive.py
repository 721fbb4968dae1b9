"""⚠️ NAIVE, FOR THE "BREAK" SECTION ONLY: what consensus looks like without its safeguards, and liars.

Three ways to break agreement, each run on the world so that the checkers say what broke:

1. **Split brain** (``SplitBrainServer``, ``split_brain``): majority vote without terms or a
   quorum, the election found in many tutorials. Cut the cluster in two and each side elects
   a leader among the servers it can reach, and both accept writes. Raft's checkers name the
   conflicting entries: two leaders of one term (election safety), two commands applied at
   one index (state-machine safety), and a history no single store could give (linearizable).
2. **A tallier that counts duplicated ballots**: ``NaiveTallier`` from ``ballots.py`` (run it
   with ``run_election(..., tallier="naive")``); ``voting_checks`` catches it.
3. **One Byzantine replica in Raft** (``LIES``, ``byzantine_raft``, ``what_a_traitor_breaks``):
   Raft tolerates servers that crash, not servers that lie. A ``Byzantine(server, strategy)``
   fault makes one server's messages say what the strategy says, its code unchanged; each lie
   breaks a different guarantee, while a traitor that only falls silent is just a crash.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from coordlab.patterns.consensus.ballots import NaiveTallier
from coordlab.patterns.consensus.protocol import Command, Entry, RequestVote, VoteReply
from coordlab.patterns.consensus.raft import RaftServer, server_names
from coordlab.patterns.consensus.raft_run import RaftRun, run_raft
from coordlab.patterns.consensus.scenarios import leader_at
from coordlab.world import Byzantine, Crash, Fault, Message, Partition, validate
from coordlab.world.byzantine import Lie, Outgoing, Replay, Silent, Strategy

__all__ = ["LIES", "ForgeEntries", "NaiveTallier", "SplitBrainServer", "byzantine_raft", "claim_longest_log",
           "grant_every_vote", "split_brain", "what_a_traitor_breaks"]

# --- 1. split brain ------------------------------------------------------------------------------
class SplitBrainServer(RaftServer):
    """⚠️ NAIVE: Raft's code with its two safeguards taken out, as majority vote is often written.

    FLAW 1, no terms: every election is for term 1, and a server votes for any candidate once
    it has heard no leader for ``election_timeout`` (a vote is not tied to a term, so it can go
    to several candidates). Nothing tells an old leader that another was elected.
    FLAW 2, no quorum: "a majority" is a majority of the servers that answered lately, not of
    the cluster. Cut off with one follower, a leader still commits, with that follower's word.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.heard: dict[str, float] = {}  # peer -> when it last answered me
        self.heard_leader = -math.inf  # when a leader last reached me

    async def start_election(self) -> None:
        self.stable["term"] = 0  # FLAW 1: Raft's candidate stands in term + 1; this one always in term 1
        await super().start_election()

    async def on_request_vote(self, msg: Message) -> None:
        if self.now - self.heard_leader >= self.election_timeout:
            self.stable["voted_for"] = None  # FLAW 1: no leader lately, so my vote is free again, same term or not
        await super().on_request_vote(msg)

    async def on_append_entries(self, msg: Message) -> None:
        self.heard_leader = self.now
        await super().on_append_entries(msg)

    async def on_request_vote_ok(self, msg: Message) -> None:
        self.heard[msg.sender] = self.now
        await super().on_request_vote_ok(msg)

    async def on_append_entries_ok(self, msg: Message) -> None:
        self.heard[msg.sender] = self.now
        await super().on_append_entries_ok(msg)

    @property
    def majority(self) -> int:
        """FLAW 2: a majority of myself and the servers that answered within an election timeout."""
        since = self.now - self.election_timeout
        reachable = 1 + sum(1 for peer in self.peers if self.heard.get(peer, -math.inf) >= since)
        return reachable // 2 + 1


def split_brain(server: type[RaftServer] = SplitBrainServer, *, servers: int = 5, seed: int = 0,
                heal_at: float = 4.0, until: float = 15.0) -> RaftRun:
    """Cut the leader, one follower and client c1 off from the rest (and client c2) from t=1 to ``heal_at``.

    Both clients read and write the same keys meanwhile. With ``SplitBrainServer`` both sides
    elect a leader and commit; with ``RaftServer`` (give it as ``server``) the cut-off side
    commits nothing, its client waits, and the run is valid.
    """
    options = dict(servers=servers, clients=2, operations=12, think=0.3, seed=seed, server=server)
    validate.number("heal_at", heal_at, minimum=1.0)
    leader = leader_at(run_raft(**options, until=1.0), 1.0)
    if leader is None:
        raise ValueError(f"seed={seed!r} is not allowed: no server leads at t=1 in that run; try another seed")
    buddy = next(name for name in server_names(servers) if name != leader)
    return run_raft(**options, until=until, faults=[Partition([[leader, buddy, "c1"]], at=1.0, heal_at=heal_at)])


# --- 3. one Byzantine replica in Raft --------------------------------------------------------------
def grant_every_vote(body: Any) -> Any:
    """A lie for ``Lie``: every vote reply says "granted", whoever asks (a vote for each candidate)."""
    return replace(body, granted=True) if isinstance(body, VoteReply) else body


def claim_longest_log(body: Any) -> Any:
    """A lie for ``Lie``: every vote request claims a log longer than anyone's, ending in the current term."""
    if isinstance(body, RequestVote):
        return replace(body, last_log_index=10**9, last_log_term=body.term)
    return body


@dataclass(frozen=True)
class ForgeEntries:
    """A leader that equivocates: ``victim`` is sent every entry with its command replaced by a forged write.

    The others get the true entries, so each follower alone sees a consistent leader.
    """

    victim: str

    def __call__(self, to: str, kind: str, body: Any, rng: Any, sent: Any) -> list[Outgoing]:
        if kind == "append_entries" and to == self.victim and body.entries:
            body = replace(body, entries=tuple(forged(entry) for entry in body.entries))
        return [(to, kind, body)]


def forged(entry: Entry) -> Entry:
    command: Command = entry.command
    return Entry(entry.term, replace(command, op="put", value="forged"))


@dataclass(frozen=True)
class TraitorScenario:
    """A lie, the run that shows it (``faults`` without the traitor), and whom to make the traitor."""

    strategy: Callable[[str], Strategy]  # the victim's name -> the strategy (most ignore it)
    faults: tuple[Fault, ...]
    traitor: str | None  # a fixed server, or None: whoever leads at ``at``
    at: float = 0.0
    servers: int = 3
    spread: float = 0.5
    until: float = 10.0
    meaning: str = ""


#: Each lie one Byzantine server tells, and a run where it matters (3 servers, one client).
LIES: dict[str, TraitorScenario] = {
    "grants every vote": TraitorScenario(
        lambda victim: Lie(grant_every_vote), (Crash("s3", at=0, recover_at=0.1),), "s3", spread=0.0,
        meaning="s1 and s2 stand for election together; the traitor votes for both: two leaders of one term"),
    "claims an up-to-date log": TraitorScenario(
        lambda victim: Lie(claim_longest_log), (Partition([["s3"]], at=0, heal_at=3.0),), "s3",
        meaning="cut off while the others commit, it comes back claiming a longer log, is elected, "
                "and overwrites committed entries"),
    "forges the entries it sends": TraitorScenario(
        ForgeEntries, (), None, at=1.0,
        meaning="the leader sends one follower other commands than the rest: their logs disagree"),
    "replays old messages": TraitorScenario(
        lambda victim: Replay(), (), "s3",
        meaning="a follower sends each message again with an old one of its kind: terms make old news harmless"),
    "falls silent": TraitorScenario(
        lambda victim: Silent(), (), "s3",
        meaning="a follower that says nothing is a crashed follower: the other two carry on"),
}


def byzantine_raft(lie: str, *, traitor: bool = True, seed: int = 0) -> RaftRun:
    """The run of ``LIES[lie]`` (with ``traitor=False``: the same run, every server honest).

    Three servers, one client doing 12 random operations. ``run.verdict`` says which of Raft's
    guarantees the lie broke.
    """
    scenario = LIES[validate.one_of("lie", lie, LIES)]
    validate.flag("traitor", traitor)
    options = dict(servers=scenario.servers, clients=1, operations=12, think=0.3, seed=seed,
                   spread=scenario.spread, until=scenario.until)
    faults: list[Fault] = list(scenario.faults)
    if traitor:
        name = scenario.traitor or leader_at(run_raft(**options | {"until": scenario.at}, faults=faults), scenario.at)
        if name is None:
            raise ValueError(f"seed={seed!r} is not allowed: no server leads at t={scenario.at:g}; try another seed")
        victim = next(server for server in server_names(scenario.servers) if server != name)
        faults.append(Byzantine(name, scenario.strategy(victim), at=scenario.at))
    return run_raft(**options, faults=faults)


def what_a_traitor_breaks(seed: int = 0) -> pd.DataFrame:
    """One row per lie: the checks its run fails with the traitor, and without it (none)."""
    rows = []
    for lie, scenario in LIES.items():
        failed = {}
        for traitor in (True, False):
            run = byzantine_raft(lie, traitor=traitor, seed=seed)
            failed[traitor] = ", ".join(part.name for part in run.verdict.parts if not part) or "none"
        rows.append({"lie": lie, "what happens": scenario.meaning, "checks failed": failed[True],
                     "without the traitor": failed[False]})
    return pd.DataFrame(rows).set_index("lie")
