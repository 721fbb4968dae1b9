"""A peer: an agent that knows a few others, joins through one of them, and acts in rounds.

There is no registry and no full mesh. A peer starts knowing its ``neighbours`` (its
*view*: the addresses it has), or only a ``contact`` it joins through: it sends ``join``,
the contact adds it and answers ``welcome`` with the peers it knows. From then on views
grow by gossip (``members``, in ``discovery.MemberPeer``) and shrink when a peer says ``bye``.

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
from collections.abc import Iterable, Mapping
from numbers import Real

from coordlab.world import Agent, Trace, validate

#: The most rounds a peer takes part in (a gossip run needs tens; more only fills the trace).
MAX_ROUNDS = 100_000


class Peer(Agent):
    """A peer with a view of the others, that can join, leave, and act once per round."""

    def __init__(self, name: str, neighbours: Iterable[str] = (), *, contact: str | None = None,
                 period: float = 1.0, rounds: int = 0, leaves_at: float | None = None) -> None:
        super().__init__(name)
        if validate.number("period", period) <= 0:
            raise ValueError(f"period={period!r} is not allowed: a round must last > 0 seconds")
        if isinstance(neighbours, str) or not isinstance(neighbours, Iterable):
            raise TypeError(f"neighbours={neighbours!r} is not allowed: give a list of peer names")
        neighbours = list(neighbours)
        if not all(isinstance(other, str) and other for other in neighbours):
            raise TypeError(f"neighbours={neighbours!r} is not allowed: every neighbour must be a peer's name")
        if contact is not None and (not isinstance(contact, str) or not contact):
            raise TypeError(f"contact={contact!r} is not allowed: give a peer's name, or None")
        self.view: dict[str, None] = {}
        self.departed: dict[str, None] = {}
        self.contact = contact
        self.period = period
        self.rounds = validate.count("rounds", rounds, minimum=0, maximum=MAX_ROUNDS)
        self.leaves_at = None if leaves_at is None else validate.number("leaves_at", leaves_at, minimum=0)
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


def departures(leaves: object, peers: Iterable[str]) -> dict[str, float]:
    """``leaves`` (peer -> when it leaves) checked against ``peers``, or an error naming ``leaves``."""
    if leaves is None:
        return {}
    if not isinstance(leaves, Mapping):
        raise TypeError(f"leaves={leaves!r} is not allowed: give a dict peer name -> time it leaves")
    peers = list(peers)
    for name, at in leaves.items():
        if name not in peers:
            listing = ", ".join(sorted(peers)[:10]) + (", …" if len(peers) > 10 else "")
            raise ValueError(f"leaves={leaves!r} is not allowed: {name!r} is not a peer (peers: {listing})")
        if isinstance(at, bool) or not isinstance(at, Real) or not 0 <= at < math.inf:
            raise ValueError(f"leaves={leaves!r} is not allowed: {name!r} leaves at {at!r}, not a time >= 0")
    return dict(leaves)


# --- reading a run: who is in, and whom each peer knows -----------------------------------
def live_peers(trace: Trace) -> list[str]:
    """The peers still in the world at the end of the run, and not crashed."""
    alive: dict[str, bool] = {}
    for event in trace.select(("join", "leave", "crash", "recover")):
        alive[event.agent] = event.kind in ("join", "recover")
    return [name for name, up in alive.items() if up]


def view_sizes(trace: Trace) -> dict[str, int]:
    """How many peers each peer knows at the end of the run."""
    sizes = {e.agent: 0 for e in trace.select("join")}
    sizes.update({e.agent: e.data["size"] for e in trace.select("view")})
    return sizes
