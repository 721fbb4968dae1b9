"""The seed document's star table, beside the stars the measurements give.

The seed rates each pattern from ★ to ★★★ on four columns, by assertion. ``measured_stars``
turns each measured column's score into stars the same way for every column: the best
pattern gets ★★★, the worst ★, and the rest in proportion (rounded) between them. Stars are
relative: they rank these five patterns on this workload, nothing more. ``disagreements``
lists every cell where the two differ, with the measurement behind the measured star.
"""
from __future__ import annotations

import math

import pandas as pd

from coordlab.compare.contenders import PATTERNS

COLUMNS = ("scalability", "complexity", "fault tolerance", "predictability")
#: The seed's stars (scalability, complexity, fault tolerance, predictability). For complexity
#: more stars mean more complex; for the others more stars are better. The seed document itself
#: is not in this repository: if your copy rates a cell differently, correct it here, and
#: notebook 07's side-by-side table and disagreements follow.
SEED_STARS: dict[str, tuple[int, int, int, int]] = {
    "centralized": (2, 1, 1, 3),
    "peer-to-peer": (3, 2, 3, 2),
    "hierarchical": (3, 2, 2, 2),
    "swarm": (3, 3, 3, 1),
    "consensus": (1, 3, 3, 3),
}


def seed_table() -> pd.DataFrame:
    """The seed's star table, as numbers of stars (1–3), one row per pattern."""
    return pd.DataFrame.from_dict(SEED_STARS, orient="index", columns=list(COLUMNS)).loc[list(PATTERNS)]


def to_stars(scores: pd.Series, *, higher_is_more: bool) -> pd.Series:
    """Scores as 1–3 stars: the pattern with the most (``higher_is_more``) or least of the score gets
    3, the other end 1, the rest linearly between them, rounded. All equal: 2 each."""
    low, high = float(scores.min()), float(scores.max())
    if math.isclose(low, high):
        return pd.Series(2, index=scores.index)
    share = (scores - low) / (high - low)
    return (1 + 2 * (share if higher_is_more else 1 - share)).round().astype(int)


def scalability_scores(exponents: pd.DataFrame) -> pd.Series:
    """Lower is better: makespan k (0 if it shrinks) + busiest k (``columns.exponents``); a pattern
    that did not finish the job at some size scores one worse than the worst of the others: it did
    not scale there, whatever its exponents up to then."""
    score = exponents["makespan k"].clip(lower=0) + exponents["busiest k"]
    complete = exponents["all sizes completed"]
    worst = score.max() if complete.any() else 0.0
    return score.where(complete, worst + 1)


def measured_stars(exponents: pd.DataFrame, complexity: pd.DataFrame, faults: pd.DataFrame,
                   predictability: pd.DataFrame) -> pd.DataFrame:
    """Stars from the four measured columns (each the output of its ``columns`` function's summary)."""
    return pd.DataFrame({
        "scalability": to_stars(scalability_scores(exponents), higher_is_more=False),
        "complexity": to_stars(complexity["score"], higher_is_more=True),
        "fault tolerance": to_stars(faults["score"], higher_is_more=True),
        "predictability": to_stars(predictability["score"], higher_is_more=False),
    }).loc[[p for p in PATTERNS if p in exponents.index]]


def side_by_side(measured: pd.DataFrame) -> pd.DataFrame:
    """The seed's stars and the measured ones, column by column, drawn as ★."""
    seed = seed_table().loc[measured.index]
    table = {}
    for column in COLUMNS:
        table[(column, "seed")] = seed[column].map(lambda n: "★" * n)
        table[(column, "measured")] = measured[column].map(lambda n: "★" * n)
    return pd.DataFrame(table)


def disagreements(measured: pd.DataFrame, evidence: dict[str, pd.Series]) -> pd.DataFrame:
    """Every cell where the measured stars differ from the seed's, with the evidence.

    ``evidence`` maps a column to a Series of one-line measurements per pattern (what the
    measured star rests on).
    """
    seed = seed_table().loc[measured.index]
    rows = [{"pattern": pattern, "column": column, "seed": "★" * int(seed.loc[pattern, column]),
             "measured": "★" * int(measured.loc[pattern, column]), "measurement": evidence[column][pattern]}
            for pattern in measured.index for column in COLUMNS
            if seed.loc[pattern, column] != measured.loc[pattern, column]]
    return pd.DataFrame(rows, columns=["pattern", "column", "seed", "measured", "measurement"])


def evidence(exponents: pd.DataFrame, complexity: pd.DataFrame, faults: pd.DataFrame,
             predictability: pd.DataFrame) -> dict[str, pd.Series]:
    """One line per pattern and column: the measurement its measured star rests on.

    Takes the same four tables as ``measured_stars`` and returns ``{column: Series}`` of
    sentences, one per pattern, quoting the numbers the column's score is made of (the
    ``measurement`` of ``disagreements``, and ``recommend``'s)."""
    return {
        "scalability": pd.Series({p: _growth(r) for p, r in exponents.iterrows()}),
        "complexity": pd.Series({p: f"{r['message kinds']} message kinds, {r['agent lines']} lines of agent code, "
                                    f"{r['knobs']} knobs" for p, r in complexity.iterrows()}),
        "fault tolerance": pd.Series({p: f"valid work {r['score']:.0%} (completion × valid verdict, mean under "
                                         f"crashes of 0–50 %, partitions and the busiest agent crashed); "
                                         f"{r['valid share']:.0%} of runs valid; {r['busiest crashed']:.0%} done "
                                         "with the busiest agent crashed"
                                      for p, r in faults.iterrows()}),
        "predictability": pd.Series({p: f"makespan cv {r['makespan cv']:.1%}, completion spread under "
                                        f"crashes {r['completion spread']:.2f}, {int(r['outcomes'])} distinct outcomes"
                                     for p, r in predictability.iterrows()}),
    }


def _growth(fitted: pd.Series) -> str:
    finished = f"finished every task up to {int(fitted['largest completed'])} agents"
    if math.isnan(fitted["busiest k"]):
        return f"{finished}, too few sizes to fit a growth"
    return (f"makespan ∝ agents^{fitted['makespan k']:.2f}, busiest agent's messages ∝ "
            f"agents^{fitted['busiest k']:.2f}; {finished}")
