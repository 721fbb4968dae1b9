"""The response-threshold nemesis suite's judge (and the task checks it shares with the hybrids'),
tested both ways: it passes good runs and catches each doctored one."""
from dataclasses import replace

import pytest

from coordlab import Crash
from coordlab.patterns.centralized.protocol import Result
from coordlab.patterns.swarm.threshold import run_threshold
from tests.nemesis.centralized import RANDOM_DAG_WORKERS, random_dag_tasks
from tests.nemesis.threshold import run, violations
from tests.test_centralized_nemesis import doctored, first, with_body

GOOD_SEED = 14  # the board and a worker crash and recover; two grants are taken back


@pytest.fixture(scope="module")
def good():
    good = run(GOOD_SEED)
    assert {"board", "worker-3"} <= {e.agent for e in good.trace.select("crash")}  # an interesting run
    assert good.stop_reason == "completed" and good.trace.select("task_retry")
    return good


def replaced(events, i, **changes):
    return events[:i] + [replace(events[i], **changes)] + events[i + 1:]


def test_a_good_run_under_a_nemesis_has_no_violation(good):
    assert violations(good) == []


def test_a_task_settled_twice_is_caught(good):
    def twice(events):
        return events + [replace(events[first(events, "task_done", "t3")], time=events[-1].time)]
    assert "settled more than once: t3" in violations(doctored(good, twice))


def test_a_task_settled_by_another_agent_than_the_board_is_caught(good):
    def usurped(events):
        return replaced(events, first(events, "task_done", "t3"), agent="worker-1")
    assert "t3 task_done by worker-1, not by board" in violations(doctored(good, usurped))


def test_a_failure_without_a_reason_is_caught():
    failing = run_threshold([random_dag_tasks(0)[0]], 1, max_attempts=1)  # one task, no work: fine
    assert violations(failing) == []

    def no_reason(events):
        i = first(events, "task_done")
        return replaced(events, i, kind="task_failed", data={"task": events[i].data["task"]})
    assert any("task_failed without a reason" in v for v in violations(doctored(failing, no_reason)))


def test_an_attempt_started_before_its_dependency_was_done_is_caught(good):
    def early(events):
        i = next(i for i, e in enumerate(events) if e.kind == "task_start" and e.data["task"] == "t9")
        return [events[i]] + events[:i] + events[i + 1:]
    assert any(v.startswith("t9 attempt") and "before its dependencies" in v for v in violations(doctored(good, early)))


def test_a_wrong_reported_value_is_caught(good):
    def wrong(events):
        i = next(i for i, e in enumerate(events) if e.kind == "send" and isinstance(e.message.body, Result))
        return events[:i] + [with_body(events[i], value="wrong")] + events[i + 1:]
    assert any("reported a wrong value for" in v for v in violations(doctored(good, wrong)))


def test_wrong_inputs_handed_out_are_caught(good):
    def forged(events):
        i = next(i for i, e in enumerate(events) if e.kind == "send" and e.message.kind == "granted"
                 and e.message.body.inputs)
        return events[:i] + [with_body(events[i], inputs={dep: "forged" for dep in events[i].message.body.inputs})] \
            + events[i + 1:]
    assert any("with wrong inputs" in v for v in violations(doctored(good, forged)))


def test_a_done_task_no_worker_reported_is_caught(good):
    def unreported(events):
        return [e for e in events if not (e.kind == "send" and isinstance(e.message.body, Result)
                                          and e.message.body.task == "t0")]
    assert "done with no result any worker reported: t0" in violations(doctored(good, unreported))


def test_a_grant_by_another_agent_than_the_board_is_caught(good):
    def usurped(events):
        return replaced(events, first(events, "task_assigned", "t0"), agent="worker-2")
    assert "worker-2 granted t0: only the board grants" in violations(doctored(good, usurped))


def test_an_attempt_started_though_never_granted_is_caught(good):
    def ungranted(events):
        i = first(events, "task_start", "t0")
        return replaced(events, i, data={**events[i].data, "attempt": 99})
    found = violations(doctored(good, ungranted))
    assert any("started t0 attempt 99" in v and "never handed to it" in v for v in found)


def test_an_acknowledged_result_whose_task_never_settles_is_caught(good):
    def forgotten(events):
        return [e for e in events if not (e.kind == "task_done" and e.data["task"] == "t0")]
    found = violations(doctored(good, forgotten))
    assert "results acknowledged, yet the task not done: t0" in found
    assert "the job ended with 1 task(s) never settled" in found


@pytest.mark.parametrize("stop_reason", ["until", "event_limit", "deadlock"])
def test_a_run_that_does_not_end_with_the_job_s_outcome_is_caught(good, stop_reason):
    assert f"stopped with {stop_reason!r}, not with the job's outcome" in violations(
        doctored(good, stop_reason=stop_reason))


def test_an_outcome_that_does_not_match_the_tasks_is_caught(good):
    assert any("does not match the tasks' states" in v for v in violations(doctored(good, stop_reason="tasks_failed")))


def test_giving_up_while_the_board_is_up_is_caught(good):
    assert "no_answer although board ended up" in violations(doctored(good, stop_reason="no_answer"))


def test_giving_up_on_a_board_down_for_good_is_no_violation():
    gone = run_threshold(random_dag_tasks(0), RANDOM_DAG_WORKERS, faults=[Crash("board", at=1.5)])
    assert gone.stop_reason == "no_answer" and violations(gone) == []


def test_a_job_that_fails_although_every_crash_recovered_breaks_liveness(good):
    def failed(events):
        i = first(events, "task_done", "t9")
        return replaced(events, i, kind="task_failed", data={"task": "t9", "reason": "made up"})
    found = violations(doctored(good, failed, stop_reason="tasks_failed"))
    assert any(v.startswith("every crash recovered, yet the run ended 'tasks_failed'") for v in found)
