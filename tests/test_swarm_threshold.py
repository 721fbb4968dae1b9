"""Response-threshold task allocation: the one-worker rule, the board, failures, checkers both ways."""
from collections import Counter

import numpy as np
import pytest

from coordlab import Crash, Nemesis, Uniform
from coordlab.patterns.centralized import WorkerSpec
from coordlab.patterns.protocol import kinds_declared
from coordlab.patterns.run import PatternRun
from coordlab.patterns.swarm import (
    BOARD,
    BOARD_PROTOCOL,
    ThresholdRun,
    adapt,
    board_protocol_table,
    respond,
    run_threshold,
    stimulus,
)
from coordlab.patterns.tasks import (
    Task,
    TaskRun,
    dependencies_respected,
    every_task_settled,
    layered_tasks,
    no_result_lost,
    research_pipeline,
)
from tests.doctor import doctor
from tests.nemesis import BROKEN, down_at_the_end, expected_values, with_work

TYPES = ["research", "analysis", "writing"]


def states(run) -> dict[str, str]:
    return dict(zip(run.tasks["task"], run.tasks["state"]))


def done_counts(run) -> Counter:
    return Counter(e.data["task"] for e in run.trace.select("task_done"))


# --- the rule of one worker, and the same rule for many --------------------------------
def test_the_response_probability_is_s_squared_over_s_squared_plus_theta_squared():
    draws = np.random.default_rng(0).random(20_000)
    for s, theta in [(1.0, 1.0), (2.0, 1.0), (0.5, 2.0)]:
        share = np.mean([respond(s, theta, u) for u in draws])
        assert share == pytest.approx(s**2 / (s**2 + theta**2), abs=0.01)
    assert not any(respond(0.0, 1.0, u) for u in draws)  # no stimulus, no response


def test_adapting_a_threshold_moves_it_the_right_way_and_keeps_it_in_bounds():
    rng = np.random.default_rng(2)
    thresholds = rng.uniform(0.2, 2.5, 200)
    took = rng.random(200) < 0.5
    adapted = np.array([adapt(float(t), bool(k), learn=0.4, forget=0.3, low=0.2, high=2.5)
                        for t, k in zip(thresholds, took)])
    assert adapted.min() >= 0.2 and adapted.max() <= 2.5
    assert (adapted[took] <= thresholds[took]).all() and (adapted[~took] >= thresholds[~took]).all()
    expected = np.clip(np.where(took, thresholds - 0.4, thresholds + 0.3), 0.2, 2.5)  # the rule, written out
    assert np.allclose(adapted, expected) and (adapted == 0.2).any() and (adapted == 2.5).any()


def test_the_stimulus_grows_with_the_tasks_waiting_and_how_long_they_waited():
    assert stimulus([], 0.5) == 0
    assert stimulus([0.0, 0.0], 0.5) == 2
    assert stimulus([2.0, 4.0], 0.5) == pytest.approx((1 + 1) + (1 + 2))


# --- a healthy run -----------------------------------------------------------------------
def test_pipeline_completes_with_a_valid_verdict_and_keeps_the_run_contract():
    run = run_threshold(research_pipeline(3), 3, seed=1)
    assert run.stop_reason == "completed", run
    assert set(states(run).values()) == {"done"}
    assert run.verdict, str(run.verdict)
    assert isinstance(run, ThresholdRun) and isinstance(run, TaskRun) and isinstance(run, PatternRun)
    assert run.makespan >= run.critical_path.length
    assert run.metrics["tasks done"] == 7 and run.metrics["senses"] > 0


def test_each_task_is_done_once_after_its_dependencies_by_a_capable_worker():
    tasks = with_work(layered_tasks(24, 6, duration=Uniform(0.5, 1.5), seed=2))
    tasks = [t if i % 2 else Task(t.id, "other", t.duration, t.depends_on, t.payload, t.work)
             for i, t in enumerate(tasks)]
    workers = [WorkerSpec("a", ["work"]), WorkerSpec("b", ["work", "other"], capacity=2), WorkerSpec("c", ["other"])]
    run = run_threshold(tasks, workers, seed=3)
    assert run.stop_reason == "completed" and run.verdict, str(run.verdict)
    assert done_counts(run) == Counter({t.id: 1 for t in tasks})
    caps = {w.name: w.capabilities for w in workers}
    kind = {t.id: t.type for t in tasks}
    assert all(kind[e.data["task"]] in caps[e.agent] for e in run.trace.select("task_start"))
    done_at = {e.data["task"]: e.time for e in run.trace.select("task_done")}
    for e in run.trace.select("task_start"):
        assert all(done_at[d] <= e.time for d in next(t for t in tasks if t.id == e.data["task"]).depends_on)
    values = {e.message.body.task: e.message.body.value for e in run.trace.select("send")
              if e.message.kind == "done" and e.agent != BOARD}
    assert values == expected_values(tasks)  # the right inputs flowed along the DAG


def test_the_board_tells_each_type_its_stimulus_from_the_tasks_waiting():
    """No dependencies and no faults: every task opens at 0 and waits until it is assigned."""
    tasks = [Task(f"{kind}{i}", kind) for i in range(6) for kind in "ab"]
    run = run_threshold(tasks, 3, seed=1, growth=0.5)
    assigned = {e.data["task"]: e.seq for e in run.trace.select("task_assigned")}
    readings = [e for e in run.trace.select("send") if e.message.kind == "sense_ok"]
    assert readings
    for reading in readings:
        for row in reading.message.body.open:
            waiting = [t.id for t in tasks if t.type == row.type and assigned[t.id] > reading.seq]
            assert row.open == len(waiting)
            assert row.stimulus == pytest.approx(stimulus([reading.time] * len(waiting), 0.5))


def test_nobody_assigns_the_workers_claim_and_the_board_refuses_the_late_ones():
    # 6 eager workers, 3 tasks, and a slow network: several read the board before the first claim lands
    run = run_threshold([Task(f"t{i}") for i in range(3)], 6, seed=0, threshold=0.1, latency=0.3)
    kinds = Counter(e.message.kind for e in run.trace.select("send"))
    assert kinds["claim"] == kinds["granted"] + kinds["refused"] and kinds["refused"] > 0
    board_sent = {e.message.kind for e in run.trace.select("send") if e.agent == BOARD}
    assert board_sent <= {"sense_ok", "granted", "refused", "done_ok"}  # it only answers
    assigned = [e.data["worker"] for e in run.trace.select("task_assigned")]
    assert len(set(assigned)) > 1


def test_same_seed_same_trace_and_different_seed_different_trace():
    tasks = [Task(f"t{i}", duration=Uniform(0.5, 1.5)) for i in range(8)]
    first, again, other = (run_threshold(tasks, 3, seed=s, latency=Uniform(0.01, 0.05)) for s in (4, 4, 5))
    assert first.trace.fingerprint() == again.trace.fingerprint() != other.trace.fingerprint()


def test_the_trace_does_not_depend_on_python_hash_randomisation():
    import subprocess
    import sys

    script = ("from coordlab.patterns.centralized import WorkerSpec\n"
              "from coordlab.patterns.swarm import run_threshold\n"
              "from coordlab.patterns.tasks import research_pipeline\n"
              "w = [WorkerSpec('a', ['research', 'analysis', 'writing']), WorkerSpec('b', ['writing', 'research'])]\n"
              "print(run_threshold(research_pipeline(2), w, seed=3, learn=0.1, forget=0.1).trace.fingerprint())")
    outputs = {subprocess.run([sys.executable, "-c", script], env={"PYTHONHASHSEED": seed}, capture_output=True,
                              text=True, check=True).stdout for seed in ("1", "2")}
    assert len(outputs) == 1


def test_high_thresholds_leave_tasks_waiting_longer():
    tasks = [Task(f"t{i}") for i in range(10)]

    def mean_wait(run) -> float:
        opened = {t.id: 0.0 for t in tasks}  # no dependencies: all open from the start
        return float(np.mean([e.time - opened[e.data["task"]] for e in run.trace.select("task_assigned")]))

    eager = [mean_wait(run_threshold(tasks, 4, seed=s, threshold=0.1)) for s in range(3)]
    reluctant = [mean_wait(run_threshold(tasks, 4, seed=s, threshold=20.0)) for s in range(3)]
    assert np.mean(reluctant) > 2 * np.mean(eager)


def test_learning_thresholds_make_specialists_when_work_is_scarce():
    """Two chains of tasks per type (a few open at a time) for four workers able to do both."""
    tasks = [Task(f"{kind}{c}-{i}", kind, 0.5, depends_on=(f"{kind}{c}-{i - 1}",) if i else ())
             for i in range(20) for c in range(2) for kind in "ab"]
    workers = [WorkerSpec(f"w{i}", ["a", "b"]) for i in range(4)]

    def specialisation(run) -> float:
        """Per worker, the share of its tasks of its most frequent type (0.5 = generalist, 1 = specialist)."""
        took = Counter((e.data["worker"], e.data["task"][0]) for e in run.trace.select("task_assigned"))
        return float(np.mean([max(took[(w.name, "a")], took[(w.name, "b")])
                              / (took[(w.name, "a")] + took[(w.name, "b")]) for w in workers]))

    fixed = np.mean([specialisation(run_threshold(tasks, workers, seed=s, threshold=2.0)) for s in range(3)])
    learning = np.mean([specialisation(run_threshold(tasks, workers, seed=s, threshold=2.0, learn=0.5, forget=0.5))
                        for s in range(3)])
    assert fixed < 0.75 < 0.85 < learning


def test_no_tasks_completes_at_once():
    run = run_threshold([], 2)
    assert run.stop_reason == "completed" and run.verdict and run.makespan == 0


# --- failures ------------------------------------------------------------------------------
def test_a_crashed_takers_task_is_opened_again_and_done_by_another():
    tasks = [Task("long", duration=5.0)]
    taker = run_threshold(tasks, 2, seed=0).trace.select("task_assigned")[0].data["worker"]
    run = run_threshold(tasks, 2, seed=0, faults=[Crash(taker, at=1.0)])
    retries = run.trace.select("task_retry")
    assert retries and "within its lease" in retries[0].data["reason"]
    assert retries[0].time >= 2 * 5.0  # the lease: twice the work, plus suspect_after
    assert run.stop_reason == "completed" and run.verdict, str(run.verdict)
    assert run.tasks.loc[0, "worker"] != taker


def test_a_taker_that_restarted_loses_its_task_at_once():
    tasks = [Task("long", duration=5.0)]
    taker = run_threshold(tasks, 2, seed=0).trace.select("task_assigned")[0].data["worker"]
    run = run_threshold(tasks, 2, seed=0, faults=[Crash(taker, at=1.0, recover_at=1.2)])
    retries = run.trace.select("task_retry")
    assert retries and "no longer holds it" in retries[0].data["reason"]
    assert retries[0].time < 2 * 5.0  # long before its lease ran out
    assert run.stop_reason == "completed" and run.verdict, str(run.verdict)


def test_when_no_capable_worker_lives_the_task_fails_its_dependants_are_skipped_and_the_run_ends():
    workers = [WorkerSpec("a", ["research", "analysis"]), WorkerSpec("b", TYPES)]
    tasks = research_pipeline(2) + [Task("publish", "research", depends_on=("writing",))]
    run = run_threshold(tasks, workers, seed=0, faults=[Crash("b", at=0.5)])
    assert run.stop_reason == "tasks_failed" and run.verdict, str(run.verdict)
    table = run.tasks.set_index("task")
    assert table.loc["writing", "state"] == "failed" and "no capable live worker" in table.loc["writing", "reason"]
    assert table.loc["publish", "state"] == "skipped"


def test_a_task_whose_work_raises_is_tried_max_attempts_times_then_fails():
    def broken(payload, inputs):
        raise RuntimeError("boom")

    tasks = [Task("bad", work=broken), Task("after", depends_on=("bad",))]
    run = run_threshold(tasks, 2, seed=0, max_attempts=2)
    assert run.stop_reason == "tasks_failed" and run.verdict, str(run.verdict)
    assert len(run.trace.select("task_assigned")) == 2
    assert states(run) == {"bad": "failed", "after": "skipped"}


def test_the_board_recovers_from_its_disk_and_the_job_still_completes_once():
    tasks = research_pipeline(3)
    run = run_threshold(tasks, 3, seed=2, faults=[Crash(BOARD, at=2.0, recover_at=4.0)])
    assert run.trace.select("recovered")
    assert run.stop_reason == "completed" and run.verdict, str(run.verdict)
    assert done_counts(run) == Counter({t.id: 1 for t in tasks})


def claims_answered_once(run) -> None:
    """Every claim, however often delivered, won at most one task: its answers all say the same."""
    answers: dict[int, set] = {}
    for e in run.trace.select("send"):
        if e.message.kind in ("granted", "refused"):
            body = e.message.body
            answers.setdefault(e.message.in_reply_to, set()).add((body.task.id, body.attempt)
                                                                 if e.message.kind == "granted" else "refused")
    delivered = Counter(e.message.id for e in run.trace.select("deliver") if e.message.kind == "claim")
    assert any(count > 1 for count in delivered.values())  # some claims did arrive twice
    assert all(len(given) == 1 for given in answers.values()), answers


def test_a_claim_delivered_twice_wins_one_task_not_two():
    # Before: the second copy won another task, granted to a worker that never heard of it and
    # taken back only when it next sensed ("no longer holds it").
    run = run_threshold(with_work(research_pipeline(3)), 4, seed=1, duplicate=0.5)
    assert run.stop_reason == "completed" and run.verdict, str(run.verdict)
    claims_answered_once(run)
    assert not run.trace.select("task_retry")


def test_a_board_that_never_comes_back_ends_the_run_with_no_answer():
    run = run_threshold(research_pipeline(3), 3, seed=0, faults=[Crash(BOARD, at=1.0)])
    assert run.stop_reason == "no_answer"
    assert run.result.time >= 1.0 + 30.0


@pytest.mark.parametrize("seed", range(20))
def test_under_a_nemesis_each_task_is_done_at_most_once_and_the_run_ends_properly(seed):
    tasks = with_work(research_pipeline(3))
    recover = 1.0 if seed % 2 == 0 else 0.5
    run = run_threshold(tasks, 3, seed=seed, faults=Nemesis(seed=seed, recover=recover), until=600)
    assert run.stop_reason not in BROKEN + ("until",)
    counts = done_counts(run)
    assert all(n == 1 for n in counts.values())
    down = down_at_the_end(run)
    if run.stop_reason == "no_answer":
        assert BOARD in down  # only a board gone for good leaves the workers without answers
    else:
        assert run.stop_reason == "completed" and counts == Counter({t.id: 1 for t in tasks})
        assert run.verdict, str(run.verdict)
    if recover == 1.0:
        assert run.stop_reason == "completed"


# --- the checkers, both ways ---------------------------------------------------------------
def test_the_settled_checker_catches_a_doctored_double_completion():
    tasks = research_pipeline(2)
    run = run_threshold(tasks, 2, seed=0)
    check = every_task_settled(tasks)
    assert check(run.result)
    second = run.trace.select("task_assigned")[-1]
    first_done = run.trace.select("task_done")[0]
    doctor(run.trace, second, kind="task_done", data=dict(first_done.data))
    verdict = check(run.result)
    assert not verdict and first_done.data["task"] in verdict.explanation


def test_the_dependency_checker_catches_a_doctored_early_start():
    tasks = research_pipeline(2)
    run = run_threshold(tasks, 2, seed=0)
    check = dependencies_respected(tasks)
    assert check(run.result)
    early = run.trace.select("task_start")[0]
    doctor(run.trace, early, data={**early.data, "task": "writing"})
    assert not check(run.result)


def test_the_lost_result_checker_catches_a_result_never_accepted():
    tasks = research_pipeline(2)
    run = run_threshold(tasks, 2, seed=0)
    check = no_result_lost(tasks)
    assert check(run.result)
    done = next(e for e in run.trace.select("task_done") if e.data["task"] == "writing")
    doctor(run.trace, done, kind="note")
    assert not check(run.result)


def test_every_kind_sent_is_declared_and_an_undeclared_one_is_caught():
    run = run_threshold(research_pipeline(2), 2, seed=0, faults=[Crash("worker-1", at=1, recover_at=2)])
    assert kinds_declared(BOARD_PROTOCOL)(run.result)
    assert not kinds_declared(BOARD_PROTOCOL[1:])(run.result)  # without "sense"
    table = board_protocol_table()
    assert list(table.index) == [k.kind for k in BOARD_PROTOCOL]
    assert table.loc["done", "body"] == "Result | Failure"
