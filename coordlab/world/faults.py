"""Failures are data: a schedule of fault objects handed to the world.

``World(faults=[Crash("orchestrator", at=2)])`` is "the same run, but kill the
orchestrator at t=2". Each fault says when it starts and (optionally) when it ends;
the world turns it into two scheduled calls. Faults are checked against the world's
agents before the run starts, so a typo in a name fails at once, not silently.

A fault is one class: what it does (``start``, ``end``), how the trace tells it
(``describe``, ``trace_event``) and whom it needs (``agents``, ``acts_on_agents``).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from coordlab.world import validate
from coordlab.world.byzantine import Strategy
from coordlab.world.latency import Latency, as_latency

if TYPE_CHECKING:
    from coordlab.world.world import World


def _window(at: float, end: float | None, end_name: str) -> None:
    validate.number("at", at, minimum=0)
    if end is not None and validate.number(end_name, end, allow_inf=True) <= at:
        raise ValueError(f"{end_name}={end!r} is not allowed: it must be later than at={at!r}")


class Fault:
    """What every fault answers: when it acts, whom it names, and what the trace says about it."""

    at: float
    until: float | None = None
    #: The fault acts on the agents it names, so it has no effect once they left (and cannot act
    #: before they join). A partition names agents too, but acts on the network.
    acts_on_agents: ClassVar[bool] = True

    def agents(self) -> set[str]:
        return set()

    @property
    def ends_at(self) -> float | None:
        """When the fault ends (None: never)."""
        return self.until

    def describe(self) -> str:
        """A short label for the trace, e.g. ``Crash(orchestrator)``."""
        return type(self).__name__

    def trace_event(self, phase: str) -> tuple[str, str] | None:
        """The ``(kind, reason)`` the world records as the fault starts or ends (None: its action records itself)."""
        return "fault", f"{self.describe()} {phase}s"

    def start(self, world: World) -> None:
        """Change ``world`` at ``at`` (its network, its ``slow_factor``, or crash an agent)."""
        raise NotImplementedError

    def end(self, world: World) -> None:
        """Undo ``start`` at ``ends_at``."""
        raise NotImplementedError


@dataclass(frozen=True)
class Crash(Fault):
    """``agent`` stops at ``at``: its tasks are cancelled, messages to it are dropped.

    With ``recover_at`` it restarts then as a fresh instance that keeps only what it
    stored in ``self.stable`` (what a real process would have written to disk).
    """

    agent: str
    at: float
    recover_at: float | None = None

    def __post_init__(self) -> None:
        validate.name("agent", self.agent)
        _window(self.at, self.recover_at, "recover_at")

    def agents(self) -> set[str]:
        return {self.agent}

    def describe(self) -> str:
        return f"{type(self).__name__}({self.agent})"

    def trace_event(self, phase: str) -> None:
        return None  # crashing and recovering record themselves

    def start(self, world: World) -> None:
        world.crash(self.agent)

    def end(self, world: World) -> None:
        world.recover(self.agent)

    @property
    def ends_at(self) -> float | None:
        return self.recover_at


@dataclass(frozen=True)
class Partition(Fault):
    """From ``at`` to ``heal_at``, agents in different ``groups`` cannot reach each other.

    Agents named in no group form one more group together ("the rest").
    """

    groups: tuple[frozenset[str], ...]
    at: float = 0.0
    heal_at: float | None = None
    acts_on_agents: ClassVar[bool] = False

    def __post_init__(self) -> None:
        groups = self.groups
        if isinstance(groups, str) or not isinstance(groups, Iterable):
            raise TypeError(f"groups={groups!r} is not allowed: give a list of groups, e.g. [['a', 'b'], ['c']]")
        if not all(isinstance(group, Iterable) for group in groups):
            raise TypeError(f"groups={groups!r} is not allowed: a group is a list of agent names (strings)")
        listed = [[group] if isinstance(group, str) else list(group) for group in groups]
        if not listed:
            raise ValueError(f"groups={groups!r} is not allowed: give at least one group, e.g. [['a', 'b']]")
        if not all(isinstance(name, str) for group in listed for name in group):
            raise TypeError(f"groups={groups!r} is not allowed: a group is a list of agent names (strings)")
        seen: dict[str, int] = {}
        for index, group in enumerate(listed):
            if not group:
                raise ValueError(f"groups={groups!r} is not allowed: group {index} is empty")
            for name in group:
                if name in seen:
                    raise ValueError(f"groups={groups!r} is not allowed: {name!r} is in group {seen[name]} "
                                     f"and group {index}; groups must not overlap")
                seen[name] = index
        object.__setattr__(self, "groups", tuple(frozenset(group) for group in listed))
        _window(self.at, self.heal_at, "heal_at")

    def __repr__(self) -> str:  # sorted, so it prints the same in every process (frozensets do not)
        groups = [sorted(group) for group in self.groups]
        return f"Partition({groups!r}, at={self.at!r}, heal_at={self.heal_at!r})"

    def agents(self) -> set[str]:
        return set().union(*self.groups)

    def describe(self) -> str:
        return "Partition(" + " | ".join(",".join(sorted(g)) for g in self.groups) + ")"

    def trace_event(self, phase: str) -> tuple[str, str]:
        return ("partition" if phase == "start" else "heal"), self.describe()

    def start(self, world: World) -> None:
        world.network.partition(self.groups, owner=self)

    def end(self, world: World) -> None:
        world.network.heal(owner=self)

    @property
    def ends_at(self) -> float | None:
        return self.heal_at


@dataclass(frozen=True)
class ProbabilityWindow(Fault):
    """From ``at`` to ``until``, the network does something to each message with probability ``p``."""

    p: float
    at: float = 0.0
    until: float | None = None
    #: which of the network's ``Windows`` this fault opens
    windows: ClassVar[str]

    def __post_init__(self) -> None:
        validate.probability("p", self.p)
        _window(self.at, self.until, "until")

    def describe(self) -> str:
        return f"{type(self).__name__}(p={self.p:g})"

    def start(self, world: World) -> None:
        getattr(world.network, self.windows).open(self, self.p)

    def end(self, world: World) -> None:
        getattr(world.network, self.windows).close(self)


class Loss(ProbabilityWindow):
    """From ``at`` to ``until``, each message is lost with probability ``p``."""

    windows = "loss_windows"


class Duplicate(ProbabilityWindow):
    """From ``at`` to ``until``, each message arrives twice with probability ``p`` (a retrying network)."""

    windows = "duplicate_windows"


@dataclass(frozen=True)
class Delay(Fault):
    """From ``at`` to ``until``, every message takes ``latency`` longer (congestion)."""

    latency: Latency
    at: float = 0.0
    until: float | None = None

    def __post_init__(self) -> None:
        as_latency("latency", self.latency)
        _window(self.at, self.until, "until")

    def start(self, world: World) -> None:
        world.network.delay_windows.open(self, as_latency("latency", self.latency))

    def end(self, world: World) -> None:
        world.network.delay_windows.close(self)


@dataclass(frozen=True)
class Slow(Fault):
    """From ``at`` to ``until``, ``agent``'s modelled work takes ``factor`` times longer (a straggler).

    When two slows overlap on one agent, the larger factor applies until it ends."""

    agent: str
    factor: float
    at: float = 0.0
    until: float | None = None

    def __post_init__(self) -> None:
        validate.name("agent", self.agent)
        if validate.number("factor", self.factor) <= 0:
            raise ValueError(f"factor={self.factor!r} is not allowed: factor must be > 0")
        _window(self.at, self.until, "until")

    def agents(self) -> set[str]:
        return {self.agent}

    def describe(self) -> str:
        return f"{type(self).__name__}({self.agent})"

    def start(self, world: World) -> None:
        world.slows.open(self, (self.agent, self.factor))

    def end(self, world: World) -> None:
        world.slows.close(self)


@dataclass(frozen=True)
class Byzantine(Fault):
    """From ``at`` to ``until``, ``agent`` is a traitor: each message it sends goes out as ``strategy`` says.

    Strategies are in ``coordlab.world.byzantine``: ``Silent()``, ``Lie(change)``,
    ``Equivocate(values)``, ``Replay()``, or any function with their signature.
    """

    agent: str
    strategy: Strategy
    at: float = 0.0
    until: float | None = None

    def __post_init__(self) -> None:
        validate.name("agent", self.agent)
        if not callable(self.strategy):
            raise TypeError(f"strategy={self.strategy!r} is not allowed: give a strategy such as Lie(...), "
                            "Equivocate([...]), Silent() or Replay()")
        _window(self.at, self.until, "until")

    def agents(self) -> set[str]:
        return {self.agent}

    def describe(self) -> str:
        return f"Byzantine({self.agent}, {self.strategy!r})"

    def start(self, world: World) -> None:
        world.traitors.open(self, (self.agent, self.strategy))

    def end(self, world: World) -> None:
        world.traitors.close(self)
