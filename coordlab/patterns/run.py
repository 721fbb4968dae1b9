"""One contract for runs: what every message-based pattern's run function returns.

``run_centralized``, ``run_hierarchical``, ``run_broadcast``, ``run_push_sum``, … each
return a subclass of ``PatternRun``. Whatever the pattern, a learner (and the comparison
chapter) can ask the same questions of the result: how did it stop, what happened (the
trace), what did it cost (``metrics``), was it correct (``verdict``), and the world's own
``RunResult`` for anything else.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from coordlab import metrics as trace_metrics
from coordlab.world import RunResult, Trace, Verdict


@dataclass(repr=False)
class PatternRun:
    """The core every pattern's result shares. Patterns add their own fields after these two.

    ``result`` is the world's run result; ``verdict`` is every checker of the run combined.
    """

    result: RunResult
    verdict: Verdict

    @property
    def stop_reason(self) -> str:
        """Why the run ended (``completed``, ``deadlock``, ``until``, … see ``World``)."""
        return self.result.stop_reason

    @property
    def trace(self) -> Trace:
        """Everything that happened, in order: the source of every number and picture."""
        return self.result.trace

    @property
    def metrics(self) -> dict[str, Any]:
        """Headline numbers from the trace; patterns override this with their own."""
        return trace_metrics.summary(self.trace)

    def describe(self) -> str:
        """The one line ``repr`` shows after the type's name; patterns add their headline numbers."""
        return f"stop_reason={self.stop_reason!r}; verdict {'valid' if self.verdict else 'INVALID'}"

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.describe()}>"
