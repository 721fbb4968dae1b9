"""Byzantine agents: traitors whose messages say what a strategy makes them say.

A crash stops an agent; a *Byzantine* agent keeps running but cannot be trusted. The fault
``Byzantine(agent, strategy)`` (in ``faults.py``) makes the world pass every message the
agent sends through ``strategy`` first: the agent's own code is unchanged, exactly as a
compromised or buggy process runs the same protocol and lies on the wire. A strategy is
``(to, kind, body, rng, sent) -> [(to, kind, body), ...]``: what goes out instead of one
message (nothing, a changed one, several). ``sent`` is everything this traitor has
really sent so far in the run, oldest first, and ``rng`` is the traitor's own seeded
generator, so a traitor is as replayable as everything else.
"""
from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import Any, Protocol

Outgoing = tuple[str, str, Any]
"""One message as a traitor sends it: ``(to, kind, body)``."""


class Strategy(Protocol):
    """What a traitor does with each message its code sends."""

    def __call__(self, to: str, kind: str, body: Any, rng: random.Random,
                 sent: Sequence[Outgoing]) -> list[Outgoing]: ...


class Silent:
    """Sends nothing at all: from outside, a crash that still receives."""

    def __call__(self, to: str, kind: str, body: Any, rng: random.Random,
                 sent: Sequence[Outgoing]) -> list[Outgoing]:
        return []

    def __repr__(self) -> str:
        return "Silent()"


class Lie:
    """Sends every message with its body changed by ``change(body)`` (e.g. "attack" -> "retreat")."""

    def __init__(self, change: Callable[[Any], Any]) -> None:
        if not callable(change):
            raise TypeError(f"change={change!r} is not allowed: give a function body -> lie, "
                            "e.g. Lie(lambda order: 'retreat')")
        self.change = change

    def __call__(self, to: str, kind: str, body: Any, rng: random.Random,
                 sent: Sequence[Outgoing]) -> list[Outgoing]:
        return [(to, kind, self.change(body))]

    def __repr__(self) -> str:
        return f"Lie({getattr(self.change, '__name__', self.change)!s})"


class Equivocate:
    """Tells different peers different things: its n-th message carries ``values[n % len(values)]``.

    One peer hears "attack", the next "retreat": each alone sees a consistent sender, which
    is what makes equivocation worse than a plain lie.
    """

    def __init__(self, values: Sequence[Any]) -> None:
        if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) or len(values) < 2:
            raise ValueError(f"values={values!r} is not allowed: give a list of at least two different values, "
                             "e.g. ['attack', 'retreat']")
        self.values = list(values)

    def __call__(self, to: str, kind: str, body: Any, rng: random.Random,
                 sent: Sequence[Outgoing]) -> list[Outgoing]:
        return [(to, kind, self.values[len(sent) % len(self.values)])]

    def __repr__(self) -> str:
        return f"Equivocate({self.values!r})"


class Replay:
    """Sends each message, then again an older message of the same kind it sent, picked at random (stale news)."""

    def __call__(self, to: str, kind: str, body: Any, rng: random.Random,
                 sent: Sequence[Outgoing]) -> list[Outgoing]:
        older = [old for old in sent if old[1] == kind]
        return [(to, kind, body)] + ([(to, kind, rng.choice(older)[2])] if older else [])

    def __repr__(self) -> str:
        return "Replay()"
