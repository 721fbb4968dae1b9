"""Failures are data: a schedule of fault objects handed to the world.

``World(faults=[Crash("orchestrator", at=2)])`` is "the same run, but kill the
orchestrator at t=2". Each fault says when it starts and (optionally) when it ends;
the world turns it into two scheduled calls. Faults are checked against the world's
agents before the run starts, so a typo in a name fails at once, not silently.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from coordlab.world import validate
from coordlab.world.latency import Latency, as_latency

if TYPE_CHECKING:
    from coordlab.world.world import World


def _window(at: float, end: float | None, end_name: str) -> None:
    validate.number("at", at, minimum=0)
    if end is not None and validate.number(end_name, end, allow_inf=True) <= at:
        raise ValueError(f"{end_name}={end!r} is not allowed: it must be later than at={at!r}")


class _Fault:
    """What every fault answers: which agents it names, and when it ends (None: never)."""

    until: float | None = None

    def agents(self) -> set[str]:
        return set()

    @property
    def ends_at(self) -> float | None:
        return self.until


@dataclass(frozen=True)
class Crash(_Fault):
    """``agent`` stops at ``at``: its tasks are cancelled, messages to it are dropped.

    With ``recover_at`` it restarts then as a fresh instance that keeps only what it
    stored in ``self.stable`` (what a real process would have written to disk).
    """

    agent: str
    at: float
    recover_at: float | None = None

    def __post_init__(self) -> None:
        _window(self.at, self.recover_at, "recover_at")

    def agents(self) -> set[str]:
        return {self.agent}

    def start(self, world: World) -> None:
        world.crash(self.agent)

    def end(self, world: World) -> None:
        world.recover(self.agent)

    @property
    def ends_at(self) -> float | None:
        return self.recover_at


@dataclass(frozen=True)
class Partition(_Fault):
    """From ``at`` to ``heal_at``, agents in different ``groups`` cannot reach each other.

    Agents named in no group form one more group together ("the rest").
    """

    groups: tuple[frozenset[str], ...]
    at: float = 0.0
    heal_at: float | None = None

    def __init__(self, groups: Iterable[Iterable[str]], at: float = 0.0, heal_at: float | None = None):
        if isinstance(groups, str):
            raise TypeError(f"groups={groups!r} is not allowed: give a list of groups, e.g. [['a', 'b'], ['c']]")
        frozen = tuple(frozenset([g] if isinstance(g, str) else g) for g in groups)
        seen: dict[str, int] = {}
        for index, group in enumerate(frozen):
            if not group:
                raise ValueError(f"groups={groups!r} is not allowed: group {index} is empty")
            for name in group:
                if name in seen:
                    raise ValueError(f"groups={groups!r} is not allowed: {name!r} is in group {seen[name]} "
                                     f"and group {index}; groups must not overlap")
                seen[name] = index
        object.__setattr__(self, "groups", frozen)
        object.__setattr__(self, "at", at)
        object.__setattr__(self, "heal_at", heal_at)
        _window(at, heal_at, "heal_at")

    def agents(self) -> set[str]:
        return set().union(*self.groups)

    def start(self, world: World) -> None:
        world.network.partition(self.groups)

    def end(self, world: World) -> None:
        world.network.heal()

    @property
    def ends_at(self) -> float | None:
        return self.heal_at


@dataclass(frozen=True)
class Loss(_Fault):
    """From ``at`` to ``until``, each message is lost with probability ``p``."""

    p: float
    at: float = 0.0
    until: float | None = None

    def __post_init__(self) -> None:
        validate.probability("p", self.p)
        _window(self.at, self.until, "until")

    def start(self, world: World) -> None:
        world.network.loss_windows[id(self)] = self.p

    def end(self, world: World) -> None:
        del world.network.loss_windows[id(self)]


@dataclass(frozen=True)
class Delay(_Fault):
    """From ``at`` to ``until``, every message takes ``latency`` longer (congestion)."""

    latency: Latency
    at: float = 0.0
    until: float | None = None

    def __post_init__(self) -> None:
        as_latency("latency", self.latency)
        _window(self.at, self.until, "until")

    def start(self, world: World) -> None:
        world.network.delay_windows[id(self)] = as_latency("latency", self.latency)

    def end(self, world: World) -> None:
        del world.network.delay_windows[id(self)]


@dataclass(frozen=True)
class Slow(_Fault):
    """From ``at`` to ``until``, ``agent``'s modelled work takes ``factor`` times longer (a straggler)."""

    agent: str
    factor: float
    at: float = 0.0
    until: float | None = None

    def __post_init__(self) -> None:
        if validate.number("factor", self.factor) <= 0:
            raise ValueError(f"factor={self.factor!r} is not allowed: factor must be > 0")
        _window(self.at, self.until, "until")

    def agents(self) -> set[str]:
        return {self.agent}

    def start(self, world: World) -> None:
        world.slow_factor[self.agent] = self.factor

    def end(self, world: World) -> None:
        world.slow_factor.pop(self.agent, None)


Fault = Crash | Partition | Loss | Delay | Slow


def describe(fault: Fault) -> str:
    """A short label for the trace, e.g. ``Crash(orchestrator)``."""
    if isinstance(fault, (Crash, Slow)):
        return f"{type(fault).__name__}({fault.agent})"
    if isinstance(fault, Partition):
        return "Partition(" + " | ".join(",".join(sorted(g)) for g in fault.groups) + ")"
    if isinstance(fault, Loss):
        return f"Loss(p={fault.p:g})"
    return type(fault).__name__
