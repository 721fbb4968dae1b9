"""The textbook hierarchy reproduces its four flaws; the real one has none of them."""
import pytest

from coordlab.patterns.hierarchical import OrgChart, Project, run_hierarchical
from coordlab.patterns.hierarchical.naive import run_naive, vanished
from coordlab.patterns.tasks import Task

TEAMS = OrgChart.from_dict({"director": {"research-lead": {"ann": "research", "bo": "research"},
                                         "analysis-lead": {"cy": "analysis", "di": "analysis"}}})
TASKS = [Task("research-1", "research"), Task("analysis-1", "analysis"), Task("translation", "translation")]
PROJECT = Project("p", TASKS)


def test_flaw_1_the_demo_never_sends_the_project():
    run = run_naive(PROJECT, TEAMS, seed=1)
    assert run.stop_reason == "deadlock" and not run.trace.select("send")
    assert "finished" in run.result.waiting["client"][0]


def test_flaw_2_the_project_goes_to_every_lead_under_a_lead_s_name():
    run = run_naive(PROJECT, TEAMS, fixes=["launch"], seed=1)
    unhandled = run.trace.select("unhandled")
    assert sorted(e.message.kind for e in unhandled) == ["analysis-lead", "analysis-lead", "research-lead",
                                                         "research-lead"]
    assert not run.trace.select("task_start")


def test_flaws_3_and_4_a_task_vanishes_and_the_director_never_learns():
    run = run_naive(PROJECT, TEAMS, fixes=["launch", "addressing"], seed=1)
    assert vanished(run, TASKS) == ["translation"]
    assert len(run.trace.select("task_end")) >= 2 and not run.trace.select("task_done")
    assert run.stop_reason == "deadlock" and "project_done" in run.result.waiting["client"][0]
    assert not run.verdict


def test_the_real_hierarchy_refuses_the_impossible_task_and_finishes_the_rest():
    with pytest.raises(ValueError, match="translation"):
        run_hierarchical(PROJECT, TEAMS)
    run = run_hierarchical(Project("p", TASKS[:2]), TEAMS, seed=1)
    assert run.stop_reason == "completed" and run.verdict


def test_naive_refuses_what_it_cannot_model():
    with pytest.raises(ValueError, match="depth 3"):
        run_naive(PROJECT, [1, 4])
    with pytest.raises(ValueError, match="fixable flaws"):
        run_naive(PROJECT, TEAMS, fixes=["completion"])
