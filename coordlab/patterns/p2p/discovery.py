"""Discovery: peers that start knowing one contact each come to know everyone, by gossip.

A newcomer joins through one earlier peer (``join``, answered by ``welcome``); from then on
every ``MemberPeer`` tells one random peer it knows who it knows (``members``), once a round.
Views only grow this way (and shrink when a peer says ``bye``), so after a few rounds every
peer knows every other, without a registry and without anyone handed the list.

The checker ``views_complete`` says whether it got there; ``DiscoveryRun`` says when, and
for how many messages.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any

from coordlab.patterns.p2p.checks import views_complete
from coordlab.patterns.p2p.peer import Peer, departures
from coordlab.patterns.p2p.topology import peer_names
from coordlab.patterns.run import PatternRun
from coordlab.world import Faults, Trace, World, validate


class MemberPeer(Peer):
    """Discovery by gossip: every round, tell one random known peer who I know (anti-entropy)."""

    async def every_round(self, number: int) -> None:
        for name in self.pick(1):
            await self.send(name, "members", self.membership())


@dataclass(repr=False)
class DiscoveryRun(PatternRun):
    """Peers that joined through one contact each, then gossiped membership."""

    n: int
    complete_round: int | None  # the first round by whose end every peer knew all n - 1 others
    messages: int  # sent until the end of that round (all of them if it never happened)

    @property
    def metrics(self) -> dict[str, Any]:
        """Headline numbers: how many peers, when every view was full, and what it cost."""
        return {"peers": self.n, "complete round": self.complete_round, "messages": self.messages}

    def describe(self) -> str:
        return f"{self.n} peers: everyone knew everyone by round {self.complete_round}, {self.messages} messages"


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
                  leaves: dict[str, float] | None = None, faults: Faults = ()) -> DiscoveryRun:
    """n peers join one by one (all within the first half round), each through a random
    earlier peer, then gossip membership for ``rounds`` rounds.

    Nobody is handed the list of peers: a newcomer knows one contact, and ``MemberPeer``
    gossip spreads the rest. ``leaves`` maps peers to when they leave (saying ``bye``).
    ``faults`` act on the peers present at t = 0 (a ``Nemesis`` draws over the first peer only,
    the others join later).
    """
    seed = validate.seed(seed)
    names = peer_names(validate.count("n", n))
    leaving = departures(leaves, names)
    draw = random.Random(seed)
    world = World(seed=seed, faults=faults)
    world.add(MemberPeer(names[0], period=period, rounds=rounds, leaves_at=leaving.get(names[0])))
    for index, name in enumerate(names[1:], start=1):
        world.add(MemberPeer(name, contact=draw.choice(names[:index]), period=period, rounds=rounds,
                             leaves_at=leaving.get(name)), at=index * 0.5 * period / n)
    world.add_checker(views_complete)
    result = world.run()
    full = first_full_view(result.trace, n)
    complete = None if full is None else math.floor(full / period)
    end = math.inf if complete is None else (complete + 1) * period
    return DiscoveryRun(result=result, verdict=result.verdict(), n=n, complete_round=complete,
                        messages=sum(1 for e in result.trace.select("send") if e.time < end))
