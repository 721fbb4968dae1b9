"""The naive textbook orchestrator reproduces its four flaws, and the real one does not."""
import pytest

from coordlab.patterns.centralized import WorkerSpec, run_centralized
from coordlab.patterns.centralized.naive import POLL_INTERVAL, run_naive
from coordlab.patterns.tasks import Task, research_pipeline


def failing(payload, inputs):
    raise RuntimeError("source unreachable")


def test_flaw_1_three_workers_finish_no_faster_than_one():
    tasks = research_pipeline(3)
    one, three = (run_naive(tasks, workers=n, seed=1) for n in (1, 3))
    assert one.stop_reason == three.stop_reason == "completed"
    assert three.makespan == pytest.approx(one.makespan)
    assert run_centralized(tasks, workers=3, seed=1).makespan < three.makespan / 2


def test_flaw_2_a_failed_dependency_spins_until_the_event_limit():
    tasks = [Task("a", work=failing), Task("b", depends_on=("a",))]
    run = run_naive(tasks, workers=2, seed=0, max_events=2_000)
    assert run.stop_reason == "event_limit"
    assert len(run.trace.select("requeue")) > 1_900
    assert {e.time for e in run.trace.select("requeue")} == {run.trace.select("requeue")[0].time}  # no time passes
    assert not run.verdict
    assert run_centralized(tasks, workers=2, seed=0).stop_reason == "tasks_failed"


def test_flaw_3_with_no_capable_worker_it_polls_every_tenth_of_a_second():
    tasks = [Task("x", "painting")]
    run = run_naive(tasks, workers=[WorkerSpec("w", "research")], seed=0, until=1.0)
    polls = [e.time for e in run.trace.select("requeue")]
    assert run.stop_reason == "until"
    assert len(polls) == 11  # at t = 0, 0.1, …, 1.0
    assert [round(b - a, 9) for a, b in zip(polls, polls[1:])] == [POLL_INTERVAL] * 10


def test_flaw_4_an_unknown_dependency_is_a_bare_key_error():
    run = run_naive([Task("a", depends_on=("nope",))], workers=1, seed=0)
    assert run.stop_reason == "agent_error"
    assert repr(run.result.errors[0].error) == "KeyError('nope')"
    with pytest.raises(ValueError, match="depends on 'nope', which is not a task"):
        run_centralized([Task("a", depends_on=("nope",))], workers=1)
