"""Property: random DAGs × random worker crashes × seeds -> the run ends, the checkers hold,
and a completed run is never faster than the critical path."""
from hypothesis import given, settings
from hypothesis import strategies as st

from coordlab import Crash, Slow
from coordlab.patterns.centralized import generalists, run_centralized
from coordlab.patterns.tasks import RetryPolicy, Task, TimeoutPolicy


@st.composite
def dags(draw):
    count = draw(st.integers(1, 10))
    tasks = []
    for i in range(count):
        deps = draw(st.lists(st.integers(0, i - 1), max_size=3, unique=True)) if i else []
        tasks.append(Task(f"t{i}", draw(st.sampled_from(["a", "b"])), draw(st.sampled_from([0.2, 0.5, 1.0, 2.0])),
                          depends_on=tuple(f"t{d}" for d in deps)))
    return tasks


@st.composite
def worker_faults(draw, workers: int):
    faults = []
    for name in (f"worker-{i}" for i in range(1, workers + 1)):
        kind = draw(st.sampled_from(["none", "crash", "crash and recover", "slow"]))
        at = draw(st.floats(0, 6))
        if kind == "crash":
            faults.append(Crash(name, at=at))
        elif kind == "crash and recover":
            faults.append(Crash(name, at=at, recover_at=at + draw(st.floats(0.1, 5))))
        elif kind == "slow":
            faults.append(Slow(name, factor=draw(st.sampled_from([2.0, 5.0])), at=at))
    return faults


@settings(max_examples=100, deadline=None, database=None, derandomize=True)
@given(tasks=dags(), data=st.data(), seed=st.integers(0, 10_000),
       timeout=st.sampled_from([TimeoutPolicy(), TimeoutPolicy(factor=3)]))
def test_runs_end_checkers_hold_and_makespan_respects_the_critical_path(tasks, data, seed, timeout):
    workers = data.draw(st.integers(1, 4))
    faults = data.draw(worker_faults(workers))
    run = run_centralized(tasks, generalists(workers, ["a", "b"]), seed=seed, faults=faults, timeout=timeout,
                          retry=RetryPolicy(max_attempts=3, initial_interval=0.2), until=10_000)
    assert run.stop_reason in ("completed", "tasks_failed")
    assert run.verdict, str(run.verdict)
    if run.stop_reason == "completed":
        assert run.makespan >= run.critical_path.length
