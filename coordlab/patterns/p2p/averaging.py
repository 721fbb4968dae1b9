"""Push-sum averaging (Kempe, Dobra & Gehrke 2003): every peer learns the mean of all values.

Each peer holds a pair (s, w), starting at (its value, 1). Every round it keeps half of
both and sends the other half to one random neighbour; whatever it receives it adds.
Its estimate of the mean is s / w. Nothing is created or destroyed: the sum of every s
(and of every w), counting the halves still in flight, stays exactly what it was at the
start (sum of values, n). That conservation is why every s / w converges to the mean.

How fast depends on the graph: the error shrinks roughly like (1 − gap)^rounds, where
gap is the spectral gap (``topology.spectral_gap``). A ring has a tiny gap and crawls.
The pairs are exact fractions, so conservation can be checked exactly, not to 1e-12.
"""
from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import networkx as nx

from coordlab.patterns.p2p.checks import estimates_within
from coordlab.patterns.p2p.peer import Peer
from coordlab.patterns.p2p.topology import resolve
from coordlab.patterns.run import PatternRun
from coordlab.world import Trace, World
from coordlab.world.faults import Fault
from coordlab.world.latency import Latency


class PushSumPeer(Peer):
    """Every round: halve (s, w), keep one half, ``share`` the other with a random neighbour."""

    def __init__(self, name: str, neighbours: Iterable[str] = (), *, value: float = 0, **options: Any) -> None:
        super().__init__(name, neighbours, **options)
        self.s = Fraction(value)
        self.w = Fraction(1)

    @property
    def estimate(self) -> float:
        return float(self.s / self.w)

    async def start(self) -> None:
        self.record()

    async def every_round(self, number: int) -> None:
        for name in self.pick(1):
            self.s, self.w = self.s / 2, self.w / 2
            share = await self.send(name, "share", (self.s, self.w))
            self.record(sent=share.id)

    async def on_share(self, msg) -> None:
        s, w = msg.body
        self.s, self.w = self.s + s, self.w + w
        self.record(absorbed=msg.id)

    def record(self, **cause: int) -> None:
        """Log my pair and estimate (``mass`` events): the trace is the ledger."""
        self.log("mass", s=self.s, w=self.w, estimate=self.estimate, **cause)


# --- reading a run ---------------------------------------------------------------------
def final_estimates(trace: Trace) -> dict[str, float]:
    """Each peer's last estimate."""
    return {event.agent: event.data["estimate"] for event in trace.select("mass")}


def error_by_round(trace: Trace, true_mean: float, period: float = 1.0) -> list[float]:
    """The worst peer's |estimate − true mean| at the end of each round (round 0 = the start)."""
    current: dict[str, float] = {}
    errors: list[float] = []
    for event in trace.select("mass"):
        while event.time >= (len(errors) + 1) * period:
            errors.append(max(abs(e - true_mean) for e in current.values()))
        current[event.agent] = event.data["estimate"]
    errors.append(max(abs(e - true_mean) for e in current.values()))
    return errors


@dataclass(frozen=True)
class Mass:
    """Total s and w at one moment: at the peers, in flight, and lost on the way."""

    time: float
    at_peers: tuple[Fraction, Fraction]
    in_flight: tuple[Fraction, Fraction]
    lost: tuple[Fraction, Fraction]

    @property
    def total(self) -> tuple[Fraction, Fraction]:
        return tuple(sum(parts) for parts in zip(self.at_peers, self.in_flight, self.lost))


def mass_ledger(trace: Trace) -> list[Mass]:
    """The system's mass after every change a peer records, with shares in flight counted."""
    held: dict[str, tuple[Fraction, Fraction]] = {}
    flying: dict[int, tuple[Fraction, Fraction]] = {}
    lost = (Fraction(0), Fraction(0))
    ledger = []
    for event in trace:
        if event.kind == "send" and event.message.kind == "share":
            flying[event.message.id] = event.message.body
        elif event.kind == "drop" and event.message.kind == "share":
            share = flying.pop(event.message.id)
            lost = (lost[0] + share[0], lost[1] + share[1])
        elif event.kind == "mass":
            flying.pop(event.data.get("absorbed"), None)
            held[event.agent] = (event.data["s"], event.data["w"])
            ledger.append(Mass(event.time, _sum(held.values()), _sum(flying.values()), lost))
    return ledger


def _sum(pairs: Iterable[tuple[Fraction, Fraction]]) -> tuple[Fraction, Fraction]:
    pairs = list(pairs)
    return sum((s for s, _ in pairs), Fraction(0)), sum((w for _, w in pairs), Fraction(0))


@dataclass(repr=False)
class AveragingRun(PatternRun):
    """One push-sum run: the values, the true mean, the error after each round, the verdict."""

    graph: nx.Graph
    values: dict[str, float]
    true_mean: float
    errors: list[float]

    @property
    def metrics(self) -> dict[str, Any]:
        """Headline numbers: the mean, how far the worst estimate ended from it, and the cost."""
        return {"peers": len(self.graph), "true mean": self.true_mean, "rounds": len(self.errors) - 1,
                "final error": self.errors[-1], "messages": len(self.trace.select("send"))}

    def describe(self) -> str:
        return (f"on {len(self.graph)} peers: mean={self.true_mean:g} "
                f"error after {len(self.errors) - 1} rounds={self.errors[-1]:.3g}")


def run_push_sum(topology: str | nx.Graph = "complete", n: int = 32, *, values: Sequence[float] | None = None,
                 rounds: int = 30, epsilon: float = 0.01, seed: int = 0, loss: float = 0.0,
                 latency: Latency = 0.01, faults: Iterable[Fault] = ()) -> AveragingRun:
    """Average ``values`` (default: n random integers 0–100, from ``seed``) by push-sum."""
    graph = resolve(topology, n, seed)
    names = list(graph)
    if values is None:
        draw = random.Random(seed)
        values = [draw.randint(0, 100) for _ in names]
    if len(values) != len(names):
        raise ValueError(f"values has {len(values)} entries, not one per peer ({len(names)})")
    true_mean = sum(values) / len(values)
    world = World(seed=seed, latency=latency, loss=loss, faults=faults)
    for name, value in zip(names, values):
        world.add(PushSumPeer(name, sorted(graph[name]), value=value, rounds=rounds))
    world.add_checker(estimates_within(epsilon, true_mean))
    result = world.run()
    return AveragingRun(result=result, verdict=result.verdict(), graph=graph, values=dict(zip(names, values)),
                        true_mean=true_mean, errors=error_by_round(result.trace, true_mean))
