"""The comparison's bad-input catalogue: each case must fail before running, naming the argument.

Every case is ``(what, call, error type, argument)``: ``call()`` must raise ``error type`` with a
message that starts with ``argument=`` (the project's format: argument, value, what is allowed).
"""
import pytest

from coordlab.compare import (
    coordination_report,
    crossover,
    measured_run,
    org_chart,
    predictability,
    recommend,
    row,
    workload,
)
from coordlab.compare.rows import task_times
from tests.bad_input import assert_refused
from tests.test_compare import synthetic_comparison

SMALL = workload(tasks=6, agents=3)

CASES = [
    # the workload
    ("no tasks", lambda: workload(tasks=0), ValueError, "tasks"),
    ("tasks as a float", lambda: workload(tasks=8.0), TypeError, "tasks"),
    ("10**9 tasks", lambda: workload(tasks=10**9), ValueError, "tasks"),
    ("no agents", lambda: workload(agents=0), ValueError, "agents"),
    ("more agents than peer names", lambda: workload(agents=10**6), ValueError, "agents"),
    ("types as one string", lambda: workload(types="abc"), TypeError, "types"),
    ("no types", lambda: workload(types=[]), TypeError, "types"),
    ("a type used twice", lambda: workload(types=["a", "a"]), ValueError, "types"),
    ("an empty type name", lambda: workload(types=["a", ""]), ValueError, "types"),
    ("seed None", lambda: workload(seed=None), TypeError, "seed"),
    # one row
    ("an unknown pattern", lambda: row("star", SMALL), ValueError, "pattern"),
    ("a list of tasks for a workload", lambda: row("centralized", list(SMALL.tasks)), TypeError, "load"),
    ("a negative seed", lambda: row("centralized", SMALL, seed=-1), ValueError, "seed"),
    ("an option the swarm does not take", lambda: row("swarm", SMALL, depth=3), TypeError, "depth"),
    ("an option the hierarchy does not take", lambda: row("hierarchical", SMALL, levels=3), TypeError, "levels"),
    ("a hierarchy of one level", lambda: org_chart(SMALL, 1), ValueError, "depth"),
    ("a hierarchy of 50 levels", lambda: org_chart(SMALL, 50), ValueError, "depth"),
    ("a report of a number", lambda: coordination_report(42), TypeError, "run"),
    ("task times of a string", lambda: task_times("run"), TypeError, "run"),
    # sweeps
    ("an unknown fault", lambda: measured_run("centralized", 4, "fire", seed=0), ValueError, "fault"),
    ("a crash rate above 1", lambda: predictability(crash_rate=2.0), ValueError, "crash_rate"),
    ("a crossover against a pattern not measured", lambda: crossover(synthetic_comparison().scalability, "star"),
     ValueError, "challenger"),
    # the guide
    ("recommend without a table", lambda: recommend(None, agents=3), TypeError, "table"),
    ("recommend for no agents", lambda: recommend(synthetic_comparison(), agents=0), ValueError, "agents"),
    ("a requirement as a string", lambda: recommend(synthetic_comparison(), agents=3, fault_tolerance_needed="yes"),
     TypeError, "fault_tolerance_needed"),
]


@pytest.mark.parametrize("what, call, error, argument", CASES, ids=[case[0] for case in CASES])
def test_bad_input_is_refused(what, call, error, argument):
    assert_refused(call, error, argument)
