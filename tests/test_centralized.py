"""The centralized orchestrator: dispatch, dependencies, failures, bottleneck, errors."""
import pytest

from coordlab import Agent, Crash, Slow, Uniform, World
from coordlab.patterns.centralized import (
    PROTOCOL,
    Assign,
    CentralizedRun,
    Result,
    Worker,
    WorkerSpec,
    generalists,
    protocol_table,
    run_centralized,
)
from coordlab.patterns.protocol import kinds_declared
from coordlab.patterns.run import PatternRun
from coordlab.patterns.tasks import RetryPolicy, Task, TaskRun, TimeoutPolicy, research_pipeline

NO_WAIT = RetryPolicy(initial_interval=0.0, jitter=False)


def states(run: CentralizedRun) -> dict[str, str]:
    return dict(zip(run.tasks["task"], run.tasks["state"]))


def column(run: CentralizedRun, name: str) -> dict[str, object]:
    return dict(zip(run.tasks["task"], run.tasks[name]))


# --- the happy path ---------------------------------------------------------------------
def test_pipeline_completes_with_a_valid_verdict():
    run = run_centralized(research_pipeline(3), workers=3, seed=1)
    assert run.stop_reason == "completed"
    assert set(states(run).values()) == {"done"}
    assert run.verdict, str(run.verdict)
    assert run.makespan >= run.critical_path.length
    assert repr(run) == "<CentralizedRun stop_reason='completed' makespan=4.610 tasks: 7 done; verdict valid>"


def test_the_result_keeps_the_contract_every_pattern_run_keeps():
    run = run_centralized(research_pipeline(3), workers=3, seed=1)
    assert isinstance(run, TaskRun) and isinstance(run, PatternRun)
    assert run.stop_reason == run.result.stop_reason and run.trace is run.result.trace
    assert run.metrics["tasks done"] == 7 and run.metrics["critical path"] == run.critical_path.length
    assert repr(run) == f"<CentralizedRun {run.describe()}>"


def test_same_seed_same_trace_and_different_seed_different_trace():
    tasks = [Task(f"t{i}", duration=Uniform(0.5, 1.5)) for i in range(6)]
    first = run_centralized(tasks, workers=2, seed=4, latency=Uniform(0.01, 0.05))
    again = run_centralized(tasks, workers=2, seed=4, latency=Uniform(0.01, 0.05))
    other = run_centralized(tasks, workers=2, seed=5, latency=Uniform(0.01, 0.05))
    assert first.trace.fingerprint() == again.trace.fingerprint() != other.trace.fingerprint()


def test_ready_tasks_run_concurrently_so_more_workers_finish_sooner():
    tasks = research_pipeline(3)
    one, three = (run_centralized(tasks, workers=n, seed=1).makespan for n in (1, 3))
    assert one == pytest.approx(3 * 1 + 3 * 2 + 1.5, abs=0.3)
    assert three < one / 2


def test_dispatch_is_event_driven_the_orchestrator_handles_only_real_messages():
    tasks = research_pipeline(3)
    run = run_centralized(tasks, workers=3, seed=1, heartbeat_interval=None)
    # one submit, one register per worker, one result per task: nothing else, no polling
    assert run.metrics["orchestrator messages handled"] == 1 + 3 + len(tasks)
    assert not run.trace.select("requeue")


def test_a_task_starts_as_soon_as_its_last_dependency_completes():
    run = run_centralized(research_pipeline(2), workers=2, seed=1, latency=0.01, service_time=0.0)
    done = {e.data["task"]: e.time for e in run.trace.select("task_done")}
    started = {e.data["task"]: e.time for e in run.trace.select("task_start")}
    assert started["writing"] == pytest.approx(max(done["analysis-1"], done["analysis-2"]) + 0.01)


def test_real_work_results_flow_to_dependants():
    tasks = [Task("a", work=lambda payload, inputs: payload * 2, payload=21),
             Task("b", work=lambda payload, inputs: inputs["a"] + 1, depends_on=("a",))]
    run = run_centralized(tasks, workers=2, seed=0)
    assert run.stop_reason == "completed"
    delivered = [e.message.body.value for e in run.trace.select("deliver") if e.message.kind == "result"]
    assert delivered == [42, 43]


def test_capacity_lets_one_worker_run_several_tasks_at_once():
    tasks = [Task(f"t{i}", duration=1.0) for i in range(4)]
    run = run_centralized(tasks, [WorkerSpec("big", {"task"}, capacity=4)], seed=0)
    assert run.makespan < 1.2
    assert set(column(run, "worker").values()) == {"big"}


def test_tasks_go_only_to_capable_workers():
    workers = [WorkerSpec("researcher", "research"), WorkerSpec("analyst", "analysis"),
               WorkerSpec("writer", "writing")]
    run = run_centralized(research_pipeline(2), workers, seed=0)
    for task, worker in column(run, "worker").items():
        assert worker == {"research": "researcher", "analysis": "analyst", "writing": "writer"}[task.split("-")[0]]


def test_the_policy_decides_who_gets_the_work():
    tasks = [Task(f"t{i}") for i in range(2)]
    workers = generalists(4, ["task"])
    first = run_centralized(tasks, workers, policy="first free", seed=0)
    assert set(column(first, "worker").values()) == {"worker-1", "worker-2"}


def test_a_learner_policy_object_is_used():
    class LastFree:
        def choose(self, task, candidates):
            return candidates[-1].name

    run = run_centralized([Task("t")], workers=3, policy=LastFree(), seed=0)
    assert column(run, "worker") == {"t": "worker-3"}


def test_a_policy_choosing_a_non_candidate_stops_the_run_with_a_clear_error():
    class Wrong:
        def choose(self, task, candidates):
            return "nobody"

    run = run_centralized([Task("t")], workers=2, policy=Wrong(), seed=0)
    assert run.stop_reason == "agent_error"
    assert "chose worker='nobody' for task 't'; it must choose one of the candidates: worker-1, worker-2" \
        in str(run.result.errors[0])


def test_no_tasks_completes_at_once():
    run = run_centralized([], workers=1, seed=0)
    assert run.stop_reason == "completed" and run.tasks.empty


# --- failures ---------------------------------------------------------------------------
def flaky(failures: int):
    """Real work that raises the first ``failures`` times it is called."""
    calls = []

    def work(payload, inputs):
        calls.append(1)
        if len(calls) <= failures:
            raise RuntimeError("source unreachable")
        return "ok"

    return work


def test_a_failed_attempt_is_retried_after_the_backoff():
    retry = RetryPolicy(max_attempts=3, initial_interval=0.5, jitter=False)
    run = run_centralized([Task("t", work=flaky(1))], workers=1, seed=0, retry=retry)
    assert run.stop_reason == "completed"
    assert column(run, "attempts") == {"t": 2}
    retry_event, = run.trace.select("task_retry")
    assert retry_event.data["wait"] == 0.5 and "RuntimeError: source unreachable" in retry_event.data["reason"]
    second = run.trace.select("task_assigned")[1]
    assert second.time >= retry_event.time + 0.5


def test_a_finally_failed_task_skips_its_dependants_with_the_reason_and_the_run_ends():
    tasks = [Task("a", work=flaky(99)), Task("b", depends_on=("a",)), Task("c", depends_on=("b",)), Task("d")]
    run = run_centralized(tasks, workers=2, seed=0, retry=NO_WAIT)
    assert run.stop_reason == "tasks_failed"
    assert states(run) == {"a": "failed", "b": "skipped", "c": "skipped", "d": "done"}
    assert column(run, "attempts")["a"] == 3
    assert "(attempt 3 of 3)" in column(run, "reason")["a"]
    assert column(run, "reason")["c"] == "depends on a, which failed"
    assert run.verdict, str(run.verdict)


def test_a_task_can_override_the_retry_policy():
    tasks = [Task("a", work=flaky(99), retry=RetryPolicy(max_attempts=1))]
    run = run_centralized(tasks, workers=1, seed=0, retry=RetryPolicy(max_attempts=5))
    assert column(run, "attempts") == {"a": 1}


def test_a_crashed_workers_task_is_reassigned_to_another_worker():
    run = run_centralized([Task("long", duration=5.0)], workers=2, seed=0, faults=[Crash("worker-1", at=1.0)],
                          retry=NO_WAIT)
    assert run.stop_reason == "completed" and run.verdict, str(run.verdict)
    assert column(run, "worker") == {"long": "worker-2"} and column(run, "attempts") == {"long": 2}
    lost, = run.trace.select("worker_lost")
    assert lost.data["worker"] == "worker-1"
    assert 1.0 < lost.time <= 1.0 + 2.0  # suspect_after=2 s of silence, counted from its last heartbeat


def test_a_worker_that_crashed_while_idle_is_found_out_when_given_work():
    tasks = [Task("a", duration=1.0), Task("b", duration=1.0, depends_on=("a",))]
    run = run_centralized(tasks, workers=2, seed=0, faults=[Crash("worker-2", at=0.5)], retry=NO_WAIT,
                          policy="round robin")
    assert run.stop_reason == "completed"
    assert column(run, "worker")["b"] == "worker-1"


def test_a_recovered_worker_registers_again_and_gets_work():
    tasks = [Task(f"t{i}", duration=2.0) for i in range(6)]
    run = run_centralized(tasks, workers=1, seed=0, faults=[Crash("worker-1", at=1.0, recover_at=2.0)],
                          retry=NO_WAIT)
    assert run.stop_reason == "completed" and run.verdict, str(run.verdict)
    assert column(run, "attempts")["t0"] == 2
    assert "worker worker-1 restarted" in run.trace.select("task_retry")[0].data["reason"]


def test_when_every_capable_worker_is_dead_the_task_fails_instead_of_waiting():
    workers = [WorkerSpec("w1", "task"), WorkerSpec("writer", "writing")]
    tasks = [Task("t", duration=3.0), Task("w", "writing", depends_on=("t",))]
    run = run_centralized(tasks, workers, seed=0, faults=[Crash("w1", at=1.0)], retry=NO_WAIT)
    assert run.stop_reason == "tasks_failed"
    assert column(run, "reason")["t"] == "no live worker can do type 'task'"
    assert states(run)["w"] == "skipped" and run.verdict


def test_the_orchestrator_is_a_single_point_of_failure():
    run = run_centralized(research_pipeline(3), workers=3, seed=1, faults=[Crash("orchestrator", at=1.5)])
    assert run.stop_reason == "no_answer"  # the client asked 5 times, 10 s apart, then gave up
    submits = [e for e in run.trace.select("send") if e.message.kind == "submit"]
    assert [e.time for e in submits] == [0.0, 10.0, 20.0, 30.0, 40.0]
    assert len({e.message.conversation for e in submits}) == 1  # one job, asked about again
    assert run.result.time == 50.0
    assert "pending" in states(run).values()
    assert not run.verdict
    failed = {v.name for v in run.verdict.parts if not v}
    assert {"every task settled", "no result lost"} <= failed


def test_a_straggler_is_timed_out_and_its_task_done_elsewhere():
    tasks = [Task("t", duration=1.0)]
    slow = [Slow("worker-1", factor=20, at=0)]
    waited = run_centralized(tasks, workers=2, seed=0, faults=slow)
    timed = run_centralized(tasks, workers=2, seed=0, faults=slow, timeout=TimeoutPolicy(factor=2), retry=NO_WAIT)
    assert waited.makespan > 20
    assert timed.makespan < 4 and column(timed, "worker") == {"t": "worker-2"}
    assert "timed out after 2s" in timed.trace.select("task_retry")[0].data["reason"]
    assert timed.verdict


def test_a_late_result_from_an_older_attempt_still_counts_once():
    tasks = [Task("t", duration=1.0)]
    run = run_centralized(tasks, workers=2, seed=0, faults=[Slow("worker-1", factor=1.5, at=0)],
                          timeout=TimeoutPolicy(seconds=1.2), retry=RetryPolicy(initial_interval=0.0, jitter=False))
    assert len(run.trace.select("task_done")) == 1
    assert column(run, "worker") == {"t": "worker-1"}  # its late result beat the retry
    assert run.verdict


# --- the bottleneck ---------------------------------------------------------------------
def test_service_time_makes_the_orchestrator_the_bottleneck():
    tasks = [Task(f"t{i}", duration=0.5) for i in range(40)]
    cheap = run_centralized(tasks, workers=40, seed=0, service_time=0.001)
    costly = run_centralized(tasks, workers=40, seed=0, service_time=0.05)
    assert cheap.makespan < 1.0 < costly.makespan
    assert costly.metrics["orchestrator utilisation"] > 0.5 > cheap.metrics["orchestrator utilisation"]


# --- protocol and errors ----------------------------------------------------------------
def test_every_kind_sent_is_declared_in_the_protocol():
    def broken(payload, inputs):
        raise RuntimeError("source down")

    runs = [run_centralized(research_pipeline(3), workers=3, seed=1),
            run_centralized(research_pipeline(3), workers=3, seed=2,
                            faults=[Crash("worker-1", at=0.5, recover_at=3.0)]),
            run_centralized(research_pipeline(3), workers=3, seed=1, faults=[Slow("worker-1", factor=8, at=0)],
                            timeout=TimeoutPolicy(factor=2)),
            run_centralized([Task("a", work=broken), Task("b", depends_on="a")], workers=2, seed=1)]
    for run in runs:
        verdict = kinds_declared(PROTOCOL)(run.result)
        assert verdict, verdict.explanation
    assert {e.message.kind for run in runs for e in run.trace.select("send")} == {m.kind for m in PROTOCOL}


class Stranger(Agent):
    """Not part of the pattern: says hello to a worker, in a kind the protocol does not have."""

    async def run(self):
        await self.send("w", "hello")


def test_the_kinds_declared_checker_names_an_undeclared_kind():
    world = World()
    world.add(Stranger("stranger"), Worker(WorkerSpec("w", "task"), orchestrator="stranger"))
    verdict = kinds_declared(PROTOCOL)(world.run())
    assert not verdict and "undeclared kind(s): hello" in verdict.explanation
    assert [e.message.kind for e in verdict.evidence] == ["hello"]


def test_protocol_table_lists_every_kind():
    table = protocol_table()
    assert list(table.index) == [m.kind for m in PROTOCOL]
    assert {"assign", "result", "failure", "heartbeat"} <= set(table.index)
    assert table.loc["assign", "body"] == "Assign"


def test_the_trace_does_not_depend_on_python_hash_randomisation():
    import subprocess
    import sys

    script = ("from coordlab.patterns.centralized import WorkerSpec, run_centralized\n"
              "from coordlab.patterns.tasks import research_pipeline\n"
              "w = [WorkerSpec('a', ['research', 'analysis', 'writing']), WorkerSpec('b', ['writing', 'research'])]\n"
              "print(run_centralized(research_pipeline(2), w, seed=3).trace.fingerprint(), w[0])")
    outputs = {subprocess.run([sys.executable, "-c", script], env={"PYTHONHASHSEED": seed}, capture_output=True,
                              text=True, check=True).stdout for seed in ("1", "2")}
    assert len(outputs) == 1



class Boss(Agent):
    """Sends ``assigns`` as ``(time, Assign)`` to worker ``w`` and keeps every heartbeat."""

    daemon = True

    def __init__(self, name, assigns):
        super().__init__(name)
        self.assigns, self.heartbeats = assigns, []

    async def run(self):
        self.spawn(self.listen())
        for at, job in self.assigns:
            await self.sleep(at - self.now)
            await self.send("w", "assign", job)

    async def listen(self):
        while True:
            msg = await self.receive()
            if msg.kind == "heartbeat":
                self.heartbeats.append(round(self.now, 6))


def test_an_assign_arriving_as_the_heartbeat_wakes_keeps_the_worker_beating():
    # The assign for "b" arrives at t=1.6, the very instant the heartbeat wakes after "a"
    # finished; the worker must count as busy at once, or it stops beating while it works.
    jobs = [(0.0, Assign(Task("a"), 1, 0.8, {})), (1.0, Assign(Task("b"), 1, 5.0, {}))]
    boss = Boss("boss", jobs)
    world = World(latency=0.6)
    world.add(boss, Worker(WorkerSpec("w", "task"), orchestrator="boss", heartbeat_interval=0.5))
    world.run()
    # "b" runs from 1.6 to 6.6: a heartbeat leaves every 0.5 s from 1.1 to 6.1 and arrives 0.6 s later
    # (without the fix the worker stops beating at 1.6 and only the first one arrives).
    assert boss.heartbeats == [round(1.7 + 0.5 * k, 6) for k in range(11)]


def test_a_duplicated_assign_runs_its_attempt_once():
    boss = Boss("boss", [(0.0, Assign(Task("a"), 1, 1.0, {}))])
    world = World(latency=0.1, duplicate=1.0)
    world.add(boss, Worker(WorkerSpec("w", "task"), orchestrator="boss"))
    result = world.run()
    assert len([e for e in result.trace.select("deliver", agent="w") if e.message.kind == "assign"]) == 2
    assert len(result.trace.select("task_start")) == 1 and result.errors == []


def test_an_assign_repeated_after_its_attempt_finished_gets_the_same_answer_without_running_again():
    job = Assign(Task("a", work=lambda payload, inputs: "A"), 1, 1.0, {})
    boss = Boss("boss", [(0.0, job), (3.0, job)])  # asked again: the first answer may have been lost
    world = World(latency=0.1)
    world.add(boss, Worker(WorkerSpec("w", "task"), orchestrator="boss"))
    result = world.run()
    answers = [(round(e.time, 6), e.message.kind, e.message.body) for e in result.trace.select("send", agent="w")
               if e.message.kind == "result"]
    assert answers == [(1.1, "result", Result("a", 1, "A")), (3.1, "result", Result("a", 1, "A"))]
    assert len(result.trace.select("task_start")) == 1


def test_slots_list_exactly_the_workers_with_room_in_roster_order_whatever_comes_and_goes():
    """``Slots.with_room`` is kept up to date, not recomputed: check it against a scan after every change."""
    import random

    from coordlab.patterns.centralized.slots import Slots

    capacities = {f"w{i}": 1 + i % 3 for i in range(12)}
    slots, rng = Slots(dict(capacities)), random.Random(4)
    for step in range(2_000):
        worker = rng.choice(list(capacities))
        if rng.random() < 0.55:
            slots.take(worker, (f"t{step}", 1))
        elif slots.held[worker]:
            slots.release(worker, *rng.sample(sorted(slots.held[worker]), rng.randint(1, len(slots.held[worker]))))
        scanned = [name for name, capacity in capacities.items() if len(slots.held[name]) < capacity]
        assert slots.with_room() == scanned


def test_slots_catch_a_worker_filled_up_or_emptied():
    from coordlab.patterns.centralized.slots import Slots

    slots = Slots({"a": 1, "b": 2})
    slots.take("b", ("t1", 1))
    assert slots.with_room() == ["a", "b"]
    slots.take("b", ("t2", 1))
    slots.take("a", ("t3", 1))
    assert slots.with_room() == []
    slots.release("b", ("t1", 1))
    assert slots.with_room() == ["b"]
    slots.release("a", ("t3", 1))
    assert slots.with_room() == ["a", "b"]
