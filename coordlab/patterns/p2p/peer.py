"""A peer: an agent that knows a few others, joins through one of them, and acts in rounds.

There is no registry and no full mesh. A peer starts knowing its ``neighbours`` (its
*view*: the addresses it has, a ``View``), or only a ``contact`` it joins through: it sends ``join``,
the contact adds it and answers ``welcome`` with the peers it knows. From then on views
grow by gossip (``members``, in ``discovery.MemberPeer``) and shrink when a peer says ``bye``.

A peer given ``leaves_at`` leaves gracefully then (``bye`` to everyone it knows).

Time is cut into rounds of ``period`` seconds: round k starts at t = k·period, and a peer
calls ``every_round(k)`` for k = 1 … ``rounds`` (from the round after it becomes ``active()``:
a peer with nothing to do in a round, like a push gossip peer without the rumour, does not
wake up for it). With latency much shorter than the
period, a message sent in round k arrives in round k, so the round of any event is
``floor(t / period)``: the synchronous rounds of the gossip literature, read off the trace.

Messages are handled by kind (``on_<kind>``), concurrently with the rounds; a kind with no
handler is recorded in the trace as ``unhandled``.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from numbers import Real

from coordlab.patterns.p2p.overlay import EveryoneElse
from coordlab.world import Agent, Trace, validate

#: The most rounds a peer takes part in (a gossip run needs tens; more only fills the trace).
MAX_ROUNDS = 100_000


class View(Sequence[str]):
    """The peers one peer knows, in a fixed order: those it was given, then those it met since.

    Given ``EveryoneElse`` (a complete overlay's "everyone but me"), the view keeps it as it is
    and only notes the changes: at n = 16,384, n views of n − 1 names each would be 268
    million entries. Reading a name by position, as ``rng.sample`` does, stays O(1) until a
    given peer leaves (then the view is listed once per change).
    """

    def __init__(self, me: str, given: Sequence[str] = ()) -> None:
        self.me = me
        self.given = given if isinstance(given, EveryoneElse) else ()
        self.gone: dict[str, None] = {}  # given peers that left
        self.met: dict[str, None] = {}   # everyone else I know, in the order I learnt of them
        self._listed: list[str] | None = None
        if not self.given:
            self.add_all(given)

    def __len__(self) -> int:
        return len(self.given) - len(self.gone) + len(self.met)

    def __contains__(self, name: object) -> bool:
        return name in self.met or (name in self.given and name not in self.gone)

    def __iter__(self) -> Iterator[str]:
        yield from (name for name in self.given if name not in self.gone) if self.gone else self.given
        yield from self.met

    def __getitem__(self, position: int) -> str:  # type: ignore[override]
        if self.gone:
            if self._listed is None:
                self._listed = list(self)
            return self._listed[position]
        if 0 <= position < len(self.given):
            return self.given[position]
        return list(self.met)[position - len(self.given)] if position >= 0 else list(self)[position]

    def add_all(self, names: Iterable[str]) -> bool:
        """Add each name not known yet (never myself); True if the view grew."""
        before = len(self)
        for name in names:
            if name != self.me and name not in self:
                self.met[name] = None
                self._listed = None
        return len(self) != before

    def remove(self, name: str) -> bool:
        """Drop ``name``; True if I knew it."""
        if name in self.met:
            del self.met[name]
        elif name in self.given and name not in self.gone:
            self.gone[name] = None
        else:
            return False
        self._listed = None
        return True


class Peer(Agent):
    """A peer with a view of the others, that can join, leave, and act once per round."""

    def __init__(self, name: str, neighbours: Iterable[str] = (), *, contact: str | None = None,
                 period: float = 1.0, rounds: int = 0, leaves_at: float | None = None) -> None:
        super().__init__(name)
        if validate.number("period", period) <= 0:
            raise ValueError(f"period={period!r} is not allowed: a round must last > 0 seconds")
        if isinstance(neighbours, str) or not isinstance(neighbours, Iterable):
            raise TypeError(f"neighbours={neighbours!r} is not allowed: give a list of peer names")
        if not isinstance(neighbours, EveryoneElse):  # an overlay's own sequence holds only names
            neighbours = list(neighbours)
            if not all(isinstance(other, str) and other for other in neighbours):
                raise TypeError(f"neighbours={neighbours!r} is not allowed: every neighbour must be a peer's name")
        if contact is not None and (not isinstance(contact, str) or not contact):
            raise TypeError(f"contact={contact!r} is not allowed: give a peer's name, or None")
        self.view = View(name, neighbours)
        self.departed: dict[str, None] = {}
        self.contact = contact
        self.period = period
        self.rounds = validate.count("rounds", rounds, minimum=0, maximum=MAX_ROUNDS)
        self.leaves_at = None if leaves_at is None else validate.number("leaves_at", leaves_at, minimum=0)
        self.know([contact] if contact else [], quietly=True)
        self.acting = False

    async def run(self) -> None:
        self.spawn(super().run())  # handle messages by kind while the rounds go on
        if self.leaves_at is not None:
            self.spawn(self.depart(after=self.leaves_at - self.now))
        if self.contact is not None:
            await self.send(self.contact, "join")
        await self.start()
        if self.active():
            self.act_from_now()

    async def start(self) -> None:
        """What this peer does once, when it joins (nothing here)."""

    def active(self) -> bool:
        """Whether I have something to do every round (yes, here; see ``act_from_now``)."""
        return True

    def act_from_now(self) -> None:
        """Take part in every round from the next one on (once: later calls change nothing)."""
        if not self.acting:
            self.acting = True
            self.spawn(self.take_rounds())

    async def take_rounds(self) -> None:
        first = math.floor(self.now / self.period) + 1
        for number in range(first, self.rounds + 1):
            await self.sleep(max(0.0, number * self.period - self.now))
            await self.every_round(number)

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
        """``count`` different random peers from my view (fewer if I know fewer), read off it by position."""
        if count == 1 and self.view:  # the same draw as sample(view, 1), for a fraction of its cost
            return [self.rng.choice(self.view)]
        return self.rng.sample(self.view, min(count, len(self.view)))

    def know(self, names: Iterable[str], *, quietly: bool = False) -> None:
        """Add peers to my view (never myself, never one that said ``bye``)."""
        if self.view.add_all(name for name in names if name not in self.departed) and not quietly:
            self.log("view", size=len(self.view))

    def forget(self, name: str) -> None:
        """Drop a departed peer from my view, and remember not to learn it again."""
        self.departed[name] = None
        if self.view.remove(name):
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
def view_sizes(trace: Trace) -> dict[str, int]:
    """How many peers each peer knows at the end of the run."""
    sizes = {e.agent: 0 for e in trace.select("join")}
    sizes.update({e.agent: e.data["size"] for e in trace.select("view")})
    return sizes
