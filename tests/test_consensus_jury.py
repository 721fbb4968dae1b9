"""Condorcet's jury theorem: the formulas against enumeration, the simulation against the formulas.

Statistical band: a measured accuracy over T independent trials has standard error
se = sqrt(a(1-a)/T). Each comparison allows 4 se: for a correct simulation the chance of a
miss is about 6e-5 per comparison (normal tail), under 0.2 % for the 30 comparisons below,
while a wrong model (e.g. forgetting the shared source) is off by tens of se. The seeds are
fixed, so the test is deterministic; the band says why it is not fragile to a change of seed.
"""
import itertools
import math

import pytest

from coordlab.patterns.consensus.jury import (
    accuracy_table,
    correlated_accuracy,
    majority_accuracy,
    simulate_majority,
    standard_error,
)

BAND = 4.0


def enumerate_independent(n, p):
    """Sum over every one of the 2^n right/wrong patterns (a tie counts half)."""
    total = 0.0
    for pattern in itertools.product((True, False), repeat=n):
        right = sum(pattern)
        weight = p ** right * (1 - p) ** (n - right)
        total += weight * (1.0 if 2 * right > n else 0.5 if 2 * right == n else 0.0)
    return total


def enumerate_correlated(n, p, rho):
    """Enumerate the source's answer and, per agent, copy / own-right / own-wrong."""
    total = 0.0
    for source_right in (True, False):
        for choices in itertools.product(("copy", "right", "wrong"), repeat=n):
            weight = p if source_right else 1 - p
            right = 0
            for choice in choices:
                weight *= rho if choice == "copy" else (1 - rho) * (p if choice == "right" else 1 - p)
                right += choice == "right" or (choice == "copy" and source_right)
            total += weight * (1.0 if 2 * right > n else 0.5 if 2 * right == n else 0.0)
    return total


@pytest.mark.parametrize("n", [1, 2, 3, 4, 7, 10])
@pytest.mark.parametrize("p", [0.0, 0.3, 0.5, 0.6, 0.9, 1.0])
def test_the_binomial_formula_matches_enumeration(n, p):
    assert majority_accuracy(n, p) == pytest.approx(enumerate_independent(n, p), abs=1e-12)


@pytest.mark.parametrize("n", [1, 2, 3, 5, 6])
@pytest.mark.parametrize("p, rho", [(0.6, 0.0), (0.6, 0.3), (0.7, 0.8), (0.55, 1.0)])
def test_the_correlated_formula_matches_enumeration(n, p, rho):
    assert correlated_accuracy(n, p, rho) == pytest.approx(enumerate_correlated(n, p, rho), abs=1e-12)


def test_the_formula_survives_large_juries():
    assert majority_accuracy(5001, 0.51) == pytest.approx(0.9217, abs=1e-3)  # normal: Phi(.01 sqrt(n/pq))
    assert majority_accuracy(5001, 0.5) == pytest.approx(0.5, abs=1e-9)


def test_measured_accuracy_is_within_the_band_of_the_formula():
    table = accuracy_table([1, 3, 11, 51, 201], 0.6, [0.0, 0.3, 0.7], trials=20_000, seed=1)
    deviation = (table["measured"] - table["exact"]).abs() / table["se"]
    assert (deviation < BAND).all(), table.assign(deviation=deviation)


def test_the_simulation_is_not_fooled_by_the_independent_formula():
    """The check above can fail: with a shared source, the independent formula is far outside the band."""
    measured = simulate_majority(51, 0.6, rho=0.3, trials=20_000, seed=2)
    assert abs(measured - majority_accuracy(51, 0.6)) > 20 * standard_error(measured, 20_000)


def test_independent_juries_get_better_with_size_correlated_ones_do_not():
    table = accuracy_table([1, 11, 51, 201, 801], 0.6, [0.0, 0.7], trials=20_000, seed=3)
    independent = table[table.rho == 0.0]["measured"].tolist()
    assert independent == sorted(independent) and independent[-1] > 0.99
    correlated = table[table.rho == 0.7]
    # rho = 0.7: every jury size is as good as one agent (0.6), within the band; no gain from n.
    assert ((correlated["measured"] - 0.6).abs() < BAND * correlated["se"]).all()
    assert correlated_accuracy(10_001, 0.6, 0.7) == pytest.approx(0.6, abs=1e-9)


def test_moderate_correlation_first_helps_then_falls_back_to_the_source():
    """rho = 0.3, p = 0.6: (1 - rho) p = 0.42 < 1/2, so accuracy rises, peaks, and returns to p."""
    exact = [correlated_accuracy(n, 0.6, 0.3) for n in (1, 11, 51, 1001)]
    assert exact[1] > exact[0] and exact[1] > exact[2] > exact[3]
    assert exact[3] == pytest.approx(0.6, abs=1e-3)


def test_same_seed_same_measurement_and_cells_independent_of_other_rows():
    assert simulate_majority(11, 0.6, 0.2, trials=5000, seed=4) == simulate_majority(11, 0.6, 0.2, trials=5000, seed=4)
    small = accuracy_table([3], 0.6, [0.5], trials=2000, seed=9)
    big = accuracy_table([1, 3], 0.6, [0.0, 0.5], trials=2000, seed=9)
    assert big[(big.n == 3) & (big.rho == 0.5)]["measured"].item() == small["measured"].item()
    assert math.isclose(standard_error(0.5, 10_000), 0.005)
