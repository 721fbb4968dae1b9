"""The nemesis suites: every pattern under random fault schedules, judged from its own trace.

Each ``tests/nemesis/<pattern>.py`` defines ``SUITES``: ``Suite(name, run, violations)``.
``run(seed)`` runs the pattern under ``Nemesis(seed=...)``; ``violations(run)`` recomputes the
pattern's safety (and, where promised, liveness) invariants from the trace and task tables,
*without* the library's checkers, and lists what broke. ``tests/test_nemesis.py`` runs a
CI-sized sample (``COORDLAB_NEMESIS_SEEDS``, default 20 seeds per suite); the full size is

    .venv/bin/python tools/nemesis.py --seeds 1000

which prints, per suite, the runs, their stop reasons and the violations (which must be 0).
"""
from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

#: Stop reasons no pattern may end with under a nemesis: the library raised, looped or hung.
BROKEN = ("agent_error", "event_limit", "spinning", "blocked")


@dataclass(frozen=True)
class Suite:
    """One pattern scenario under a nemesis, and the invariants its trace must satisfy."""

    name: str
    run: Callable[[int], Any]
    violations: Callable[[Any], list[str]]

    def judge(self, seed: int) -> tuple[str, list[str]]:
        """Run one seed: its stop reason and everything it violated (a raise is a violation too)."""
        try:
            run = self.run(seed)
        except Exception as exc:  # the library must raise nothing under a nemesis
            return "raised", [f"raised {type(exc).__name__}: {exc}"]
        broken = [f"stop_reason {run.stop_reason!r}"] if run.stop_reason in BROKEN else []
        return run.stop_reason, broken + self.violations(run)


def sample_size() -> int:
    """Seeds per suite in the test run: ``COORDLAB_NEMESIS_SEEDS`` (default 20)."""
    return int(os.environ.get("COORDLAB_NEMESIS_SEEDS", "20"))
