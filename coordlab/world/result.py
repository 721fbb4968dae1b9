"""What a run leaves behind: ``RunResult``, kept apart from ``World`` so checkers need not import the world."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from coordlab.world.checks import Checker, Verdict
from coordlab.world.garbage import fewer_collections
from coordlab.world.trace import Trace

if TYPE_CHECKING:
    from coordlab.world.agent import Agent


@dataclass(frozen=True)
class AgentError:
    """An exception an agent raised, with the traceback to read."""

    agent: str
    error: BaseException
    traceback: str

    def __str__(self) -> str:
        return f"{self.agent} raised {type(self.error).__name__}: {self.error}"


@dataclass
class RunResult:
    """What a run left behind. Everything else (metrics, pictures, verdicts) derives from it."""

    stop_reason: str
    time: float
    trace: Trace
    agents: dict[str, Agent] = field(default_factory=dict)
    errors: list[AgentError] = field(default_factory=list)
    waiting: dict[str, list[str]] = field(default_factory=dict)
    checkers: list[Checker] = field(default_factory=list)
    seed: int | None = None
    #: real seconds each agent held the world in steps that blocked (``time.sleep``, heavy
    #: computation): simulated time stood still meanwhile. Not in the trace: it is not deterministic.
    blocking: dict[str, float] = field(default_factory=dict)

    def verdict(self, *checkers: Checker) -> Verdict:
        """Run the world's registered checkers plus ``checkers`` and combine their verdicts.

        Checkers read the whole trace and build tables as big as the run: fewer garbage
        collections meanwhile (``coordlab.world.garbage`` says why).
        """
        with fewer_collections():
            return Verdict.all([check(self) for check in [*self.checkers, *checkers]])

    def __repr__(self) -> str:
        text = (f"<RunResult stop_reason={self.stop_reason!r} time={self.time:.4f} "
                f"events={len(self.trace)} seed={self.seed}>")
        if self.waiting:
            text += "\n  waiting: " + "; ".join(f"{a} on {', '.join(w)}" for a, w in self.waiting.items())
        for error in self.errors:
            text += f"\n  error: {error}"
        for agent, seconds in sorted(self.blocking.items()):
            text += (f"\n  warning: {agent} blocked the world for {seconds:.1f} real seconds "
                     "(time.sleep or a long computation; use await self.sleep or self.work)")
        return text
