"""Bad input across the centralized pattern's public API: each refused before anything runs,
with an error that starts by naming the argument (``argname=value is not allowed: …``)."""
import re

import pandas as pd
import pytest

from coordlab import Crash, Uniform
from coordlab.course import centralized as course
from coordlab.patterns.centralized import Client, Orchestrator, Worker, WorkerSpec, generalists, naive, run_centralized
from coordlab.patterns.tasks import (
    RetryPolicy,
    Task,
    TaskGraph,
    TimeoutPolicy,
    check_dag,
    critical_path,
    draw_durations,
    layered_tasks,
    research_pipeline,
    task_table,
)
from coordlab.viz.centralized import makespan_vs_workers
from coordlab.viz.tasks import gantt, sweep_lines
from tests.bad_input import assert_refused

A = [Task("a")]
PIPELINE = research_pipeline(2)
SPEC = WorkerSpec("w", "task")
SWEEP = pd.DataFrame({"workers": [1, 2], "makespan": [2.0, 1.0], "critical path": [1.0, 1.0],
                      "total work": [2.0, 2.0], "seed": [0, 0]})


def run(tasks=A, **kwargs):
    return run_centralized(tasks, **kwargs)


def graph_settled_twice():
    graph = TaskGraph(A, lambda kind, **data: None)
    graph.complete("a", 1, worker="w", attempt=1)
    graph.complete("a", 2, worker="w", attempt=2)


def trace():
    return run_centralized(A, workers=1).trace


CASES = [
    # run_centralized: the job
    (run, dict(tasks=5), TypeError, "tasks"),
    (run, dict(tasks="abc"), TypeError, "tasks"),
    (run, dict(tasks=Task("a")), TypeError, "tasks"),
    (run, dict(tasks=[Task("a"), "b"]), TypeError, "tasks[1]"),
    (run, dict(tasks=[Task("a"), Task("a")]), ValueError, "id"),
    (run, dict(tasks=[Task("a", depends_on=("x",))]), ValueError, "depends_on"),
    (run, dict(tasks=[Task("a", depends_on="b"), Task("b", depends_on="a")]), ValueError, "depends_on"),
    (run, dict(tasks=[Task("a", depends_on="a")]), ValueError, "depends_on"),
    (run, dict(tasks=[Task("a", "painting")], workers=[SPEC]), ValueError, "type"),
    (run, dict(tasks=[Task("a", duration=lambda rng: -1.0)]), ValueError, "duration"),
    # run_centralized: the workers (an int, or specs)
    (run, dict(workers=0), ValueError, "workers"),
    (run, dict(workers=-3), ValueError, "workers"),
    (run, dict(workers=10**9), ValueError, "workers"),
    (run, dict(workers=1e9), TypeError, "workers"),
    (run, dict(workers=True), TypeError, "workers"),
    (run, dict(workers="3"), TypeError, "workers"),
    (run, dict(workers=[]), TypeError, "workers"),
    (run, dict(workers=["w"]), TypeError, "workers"),
    (run, dict(workers=SPEC), TypeError, "workers"),
    (run, dict(workers=[SPEC, SPEC]), ValueError, "name"),
    (run, dict(workers=[WorkerSpec("orchestrator", "task")]), ValueError, "name"),
    (run, dict(workers=[WorkerSpec("client", "task")]), ValueError, "name"),
    # run_centralized: policies and timings
    (run, dict(policy="fastest"), ValueError, "policy"),
    (run, dict(policy=3), TypeError, "policy"),
    (run, dict(policy=object()), TypeError, "policy"),
    (run, dict(retry=3), TypeError, "retry"),
    (run, dict(retry=None), TypeError, "retry"),
    (run, dict(timeout=5.0), TypeError, "timeout"),
    (run, dict(service_time=-1), ValueError, "service_time"),
    (run, dict(service_time="fast"), TypeError, "service_time"),
    (run, dict(heartbeat_interval=0), ValueError, "heartbeat_interval"),
    (run, dict(heartbeat_interval="0.5"), TypeError, "heartbeat_interval"),
    (run, dict(suspect_after=0.2), ValueError, "suspect_after"),
    (run, dict(suspect_after=-1, heartbeat_interval=None), ValueError, "suspect_after"),
    (run, dict(give_up_after=0), ValueError, "give_up_after"),
    (run, dict(give_up_after="never"), TypeError, "give_up_after"),
    # run_centralized: the world
    (run, dict(seed=None), TypeError, "seed"),
    (run, dict(seed=-1), ValueError, "seed"),
    (run, dict(seed=1.5), TypeError, "seed"),
    (run, dict(latency=-1), ValueError, "latency"),
    (run, dict(loss=1.5), ValueError, "loss"),
    (run, dict(duplicate=2), ValueError, "duplicate"),
    (run, dict(faults=5), TypeError, "faults"),
    (run, dict(faults=[Crash("nobody", at=1)]), ValueError, "fault"),
    (run, dict(until=-1), ValueError, "until"),
    (run, dict(max_events=0), ValueError, "max_events"),
    # Task
    (Task, dict(id=""), ValueError, "id"),
    (Task, dict(id=5), ValueError, "id"),
    (Task, dict(id="a", type=""), ValueError, "type"),
    (Task, dict(id="a", duration=-1), ValueError, "duration"),
    (Task, dict(id="a", duration="1s"), TypeError, "duration"),
    (Task, dict(id="a", duration=float("nan")), ValueError, "duration"),
    (Task, dict(id="a", depends_on=[1]), TypeError, "depends_on"),
    (Task, dict(id="a", depends_on=5), TypeError, "depends_on"),
    (Task, dict(id="a", work=5), TypeError, "work"),
    (Task, dict(id="a", retry=3), TypeError, "retry"),
    (Task, dict(id="a", timeout=2.0), TypeError, "timeout"),
    # policies
    (RetryPolicy, dict(max_attempts=0), ValueError, "max_attempts"),
    (RetryPolicy, dict(max_attempts=2.5), TypeError, "max_attempts"),
    (RetryPolicy, dict(initial_interval=-1), ValueError, "initial_interval"),
    (RetryPolicy, dict(backoff_factor=0.5), ValueError, "backoff_factor"),
    (RetryPolicy, dict(max_interval="x"), TypeError, "max_interval"),
    (RetryPolicy, dict(jitter="no"), TypeError, "jitter"),
    (TimeoutPolicy, dict(seconds=0), ValueError, "seconds"),
    (TimeoutPolicy, dict(seconds=-1), ValueError, "seconds"),
    (TimeoutPolicy, dict(factor=0.5), ValueError, "factor"),
    (TimeoutPolicy, dict(factor="2"), TypeError, "factor"),
    # the task graph and the DAG tools
    (check_dag, dict(tasks=5), TypeError, "tasks"),
    (check_dag, dict(tasks=[Task("a"), 3]), TypeError, "tasks[1]"),
    (TaskGraph, dict(tasks=A, log=5), TypeError, "log"),
    (TaskGraph, dict(tasks=A, log=print, journal={"zz": None}), ValueError, "journal"),
    (lambda: TaskGraph(A, print).mark("a", "done"), {}, ValueError, "state"),
    (lambda: TaskGraph(A, print).mark("zz", "ready"), {}, ValueError, "tid"),
    (graph_settled_twice, {}, ValueError, "tid"),
    (critical_path, dict(tasks=A, durations={}), ValueError, "durations"),
    (critical_path, dict(tasks=A, durations=[1.0]), ValueError, "durations"),
    (critical_path, dict(tasks=A, durations={"a": -1}), ValueError, "durations['a']"),
    (critical_path, dict(tasks=[Task("a", duration=Uniform(1, 2))]), ValueError, "durations"),
    (draw_durations, dict(tasks=[Task("a", duration=lambda rng: "soon")], rng=None), ValueError, "duration"),
    (research_pipeline, dict(topics=0), ValueError, "topics"),
    (research_pipeline, dict(topics=10**9), ValueError, "topics"),
    (research_pipeline, dict(topics=2, research=-1), ValueError, "research"),
    (layered_tasks, dict(count=10, width=0), ValueError, "width"),
    (layered_tasks, dict(count=10**9, width=5), ValueError, "count"),
    (layered_tasks, dict(count=10, width=3, fan_in=-1), ValueError, "fan_in"),
    (layered_tasks, dict(count=10, width=3, seed=None), TypeError, "seed"),
    # workers
    (WorkerSpec, dict(name="", capabilities="a"), ValueError, "name"),
    (WorkerSpec, dict(name=5, capabilities="a"), TypeError, "name"),
    (WorkerSpec, dict(name="w", capabilities=[]), ValueError, "capabilities"),
    (WorkerSpec, dict(name="w", capabilities=[1]), TypeError, "capabilities"),
    (WorkerSpec, dict(name="w", capabilities=5), TypeError, "capabilities"),
    (WorkerSpec, dict(name="w", capabilities="a", capacity=0), ValueError, "capacity"),
    (WorkerSpec, dict(name="w", capabilities="a", capacity=1.5), TypeError, "capacity"),
    (WorkerSpec, dict(name="w", capabilities="a", speed=0), ValueError, "speed"),
    (WorkerSpec, dict(name="w", capabilities="a", speed=float("inf")), ValueError, "speed"),
    (generalists, dict(count=0, capabilities=["a"]), ValueError, "count"),
    (generalists, dict(count=10**9, capabilities=["a"]), ValueError, "count"),
    (generalists, dict(count=2, capabilities=[]), ValueError, "capabilities"),
    (generalists, dict(count=2, capabilities=["a"], capacity=0), ValueError, "capacity"),
    # the agents, for learners who build their own world
    (Worker, dict(spec="w"), TypeError, "spec"),
    (Worker, dict(spec=SPEC, heartbeat_interval=0), ValueError, "heartbeat_interval"),
    (Worker, dict(spec=SPEC, orchestrator=""), ValueError, "orchestrator"),
    (Orchestrator, dict(name="o", workers=5), TypeError, "workers"),
    (Orchestrator, dict(name="o", workers=[SPEC], policy="best"), ValueError, "policy"),
    (Orchestrator, dict(name="o", workers=[SPEC], retry=2), TypeError, "retry"),
    (Orchestrator, dict(name="o", workers=[SPEC], give_up_after=0), ValueError, "give_up_after"),
    (Orchestrator, dict(name="o", workers=[SPEC], give_up_after=None), TypeError, "give_up_after"),
    (Orchestrator, dict(name="o", workers=[SPEC], suspect_after=0), ValueError, "suspect_after"),
    (Client, dict(name="c", tasks=A, durations={"a": 1.0}, patience=0), ValueError, "patience"),
    (Client, dict(name="c", tasks=A, durations={"a": 1.0}, tries=0), ValueError, "tries"),
    (Client, dict(name="c", tasks=5, durations={}), TypeError, "tasks"),
    # the naive orchestrator: its DAG flaws are the point, its arguments are still checked
    (naive.run_naive, dict(tasks=5), TypeError, "tasks"),
    (naive.run_naive, dict(tasks=A, workers=0), ValueError, "workers"),
    (naive.run_naive, dict(tasks=A, seed=None), TypeError, "seed"),
    (naive.run_naive, dict(tasks=A, request_timeout=0), ValueError, "request_timeout"),
    # course helpers that take input
    (course.retry_scenario, dict(assign_with_retry=5), TypeError, "assign_with_retry"),
    # pictures and tables
    (task_table, dict(trace="trace", tasks=A), TypeError, "trace"),
    (lambda: task_table(trace(), 5), {}, TypeError, "tasks"),
    (gantt, dict(trace="trace"), TypeError, "trace"),
    (lambda: gantt(trace(), A, workers="worker-1"), {}, TypeError, "workers"),
    (lambda: gantt(trace(), [1, 2]), {}, TypeError, "tasks[0]"),
    (sweep_lines, dict(frame="frame", x="workers", y="makespan"), TypeError, "frame"),
    (sweep_lines, dict(frame=SWEEP, x="agents", y="makespan"), ValueError, "x"),
    (sweep_lines, dict(frame=SWEEP, x="workers", y="speed"), ValueError, "y"),
    (sweep_lines, dict(frame=SWEEP, x="workers", y="makespan", by="policy"), ValueError, "by"),
    (makespan_vs_workers, dict(frame=5), TypeError, "frame"),
    (makespan_vs_workers, dict(frame=SWEEP.drop(columns="total work")), ValueError, "work"),
]


@pytest.mark.parametrize("function, kwargs, error, argument", CASES,
                         ids=[f"{i}-{getattr(c[0], '__name__', 'call')}-{c[3]}" for i, c in enumerate(CASES)])
def test_bad_input_is_refused_naming_the_argument(function, kwargs, error, argument):
    assert_refused(lambda: function(**kwargs), error, argument)


def test_the_catalogue_is_large():
    assert len(CASES) >= 35


@pytest.mark.parametrize("check, argument", [
    (course.check_policy, "policy_class"),
    (course.check_retry, "assign_with_retry"),
    (course.check_critical_path, "longest_chain"),
])
def test_an_exercise_check_given_something_else_than_a_function_says_so_without_raising(check, argument, capsys):
    result = check(42)
    assert not result and result.message.startswith(f"{argument}=42 is not allowed")
    assert "❌" in capsys.readouterr().out


@pytest.mark.parametrize("kwargs, message", [
    (dict(tasks=[Task("a", "painting")], workers=[SPEC]),
     "type='painting' is not allowed: task 'a' has type 'painting', which no worker can do (worker types: task)"),
    (dict(tasks=[Task("a", depends_on="b"), Task("b", depends_on="a")]),
     "depends_on=('b',) is not allowed: dependency cycle: a -> b -> a; a task cannot (indirectly) wait for itself"),
    (dict(workers=10**9), "workers=1000000000 is not allowed: workers must be an int from 1 to 100000"),
    (dict(retry=3), "retry=3 is not allowed: give a RetryPolicy, e.g. RetryPolicy()"),
    (dict(workers=[SPEC, SPEC]), "name='w' is not allowed: two workers are named 'w'; names must be unique"),
])
def test_the_error_says_the_value_and_what_is_allowed(kwargs, message):
    with pytest.raises((TypeError, ValueError), match=f"^{re.escape(message)}$"):
        run(**kwargs)
