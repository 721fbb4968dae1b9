"""The centralized nemesis suite's judge, tested both ways, and the defects the nemesis found.

``violations`` must pass good runs and catch each doctored one; then one regression test per
defect of issue 10, with the issue's own repro where it gave one.
"""
from dataclasses import replace
from types import SimpleNamespace

import pytest

from coordlab import Crash, Duplicate, Partition
from coordlab.patterns.centralized import Client, Orchestrator, Worker, WorkerSpec, run_centralized
from coordlab.patterns.tasks import RetryPolicy, Task, research_pipeline
from coordlab.world import Agent, World
from coordlab.world.trace import Trace
from tests.nemesis.centralized import nemesis, pipeline_tasks, run_pipeline, violations

GOOD_SEED = 12  # the orchestrator and a worker crash and recover; three attempts are retried


@pytest.fixture(scope="module")
def good():
    run = run_pipeline(GOOD_SEED)
    crashed = [e.agent for e in run.trace.select("crash")]
    assert "orchestrator" in crashed and run.stop_reason == "completed"  # an interesting run
    return run


def doctored(run, edit=lambda events: events, *, stop_reason=None, settled=None):
    """``run`` with its trace edited by ``edit`` (a list of events in, one out), and optionally
    another stop reason or another journal on the orchestrator's disk."""
    trace = Trace()
    trace.events = edit(list(run.trace))
    agents = dict(run.result.agents)
    if settled is not None:
        agents["orchestrator"] = SimpleNamespace(stable={"settled": settled})
    result = replace(run.result, trace=trace, agents=agents, stop_reason=stop_reason or run.stop_reason)
    return replace(run, result=result)


def first(events, kind, task=None, message_kind=None):
    return next(i for i, e in enumerate(events) if e.kind == kind
                and (task is None or (e.data or {}).get("task") == task)
                and (message_kind is None or (e.message is not None and e.message.kind == message_kind)))


def with_body(event, **changes):
    return replace(event, message=replace(event.message, body=replace(event.message.body, **changes)))


# --- the judge, both ways -----------------------------------------------------------------
def test_a_good_run_under_a_nemesis_has_no_violation(good):
    assert violations(good) == []


def test_a_task_settled_twice_is_caught(good):
    def twice(events):
        done = events[first(events, "task_done", "research-1")]
        return events + [replace(done, time=events[-1].time)]
    assert any("settled more than once: research-1" in v for v in violations(doctored(good, twice)))


def test_a_failure_without_a_reason_is_caught():
    failing = [Task("t", work=lambda payload, inputs: 1 / 0)]
    run = run_centralized(failing, workers=1, retry=RetryPolicy(max_attempts=1))
    assert "t task_failed without a reason" not in violations(run)  # (its liveness fails: suite tasks never raise)

    def no_reason(events):
        i = first(events, "task_failed")
        return events[:i] + [replace(events[i], data={"task": "t"})] + events[i + 1:]
    assert "t task_failed without a reason" in violations(doctored(run, no_reason))


def test_an_attempt_started_before_its_dependency_was_done_is_caught(good):
    def early(events):
        i = first(events, "task_start", "analysis-1")
        return [events[i]] + events[:i] + events[i + 1:]
    assert any("analysis-1 attempt" in v and "before its dependencies" in v for v in violations(doctored(good, early)))


def test_a_done_value_no_worker_reported_is_caught(good):
    journal = dict(good.result.agents["orchestrator"].stable["settled"])
    journal["writing"] = replace(journal["writing"], value="made up")
    assert "writing is done with a value no worker reported" in violations(doctored(good, settled=journal))


def test_a_wrong_value_is_caught_even_if_a_worker_reported_it(good):
    def wrong(events):
        return [with_body(e, value="wrong") if e.kind == "send" and e.message.kind == "result"
                and e.message.body.task == "writing" else e for e in events]
    journal = dict(good.result.agents["orchestrator"].stable["settled"])
    journal["writing"] = replace(journal["writing"], value="wrong")
    assert "writing is done with a wrong value" in violations(doctored(good, wrong, settled=journal))


def test_an_input_no_worker_reported_is_caught(good):
    def bad_input(events):
        i = first(events, "send", message_kind="assign")
        while not events[i].message.body.inputs:
            i = next(j for j in range(i + 1, len(events)) if events[j].kind == "send"
                     and events[j].message.kind == "assign")
        inputs = {dep: "forged" for dep in events[i].message.body.inputs}
        return events[:i] + [with_body(events[i], inputs=inputs)] + events[i + 1:]
    assert any("no worker reported" in v for v in violations(doctored(good, bad_input)))


def test_a_received_result_whose_task_never_settles_is_caught():
    run = run_centralized(pipeline_tasks(), workers=3)
    assert violations(run) == []

    def forgotten(events):
        return [e for e in events if not (e.kind == "task_done" and e.data["task"] == "writing")]
    found = violations(doctored(run, forgotten))
    assert "results the orchestrator received, yet the task not done: writing" in found
    assert any("never settled" in v for v in found)
    assert any("does not match the tasks' states" in v for v in found)


def test_a_report_that_does_not_match_the_tasks_is_caught(good):
    def misreported(events):
        i = max(j for j, e in enumerate(events) if e.kind == "deliver" and e.message.kind == "submit_ok")
        return events[:i] + [with_body(events[i], done=6, failed=1)] + events[i + 1:]
    assert any("does not match the tasks' states" in v for v in violations(doctored(good, misreported)))


def test_a_stop_reason_that_is_not_the_report_is_caught(good):
    assert any("is not the client's report" in v for v in violations(doctored(good, stop_reason="tasks_failed")))


@pytest.mark.parametrize("stop_reason", ["deadlock", "until", "event_limit"])
def test_a_run_that_does_not_end_with_the_job_s_outcome_is_caught(good, stop_reason):
    assert f"stopped with {stop_reason!r}, not with the job's outcome" in violations(
        doctored(good, stop_reason=stop_reason))


def test_giving_up_while_the_orchestrator_is_up_is_caught(good):
    assert "the client gave up although the orchestrator was up" in violations(doctored(good, stop_reason="no_answer"))


def test_giving_up_on_an_orchestrator_down_for_good_is_no_violation():
    run = run_centralized(pipeline_tasks(), workers=3, faults=[Crash("orchestrator", at=1.5)])
    assert run.stop_reason == "no_answer" and violations(run) == []


def test_a_job_that_fails_although_every_crash_recovered_breaks_liveness():
    # The default retry policy (3 attempts) runs out under this seed's losses: a real run, not doctored.
    run = run_centralized(pipeline_tasks(), workers=3, seed=2, faults=nemesis(2))
    assert run.stop_reason == "tasks_failed"
    assert [v for v in violations(run) if v.startswith("every crash recovered, yet")] == violations(run) != []


# --- defect 1: a wrongly suspected worker is taken back -------------------------------------
def test_a_partitioned_worker_is_taken_back_after_the_heal():
    run = run_centralized([Task(f"t{i}") for i in range(6)], workers=1,
                          faults=[Partition([["worker-1"]], at=0.5, heal_at=3.0)])
    assert run.stop_reason == "completed" and run.count("done") == 6 and run.verdict
    suspected, = run.trace.select("worker_lost")
    probes = [e for e in run.trace.select("send") if e.message.kind == "probe"]
    taken_back, = run.trace.select("unsuspected")
    assert suspected.time < 3.0 < taken_back.time  # suspected in the partition, taken back after it
    assert probes[0].time == suspected.time and taken_back.data["peer"] == "worker-1"
    assert min(e.time for e in run.trace.select("task_assigned") if e.data["task"] != "t0") >= taken_back.time


def test_work_only_a_suspect_can_do_waits_for_it_instead_of_failing():
    workers = [WorkerSpec("researcher", "research"), WorkerSpec("writer", "writing")]
    tasks = [Task("r", "research", 3.0), Task("w", "writing", depends_on="r")]
    run = run_centralized(tasks, workers, faults=[Partition([["researcher"]], at=0.5, heal_at=12.0)])
    assert run.stop_reason == "completed" and run.verdict
    assert run.trace.select("unsuspected") and not run.trace.select("given_up")


def test_work_fails_only_once_every_capable_worker_is_given_up():
    tasks = [Task("t", duration=3.0), Task("w", "writing", depends_on="t")]
    workers = [WorkerSpec("w1", "task"), WorkerSpec("writer", "writing")]
    run = run_centralized(tasks, workers, faults=[Crash("w1", at=1.0)], retry=RetryPolicy(initial_interval=0))
    given_up, = run.trace.select("given_up")
    failed, = run.trace.select("task_failed")
    assert given_up.data["peer"] == "w1" and failed.time == pytest.approx(given_up.time, abs=0.01)
    assert given_up.time > 30  # probed for give_up_after seconds first
    assert failed.data["reason"] == "no live worker can do type 'task'" and run.stop_reason == "tasks_failed"
    sooner = run_centralized(tasks, workers, faults=[Crash("w1", at=1.0)], retry=RetryPolicy(initial_interval=0),
                             give_up_after=5.0)
    assert sooner.trace.select("given_up")[0].time == pytest.approx(given_up.time - 25, abs=2.0)


def test_a_worker_answers_a_probe_with_a_heartbeat():
    class Prober(Agent):
        async def run(self):
            self.answer = await self.request("w", "probe", timeout=1.0)

    prober = Prober("prober")
    world = World(latency=0.01)
    world.add(prober, Worker(WorkerSpec("w", "task"), "prober"))
    world.run()
    assert prober.answer.kind == "heartbeat" and prober.answer.body.running == ()


# --- defect 8: an orchestrator that crashes and recovers resumes its job ---------------------
@pytest.mark.parametrize("at", [0.3, 1.0, 1.5, 2.5, 3.5, 4.0])
def test_a_recovered_orchestrator_resumes_the_job(at):
    run = run_centralized(research_pipeline(), faults=[Crash("orchestrator", at=at, recover_at=at + 1)])
    assert run.stop_reason == "completed" and run.verdict, str(run.verdict)
    done = [e.data["task"] for e in run.trace.select("task_done")]
    assert sorted(done) == sorted(t.id for t in research_pipeline())  # each exactly once
    recovered, = run.trace.select("recovered")
    settled_before = {e.data["task"] for e in run.trace.select("task_done") if e.time < at}
    assert recovered.data["settled"] == len(settled_before)
    # nothing settled before the crash is handed out again
    assert not [e for e in run.trace.select("task_assigned") if e.time > at and e.data["task"] in settled_before]


def test_work_under_way_at_the_crash_is_asked_for_again_not_redone():
    clean = run_centralized(research_pipeline())
    run = run_centralized(research_pipeline(), faults=[Crash("orchestrator", at=3.5, recover_at=4.5)])
    asked, = run.trace.select("attempt_asked_again")
    assert (asked.data["task"], asked.data["worker"], asked.data["attempt"]) == ("writing", "worker-1", 1)
    assert len(run.trace.select("task_start")) == 7 and run.makespan == clean.makespan


def test_a_result_sent_while_the_orchestrator_was_down_is_sent_again_when_asked():
    run = run_centralized(research_pipeline(), faults=[Crash("orchestrator", at=2.5, recover_at=3.5)])
    dropped = {e.message.body.task for e in run.trace.select("drop") if e.message.kind == "result"}
    assert dropped == {"analysis-1", "analysis-2", "analysis-3"}  # finished while it was down
    assert len(run.trace.select("task_start")) == 7 and not run.trace.select("task_retry")  # none redone
    assert all(e.time > 3.5 for e in run.trace.select("task_done") if e.data["task"] in dropped)
    assert run.stop_reason == "completed" and run.verdict


def test_attempt_numbers_are_never_reused_after_a_crash():
    calls = []

    def fails_once(payload, inputs):
        calls.append(payload)
        if len(calls) == 1:
            raise RuntimeError("first time")

    # attempt 1 failed before the crash; a recovered orchestrator numbering the retry 1 again
    # would get the worker's answer to attempt 1 (the failure) instead of a new attempt
    run = run_centralized([Task("t", work=fails_once)], workers=1,
                          faults=[Crash("orchestrator", at=1.1, recover_at=1.5)])
    assert [e.data["attempt"] for e in run.trace.select("task_start")] == [1, 2]
    assert run.stop_reason == "completed" and run.verdict


# --- defect 10: a lost submit or answer no longer deadlocks the client -----------------------
def submits(run):
    return [(round(e.time, 3), e.kind, e.message.kind) for e in run.trace.select(("send", "drop"))
            if e.message.kind.startswith("submit")]


def test_a_lost_submit_is_sent_again():
    run = run_centralized(research_pipeline(), faults=[Partition([["client"]], at=0, heal_at=5)])
    assert run.stop_reason == "completed" and run.verdict
    assert submits(run)[:3] == [(0.0, "send", "submit"), (0.0, "drop", "submit"), (10.0, "send", "submit")]


def test_a_lost_answer_is_asked_for_again_and_the_job_is_not_run_twice():
    run = run_centralized(research_pipeline(), faults=[Partition([["client"]], at=4, heal_at=12)])
    assert run.stop_reason == "completed" and run.verdict
    assert ("drop", "submit_ok") in [s[1:] for s in submits(run)]
    assert submits(run)[-2:] == [(20.0, "send", "submit"), (20.015, "send", "submit_ok")]
    assert len(run.trace.select("task_assigned")) == 7  # answered again from its books, not restarted


def test_a_duplicated_submit_is_answered_with_progress_and_the_job_runs_once():
    run = run_centralized(research_pipeline(), faults=[Duplicate(1.0, at=0, until=0.001)])
    answers = [e.message.body.outcome for e in run.trace.select("deliver") if e.message.kind == "submit_ok"]
    assert answers == ["running", "completed"]
    assert len(run.trace.select("task_assigned")) == 7 and run.stop_reason == "completed"


def test_another_job_while_one_runs_is_answered_busy():
    class Second(Agent):
        async def run(self):
            await self.sleep(1.0)
            self.answer = await self.request("orchestrator", "submit", Client("c", [Task("x")], {"x": 1.0}).job)

    tasks = research_pipeline()
    second = Second("second")
    world = World()
    world.add(Client("client", tasks, {t.id: 1.0 for t in tasks}), second,
              Orchestrator("orchestrator", [WorkerSpec("w", ["research", "analysis", "writing"])]),
              Worker(WorkerSpec("w", ["research", "analysis", "writing"])))
    assert world.run().stop_reason == "completed"
    assert second.answer.body.outcome == "busy"


# --- defect 6: repeated messages are idempotent -----------------------------------------------
@pytest.mark.parametrize("seed", range(6))
def test_duplicated_messages_change_nothing(seed):
    clean = run_centralized(research_pipeline(), seed=seed)
    run = run_centralized(research_pipeline(), seed=seed, duplicate=0.5)
    assert any(e.message.duplicate for e in run.trace.select("deliver"))
    assert run.stop_reason == "completed" and run.verdict, str(run.verdict)
    started = [(e.agent, e.data["task"], e.data["attempt"]) for e in run.trace.select("task_start")]
    assert len(started) == len(set(started)) == 7  # no attempt run twice, none retried
    assert run.makespan == pytest.approx(clean.makespan, abs=0.05)


def test_a_duplicated_register_does_not_count_as_a_restart():
    run = run_centralized(research_pipeline(), faults=[Duplicate(1.0, at=0, until=0.001)])
    assert not run.trace.select("task_retry") and run.verdict


def test_a_duplicated_failure_costs_one_attempt():
    failing = [Task("t", work=lambda payload, inputs: 1 / 0)]
    run = run_centralized(failing, workers=1, duplicate=1.0, retry=RetryPolicy(max_attempts=3, initial_interval=0))
    assert [e.data["attempt"] for e in run.trace.select("task_retry")] == [1, 2]
    assert run.trace.select("task_failed")[0].data["reason"].endswith("(attempt 3 of 3)")


def test_an_assign_meant_for_a_worker_before_it_restarted_is_ignored():
    run = run_centralized([Task("t")], workers=1, faults=[Crash("worker-1", at=0.016, recover_at=0.02)])
    assert [e.data["attempt"] for e in run.trace.select("task_start")] == [2]
    assert run.stop_reason == "completed" and run.verdict
