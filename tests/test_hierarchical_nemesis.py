"""The hierarchy under faults: issue 10's defects as regression tests (their exact repros), and
the nemesis suite's ``violations`` tested both ways (a good run passes, a doctored one is caught)."""
import json
import os
import subprocess
import sys
from dataclasses import replace

import pytest

from coordlab import Crash, Duplicate, Nemesis, Partition
from coordlab.patterns.hierarchical import (
    OrgChart,
    Project,
    TeamReport,
    failures_stay_contained,
    reports_only_when_done,
    run_hierarchical,
)
from coordlab.patterns.tasks import Report, Task, research_pipeline
from coordlab.world import Trace
from coordlab.world.trace import Event
from tests.nemesis.hierarchical import TWO_TEAMS, handled_results, run_two_teams, violations


def six_tasks():
    return Project("p", [Task(f"t{i}") for i in range(6)])


# --- 1. a wrongly suspected report is taken back, at every level ------------------------------
def test_workers_suspected_during_a_partition_are_probed_and_taken_back():
    run = run_hierarchical(six_tasks(), [1, 1, 2],
                           faults=[Partition([["worker-1.1", "worker-1.2"]], at=0.5, heal_at=3.0)])
    assert run.stop_reason == "completed" and run.count("done") == 6 and run.verdict, str(run.verdict)
    lost = {e.data["child"] for e in run.trace.select("child_lost", "lead-1")}
    back = {e.data["peer"] for e in run.trace.select("unsuspected", "lead-1")}
    assert lost == back == {"worker-1.1", "worker-1.2"}
    # Idle after their attempt, the workers came back only by answering a probe once the partition healed.
    answers = [e for e in run.trace.select("send") if e.message.kind == "heartbeat" and e.message.in_reply_to]
    assert answers and min(e.time for e in answers) >= 3.0
    # Meanwhile the tasks only they could do waited in the team: none escalated, none failed.
    assert run.trace.select("task_parked", "lead-1") and not run.trace.select(("task_escalated", "task_failed"))


def test_a_lead_suspected_during_a_partition_is_taken_back_by_the_director():
    run = run_hierarchical(six_tasks(), [1, 1, 2], faults=[Partition([["lead-1"]], at=0.5, heal_at=3.0)])
    assert run.stop_reason == "completed" and run.count("done") == 6 and run.verdict, str(run.verdict)
    assert [e.data["child"] for e in run.trace.select("child_lost", "director")] == ["lead-1"]
    assert [e.data["peer"] for e in run.trace.select("unsuspected", "director")] == ["lead-1"]
    assert run.trace.select("task_parked", "director") and not run.trace.select("task_failed")


def test_a_lost_report_is_answered_again_from_memory_not_redone():
    team = ["lead-1", "worker-1.1", "worker-1.2"]
    run = run_hierarchical(Project("p", [Task("t0"), Task("t1")]), [1, 1, 2], seed=1,
                           faults=[Partition([team], at=1.0, heal_at=1.5)])  # the team's report is cut off
    assert run.stop_reason == "completed" and run.verdict, str(run.verdict)
    reports = [e for e in run.trace.select("send", "lead-1") if e.message.kind == "report"]
    assert [e.message.body.order for e in reports] == ["director#1", "director#2"]
    assert reports[0].message.body.results == reports[1].message.body.results  # the same results, again
    assert len(run.trace.select("task_start")) == 2  # nothing was done twice


def test_tasks_only_a_lost_team_could_do_fail_once_it_is_given_up_not_before():
    run = run_hierarchical(six_tasks(), [1, 1, 2], give_up_after=10.0,
                           faults=[Crash("worker-1.1", at=0.5), Crash("worker-1.2", at=0.5)])
    assert run.stop_reason == "tasks_failed" and run.count("failed") == 6 and run.verdict, str(run.verdict)
    given_up = run.trace.select("given_up", "lead-1")
    assert sorted(e.data["peer"] for e in given_up) == ["worker-1.1", "worker-1.2"]
    suspected = max(e.time for e in run.trace.select("child_lost", "lead-1"))
    first_failure = min(e.time for e in run.trace.select("task_failed"))
    assert first_failure >= max(e.time for e in given_up) >= suspected + 10.0  # suspected, then 10 s of probes


# --- 2. failures stay contained: what a failure is, and where it may be seen ------------------
def test_a_partition_is_a_failure_its_team_may_react_to():
    run = run_hierarchical(Project("p", [Task(f"t{i}") for i in range(4)]), [1, 2, 4],
                           faults=[Partition([["worker-1.1"]], at=0.5, heal_at=4)])
    assert run.stop_reason == "completed" and run.count("done") == 4
    assert run.trace.select("child_lost", "lead-1")  # lead-1 did react to its cut-off worker
    verdict = failures_stay_contained(run.chart)(run.result)
    assert verdict, verdict.explanation


def with_events(run, change):
    """A copy of ``run`` whose trace's events are ``change(events)``."""
    trace = Trace()
    for e in change(list(run.trace)):
        trace.record(e.time, e.kind, e.agent, peer=e.peer, message=e.message, reason=e.reason, data=e.data)
    return replace(run, result=replace(run.result, trace=trace))


def inserted(run, event, before=None):
    """``run`` with ``event`` inserted before the first event at ``before`` or later (else at the end)."""
    def change(events):
        at = next((i for i, e in enumerate(events) if before is not None and e.time >= before), len(events))
        return events[:at] + [event] + events[at:]
    return with_events(run, change)


def reaction(time, manager, child, kind="child_lost"):
    return Event(0, time, kind, manager, data={"child": child, "reason": "doctored", "task": "t0"})


def test_failures_stay_contained_catches_a_reaction_in_the_wrong_team_or_before_the_failure():
    run = run_hierarchical(Project("p", [Task(f"t{i}") for i in range(4)]), [1, 2, 4],
                           faults=[Partition([["worker-1.1"]], at=0.5, heal_at=4)])
    check = failures_stay_contained(run.chart)
    for doctored in (inserted(run, reaction(2.1, "lead-2", "worker-2.1")),  # the other team: nothing failed there
                     inserted(run, reaction(0.2, "lead-1", "worker-1.1"), before=0.2),  # before the partition
                     inserted(run, reaction(2.1, "director", "lead-2", "task_rerouted")),
                     inserted(run, Event(0, 2.1, "task_escalated", "lead-2", data={"task": "t1", "reason": "x"}))):
        verdict = check(doctored.result)
        assert not verdict and verdict.evidence[0].data.get("reason") in ("doctored", "x")


# --- 3. the same trace in every process -------------------------------------------------------
RUNS = r'''
import json
from coordlab import Duplicate, Nemesis
from coordlab.patterns.hierarchical import OrgChart, Project, run_hierarchical
from coordlab.patterns.tasks import research_pipeline
chart = OrgChart.from_levels([1, 2, 6], specialties=["research", "analysis", "writing"])
project = Project("report", research_pipeline(3))
print(json.dumps([run_hierarchical(project, chart, seed=5).trace.fingerprint(),
                  run_hierarchical(project, chart, seed=5, faults=Nemesis(seed=5)).trace.fingerprint(),
                  run_hierarchical(project, chart, seed=5, faults=[Duplicate(0.3)]).trace.fingerprint()]))
'''


def test_hierarchical_traces_are_the_same_under_another_hash_seed():
    prints = []
    for hash_seed in ("0", "1"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        out = subprocess.run([sys.executable, "-c", RUNS], capture_output=True, text=True, env=env, timeout=120)
        assert out.returncode == 0, out.stderr
        prints.append(json.loads(out.stdout))
    assert prints[0] == prints[1] and len(set(prints[0])) == 3


# --- 6. duplicated messages, and crashes of every role ------------------------------------------
CHART = OrgChart.from_levels([1, 3, 9], specialties=["research", "analysis", "writing"])


def test_duplicated_messages_change_nothing():
    stops = set()
    for seed in range(100):
        run = run_hierarchical(Project("report", research_pipeline(3)), CHART, seed=seed, faults=[Duplicate(0.2)])
        stops.add(run.stop_reason)
        assert run.verdict, f"seed {seed}: {run.verdict}"
        assert len(run.trace.select("task_done")) == 7
    assert stops == {"completed"}


def test_reports_only_when_done_takes_a_delegate_delivered_twice_as_one_order():
    run = run_hierarchical(Project("report", research_pipeline(3)), CHART, seed=1)
    delivered = next(e for e in run.trace.select("deliver") if e.message.kind == "delegate")
    twice = inserted(run, replace(delivered, time=delivered.time + 0.01), before=delivered.time + 0.01)
    assert reports_only_when_done(CHART)(twice.result)
    first_report = next(e for e in run.trace.select("send") if e.message.kind == "report")
    early = replace(first_report, time=delivered.time,
                    message=replace(first_report.message, body=TeamReport(delivered.message.body.order, {})))
    verdict = reports_only_when_done(CHART)(inserted(twice, early, before=delivered.time + 0.005).result)
    assert not verdict


@pytest.mark.parametrize("victim", ["director", "lead-2", "worker-1.1"])
def test_any_role_can_crash_and_recover_and_the_project_still_completes(victim):
    run = run_hierarchical(Project("report", research_pipeline(3)), CHART, seed=2,
                           faults=[Crash(victim, at=1.2, recover_at=2.0), Crash(victim, at=3.5, recover_at=4.0)])
    assert run.stop_reason == "completed" and not run.result.errors and run.verdict, str(run.verdict)
    assert len(run.trace.select("task_done")) == 7


def test_the_client_asks_again_and_the_director_answers_its_progress_without_starting_again():
    run = run_hierarchical(Project("long", [Task(f"t{i}", duration=9.0) for i in range(2)]), [1, 1, 1], seed=1)
    asks = [e for e in run.trace.select("send", "client")]
    answers = [e.message.body for e in run.trace.select("send", "director") if e.message.kind == "project_ok"]
    assert len(asks) == 2 and asks[1].time == 10.0 and asks[1].message.conversation == asks[0].message.conversation
    # At t = 10 one task is finished, but its result waits in the lead's report until the order is done.
    assert answers == [Report("running", 0, 0, 0), Report("completed", 2, 0, 0)]
    assert run.stop_reason == "completed" and len(run.trace.select("task_start")) == 2


# --- the nemesis suite's violations, both ways ---------------------------------------------------
@pytest.fixture(scope="module")
def good():
    """Seed 8: the director and lead-1 crash and recover; the project completes."""
    run = run_two_teams(8)
    assert {e.agent for e in run.trace.select("crash")} == {"director", "lead-1"} and violations(run) == []
    return run


def dropped(run, kind, task=None):
    """``run`` without its last event of ``kind`` (about ``task``)."""
    def change(events):
        last = max(i for i, e in enumerate(events) if e.kind == kind and (task is None or e.data["task"] == task))
        return events[:last] + events[last + 1:]
    return with_events(run, change)


def test_violations_catch_a_task_settled_twice_or_started_too_early(good):
    done = good.trace.select("task_done")[0]
    assert f"settled more than once: {done.data['task']}" in violations(inserted(good, done))
    dependant = next(e for e in good.trace.select("task_start") if e.data["task"] == "t4")
    early = inserted(good, replace(dependant, time=0.0), before=0.0)
    assert any("t4 attempt" in v and "before its dependencies" in v for v in violations(early))


def test_violations_catch_a_handled_result_that_was_lost(good):
    tid = sorted(handled_results(good))[0]
    found = violations(dropped(good, "task_done", tid))
    assert f"results the director handled, yet the task not done: {tid}" in found


def test_violations_catch_a_wrong_value():
    run = run_two_teams(8)
    run.result.agents["director"].stable["books"].graphs["p"].results["t5"] = ("t5", ())
    assert "done with a wrong value: t5" in violations(run)


def test_violations_catch_an_answer_that_does_not_match_the_tasks(good):
    def change(events):
        answer = next(i for i, e in enumerate(events) if e.kind == "send" and e.message.kind == "project_ok")
        wrong = replace(events[answer].message, body=Report("completed", 7, 0, 0))
        return events[:answer] + [replace(events[answer], message=wrong)] + events[answer + 1:]
    assert any("the director answered" in v for v in violations(with_events(good, change)))
    gave_up = replace(good, result=replace(good.result, stop_reason="no_answer"))
    found = violations(gave_up)
    assert "the client gave up although the director was up" in found
    assert any(v.startswith("every crash recovered, yet the run ended 'no_answer'") for v in found)


def test_violations_catch_a_message_that_skips_a_level_and_an_uncontained_reaction(good):
    send = next(e for e in good.trace.select("send") if e.message.kind == "result")
    sideways = replace(send, peer="director", message=replace(send.message, to="director"))
    assert any("worker-" in v and "->director" in v for v in violations(inserted(good, sideways)))
    quiet = next(w for w in TWO_TEAMS.workers if w.startswith("worker-2"))
    found = violations(inserted(good, reaction(0.1, "lead-2", quiet), before=0.1))
    assert any(v.startswith(f"lead-2 child_lost about {quiet}") for v in found)


def test_violations_catch_a_run_that_never_ends_or_never_finishes(good):
    assert any("safety net" in v for v in violations(replace(good, result=replace(good.result, stop_reason="until"))))
    unfinished = dropped(good, "task_done", "t7")
    assert any("never settled" in v or "completed' does not match" in v for v in violations(unfinished))


def test_a_nemesis_run_that_loses_its_director_for_good_ends_with_no_answer():
    run = run_two_teams(3)
    assert run.stop_reason == "no_answer" and violations(run) == []
    assert Nemesis(seed=3).heal_time < run.result.time < 200
