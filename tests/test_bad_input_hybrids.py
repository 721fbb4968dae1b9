"""Bad input to the three hybrids: each refused before anything runs, with an error that starts by
naming the argument (``argname=value is not allowed: …``)."""
import re

import pytest

from coordlab.patterns.centralized import WorkerSpec
from coordlab.patterns.hybrids import run_goals_swarm, run_groups_hierarchy, run_teams_p2p
from coordlab.patterns.tasks import Task, research_pipeline
from tests.bad_input import assert_refused

A = [Task("a")]
SPEC = WorkerSpec("w", "task")
HYBRIDS = [run_teams_p2p, run_goals_swarm, run_groups_hierarchy]

COMMON = [
    (dict(tasks=5), TypeError, "tasks"),
    (dict(tasks=[Task("a"), "b"]), TypeError, "tasks[1]"),
    (dict(tasks=[Task("a", depends_on="b"), Task("b", depends_on="a")]), ValueError, "depends_on"),
    (dict(tasks=[Task("a", "painting")], workers=[SPEC]), ValueError, "type"),
    (dict(workers=0), ValueError, "workers"),
    (dict(workers=[SPEC, SPEC]), ValueError, "name"),
    (dict(workers=[WorkerSpec("client", "task")]), ValueError, "name"),
    (dict(seed=-1), ValueError, "seed"),
    (dict(until=0), ValueError, "until"),
    (dict(faults="crash"), TypeError, "faults"),
]

OWN = [
    (run_teams_p2p, dict(teams=0), ValueError, "teams"),
    (run_teams_p2p, dict(workers=2, teams=3), ValueError, "teams"),
    (run_teams_p2p, dict(workers=4, teams=2, topology="star"), ValueError, "topology"),
    (run_teams_p2p, dict(workers=4, lend=0), ValueError, "lend"),
    (run_teams_p2p, dict(workers=[WorkerSpec("lead-1", "task"), SPEC]), ValueError, "name"),
    (run_goals_swarm, dict(window=0), ValueError, "window"),
    (run_goals_swarm, dict(threshold=0), ValueError, "threshold"),
    (run_goals_swarm, dict(growth=-1), ValueError, "growth"),
    (run_goals_swarm, dict(workers=[WorkerSpec("floor", "task")]), ValueError, "name"),
    (run_groups_hierarchy, dict(tasks=[]), ValueError, "tasks"),  # a hierarchy's project has a task at least
    (run_groups_hierarchy, dict(groups=0), ValueError, "groups"),
    (run_groups_hierarchy, dict(workers=2, groups=3), ValueError, "groups"),
    (run_groups_hierarchy, dict(threshold={"other": 1.0}), ValueError, "threshold"),
    (run_groups_hierarchy, dict(workers=[WorkerSpec("group-1", "task")]), ValueError, "name"),
    (run_groups_hierarchy, dict(workers=[WorkerSpec("director", "task")]), ValueError, "name"),
]


def call(run, tasks=A, **kwargs):
    return lambda: run(tasks, **kwargs)


@pytest.mark.parametrize("run", HYBRIDS, ids=[run.__name__ for run in HYBRIDS])
@pytest.mark.parametrize("kwargs, error, argument", COMMON, ids=[f"{c[2]}-{i}" for i, c in enumerate(COMMON)])
def test_every_hybrid_refuses_a_bad_workload_naming_the_argument(run, kwargs, error, argument):
    kwargs = dict(kwargs)
    tasks = kwargs.pop("tasks", A)
    assert_refused(call(run, tasks, **kwargs), error, argument)


@pytest.mark.parametrize("run, kwargs, error, argument", OWN, ids=[f"{c[0].__name__}-{c[3]}-{i}"
                                                                    for i, c in enumerate(OWN)])
def test_each_hybrid_refuses_a_bad_option_naming_it(run, kwargs, error, argument):
    assert_refused(call(run, **kwargs), error, argument)


def test_a_ring_of_leads_that_cannot_reach_a_type_is_refused_before_running():
    kinds = ["research", "analysis", "research", "research", "writing", "research"]  # one worker a team, in a ring
    workers = [WorkerSpec(f"w{i}", kind) for i, kind in enumerate(kinds)]
    tasks = research_pipeline(1)  # linked: one share, needing all three types
    with pytest.raises(ValueError, match=r"^topology='ring' is not allowed: no lead and its peers can do"):
        run_teams_p2p(tasks, workers, teams=6, topology="ring")
    assert run_teams_p2p(tasks, workers, teams=6, topology="complete").stop_reason == "completed"


@pytest.mark.parametrize("run, reserved", [(run_goals_swarm, "floor"), (run_groups_hierarchy, "group-1"),
                                           (run_teams_p2p, "client-1")])
def test_the_error_says_the_name_is_reserved(run, reserved):
    with pytest.raises(ValueError, match=f"^{re.escape(f'name={reserved!r} is not allowed: that name is reserved')}"):
        run(A, [WorkerSpec(reserved, "task"), WorkerSpec("w", "task")])
