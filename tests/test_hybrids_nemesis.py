"""The hybrids' nemesis suites' judges, tested both ways, and the defect the suites found.

The checks the hybrids share with the threshold suite are tested both ways in
``tests/test_swarm_threshold_nemesis.py``; here, what is each hybrid's own.
"""
from dataclasses import replace

import pytest

from coordlab import Crash
from coordlab.patterns.hybrids import run_goals_swarm, run_groups_hierarchy
from coordlab.patterns.tasks import Task
from tests.nemesis import with_work
from tests.nemesis.hybrids import (
    goals_violations,
    groups_violations,
    run_goals,
    run_groups,
    run_teams,
    teams_violations,
)
from tests.test_centralized_nemesis import doctored, first, with_body

# seeds of runs that completed although an owner of work crashed (and recovered) and attempts were retried
TEAMS_SEED, GOALS_SEED, GROUPS_SEED = 2, 8, 16
SLOWED_SEED = 7  # groups: a lease runs out on worker-1 while it is slowed, and on no other failure


@pytest.fixture(scope="module")
def teams():
    return run_teams(TEAMS_SEED)


@pytest.fixture(scope="module")
def goals():
    return run_goals(GOALS_SEED)


@pytest.fixture(scope="module")
def groups():
    return run_groups(GROUPS_SEED)


def replaced(events, i, **changes):
    return events[:i] + [replace(events[i], **changes)] + events[i + 1:]


def test_good_runs_under_a_nemesis_have_no_violation(teams, goals, groups):
    for run, owner in ((teams, "lead-2"), (goals, "floor"), (groups, "director")):
        assert run.stop_reason == "completed" and owner in {e.agent for e in run.trace.select("crash")}
    assert teams_violations(teams) == [] and goals_violations(goals) == [] and groups_violations(groups) == []


# --- teams and peers --------------------------------------------------------------------------
def test_a_task_settled_by_a_lead_whose_share_it_is_not_is_caught(teams):
    tid = teams.shares["lead-1"][0]
    found = teams_violations(doctored(teams, lambda events: replaced(events, first(events, "task_done", tid),
                                                                      agent="lead-2")))
    assert f"{tid} task_done by lead-2, not by lead-1 whose share it is" in found


def test_a_worker_talking_to_another_team_s_lead_is_caught(teams):
    def astray(events):
        i = next(i for i, e in enumerate(events) if e.kind == "send" and e.agent == "worker-3")
        return replaced(events, i, peer="lead-1")
    assert "worker-3 -> lead-1: a worker talks only to its own lead" in teams_violations(doctored(teams, astray))


def test_no_answer_while_every_lead_is_up_is_caught(teams):
    assert "no_answer although lead-1, lead-2 ended up" in teams_violations(doctored(teams, stop_reason="no_answer"))


# --- central goals, swarm execution ---------------------------------------------------------------
def test_an_assignment_to_a_worker_past_the_floor_is_caught(goals):
    def bypass(events):
        i = first(events, "task_assigned", "t0")
        return replaced(events, i, data={**events[i].data, "worker": "worker-1"})
    assert "orchestrator assigned t0 to worker-1: only the floor is assigned work" in goals_violations(
        doctored(goals, bypass))


def test_a_grant_by_another_agent_than_the_floor_is_caught(goals):
    found = goals_violations(doctored(goals, lambda events: replaced(events, first(events, "task_taken", "t0"),
                                                                      agent="orchestrator")))
    assert "orchestrator granted t0: only the floor grants" in found


def test_a_result_the_floor_acknowledged_but_never_passed_up_is_caught(goals):
    def forgotten(events):
        return [e for e in events if not (e.kind == "task_done" and e.data["task"] == "t0")]
    assert "results acknowledged, yet the task not done: t0" in goals_violations(doctored(goals, forgotten))


def test_the_centralized_judge_still_reads_the_top(goals):
    def misreported(events):
        i = max(j for j, e in enumerate(events) if e.kind == "deliver" and e.message.kind == "submit_ok")
        return replaced(events, i, message=with_body(events[i], done=1).message)
    assert any("does not match the tasks' states" in v for v in goals_violations(doctored(goals, misreported)))


# --- peer groups under a hierarchy ----------------------------------------------------------------
def test_a_message_that_goes_sideways_is_caught(groups):
    def sideways(events):
        i = next(i for i, e in enumerate(events) if e.kind == "send" and e.agent == "worker-1")
        return replaced(events, i, peer="group-2")
    assert "worker-1 -> group-2: skipped a level or went sideways" in groups_violations(doctored(groups, sideways))


def test_a_task_settled_below_the_director_is_caught(groups):
    found = groups_violations(doctored(groups, lambda events: replaced(events, first(events, "task_done", "t0"),
                                                                        agent="group-1")))
    assert "t0 task_done by group-1, not by director" in found


def test_a_lease_running_out_on_a_slowed_member_is_a_reaction_to_a_failure():
    slowed = run_groups(SLOWED_SEED)
    assert groups_violations(slowed) == []

    def never_slow(events):
        return [e for e in events if not (e.kind == "fault" and e.reason.startswith("Slow(worker-1)"))]
    found = groups_violations(doctored(slowed, never_slow))
    assert any(v.startswith("group-1 task_retry about worker-1") and "no failure in its subtree" in v for v in found)


def test_a_result_a_group_lead_acknowledged_is_not_lost(groups):
    def forgotten(events):
        return [e for e in events if not (e.kind == "task_done" and e.data["task"] == "t0")]
    assert "results acknowledged, yet the task not done: t0" in groups_violations(doctored(groups, forgotten))


# --- the defect the suites found: a member of a lost board ended the whole run ----------------------
LONG_TASKS = with_work([Task(f"t{i}", duration=10.0) for i in range(8)])


def test_a_group_whose_lead_is_gone_for_good_does_not_end_the_run_the_director_reroutes():
    # Before: its members heard nothing from their lead for 30 s and ended the run "no_answer" while the
    # director was moving the group's work to the other group.
    run = run_groups_hierarchy(LONG_TASKS, 4, groups=2, seed=0, faults=[Crash("group-1", at=1.0)])
    assert run.stop_reason == "completed" and run.verdict, str(run.verdict)
    assert {e.agent for e in run.trace.select("task_start") if e.time > 1.0} <= set(run.chart.children("group-2"))
    assert groups_violations(run) == []


def test_a_floor_gone_for_good_is_the_orchestrator_s_to_answer():
    run = run_goals_swarm(LONG_TASKS, 3, seed=0, faults=[Crash("floor", at=1.0)])
    assert run.stop_reason == "tasks_failed"
    assert all("no live worker" in e.data["reason"] for e in run.trace.select("task_failed"))
    assert goals_violations(run) == []
