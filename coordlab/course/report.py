"""How an exercise check talks to a learner: ✅ or ❌, a hint, and never an exception.

A check returns a ``CheckResult`` (so tests can assert on it) and prints it (so the
learner sees it). If the learner's code raises, even ``NotImplementedError`` from an
unsolved stub, the check catches it and turns it into a ❌ with the error named: an
exercise notebook always runs to the end.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one exercise check."""

    exercise: str
    passed: bool
    message: str
    hint: str = ""

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        if self.passed:
            return f"✅ {self.exercise}: {self.message}"
        text = f"❌ {self.exercise}: {self.message}"
        return text + (f"\n   Hint: {self.hint}" if self.hint else "")

    def _ipython_display_(self) -> None:
        """Show nothing when a notebook cell ends with a check: the check already printed it."""


def passed(exercise: str, message: str) -> CheckResult:
    return CheckResult(exercise, True, message)


def failed(exercise: str, message: str, hint: str = "") -> CheckResult:
    return CheckResult(exercise, False, message, hint)


def exercise_check(exercise: str) -> Callable[[Callable[..., CheckResult]], Callable[..., CheckResult]]:
    """Decorate a check: print its result, and turn any exception into a ❌ instead of raising."""

    def decorate(check: Callable[..., CheckResult]) -> Callable[..., CheckResult]:
        @functools.wraps(check)
        def wrapper(*args: Any, **kwargs: Any) -> CheckResult:
            try:
                result = check(*args, **kwargs)
            except NotImplementedError:
                result = failed(exercise, "not solved yet (your code raises NotImplementedError)",
                                "replace the `raise NotImplementedError(...)` line with your answer")
            except Exception as exc:  # a learner's bug must not stop the notebook
                result = failed(exercise, f"your code raised {type(exc).__name__}: {exc}",
                                "read the error above, fix your code and run the cell again")
            print(result)
            return result

        return wrapper

    return decorate


def not_given(exercise: str, name: str, value: object, what: str = "your function") -> CheckResult | None:
    """A ❌ naming ``name`` if the learner passed something other than ``what`` (often what it returns)."""
    if callable(value):
        return None
    return failed(exercise, f"{name}={value!r} is not allowed: the check needs {what} itself",
                  "pass its name without calling it, e.g. check(my_function), not check(my_function())")
