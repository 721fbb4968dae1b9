"""A peer: an agent that knows a few others, joins through one of them, and acts in rounds.

There is no registry and no full mesh. A peer starts knowing its ``neighbours`` (its
*view*: the addresses it has), or only a ``contact`` it joins through: it sends ``join``,
the contact adds it and answers ``welcome`` with the peers it knows. From then on views
grow by gossip (``members``, in ``MemberPeer``) and shrink when a peer says ``bye``.

A peer given ``leaves_at`` leaves gracefully then (``bye`` to everyone it knows).

Time is cut into rounds of ``period`` seconds: round k starts at t = k·period, and a peer
calls ``every_round(k)`` for k = 1 … ``rounds``. With latency much shorter than the
period, a message sent in round k arrives in round k, so the round of any event is
``floor(t / period)``: the synchronous rounds of the gossip literature, read off the trace.

Messages are handled by kind (``on_<kind>``), concurrently with the rounds; a kind with no
handler is recorded in the trace as ``unhandled``.
"""
from __future__ import annotations

import math
import random
from collections.abc import Iterable
from dataclasses import dataclass

from coordlab.patterns.p2p.topology import peer_names
from coordlab.world import Agent, RunResult, Trace, World, validate


class Peer(Agent):
    """A peer with a view of the others, that can join, leave, and act once per round."""

    def __init__(self, name: str, neighbours: Iterable[str] = (), *, contact: str | None = None,
                 period: float = 1.0, rounds: int = 0, leaves_at: float | None = None) -> None:
        super().__init__(name)
        if validate.number("period", period) <= 0:
            raise ValueError(f"period={period!r} is not allowed: a round must last > 0 seconds")
        self.view: dict[str, None] = {}
        self.departed: dict[str, None] = {}
        self.contact = contact
        self.period = period
        self.rounds = rounds
        self.leaves_at = leaves_at
        self.know([*neighbours, *([contact] if contact else [])], quietly=True)

    async def run(self) -> None:
        self.spawn(super().run())  # handle messages by kind while the rounds go on
        if self.leaves_at is not None:
            self.spawn(self.depart(after=self.leaves_at - self.now))
        if self.contact is not None:
            await self.send(self.contact, "join")
        await self.start()
        first = math.floor(self.now / self.period) + 1
        for number in range(first, self.rounds + 1):
            await self.sleep(max(0.0, number * self.period - self.now))
            await self.every_round(number)

    async def start(self) -> None:
        """What this peer does once, when it joins (nothing here)."""

    async def every_round(self, number: int) -> None:
        """What this peer does in round ``number`` (nothing here; gossip peers override it)."""

    @property
    def round(self) -> int:
        """The current round: ``floor(now / period)``."""
        return math.floor(self.now / self.period)

    # --- the view: who I know --------------------------------------------------------
    def neighbours(self) -> list[str]:
        """The peers I know, in a fixed order (so the same seed makes the same choices)."""
        return list(self.view)

    def pick(self, count: int = 1) -> list[str]:
        """``count`` different random peers from my view (fewer if I know fewer)."""
        known = self.neighbours()
        return self.rng.sample(known, min(count, len(known)))

    def know(self, names: Iterable[str], *, quietly: bool = False) -> None:
        """Add peers to my view (never myself, never one that said ``bye``)."""
        before = len(self.view)
        for name in names:
            if name != self.name and name not in self.departed:
                self.view[name] = None
        if len(self.view) != before and not quietly:
            self.log("view", size=len(self.view))

    def forget(self, name: str) -> None:
        """Drop a departed peer from my view, and remember not to learn it again."""
        self.departed[name] = None
        if name in self.view:
            del self.view[name]
            self.log("view", size=len(self.view))

    def membership(self) -> tuple[list[str], list[str]]:
        """What I tell others about membership: who is in (me included), who has left."""
        return [self.name, *self.view], list(self.departed)

    def merge(self, membership: tuple[list[str], list[str]]) -> None:
        members, departed = membership
        for name in departed:
            if name != self.name:
                self.forget(name)
        self.know(members)

    # --- membership messages ------------------------------------------------------------
    async def on_join(self, msg) -> None:
        self.know([msg.sender])
        await self.send(msg.sender, "welcome", self.membership())

    async def on_welcome(self, msg) -> None:
        self.merge(msg.body)

    async def on_members(self, msg) -> None:
        self.merge(msg.body)

    async def on_bye(self, msg) -> None:
        self.forget(msg.sender)

    async def depart(self, after: float = 0.0) -> None:
        """Leave gracefully ``after`` seconds from now: tell every peer I know, then go."""
        await self.sleep(max(0.0, after))
        for name in self.neighbours():
            await self.send(name, "bye")
        self.leave()


class MemberPeer(Peer):
    """Discovery by gossip: every round, tell one random known peer who I know (anti-entropy)."""

    async def every_round(self, number: int) -> None:
        for name in self.pick(1):
            await self.send(name, "members", self.membership())



@dataclass
class DiscoveryRun:
    """Peers that joined through one contact each, then gossiped membership."""

    result: RunResult
    n: int
    complete_round: int | None  # the first round by whose end every peer knew all n - 1 others
    messages: int  # sent until the end of that round (all of them if it never happened)

    @property
    def trace(self) -> Trace:
        return self.result.trace

    def __repr__(self) -> str:
        return (f"<DiscoveryRun {self.n} peers: everyone knew everyone by round {self.complete_round}, "
                f"{self.messages} messages>")


def view_sizes(trace: Trace) -> dict[str, int]:
    """How many peers each peer knows at the end of the run."""
    sizes = {e.agent: 0 for e in trace.select("join")}
    sizes.update({e.agent: e.data["size"] for e in trace.select("view")})
    return sizes


def first_full_view(trace: Trace, n: int) -> float | None:
    """When every one of the n peers first knew all n - 1 others (None if never)."""
    full: set[str] = set()
    for event in trace.select("view"):
        if event.data["size"] == n - 1:
            full.add(event.agent)
        else:
            full.discard(event.agent)
        if len(full) == n:
            return event.time
    return None


def run_discovery(n: int = 16, *, rounds: int = 15, period: float = 1.0, seed: int = 0,
                  leaves: dict[str, float] | None = None) -> DiscoveryRun:
    """n peers join one by one (all within the first half round), each through a random
    earlier peer, then gossip membership for ``rounds`` rounds.

    Nobody is handed the list of peers: a newcomer knows one contact, and ``MemberPeer``
    gossip spreads the rest. ``leaves`` maps peers to when they leave (saying ``bye``).
    """
    names = peer_names(n)
    draw = random.Random(seed)
    world = World(seed=seed)
    world.add(MemberPeer(names[0], period=period, rounds=rounds))
    for index, name in enumerate(names[1:], start=1):
        world.add(MemberPeer(name, contact=draw.choice(names[:index]), period=period, rounds=rounds,
                             leaves_at=(leaves or {}).get(name)), at=index * 0.5 * period / n)
    result = world.run()
    full = first_full_view(result.trace, n)
    complete = None if full is None else math.floor(full / period)
    end = math.inf if complete is None else (complete + 1) * period
    return DiscoveryRun(result, n, complete, sum(1 for e in result.trace.select("send") if e.time < end))
