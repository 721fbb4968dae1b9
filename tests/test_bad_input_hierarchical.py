"""Bad input across the hierarchical pattern's public API: each refused before anything runs,
with an error that starts by naming the argument (``argname=value is not allowed: …``)."""
import re

import networkx as nx
import pandas as pd
import pytest

from coordlab import Crash
from coordlab.course import hierarchical as course
from coordlab.patterns.hierarchical import (
    Client,
    Director,
    Lead,
    OrgChart,
    Project,
    RetryInTeam,
    agents_for,
    disturbed,
    naive,
    other_teams_unchanged,
    progress,
    run_hierarchical,
    team_results,
)
from coordlab.patterns.tasks import LeastLoaded, RetryPolicy, Task
from coordlab.viz.hierarchical import containment, load_by_agent, org_chart, progress_at_the_top, shapes_compared
from tests.bad_input import assert_refused

P = Project("p", [Task("a")])
CHART = OrgChart.from_levels([1, 2, 4])
TEAMS = OrgChart.from_dict({"director": {"lead-a": {"ann": "research"}, "lead-b": {"bo": "analysis"}}})
OPTIONS = dict(policy=LeastLoaded(), retry=RetryPolicy(), escalation=RetryInTeam())


def run(projects=P, chart=(1, 2, 4), **kwargs):
    return run_hierarchical(projects, chart, **kwargs)


def a_run():
    return run_hierarchical(P, CHART, seed=1)


def undirected():
    return OrgChart.from_graph(nx.Graph([("director", "w")]))


CASES = [
    # run_hierarchical: the projects
    (run, dict(projects="abc"), TypeError, "projects"),
    (run, dict(projects=[]), TypeError, "projects"),
    (run, dict(projects=[P, "q"]), TypeError, "projects"),
    (run, dict(projects=[P, Project("p", [Task("b")])]), ValueError, "projects"),
    (run, dict(projects=[P, Project("q", [Task("a")])]), ValueError, "projects"),
    (run, dict(projects=Project("p", [Task("a", "painting")])), ValueError, "type"),
    # run_hierarchical: the chart
    (run, dict(chart=5), TypeError, "chart"),
    (run, dict(chart="1,2"), TypeError, "chart"),
    (run, dict(chart=[1, 0]), ValueError, "levels[1]"),
    (run, dict(chart=[1, 10**9]), ValueError, "levels[1]"),
    (run, dict(chart=[1, 400, 99_999]), ValueError, "levels"),
    (run, dict(chart={"client": {"w": "task"}}), ValueError, "chart"),
    (run, dict(chart={"d1": {"w": "task"}, "d2": {"v": "task"}}), ValueError, "tree"),
    # run_hierarchical: policies, rules and timings
    (run, dict(policy="fastest"), ValueError, "policy"),
    (run, dict(policy=5), TypeError, "policy"),
    (run, dict(retry=3), TypeError, "retry"),
    (run, dict(escalation="retry"), TypeError, "escalation"),
    (run, dict(escalation=lambda failures, capable: "Retry"), ValueError, "escalation"),
    (run, dict(service_time=-1), ValueError, "service_time"),
    (run, dict(service_time="fast"), TypeError, "service_time"),
    (run, dict(heartbeat_interval=0), ValueError, "heartbeat_interval"),
    (run, dict(suspect_after=0.1), ValueError, "suspect_after"),
    (run, dict(suspect_after=float("nan")), ValueError, "suspect_after"),
    (run, dict(give_up_after=-1), ValueError, "give_up_after"),
    (run, dict(give_up_after=True), TypeError, "give_up_after"),
    # run_hierarchical: the world
    (run, dict(seed=None), TypeError, "seed"),
    (run, dict(seed=-1), ValueError, "seed"),
    (run, dict(seed=1.5), TypeError, "seed"),
    (run, dict(latency=-0.1), ValueError, "latency"),
    (run, dict(faults=[Crash("nobody", at=1.0)]), ValueError, "fault"),
    (run, dict(faults=5), TypeError, "faults"),
    (run, dict(until=-1), ValueError, "until"),
    (run, dict(max_events=0), ValueError, "max_events"),
    # Project
    (Project, dict(name=5, tasks=[Task("a")]), ValueError, "name"),
    (Project, dict(name="p", tasks=5), TypeError, "tasks"),
    (Project, dict(name="p", tasks=[]), ValueError, "tasks"),
    (Project, dict(name="p", tasks={Task("a"), Task("b")}), TypeError, "tasks"),
    (Project, dict(name="p", tasks=["a"]), TypeError, "tasks[0]"),
    (Project, dict(name="p", tasks=[Task("a"), Task("a")]), ValueError, "id"),
    (Project, dict(name="p", tasks=[Task("a", depends_on="b"), Task("b", depends_on="a")]), ValueError,
     "depends_on"),
    # OrgChart builders
    (OrgChart.from_levels, dict(levels=5), TypeError, "levels"),
    (OrgChart.from_levels, dict(levels=[1]), ValueError, "levels"),
    (OrgChart.from_levels, dict(levels=[2, 4]), ValueError, "levels"),
    (OrgChart.from_levels, dict(levels=[1, 3, 2]), ValueError, "levels"),
    (OrgChart.from_levels, dict(levels=[1, True]), TypeError, "levels[1]"),
    (OrgChart.from_levels, dict(levels=[1, 2.5]), TypeError, "levels[1]"),
    (OrgChart.from_levels, dict(levels=[1, 2], specialties="research"), TypeError, "specialties"),
    (OrgChart.from_levels, dict(levels=[1, 2], specialties=[]), TypeError, "specialties"),
    (OrgChart.from_levels, dict(levels=[1, 2], specialties={"a", "b"}), TypeError, "specialties"),
    (OrgChart.from_levels, dict(levels=[1, 2], specialties=["a", 1]), TypeError, "specialties"),
    (OrgChart.from_dict, dict(tree="director"), ValueError, "tree"),
    (OrgChart.from_dict, dict(tree={"director": {"w": 5}}), ValueError, "specialties"),
    (OrgChart.from_dict, dict(tree={"director": {"w": []}}), ValueError, "specialties"),
    (OrgChart.from_dict, dict(tree={"director": {1: "x"}}), TypeError, "name"),
    (undirected, {}, TypeError, "graph"),
    (OrgChart.from_graph, dict(graph=nx.DiGraph([("d", "w")]), specialties=["x"]), TypeError, "specialties"),
    (OrgChart, dict(parent=5, specialties={}), TypeError, "parent"),
    # reading a chart
    (CHART.subtree, dict(name="nobody"), ValueError, "name"),
    (CHART.level, dict(name="nobody"), ValueError, "name"),
    (CHART.children, dict(name=5), ValueError, "name"),
    # escalation rules and agents, for learners who build their own world
    (RetryInTeam, dict(retry=3), TypeError, "retry"),
    (Lead, dict(name="nobody", chart=CHART, **OPTIONS), ValueError, "name"),
    (Lead, dict(name="director", chart=CHART, **OPTIONS), ValueError, "name"),
    (Lead, dict(name="worker-1.1", chart=CHART, **OPTIONS), ValueError, "name"),
    (Lead, dict(name="lead-1", chart=[1, 2, 4], **OPTIONS), TypeError, "chart"),
    (Director, dict(name="lead-1", chart=CHART, **OPTIONS), ValueError, "name"),
    (Client, dict(name="client", projects=P, durations={}, director="director"), TypeError, "projects"),
    (Client, dict(name="client", projects=[P], durations={}, director=5), TypeError, "director"),
    (Client, dict(name="client", projects=[P], durations={}, director="director", patience=0), ValueError,
     "patience"),
    (agents_for, dict(chart="chart", **OPTIONS, service_time=0.005, heartbeat_interval=0.5, suspect_after=2.0),
     TypeError, "chart"),
    # the textbook hierarchy: its flaws are the point, its arguments are still checked
    (naive.run_naive, dict(project="p", chart=TEAMS), TypeError, "project"),
    (naive.run_naive, dict(project=P, chart=[1, 2]), ValueError, "chart"),
    (naive.run_naive, dict(project=P, chart=TEAMS, fixes="launch"), ValueError, "fixes"),
    (naive.run_naive, dict(project=P, chart=TEAMS, fixes=["magic"]), ValueError, "fixes"),
    (naive.run_naive, dict(project=P, chart=TEAMS, seed=None), TypeError, "seed"),
    # reading a run
    (progress, dict(run="run"), TypeError, "run"),
    (disturbed, dict(run=5), TypeError, "run"),
    (team_results, dict(run=None), TypeError, "run"),
    (lambda: other_teams_unchanged(a_run(), a_run(), "nobody"), {}, ValueError, "team"),
    (lambda: other_teams_unchanged(a_run(), "run", "lead-1"), {}, TypeError, "faulty"),
    # pictures
    (org_chart, dict(chart="chart"), TypeError, "chart"),
    (org_chart, dict(chart=CHART, status={"director": "exploded"}), ValueError, "status"),
    (containment, dict(run=5), TypeError, "run"),
    (load_by_agent, dict(run=None), TypeError, "run"),
    (progress_at_the_top, dict(run="x"), TypeError, "run"),
    (shapes_compared, dict(frame=pd.DataFrame({"x": [1]})), ValueError, "frame"),
    (shapes_compared, dict(frame=[1, 2]), ValueError, "frame"),
    # course helpers that take input
    (course.measure_shape, dict(depth="3", fan_out=2), TypeError, "depth"),
    (course.measure_shape, dict(depth=1, fan_out=2), ValueError, "depth"),
    (course.measure_shape, dict(depth=2, fan_out=10**9), ValueError, "fan_out"),
    (course.measure_shape, dict(depth=7, fan_out=8), ValueError, "fan_out"),
    (course.aggregation_run, dict(aggregation_class=42, seed=1), TypeError, "aggregation_class"),
    (course.escalation_runs, dict(rule=42), TypeError, "escalation"),
]


@pytest.mark.parametrize("function, kwargs, error, argument", CASES,
                         ids=[f"{i}-{getattr(c[0], '__name__', 'call')}-{c[3]}" for i, c in enumerate(CASES)])
def test_bad_input_is_refused_naming_the_argument(function, kwargs, error, argument):
    assert_refused(lambda: function(**kwargs), error, argument)


def test_the_catalogue_is_large():
    assert len(CASES) >= 35


@pytest.mark.parametrize("check, argument", [(course.check_aggregation, "aggregation_class"),
                                             (course.check_escalation, "rule"),
                                             (course.check_shape, "choose_shape")])
def test_an_exercise_check_given_something_else_than_a_function_says_so_without_raising(check, argument, capsys):
    result = check(42)
    assert not result and result.message.startswith(f"{argument}=42 is not allowed")
    assert "❌" in capsys.readouterr().out


@pytest.mark.parametrize("call, message", [
    (lambda: run(projects=Project("p", [Task("a", "painting")])),
     "type='painting' is not allowed: no subtree can do task type 'painting' (workers' specialties: task)"),
    (lambda: run(chart=[1, 10**9]), "levels[1]=1000000000 is not allowed: levels[1] must be an int from 1 to 100000"),
    (lambda: run(suspect_after=0.5), "suspect_after=0.5 is not allowed: it must be longer than "
                                     "heartbeat_interval=0.5, or busy reports look dead"),
    (lambda: OrgChart.from_levels([1, 2], specialties={"a"}),
     "specialties={'a'} is not allowed: give a non-empty list of task types (non-empty strings), which the "
     "workers take in turn"),
])
def test_the_error_says_the_value_and_what_is_allowed(call, message):
    with pytest.raises((TypeError, ValueError), match=f"^{re.escape(message)}$"):
        call()
