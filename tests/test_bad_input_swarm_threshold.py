"""Bad input to response-threshold task allocation: each refused before anything runs, with an
error that starts by naming the argument (``argname=value is not allowed: …``)."""
import re

import pytest

from coordlab import Crash
from coordlab.patterns.centralized import WorkerSpec
from coordlab.patterns.swarm import run_threshold
from coordlab.patterns.tasks import Task, research_pipeline
from tests.bad_input import assert_refused

A = [Task("a")]
SPEC = WorkerSpec("w", "task")


def run(tasks=A, **kwargs):
    return run_threshold(tasks, **kwargs)


CASES = [
    # the job
    (dict(tasks=5), TypeError, "tasks"),
    (dict(tasks=[Task("a"), "b"]), TypeError, "tasks[1]"),
    (dict(tasks=[Task("a"), Task("a")]), ValueError, "id"),
    (dict(tasks=[Task("a", depends_on="b"), Task("b", depends_on="a")]), ValueError, "depends_on"),
    (dict(tasks=[Task("a", "painting")], workers=[SPEC]), ValueError, "type"),
    # the workers
    (dict(workers=0), ValueError, "workers"),
    (dict(workers="3"), TypeError, "workers"),
    (dict(workers=[SPEC, SPEC]), ValueError, "name"),
    (dict(workers=[WorkerSpec("board", "task")]), ValueError, "name"),
    # the rule and its timings
    (dict(threshold=0), ValueError, "threshold"),
    (dict(threshold=-1.0), ValueError, "threshold"),
    (dict(threshold=float("inf")), ValueError, "threshold"),
    (dict(threshold="high"), ValueError, "threshold"),
    (dict(tasks=research_pipeline(1), threshold={"research": 1.0}), ValueError, "threshold"),
    (dict(growth=-0.1), ValueError, "growth"),
    (dict(learn=-1), ValueError, "learn"),
    (dict(forget="x"), TypeError, "forget"),
    (dict(sense_interval=0), ValueError, "sense_interval"),
    (dict(give_up_after=0), ValueError, "give_up_after"),
    (dict(suspect_after=0), ValueError, "suspect_after"),
    (dict(max_sense_interval=0.2, sense_interval=0.5), ValueError, "max_sense_interval"),
    (dict(service_time=-1), ValueError, "service_time"),
    (dict(max_attempts=0), ValueError, "max_attempts"),
    (dict(seed=-1), ValueError, "seed"),
    # the world
    (dict(faults=[Crash("nobody", at=1)]), ValueError, "fault"),
    (dict(faults="crash"), TypeError, "faults"),
    (dict(until=0), ValueError, "until"),
]


@pytest.mark.parametrize("kwargs, error, argument", CASES, ids=[f"{c[2]}-{i}" for i, c in enumerate(CASES)])
def test_bad_input_is_refused_naming_the_argument(kwargs, error, argument):
    assert_refused(lambda: run(**kwargs), error, argument)


@pytest.mark.parametrize("kwargs, message", [
    (dict(tasks=research_pipeline(1), threshold={"research": 1.0}),
     "threshold={'research': 1.0} is not allowed: give a number > 0, or a dict from every task type to a "
     "number > 0 (missing: analysis, writing)"),
    (dict(workers=[WorkerSpec("board", "task")]),
     "name='board' is not allowed: that name is reserved for the board, choose another worker name"),
])
def test_the_error_says_the_value_and_what_is_allowed(kwargs, message):
    with pytest.raises((TypeError, ValueError), match=f"^{re.escape(message)}$"):
        run(**kwargs)
