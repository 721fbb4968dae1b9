"""Every pattern under a random nemesis: zero violations over a CI-sized sample of seeds.

The full size (>= 1,000 seeds per suite) runs with ``.venv/bin/python tools/nemesis.py --seeds 1000``.
"""
import importlib
import pkgutil

import pytest

import tests.nemesis
from tests.nemesis import Suite, sample_size

SUITES: list[Suite] = [suite for module in pkgutil.iter_modules(tests.nemesis.__path__)
                       for suite in importlib.import_module(f"tests.nemesis.{module.name}").SUITES]


@pytest.mark.parametrize("seed", range(sample_size()))
@pytest.mark.parametrize("suite", SUITES, ids=lambda suite: suite.name)
def test_no_violation_under_a_random_nemesis(suite, seed):
    stop_reason, violations = suite.judge(seed)
    assert violations == [], f"{suite.name} seed {seed} ({stop_reason}): {violations}"
