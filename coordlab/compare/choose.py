"""The measured comparison in one object, and the decision guide that reads it.

    table = Comparison.measure(sizes=(8, 32, 128), seeds=(0, 1))
    recommend(table, agents=200, fault_tolerance_needed=True)

``recommend`` asks the seed's decision questions in order and answers with a pattern, the
reason, and the measurement behind it. Its thresholds are read from the measured table,
never typed in: where the seed says "more than 100 agents → swarm", the guide uses the size
at which a decentralised pattern was measured to overtake the orchestrator on this workload.
"""
from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from coordlab.compare import columns, stars
from coordlab.compare.contenders import PATTERNS
from coordlab.world import validate

#: The decision guide's questions, in the order it asks them, and what each one is for.
QUESTIONS = (
    ("agents", "How many agents will work on the tasks?"),
    ("must_survive_coordinator_loss", "Must the job go on if any single agent, a coordinator included, "
                                      "crashes?"),
    ("fault_tolerance_needed", "Must most of the work get done when many agents crash (up to half)?"),
    ("predictability_needed", "Must the finishing time be the same from one run to the next?"),
    ("simplest", "Otherwise: past the measured crossover the pattern that scales, below it the simplest."),
)
SCALABLE = ("hierarchical", "swarm", "peer-to-peer")
#: The pattern the scalable ones must overtake (``Comparison.crossover``).
INCUMBENT = "centralized"
#: ``recommend``'s answer when no pattern was measured to finish the whole job at the size asked.
NONE_ABLE = "none measured able"


@dataclass(frozen=True)
class Comparison:
    """The four measured columns and what is derived from them (exponents, summaries, stars)."""

    scalability: pd.DataFrame
    complexity: pd.DataFrame
    faults: pd.DataFrame
    predictability: pd.DataFrame

    @classmethod
    def measure(cls, *, sizes: Sequence[int] = columns.SIZES, scale_seeds: Sequence[int] = (0,),
                fault_agents: int = 16, rates: Sequence[float] = columns.RATES, fault_seeds: Sequence[int] = range(5),
                predict_seeds: Sequence[int] = range(10), patterns: Sequence[str] = PATTERNS,
                cache_dir: str | os.PathLike[str] | None = None, **engine: Any) -> Comparison:
        """Run every column's sweep (``engine`` goes to ``experiments.sweep``: ``engine="dask"``,
        ``progress``…). With ``cache_dir``, each sweep keeps its table in a file there
        (``compare_<column>.jsonl``) and is loaded from it when its grid and seeds are unchanged."""
        def cached(name: str) -> dict[str, Any]:
            return engine if cache_dir is None else {**engine, "cache": Path(cache_dir) / f"compare_{name}.jsonl"}

        return cls(
            scalability=columns.scalability(sizes, scale_seeds, patterns, **cached("scalability")),
            complexity=columns.complexity(patterns),
            faults=columns.fault_tolerance(fault_agents, rates, fault_seeds, patterns, **cached("faults")),
            predictability=columns.predictability(fault_agents, predict_seeds, patterns=patterns,
                                                  **cached("predictability")),
        )

    @property
    def exponents(self) -> pd.DataFrame:
        """The scalability column's fitted growth per pattern (see ``columns.exponents``)."""
        return columns.exponents(self.scalability)

    @property
    def fault_summary(self) -> pd.DataFrame:
        """The fault-tolerance runs per pattern, with the score the stars use (see ``columns.fault_summary``)."""
        return columns.fault_summary(self.faults)

    @property
    def stars(self) -> pd.DataFrame:
        """The measured stars (see ``stars.measured_stars``)."""
        return stars.measured_stars(self.exponents, self.complexity, self.fault_summary, self.predictability)

    @property
    def evidence(self) -> dict[str, pd.Series]:
        """Per column, one sentence per pattern: the measurement its star rests on (see ``stars.evidence``)."""
        return stars.evidence(self.exponents, self.complexity, self.fault_summary, self.predictability)

    def side_by_side(self) -> pd.DataFrame:
        """The seed's stars beside the measured ones."""
        return stars.side_by_side(self.stars)

    def disagreements(self) -> pd.DataFrame:
        """Every cell where the measurement disagrees with the seed, and the measurement."""
        return stars.disagreements(self.stars, self.evidence)

    def able(self, agents: int) -> list[str]:
        """The patterns measured to finish every task at every size up to ``agents`` (up to the
        smallest size measured that is at least ``agents``, or every size if it is beyond them all).
        Empty if the scalability table has no runs: nothing was measured able."""
        measured = sorted(set(self.scalability["agents"]))
        if not measured:
            return []
        limit = next((size for size in measured if size >= agents), measured[-1])
        done = self.scalability[self.scalability["agents"] <= limit].groupby(["pattern", "agents"])["completion"].mean()
        sizes = [size for size in measured if size <= limit]
        return [p for p in PATTERNS if all(done.get((p, size), 0.0) == 1.0 for size in sizes)]

    def crossover(self) -> tuple[str, float]:
        """The scalable pattern that overtakes the orchestrator at the fewest agents, and that size.

        "Overtakes" is ``columns.crossover`` on makespan: it finishes every task, no later
        than the orchestrator (or the orchestrator does not finish them). ``inf`` if none does.
        A table without the orchestrator, or without any of ``SCALABLE``, has no crossover: that
        is a ``ValueError`` naming what is missing.
        """
        measured = set(self.scalability["pattern"]) if len(self.scalability) else set()
        if INCUMBENT not in measured:
            raise ValueError(f"a crossover needs {INCUMBENT!r} in the scalability table, which has "
                             f"{sorted(measured) or 'no runs'}: measure it too (Comparison.measure(patterns=...))")
        if not measured & set(SCALABLE):
            raise ValueError(f"a crossover needs one of {', '.join(map(repr, SCALABLE))} in the scalability table, "
                             f"which has only {sorted(measured)}: measure one of them too")
        sizes = {p: columns.crossover(self.scalability, p, INCUMBENT) for p in SCALABLE if p in measured}
        best = min(sizes, key=lambda p: (sizes[p], SCALABLE.index(p)))
        return best, sizes[best]


@dataclass(frozen=True)
class Recommendation:
    """What the guide recommends, why, and the measurement behind it."""

    pattern: str
    reason: str
    measurement: str
    question: str

    def __str__(self) -> str:
        return f"→ {self.pattern}: {self.reason}\n  measured: {self.measurement}"


def recommend(table: Comparison, *, agents: int, must_survive_coordinator_loss: bool = False,
              fault_tolerance_needed: bool = False, predictability_needed: bool = False) -> Recommendation:
    """The seed's decision questions (``QUESTIONS``), in order, answered from ``table``.

    1. How many agents? Only the patterns measured to finish the whole job at that size
       (``table.able(agents)``) are candidates: a pattern is never recommended for a size at
       which it was seen to fail. If none was, the answer is ``NONE_ABLE``, with each
       measured pattern's completion at that size: nothing else is asked.
    2. Must survive the loss of any one agent, coordinators included → the candidate that did
       the most work in valid runs when its busiest agent crashed (``fault_summary``'s
       ``busiest crashed, valid``; ties: the fault-tolerance score).
    3. Must get most work done under heavy crashes → the best fault-tolerance score (work done
       in runs with a valid verdict, ``fault_summary``).
    4. Must be predictable → the lowest predictability score (makespan cv + completion spread).
    5. Otherwise: at or past the measured crossover, the scalable pattern that overtook the
       orchestrator there (where the seed says "more than 100 agents → swarm"); below it, the
       simplest candidate (lowest complexity score). A table without the orchestrator or
       without a scalable pattern has no crossover: the simplest candidate, saying so.
    """
    if not isinstance(table, Comparison):
        raise TypeError(f"table={table!r} is not allowed: give a Comparison, e.g. Comparison.measure()")
    agents = validate.count("agents", agents)
    for name, value in (("must_survive_coordinator_loss", must_survive_coordinator_loss),
                        ("fault_tolerance_needed", fault_tolerance_needed),
                        ("predictability_needed", predictability_needed)):
        validate.flag(name, value)
    questions = dict(QUESTIONS)
    able = table.able(agents)
    if not able:
        return _none_able(table, agents, questions["agents"])
    among = f"among the patterns measured to finish the whole job at {agents} agents ({', '.join(able)})"
    faults = table.fault_summary.loc[able]
    if must_survive_coordinator_loss:
        best = max(able, key=lambda p: (faults.loc[p, "busiest crashed, valid"], faults.loc[p, "score"]))
        done, trusted = faults.loc[best, ["busiest crashed", "busiest crashed, valid"]]
        return Recommendation(best, f"it did the most valid work when its busiest agent crashed, {among}",
                              f"with the busiest agent crashed: {done:.0%} of the tasks done on average, "
                              f"{trusted:.0%} counting only runs with a valid verdict",
                              questions["must_survive_coordinator_loss"])
    if fault_tolerance_needed:
        best = faults["score"].idxmax()
        return Recommendation(best, "it did the most valid work under crashes, partitions and its busiest agent "
                                    f"crashed, {among}", table.evidence["fault tolerance"][best],
                              questions["fault_tolerance_needed"])
    if predictability_needed:
        best = table.predictability.loc[able, "score"].idxmin()
        return Recommendation(best, f"its results varied least from seed to seed, {among}",
                              table.evidence["predictability"][best], questions["predictability_needed"])
    try:
        scalable, size = table.crossover()
    except ValueError as missing:
        best = table.complexity.loc[able, "score"].idxmin()
        return Recommendation(best, f"no special requirement, and no crossover was measured ({missing}): "
                                    f"the simplest pattern {among}", table.evidence["complexity"][best],
                              questions["simplest"])
    if agents >= size and scalable in able:
        fitted = table.exponents.loc[scalable]
        return Recommendation(
            scalable, f"{agents} agents is at or past the measured crossover ({size:g} agents), from which "
                      f"{scalable} finished the job no later than the orchestrator",
            f"{scalable}: makespan ∝ agents^{fitted['makespan k']:.2f}, busiest agent ∝ "
            f"agents^{fitted['busiest k']:.2f}", questions["simplest"])
    best = table.complexity.loc[able, "score"].idxmin()
    note = "" if math.isinf(size) else f", below the crossover of {size:g} agents"
    return Recommendation(best, f"no special requirement{note}: the simplest pattern {among}",
                          table.evidence["complexity"][best], questions["simplest"])


def _none_able(table: Comparison, agents: int, question: str) -> Recommendation:
    """``NONE_ABLE``, with what each measured pattern did at the size that decided it."""
    scale = table.scalability
    if not len(scale):
        return Recommendation(NONE_ABLE, "the table has no scalability runs: nothing was measured at any size",
                              "no runs", question)
    measured = sorted(set(scale["agents"]))
    size = next((n for n in measured if n >= agents), measured[-1])
    done = scale[scale["agents"] <= size].groupby(["pattern", "agents"], sort=False)["completion"].mean()
    worst = done.groupby(level="pattern", sort=False).min()
    return Recommendation(NONE_ABLE, f"no pattern was measured to finish the whole job at every size up to "
                                     f"{agents} agents: measure others, or relax the job",
                          f"lowest completion at the sizes measured up to {size} agents: "
                          + ", ".join(f"{p} {c:.0%}" for p, c in worst.items()), question)
