"""Argument checks that fail with a message a learner can act on.

Every error names the argument, the value it got and what is allowed, e.g.
``loss=1.5 is not allowed: a probability must be between 0 and 1``.
"""
from __future__ import annotations

import math
from collections.abc import Iterable
from numbers import Integral, Real


def number(name: str, value: object, *, minimum: float | None = None, allow_inf: bool = False) -> float:
    """Return ``value`` as a float, or raise naming ``name`` if it is not a usable number."""
    # (every sleep and work is checked here: a plain float or int skips the slower check against ``Real``)
    if type(value) is not float and type(value) is not int and (isinstance(value, bool) or not isinstance(value, Real)):
        raise TypeError(f"{name}={value!r} is not allowed: {name} must be a number")
    as_float = float(value)
    if math.isnan(as_float) or (math.isinf(as_float) and not allow_inf):
        raise ValueError(f"{name}={value!r} is not allowed: {name} must be a finite number")
    if minimum is not None and as_float < minimum:
        raise ValueError(f"{name}={value!r} is not allowed: {name} must be >= {minimum:g}")
    return as_float


def count(name: str, value: object, *, minimum: int = 1, maximum: int | None = None) -> int:
    """Return ``value`` as an int, or raise naming ``name`` if it is not a whole number in range.

    One helper for every count in the library (agents, rounds, tasks, ants), so they all
    refuse ``True``, ``2.5`` and ``"3"`` the same way. numpy integers are accepted.
    """
    allowed = f"an int >= {minimum}" if maximum is None else f"an int from {minimum} to {maximum}"
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"{name}={value!r} is not allowed: {name} must be {allowed}")
    if value < minimum or (maximum is not None and value > maximum):
        raise ValueError(f"{name}={value!r} is not allowed: {name} must be {allowed}")
    return int(value)


def probability(name: str, value: object) -> float:
    """Return ``value`` as a float in [0, 1], or raise naming ``name``."""
    p = number(name, value)
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{name}={value!r} is not allowed: a probability must be between 0 and 1")
    return p


def known_agent(name: str, value: object, known: Iterable[str]) -> str:
    """Return ``value`` if it names a known agent, else raise listing the agents there are."""
    known = sorted(known)
    if value not in known:
        listing = ", ".join(known) if known else "none yet"
        raise ValueError(f"{name}={value!r} is not an agent of this world (agents: {listing})")
    return value  # type: ignore[return-value]


def name(argument: str, value: object) -> str:
    """Return ``value`` if it is a non-empty string (an agent's name), else raise naming ``argument``."""
    if not isinstance(value, str):
        raise TypeError(f"{argument}={value!r} is not allowed: {argument} must be an agent's name (a string)")
    if not value:
        raise ValueError(f"{argument}={value!r} is not allowed: {argument} must be a non-empty string")
    return value


def flag(name: str, value: object) -> bool:
    """Return ``value`` if it is a bool; a truthy string like ``"no"`` is refused, not taken as True."""
    if not isinstance(value, bool):
        raise TypeError(f"{name}={value!r} is not allowed: {name} must be True or False")
    return value


def seed(value: object, name: str = "seed") -> int:
    """Return a usable seed: an int >= 0.

    ``seed=None`` is refused on purpose. Every run in coordlab can be replayed from its seed,
    and a run seeded from the clock could not be; pick one (``random.randrange(2**32)``) and keep it.
    """
    if value is None:
        raise TypeError(f"{name}=None is not allowed: {name} must be an int >= 0, so the run can be replayed; "
                        "for a fresh run pick one, e.g. random.randrange(2**32), and keep it")
    return count(name, value, minimum=0)


def one_of(name: str, value: object, allowed: Iterable[object]) -> object:
    """Return ``value`` if it is one of ``allowed``, else raise listing them."""
    allowed = list(allowed)
    if not any(value == option and type(value) is type(option) for option in allowed):
        raise ValueError(f"{name}={value!r} is not allowed: {name} must be one of "
                         f"{', '.join(repr(option) for option in allowed)}")
    return value
