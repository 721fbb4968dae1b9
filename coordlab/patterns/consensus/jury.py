"""Condorcet's jury theorem, measured: when does "ask more agents and vote" help?

Condorcet (1785): if n voters each judge a yes/no question *independently* and each is right
with probability p > 1/2, the majority is right more often than any one of them, and almost
surely as n grows. The exact majority accuracy is a binomial tail:

    P(majority right) = sum over k > n/2 of C(n, k) p^k (1-p)^(n-k)   (+ half the tie, for even n)

The theorem's weak point is *independent*. Here each agent, with probability ``rho``, copies a
shared source (one answer for everyone, itself right with probability p: the same model, the
same web page, the same rumour) instead of judging for itself. Given the source's answer the
agents are again independent, each right with probability ``rho + (1 - rho) p`` if the source is
right and ``(1 - rho) p`` if it is wrong, so

    P(majority right) = p · M(n, rho + (1-rho) p) + (1 - p) · M(n, (1-rho) p)

where M(n, q) is the independent formula. When ``(1 - rho) p < 1/2`` the second term vanishes as
n grows and the crowd is only as good as its source: accuracy tends to p, the gain is gone.

``simulate_majority`` measures the same thing by drawing every agent's answer (seeded numpy),
so the notebook can plot measurement against formula. Even n: a tie is settled by a fair coin.
"""
from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pandas as pd

from coordlab.world import validate

#: Trials simulated at a time, so memory stays small however many trials are asked for.
CHUNK = 20_000


def majority_accuracy(n: int, p: float) -> float:
    """Exact probability that a majority of ``n`` independent agents, each right w.p. ``p``, is right."""
    n = validate.count("n", n)
    p = validate.probability("p", p)
    if p in (0.0, 1.0):
        return p

    def pmf(k: int) -> float:  # in logs, so n in the thousands neither overflows nor underflows
        return math.exp(math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)
                        + k * math.log(p) + (n - k) * math.log1p(-p))

    right = sum(pmf(k) for k in range(n // 2 + 1, n + 1))
    return right + (0.5 * pmf(n // 2) if n % 2 == 0 else 0.0)


def correlated_accuracy(n: int, p: float, rho: float) -> float:
    """Exact majority accuracy when each agent copies a shared source (right w.p. ``p``) w.p. ``rho``."""
    p = validate.probability("p", p)
    rho = validate.probability("rho", rho)
    return (p * majority_accuracy(n, rho + (1 - rho) * p)
            + (1 - p) * majority_accuracy(n, (1 - rho) * p))


def simulate_majority(n: int, p: float, rho: float = 0.0, *, trials: int = 20_000, seed: int) -> float:
    """Measured majority accuracy: the share of ``trials`` juries whose majority was right.

    Every trial draws the shared source's answer, then for each of the ``n`` agents whether it
    copies the source (w.p. ``rho``) and, if not, its own answer (right w.p. ``p``).
    """
    n = validate.count("n", n)
    p = validate.probability("p", p)
    rho = validate.probability("rho", rho)
    trials = validate.count("trials", trials)
    rng = np.random.default_rng(validate.seed(seed))
    right = 0.0
    for start in range(0, trials, CHUNK):
        size = min(CHUNK, trials - start)
        source = rng.random(size) < p
        copies = rng.random((size, n)) < rho
        own = rng.random((size, n)) < p
        votes_right = np.where(copies, source[:, None], own).sum(axis=1)
        tie_won = rng.random(size) < 0.5
        right += np.sum((2 * votes_right > n) | ((2 * votes_right == n) & tie_won))
    return float(right / trials)


def standard_error(accuracy: float, trials: int) -> float:
    """The standard error of an accuracy measured on ``trials`` independent trials."""
    return math.sqrt(accuracy * (1 - accuracy) / trials)


def accuracy_table(ns: Iterable[int], p: float, rhos: Iterable[float] = (0.0,), *, trials: int = 20_000,
                   seed: int) -> pd.DataFrame:
    """Measured and exact majority accuracy for every jury size in ``ns`` and correlation in ``rhos``.

    Columns: n, rho, measured, exact (the formula for that rho), independent (the formula at
    rho = 0, Condorcet's promise) and se (the measurement's standard error). Each (n, rho) cell
    draws from its own seed, derived from ``seed``, so adding a row changes no other row.
    """
    seed = validate.seed(seed)
    rows = []
    for rho in rhos:
        for n in ns:
            exact = correlated_accuracy(n, p, rho)
            measured = simulate_majority(n, p, rho, trials=trials, seed=_cell_seed(seed, n, rho))
            rows.append({"n": n, "rho": rho, "measured": measured, "exact": exact,
                         "independent": majority_accuracy(n, p), "se": standard_error(exact, trials)})
    return pd.DataFrame(rows)


def _cell_seed(seed: int, n: int, rho: float) -> int:
    """A seed of its own for each (n, rho) cell, the same in every process."""
    return int(np.random.SeedSequence([seed, n, round(rho * 1_000_000)]).generate_state(1)[0])
