"""Voting as messages: voters send ballots to a tallier, which decides only with a quorum.

A voting rule (``voting.py``) assumes the tallier holds every ballot exactly once. On a
network that is a protocol, and it can fail three ways: a ballot is **lost** (the voter is
silently not counted), **duplicated** (a retrying network, or a voter that sends again
because it heard nothing, delivers the same vote twice) or **late** (it arrives after the
deadline). So the tallier

* counts each *voter* at most once, whatever arrives: it keys ballots by sender, not by
  message (a resent ballot is a new message, a duplicated one is the same message twice);
* decides at the ``deadline`` (or as soon as every voter is counted), and only with a
  **quorum** of at least ``quorum`` ballots; otherwise the run ends with
  ``stop_reason="no_quorum"`` and no winner;
* keeps the ballots it counted in ``stable``, so a crash and restart loses none of them.

Voters cast at a time drawn from the seed; with ``retry_every`` they send their ballot as a
request and send it again until the tallier's ``ballot_ok`` receipt arrives (at-least-once
delivery, made exactly-once by the tallier's de-duplication). ``NaiveTallier`` is the
textbook loop that adds up whatever arrives; ``voting_checks`` catches it.
"""
from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from coordlab.patterns.consensus.voting import (
    RANKED_RULES,
    ApprovalProfile,
    Outcome,
    Profile,
    elect,
    profile_like,
)
from coordlab.patterns.consensus.voting_checks import election_checkers
from coordlab.patterns.protocol import MessageKind
from coordlab.patterns.run import PatternRun
from coordlab.world import Agent, Faults, Timeout, World, validate
from coordlab.world.latency import Latency

TALLIER = "tallier"

BALLOT_PROTOCOL: tuple[MessageKind, ...] = (
    MessageKind("ballot", "voter", TALLIER, "ranking (tuple of names) | approved names",
                "my ballot; sent again until receipted when voters retry", part="voting"),
    MessageKind("ballot_ok", TALLIER, "voter", '"counted" | "already counted" | "too late"',
                "receipt for a ballot sent as a request", part="voting"),
)


class Voter(Agent):
    """Casts one ballot at ``cast_at``; with ``retry_every``, sends it again until it is receipted.

    What it already did is kept in ``stable``: a voter that crashes and restarts does not vote
    twice once its ballot is known to be in, and resumes retrying otherwise.
    """

    def __init__(self, name: str, ballot: tuple[str, ...], *, cast_at: float, deadline: float,
                 retry_every: float | None = None, tallier: str = TALLIER) -> None:
        super().__init__(name)
        self.ballot = ballot
        self.cast_at = cast_at
        self.deadline = deadline
        self.retry_every = retry_every
        self.tallier = tallier

    async def run(self) -> None:
        await self.sleep(max(0.0, self.cast_at - self.now))
        if self.retry_every is None:
            if not self.stable.get("cast"):
                self.stable["cast"] = True
                await self.send(self.tallier, "ballot", self.ballot)
            return
        while not self.stable.get("receipted") and self.now < self.deadline:
            try:
                await self.request(self.tallier, "ballot", self.ballot, timeout=self.retry_every)
                self.stable["receipted"] = True
            except Timeout:
                pass


class Tallier(Agent):
    """Counts one ballot per voter and decides at the deadline, only with a quorum.

    Logs ``counted`` (voter) for each voter counted, ``ignored`` for a second ballot from the
    same voter or one after the decision, and then either ``decision`` (winner, how many
    ballots, scores) or ``no_decision``; the run then ends with ``decided`` or ``no_quorum``.
    A ballot sent as a request gets a receipt: "counted", "already counted" or "too late".
    """

    daemon = True

    def __init__(self, name: str, like: Profile | ApprovalProfile, electorate: Iterable[str], *, rule: str,
                 quorum: int, deadline: float, linger: float = 0.0) -> None:
        super().__init__(name)
        self.linger = linger
        self.like = like
        self.electorate = tuple(electorate)
        self.rule = rule
        self.quorum = quorum
        self.deadline = deadline

    @property
    def counted(self) -> list[tuple[str, Any]]:
        """(voter, ballot) for every ballot counted so far, in the order counted (on "disk")."""
        return self.stable.setdefault("counted", [])

    async def run(self) -> None:
        self.spawn(self.finish() if "ending" in self.stable else self.close_at_deadline())
        await super().run()

    async def close_at_deadline(self) -> None:
        await self.sleep(max(0.0, self.deadline - self.now))
        self.decide()

    async def on_ballot(self, msg) -> None:
        if "ending" in self.stable:
            self.log("ignored", voter=msg.sender, why="after the decision")
            answer = "too late"
        else:
            answer = self.count(msg.sender, msg.body)
        if msg.is_request:
            await self.reply(msg, answer)
        if "ending" not in self.stable and len({voter for voter, _ in self.counted}) == len(self.electorate):
            self.decide()

    def count(self, voter: str, ballot: Any) -> str:
        """Count ``voter``'s ballot unless that voter is already counted (a duplicate or a resend)."""
        if any(voter == counted for counted, _ in self.counted):
            self.log("ignored", voter=voter, why="already counted")
            return "already counted"
        self.counted.append((voter, ballot))
        self.log("counted", voter=voter)
        return "counted"

    def decide(self) -> None:
        """Announce the winner if a quorum of ballots is in, else say there is no decision."""
        if "ending" in self.stable:
            return
        if len(self.counted) < self.quorum:
            self.log("no_decision", ballots=len(self.counted), quorum=self.quorum)
            self.stable["ending"] = "no_quorum"
        else:
            outcome = elect(profile_like(self.like, [ballot for _, ballot in self.counted]), self.rule)
            self.log("decision", winner=outcome.winner, ballots=len(self.counted), scores=outcome.scores)
            self.stable["ending"] = "decided"
        self.spawn(self.finish())

    async def finish(self) -> None:
        """End the run (``decided`` or ``no_quorum``) once every voter's last resend is answered or timed out.

        Voters resend only before the deadline, each waiting ``retry_every`` for a receipt, so
        ``linger`` (twice that) after the deadline no request is left open; without resends, at once.
        """
        if self.linger:
            await self.sleep(max(0.0, self.deadline + self.linger - self.now))
        self.end_run(self.stable["ending"])


class NaiveTallier(Tallier):
    """⚠️ NAIVE, FOR THE "BREAK" SECTION ONLY: the tally loop as usually written, flaws included.

    FLAW 1: it adds up every ballot that arrives, so a duplicated or resent ballot counts twice.
    FLAW 2: it decides at the deadline with whatever it has: no quorum.
    ``voting_checks.election_checkers`` names both.
    """

    def count(self, voter: str, ballot: Any) -> None:
        self.counted.append((voter, ballot))  # FLAW 1: no "already counted?" test
        self.log("counted", voter=voter)

    def decide(self) -> None:
        if self.counted:
            self.quorum = 1  # FLAW 2: any ballot at all is enough
        super().decide()


TALLIERS: dict[str, type[Tallier]] = {"tallier": Tallier, "naive": NaiveTallier}


@dataclass(repr=False)
class ElectionRun(PatternRun):
    """One election on the world: the profile, the rule, the quorum, and what the tallier decided.

    ``outcome`` is the rule's result on the ballots counted (None without a decision);
    ``counted`` lists the voters counted, in order (a voter twice only for a broken tallier).
    """

    profile: Profile | ApprovalProfile
    rule: str
    quorum: int
    outcome: Outcome | None
    counted: tuple[str, ...]

    @property
    def winner(self) -> str | None:
        """The elected candidate, or None when there was no decision."""
        return None if self.outcome is None else self.outcome.winner

    @property
    def metrics(self) -> dict[str, Any]:
        """Voters, ballots sent / delivered / counted, the quorum and the winner."""
        sent = [e for e in self.trace.select("send") if e.message.kind == "ballot"]
        delivered = [e for e in self.trace.select("deliver") if e.message.kind == "ballot"]
        decided = self.trace.select(("decision", "no_decision"))
        return {"voters": len(self.profile), "quorum": self.quorum, "ballots sent": len(sent),
                "ballots delivered": len(delivered), "voters heard": len({e.peer for e in delivered}),
                "voters counted": len(set(self.counted)), "ballots counted": len(self.counted),
                "decided at": decided[0].time if decided else None, "winner": self.winner}

    def describe(self) -> str:
        heard = f"{len(set(self.counted))} of {len(self.profile)} voters counted (quorum {self.quorum})"
        return f"{self.rule}: winner={self.winner!r}; {heard}; " + super().describe()


def checked_quorum(quorum: object, voters: int) -> int:
    """``quorum`` as an int from 1 to the number of voters.

    A quorum at or below half the electorate is allowed (a committee may decide with few),
    but two disjoint groups of voters could then each reach it: only a majority quorum
    guarantees that any two decisions share a voter.
    """
    if isinstance(quorum, bool) or not isinstance(quorum, int):
        raise TypeError(f"quorum={quorum!r} is not allowed: quorum must be an int from 1 to {voters} "
                        f"(the electorate has {voters} voters)")
    if not 1 <= quorum <= voters:
        raise ValueError(f"quorum={quorum!r} is not allowed: quorum must be an int from 1 to {voters} "
                         f"(the electorate has {voters} voters)")
    return quorum


def voter_names(voters: int) -> list[str]:
    """``v01``, ``v02``, …: zero-padded so that names sort in voter order."""
    width = len(str(voters))
    return [f"v{i:0{width}d}" for i in range(1, voters + 1)]


def run_election(profile: Profile | ApprovalProfile, *, rule: str = "plurality", quorum: int | None = None,
                 seed: int = 0, cast_by: float = 1.0, deadline: float = 2.0, retry_every: float | None = None,
                 tallier: str = "tallier", latency: Latency = 0.01, loss: float = 0.0, duplicate: float = 0.0,
                 faults: Faults = ()) -> ElectionRun:
    """Hold an election on the world: one voter agent per ballot of ``profile``, one tallier.

    Voters cast at random times in [0, ``cast_by``); the tallier decides at ``deadline`` with
    at least ``quorum`` ballots (default: a majority of the voters). ``retry_every`` makes voters
    resend until receipted; ``tallier="naive"`` uses ``NaiveTallier``. ``loss``, ``duplicate`` and
    ``faults`` (e.g. ``Nemesis(seed=3)``) act on the ballots.
    """
    if not isinstance(profile, (Profile, ApprovalProfile)):
        raise TypeError(f"profile={profile!r} is not allowed: give a Profile or an ApprovalProfile")
    validate.one_of("rule", rule, ["approval"] if isinstance(profile, ApprovalProfile) else list(RANKED_RULES))
    quorum = len(profile) // 2 + 1 if quorum is None else checked_quorum(quorum, len(profile))
    seed = validate.seed(seed)
    if validate.number("cast_by", cast_by) <= 0:
        raise ValueError(f"cast_by={cast_by!r} is not allowed: cast_by must be > 0")
    if validate.number("deadline", deadline) <= 0:
        raise ValueError(f"deadline={deadline!r} is not allowed: deadline must be > 0")
    if retry_every is not None and validate.number("retry_every", retry_every) <= 0:
        raise ValueError(f"retry_every={retry_every!r} is not allowed: retry_every must be > 0 (or None: no retries)")
    make_tallier = TALLIERS[validate.one_of("tallier", tallier, TALLIERS)]
    names = voter_names(len(profile))
    draws = random.Random(f"ballots/{seed}")
    world = World(seed=seed, latency=latency, loss=loss, duplicate=duplicate, faults=faults)
    world.add(make_tallier(TALLIER, profile, names, rule=rule, quorum=quorum, deadline=deadline,
                           linger=2 * retry_every if retry_every else 0.0))
    for name, ballot in zip(names, profile.ballots):
        world.add(Voter(name, ballot, cast_at=round(draws.uniform(0, cast_by), 6), deadline=deadline,
                        retry_every=retry_every))
    for checker in election_checkers(profile, rule=rule, quorum=quorum):
        world.add_checker(checker)
    result = world.run()
    decision = result.trace.select("decision", agent=TALLIER)
    end = decision[0].seq if decision else len(result.trace)
    counted = tuple(e.data["voter"] for e in result.trace.select("counted", agent=TALLIER) if e.seq < end)
    outcome = None
    if decision:
        ballots = dict(zip(names, profile.ballots))
        outcome = elect(profile_like(profile, [ballots[voter] for voter in counted]), rule)
    return ElectionRun(result=result, verdict=result.verdict(), profile=profile, rule=rule, quorum=quorum,
                       outcome=outcome, counted=counted)
