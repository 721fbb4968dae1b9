"""Broadcast without a centre: flooding, and gossip in rounds (push, push-pull).

* **Flooding**: the first time a peer hears the rumour it passes it to every neighbour but
  the one it came from. Fast (one hop per latency) and certain on a reliable network, but
  every edge carries it: about 2·edges messages.
* **Push gossip**: every round, each informed peer sends the rumour to ``fanout`` random
  neighbours. On a complete graph of n peers everyone has it after about
  log2(n) + ln(n) rounds (Frieze & Grimmett 1985; Pittel 1987): ~n·ln(n) messages.
* **Push-pull gossip**: every round, *every* peer contacts a random neighbour and they
  swap what they know. The last few uninformed peers now ask instead of waiting to be
  hit by luck: about log3(n) + O(log log n) rounds (Karp et al. 2000).

**Rounds are synchronous, as in the theory.** In the model these formulas are about, all
the calls of round k happen at once, on what each peer knew when round k began. A peer
here learns in the middle of a round (a push sent at k lands at k + latency), so it could
answer a pull of the same round with news a few milliseconds old and carry the rumour two
hops in one round. It does not: it pushes, and answers a pull, only with a rumour it knew
when the pull's round began (``knew_before``). Without that rule push-pull finishes about
a round early at n = 256, and the formula no longer describes what is measured.

Each peer records ``informed`` (with its round) the moment it learns the rumour, so the
rounds, the message counts and the checker (``checks.everyone_informed``) all come from the trace.
"""
from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from numbers import Real
from typing import Any

import networkx as nx

from coordlab.patterns.p2p.checks import everyone_informed
from coordlab.patterns.p2p.overlay import Complete, Overlay, overlay_of, resolve
from coordlab.patterns.p2p.peer import MAX_ROUNDS, Peer, departures
from coordlab.patterns.p2p.topology import known_peer
from coordlab.patterns.run import PatternRun
from coordlab.world import Faults, RunResult, Trace, World, validate
from coordlab.world.latency import Latency

METHODS = ("flood", "push", "push-pull")
RUMOUR_KINDS = ("flood", "push", "pull", "pull_ok")


class RumourPeer(Peer):
    """A peer that may know a rumour, kept in ``stable`` so it survives a crash."""

    def __init__(self, name: str, neighbours: Iterable[str] = (), *, rumour: Any = None, **options: Any) -> None:
        super().__init__(name, neighbours, **options)
        self.told = rumour  # the origin is told the rumour at the start

    @property
    def rumour(self) -> Any:
        """The rumour, or None while I have not heard it."""
        return self.stable.get("rumour")

    def learn(self, rumour: Any, via: str | None = None, round: int | None = None) -> bool:
        """Keep ``rumour`` if it is news to me; record ``informed`` in the trace. True if it was news."""
        if rumour is None or self.rumour is not None:
            return False
        self.stable["rumour"] = rumour
        self.stable["learnt_in"] = self.round
        self.log("informed", round=self.round if round is None else round, via=via)
        return True

    def knew_before(self, number: int) -> Any:
        """The rumour if I knew it when round ``number`` began, else None (synchronous rounds)."""
        learnt_in = self.stable.get("learnt_in")
        return self.rumour if learnt_in is not None and learnt_in < number else None

    async def start(self) -> None:
        if self.told is not None:
            self.learn(self.told)


class FloodPeer(RumourPeer):
    """Flooding: pass a rumour on to every neighbour, once, the first time I hear it (no rounds)."""

    def active(self) -> bool:
        return False

    async def start(self) -> None:
        if self.told is not None and self.learn(self.told, round=0):
            await self.pass_on(self.told, hops=1)

    async def on_flood(self, msg) -> None:
        rumour, hops = msg.body
        if self.learn(rumour, via=msg.sender, round=hops):
            await self.pass_on(rumour, hops + 1, skip=msg.sender)

    async def pass_on(self, rumour: Any, hops: int, skip: str | None = None) -> None:
        for name in self.neighbours():
            if name != skip:
                await self.send(name, "flood", (rumour, hops))


class GossipPeer(RumourPeer):
    """Gossip in rounds: ``mode="push"`` or ``"push-pull"``, to ``fanout`` random neighbours."""

    def __init__(self, name: str, neighbours: Iterable[str] = (), *, mode: str = "push", fanout: int = 1,
                 **options: Any) -> None:
        super().__init__(name, neighbours, **options)
        if mode not in ("push", "push-pull"):
            raise ValueError(f"mode={mode!r} is not allowed: choose 'push' or 'push-pull'")
        self.mode = mode
        self.fanout = validate.count("fanout", fanout)

    def active(self) -> bool:
        """Push-pull peers call someone every round; a push peer has nothing to do until it knows."""
        return self.mode == "push-pull" or self.rumour is not None

    def learn(self, rumour: Any, via: str | None = None, round: int | None = None) -> bool:
        news = super().learn(rumour, via, round)
        if news:
            self.act_from_now()
        return news

    async def every_round(self, number: int) -> None:
        rumour = self.knew_before(number)
        if self.mode == "push":
            if rumour is not None:
                for name in self.pick(self.fanout):
                    await self.send(name, "push", rumour)
        else:
            for name in self.pick(self.fanout):
                await self.send(name, "pull", rumour)  # None: "I knew nothing when this round began"

    async def on_push(self, msg) -> None:
        self.learn(msg.body, via=msg.sender)

    async def on_pull(self, msg) -> None:
        if msg.body is not None:
            self.learn(msg.body, via=msg.sender)  # the push half
        elif (rumour := self.knew_before(math.floor(msg.sent_at / self.period))) is not None:
            await self.send(msg.sender, "pull_ok", rumour)  # the pull half, with what I knew as the round began

    async def on_pull_ok(self, msg) -> None:
        self.learn(msg.body, via=msg.sender)


# --- the theory ------------------------------------------------------------------------
def push_rounds(n: int) -> float:
    """Rounds for push gossip to reach all n peers of a complete graph: log2(n) + ln(n)."""
    validate.number("n", n, minimum=2)
    return math.log2(n) + math.log(n)


def push_pull_rounds(n: int) -> float:
    """Push-pull: log3(n) + O(log log n) rounds; the O-term drawn here as ln(ln(n))."""
    validate.number("n", n, minimum=2)
    return math.log(n, 3) + math.log(math.log(n))


# --- reading a run ---------------------------------------------------------------------
def informed_rounds(trace: Trace) -> dict[str, int]:
    """Each peer that learnt the rumour, and the round (or hop count) it learnt it in."""
    rounds: dict[str, int] = {}
    for event in trace.select("informed"):
        rounds.setdefault(event.agent, event.data["round"])
    return rounds


@dataclass(repr=False)
class BroadcastRun(PatternRun):
    """One broadcast: the run, the overlay, when each peer learnt the rumour, and what it cost.

    ``rounds`` is the round (hops, for flooding) in which the last peer learnt it, None if
    some live connected peer never did; ``messages`` counts rumour messages sent until then
    (all of them for flooding, or when the broadcast never completed).
    """

    overlay: Overlay
    method: str
    informed: dict[str, int]
    rounds: int | None
    messages: int

    @functools.cached_property
    def graph(self) -> nx.Graph:
        """The overlay as a networkx graph, newcomers' links included (built when first asked: to draw it)."""
        return self.overlay.to_networkx()

    @property
    def metrics(self) -> dict[str, Any]:
        """Headline numbers: how many peers learnt the rumour, by which round, for how many messages."""
        return {"peers": len(self.overlay), "informed": len(self.informed), "rounds": self.rounds,
                "messages": self.messages}

    def describe(self) -> str:
        return (f"{self.method} on {len(self.overlay)} peers: informed={len(self.informed)} "
                f"rounds={self.rounds} messages={self.messages}")


#: Rounds of gossip past the expected finish on a complete graph. Push's last stragglers are each
#: missed with probability about 1/e per round, so 12 more rounds miss one with probability ~e^-12
#: per peer left; push-pull's uninformed fraction squares every round once most peers know, so
#: 5 more rounds leave nobody out at any n a run allows.
MARGIN = {"push": 12, "push-pull": 5}


def default_rounds(graph: nx.Graph | Overlay, method: str | type[RumourPeer] = "push", loss: float = 0.0) -> int:
    """How long peers keep gossiping: comfortably past the expected finish, computed without a search.

    On a complete graph, the theory's expected rounds for ``method`` (``push_rounds``,
    ``push_pull_rounds``) plus ``MARGIN``: a closed form. On any other graph,
    3·log2(n + 1) + 3·diameter + 5 rounds, with the diameter known in closed form for ring and
    grid, and found by networkx's bounding search for an explicit graph. A message lost with
    probability ``loss`` is a call wasted, so either budget is divided by 1 − loss.
    Push through a hub is slower (a hub with d neighbours takes ~d·ln(d) rounds to reach
    them all): pass ``rounds=`` yourself for stars and trees.
    """
    overlay = overlay_of(graph, "graph")
    loss = validate.probability("loss", loss)
    if loss == 1:
        raise ValueError(f"loss={loss!r} is not allowed: with every message lost no budget is enough; give < 1")
    n = len(overlay.base)
    if isinstance(overlay, Complete) and n >= 2 and method in MARGIN:
        expected = push_rounds(n) if method == "push" else push_pull_rounds(n)
        budget = math.ceil(expected) + MARGIN[method]
    else:
        budget = math.ceil(3 * math.log2(n + 1)) + 3 * overlay.diameter() + 5
    return math.ceil(budget / (1 - loss))


def run_broadcast(topology: str | nx.Graph = "complete", n: int = 32, *, method: str | type[RumourPeer] = "push",
                  fanout: int = 1, seed: int = 0, loss: float = 0.0, latency: Latency = 0.01,
                  period: float = 1.0, rounds: int | None = None, faults: Faults = (),
                  joins: Iterable[tuple[str, str, float]] = (), leaves: Mapping[str, float] | None = None,
                  origin: str | None = None) -> BroadcastRun:
    """Spread one rumour from ``origin`` (default: the first peer) over ``topology``.

    ``method`` is "flood", "push", "push-pull", or a ``RumourPeer`` subclass of your own.
    ``joins`` lists churn: ``(newcomer, contact, at)`` joins through ``contact`` at ``at``.
    ``leaves`` maps peers (newcomers included) to the time they leave gracefully. Peers gossip
    for ``rounds`` rounds (default: ``default_rounds``). complete, ring and grid are never
    built as graphs: each peer's neighbours are computed (``overlay``).
    """
    seed = validate.seed(seed)
    overlay = resolve(topology, n, seed)
    names = list(overlay)
    origin = known_peer("origin", names[0] if origin is None else origin, overlay)
    make = peer_factory(method, validate.count("fanout", fanout))
    loss = validate.probability("loss", loss)
    if rounds is None:  # (with every message lost, the budget is spent in vain whatever it is)
        rounds = default_rounds(overlay, method, loss if loss < 1 else 0.0)
    rounds = validate.count("rounds", rounds, minimum=0, maximum=MAX_ROUNDS)
    newcomers = checked_joins(joins, overlay)
    leaving = departures(leaves, [*names, *(newcomer for newcomer, _, _ in newcomers)])
    world = World(seed=seed, latency=latency, loss=loss, faults=faults)
    for name in names:
        world.add(make(name, overlay.neighbours(name), rumour="news" if name == origin else None,
                       period=period, rounds=rounds, leaves_at=leaving.get(name)))
    for newcomer, contact, at in newcomers:
        world.add(make(newcomer, (), contact=contact, period=period, rounds=rounds, leaves_at=leaving.get(newcomer)),
                  at=at)
        overlay.link(newcomer, contact)
    world.add_checker(everyone_informed(overlay))
    return summarise_broadcast(world.run(), overlay, method if isinstance(method, str) else method.__name__, period)


def summarise_broadcast(result: RunResult, overlay: Overlay, method: str, period: float) -> BroadcastRun:
    """Read a finished broadcast (on any host): who learnt the rumour in which round, and what it cost.

    ``rounds`` is the round the last peer learnt it, or None if not everyone did; gossip's messages
    are counted up to that round (after it, peers only chat about a rumour everyone has).
    """
    informed = informed_rounds(result.trace)
    last_round = max(informed.values()) if everyone_informed(overlay)(result) else None
    return BroadcastRun(result=result, verdict=result.verdict(), overlay=overlay, method=method, informed=informed,
                        rounds=last_round,
                        messages=rumour_messages(result.trace, period, None if method == "flood" else last_round))


def checked_joins(joins: object, graph: Overlay) -> list[tuple[str, str, float]]:
    """``joins`` as (newcomer, contact, at) triples: a new name, a contact already there, a time >= 0."""
    if isinstance(joins, (str, bytes)) or not isinstance(joins, Iterable):
        raise TypeError(f"joins={joins!r} is not allowed: give a list of (newcomer, contact, at)")
    listed = list(joins)
    present = dict.fromkeys(graph)
    for join in listed:
        if not (isinstance(join, tuple) and len(join) == 3):
            raise TypeError(f"joins={listed!r} is not allowed: {join!r} is not a (newcomer, contact, at) triple")
        newcomer, contact, at = join
        if not isinstance(newcomer, str) or not newcomer or newcomer in present:
            raise ValueError(f"joins={listed!r} is not allowed: the newcomer {newcomer!r} must be a new peer name")
        if contact not in present:
            listing = ", ".join(sorted(graph)[:10]) + (", …" if len(graph) > 10 else "")
            raise ValueError(f"joins={listed!r} is not allowed: the contact {contact!r} is not a peer of the "
                             f"topology (peers: {listing}) nor a newcomer listed before")
        if isinstance(at, bool) or not isinstance(at, Real) or not 0 <= at < math.inf:
            raise ValueError(f"joins={listed!r} is not allowed: {newcomer!r} joins at {at!r}, not a time >= 0")
        present[newcomer] = None
    return listed


def rumour_messages(trace: Trace, period: float, until_round: int | None = None) -> int:
    """Rumour messages sent (to the end of round ``until_round``, if given)."""
    times = [time for _, time, _, _, row in trace.scan(["send"]) if trace.message_header(row)[1] in RUMOUR_KINDS]
    if until_round is None:
        return len(times)
    return sum(1 for time in times if math.floor(time / period) <= until_round)


def peer_factory(method: str | type[RumourPeer], fanout: int) -> Callable[..., RumourPeer]:
    """The peer class (with its options) for a broadcast ``method``."""
    if isinstance(method, type) and issubclass(method, RumourPeer):
        return method
    if method == "flood":
        return FloodPeer
    if method in ("push", "push-pull"):
        return functools.partial(GossipPeer, mode=method, fanout=fanout)
    raise ValueError(f"method={method!r} is not allowed: choose one of {', '.join(METHODS)} "
                     "or pass a RumourPeer subclass")
