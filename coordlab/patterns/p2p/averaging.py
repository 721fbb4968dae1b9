"""Push-sum averaging (Kempe, Dobra & Gehrke 2003): every peer learns the mean of all values.

Each peer holds a pair (s, w), starting at (its value, 1). Every round it keeps half of
both and sends the other half to one random neighbour; whatever it receives it adds.
Its estimate of the mean is s / w. If the total of every s (and of every w) stays what it
was at the start (sum of values, n), every s / w converges to the mean.

**Why the mass is conserved, whatever the network does.** The textbook version loses mass
three ways: a lost ``share`` takes its half away, a duplicated one is added twice, and a
crashed peer restarts from its value (or from nothing). Here a share is a *transfer* that
happens exactly once:

* the sender gives the half up and writes it, with a sequence number, in ``pending``;
  until the receiver has it, the half is *in flight*: nobody's, and not lost;
* it sends the share again every round until the receiver answers ``share_ok``; at most one
  share per neighbour is pending, so a round with a share still pending to the neighbour
  it picked sends no new one;
* the receiver adds a share only if its number is newer than the last it added from that
  sender (shares to one peer are numbered in order and never overlap), so a duplicate or a
  resend is only answered ``share_ok`` again, never added twice;
* the pair, ``pending`` and those last numbers live in ``self.stable``: a crashed peer's
  mass waits on its "disk" and is all there when it recovers.

So at every moment: sum at the peers (crashed ones included) + sum in flight = (sum of
values, n), exactly. The pairs are exact fractions, so this is checked with ``==``, not to
1e-12; ``mass_ledger`` follows it through the trace, change by change. A peer that never
recovers keeps its mass, and the live peers then converge to another mean: conservation
is safety; reaching the true mean needs every peer back.

How fast depends on the graph: the error shrinks roughly like (1 − gap)^rounds, where
gap is the spectral gap (``topology.spectral_gap``). A ring has a tiny gap and crawls.
"""
from __future__ import annotations

import functools
import math
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from numbers import Real
from typing import Any

import networkx as nx

from coordlab.patterns.p2p.checks import estimates_within
from coordlab.patterns.p2p.overlay import Overlay, resolve
from coordlab.patterns.p2p.peer import Peer
from coordlab.patterns.run import PatternRun
from coordlab.world import Faults, Trace, World, validate
from coordlab.world.garbage import fewer_collections
from coordlab.world.latency import Latency

Pair = tuple[Fraction, Fraction]


class PushSumPeer(Peer):
    """Every round: halve (s, w), keep one half, ``share`` the other with a random neighbour.

    Its state is in ``stable`` (see the module docstring): ``pair`` (s, w), ``pending``
    (neighbour -> (number, s, w), shares not yet acknowledged), ``sent`` (the last number
    used) and ``absorbed`` (sender -> the last number added from it).
    """

    def __init__(self, name: str, neighbours: Iterable[str] = (), *, value: float = 0, **options: Any) -> None:
        super().__init__(name, neighbours, **options)
        validate.number("value", value)
        self.value = Fraction(value)

    @property
    def pair(self) -> Pair:
        """My (s, w), kept in ``stable``; (value, 1) until I first change it."""
        return self.stable.setdefault("pair", (self.value, Fraction(1)))

    @property
    def pending(self) -> dict[str, tuple[int, Fraction, Fraction]]:
        return self.stable.setdefault("pending", {})

    @property
    def estimate(self) -> float:
        s, w = self.pair
        # float(s / w), without building the fraction: int / int rounds correctly, so it is the same float
        return (s.numerator * w.denominator) / (s.denominator * w.numerator)

    async def start(self) -> None:
        self.record()  # at the start, and again (from stable) after a recovery

    async def every_round(self, number: int) -> None:
        for name, share in list(self.pending.items()):
            await self.send(name, "share", share)  # not acknowledged yet: send it again
        for name in self.pick(1):
            if name not in self.pending:
                await self.give(name)

    async def give(self, name: str) -> None:
        """Move half my pair into a new pending share to ``name``, and send it."""
        s, w = self.pair
        number = self.stable["sent"] = self.stable.get("sent", 0) + 1
        half = self.stable["pair"] = (s / 2, w / 2)
        self.pending[name] = (number, *half)
        self.record(sent=number, to=name, share=half)
        await self.send(name, "share", self.pending[name])

    async def on_share(self, msg) -> None:
        number, s, w = msg.body
        absorbed = self.stable.setdefault("absorbed", {})
        if number > absorbed.get(msg.sender, 0):  # news, not a duplicate or a resend
            absorbed[msg.sender] = number
            mine_s, mine_w = self.pair
            self.stable["pair"] = (mine_s + s, mine_w + w)
            self.record(absorbed=number, sender=msg.sender, share=(s, w))
        await self.send(msg.sender, "share_ok", number)

    async def on_share_ok(self, msg) -> None:
        pending = self.pending.get(msg.sender)
        if pending is not None and pending[0] == msg.body:
            del self.pending[msg.sender]

    def record(self, **cause: Any) -> None:
        """Log my pair and estimate (``mass`` events), with what changed it: the trace is the ledger."""
        s, w = self.pair
        self.log("mass", s=s, w=w, estimate=self.estimate, **cause)


# --- reading a run ---------------------------------------------------------------------
def final_estimates(trace: Trace) -> dict[str, float]:
    """Each peer's last estimate."""
    return {agent: trace.data_at(position)["estimate"] for position, _, _, agent, _ in trace.scan(["mass"])}


def error_by_round(trace: Trace, true_mean: float, period: float = 1.0) -> list[float]:
    """The worst peer's |estimate − true mean| at the end of each round (round 0 = the start)."""
    current: dict[str, float] = {}
    errors: list[float] = []
    for position, time, _, agent, _ in trace.scan(["mass"]):
        while time >= (len(errors) + 1) * period:
            errors.append(max(abs(e - true_mean) for e in current.values()))
        current[agent] = trace.data_at(position)["estimate"]
    errors.append(max((abs(e - true_mean) for e in current.values()), default=float("nan")))
    return errors


@dataclass(frozen=True)
class Mass:
    """Total s and w at one moment: at the peers (crashed ones included) and in flight."""

    time: float
    at_peers: Pair
    in_flight: Pair

    @property
    def total(self) -> Pair:
        return self.at_peers[0] + self.in_flight[0], self.at_peers[1] + self.in_flight[1]


class _ExactSum:
    """A running sum of fractions, kept as one integer over a common denominator.

    Adding a ``Fraction`` to a ``Fraction`` builds a new one and divides out a gcd in Python:
    six of those per ``mass`` event made ``mass_ledger`` of a 4,096-peer run take 5 s. Integers
    over a denominator that only grows when a new one appears are exact and cheap; the sum
    becomes a ``Fraction`` only when asked (``value``).
    """

    __slots__ = ("numerator", "denominator")

    def __init__(self) -> None:
        self.numerator, self.denominator = 0, 1

    def add(self, value: Fraction | int, sign: int = 1) -> None:
        """Add ``value`` (``sign=-1``: take it away)."""
        numerator, denominator = value.numerator, value.denominator
        if self.denominator % denominator:
            common = math.lcm(self.denominator, denominator)
            self.numerator *= common // self.denominator
            self.denominator = common
        self.numerator += sign * numerator * (self.denominator // denominator)

    def value(self) -> Fraction:
        return Fraction(self.numerator, self.denominator)


def mass_ledger(trace: Trace, values: Mapping[str, float] | None = None) -> list[Mass]:
    """The system's mass after every change a peer records, with shares in flight counted.

    A share is in flight from the ``mass`` event that gave it (``sent``) to the one that
    added it (``absorbed``). With ``values`` (peer -> starting value), a peer that has not
    recorded anything yet holds (value, 1), so every moment's total is the whole system's.
    The sums are kept up to date change by change (exact still, see ``_ExactSum``): one pass
    over the trace, not a re-count of every peer and every share at every event.
    """
    held: dict[str, Pair] = {name: (Fraction(value), Fraction(1)) for name, value in (values or {}).items()}
    at_peers_s, at_peers_w, in_flight_s, in_flight_w = _ExactSum(), _ExactSum(), _ExactSum(), _ExactSum()
    for s, w in held.values():
        at_peers_s.add(s)
        at_peers_w.add(w)
    flying: dict[tuple[str, int], Pair] = {}
    ledger = []
    with fewer_collections():  # 250,000 entries at 4,096 peers: see coordlab.world.garbage
        for position, time, _, agent, _ in trace.scan(["mass"]):
            data = trace.data_at(position)
            if "sent" in data:
                flying[(agent, data["sent"])] = share = data["share"]
                in_flight_s.add(share[0])
                in_flight_w.add(share[1])
            elif "absorbed" in data and (share := flying.pop((data["sender"], data["absorbed"]), None)) is not None:
                in_flight_s.add(share[0], -1)
                in_flight_w.add(share[1], -1)
            old_s, old_w = held.get(agent, (0, 0))
            held[agent] = (data["s"], data["w"])
            at_peers_s.add(data["s"])
            at_peers_s.add(old_s, -1)
            at_peers_w.add(data["w"])
            at_peers_w.add(old_w, -1)
            ledger.append(Mass(time, (at_peers_s.value(), at_peers_w.value()),
                               (in_flight_s.value(), in_flight_w.value())))
    return ledger


@dataclass(repr=False)
class AveragingRun(PatternRun):
    """One push-sum run: the values, the true mean, the error after each round, the verdict."""

    overlay: Overlay
    values: dict[str, float]
    true_mean: float
    errors: list[float]

    @functools.cached_property
    def graph(self) -> nx.Graph:
        """The overlay as a networkx graph (built when first asked: to draw it, or for its spectral gap)."""
        return self.overlay.to_networkx()

    @property
    def ledger(self) -> list[Mass]:
        """The whole system's mass after every change (``mass_ledger`` with the starting values)."""
        return mass_ledger(self.trace, self.values)

    @property
    def metrics(self) -> dict[str, Any]:
        """Headline numbers: the mean, how far the worst estimate ended from it, and the cost."""
        return {"peers": len(self.overlay), "true mean": self.true_mean, "rounds": len(self.errors) - 1,
                "final error": self.errors[-1], "messages": sum(1 for _ in self.trace.scan(["send"]))}

    def describe(self) -> str:
        return (f"on {len(self.overlay)} peers: mean={self.true_mean:g} "
                f"error after {len(self.errors) - 1} rounds={self.errors[-1]:.3g}")


def starting_values(values: Sequence[float] | None, names: Sequence[str], seed: int) -> list[float]:
    """``values`` checked (one finite number per peer), or n random integers 0–100 drawn from ``seed``."""
    if values is None:
        draw = random.Random(seed)
        return [draw.randint(0, 100) for _ in names]
    if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, Sequence):
        raise TypeError(f"values={values!r} is not allowed: give a list of numbers, one per peer")
    if len(values) != len(names):
        raise ValueError(f"values={values!r} is not allowed: it has {len(values)} entries, "
                         f"and there is one per peer ({len(names)})")
    for value in values:
        if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
            raise TypeError(f"values={values!r} is not allowed: {value!r} is not a finite number")
    return list(values)


def run_push_sum(topology: str | nx.Graph = "complete", n: int = 32, *, values: Sequence[float] | None = None,
                 rounds: int = 30, epsilon: float = 0.01, seed: int = 0, loss: float = 0.0,
                 latency: Latency = 0.01, faults: Faults = ()) -> AveragingRun:
    """Average ``values`` (default: n random integers 0–100, from ``seed``) by push-sum."""
    seed = validate.seed(seed)
    overlay = resolve(topology, n, seed)
    rounds = validate.count("rounds", rounds, minimum=0)
    names = list(overlay)
    values = starting_values(values, names, seed)
    true_mean = sum(values) / len(values)
    world = World(seed=seed, latency=latency, loss=loss, faults=faults)
    for name, value in zip(names, values):
        world.add(PushSumPeer(name, overlay.neighbours(name), value=value, rounds=rounds))
    world.add_checker(estimates_within(epsilon, true_mean))
    result = world.run()
    return AveragingRun(result=result, verdict=result.verdict(), overlay=overlay, values=dict(zip(names, values)),
                        true_mean=true_mean, errors=error_by_round(result.trace, true_mean))
