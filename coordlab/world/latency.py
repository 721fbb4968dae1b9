"""How long a message takes: latency distributions.

A latency is anything that, given the world's random generator, returns seconds:
a plain number (constant), one of the named distributions below, or any callable
``rng -> float``. The world draws one latency per message from the seeded generator,
so the same seed gives the same delays; different draws are what reorder messages.
"""
from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from coordlab.world import validate


@dataclass(frozen=True)
class Constant:
    """Every message takes exactly ``seconds``."""

    seconds: float

    def __post_init__(self) -> None:
        validate.number("seconds", self.seconds, minimum=0)

    def __call__(self, rng: random.Random) -> float:
        return self.seconds


@dataclass(frozen=True)
class Uniform:
    """Delays spread evenly between ``low`` and ``high`` seconds."""

    low: float
    high: float

    def __post_init__(self) -> None:
        validate.number("low", self.low, minimum=0)
        validate.number("high", self.high, minimum=self.low)

    def __call__(self, rng: random.Random) -> float:
        return rng.uniform(self.low, self.high)


@dataclass(frozen=True)
class Exponential:
    """Memoryless delays with the given ``mean`` (a long tail: some messages are very late)."""

    mean: float

    def __post_init__(self) -> None:
        if validate.number("mean", self.mean, minimum=0) == 0:
            raise ValueError("mean=0 is not allowed: use Constant(0) for instant delivery")

    def __call__(self, rng: random.Random) -> float:
        return rng.expovariate(1.0 / self.mean)


Latency = float | int | Constant | Uniform | Exponential | Callable[[random.Random], float]


def as_latency(name: str, spec: Latency) -> Callable[[random.Random], float]:
    """Turn a latency spec into a draw function, rejecting what cannot be a latency."""
    if isinstance(spec, (Constant, Uniform, Exponential)):
        return spec
    if not callable(spec):
        return Constant(validate.number(name, spec, minimum=0))

    def checked_draw(rng: random.Random) -> float:
        drawn = spec(rng)
        try:
            return validate.number(name, drawn, minimum=0)
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"{exc} (drawn by {spec!r})") from None

    return checked_draw
