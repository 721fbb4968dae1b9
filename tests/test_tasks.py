"""Tasks, DAG checks, critical path, retry/timeout policies, assignment policies, task table, checkers."""
import random

import pytest

from coordlab import Uniform
from coordlab.patterns.tasks import (
    FirstFree,
    LeastLoaded,
    Report,
    RetryPolicy,
    RoundRobin,
    Settled,
    Task,
    TaskGraph,
    TimeoutPolicy,
    WorkerView,
    check_dag,
    choose_worker,
    critical_path,
    dependencies_respected,
    draw_durations,
    every_task_settled,
    find_cycle,
    layered_tasks,
    no_result_lost,
    research_pipeline,
    resolve_policy,
    task_table,
    topological_order,
)
from coordlab.world import RunResult, Trace


# --- Task -------------------------------------------------------------------------------
def test_task_normalises_a_single_dependency_and_has_a_deterministic_repr():
    task = Task("b", "analysis", 2.0, depends_on="a", work=lambda p, i: 1)
    assert task.depends_on == ("a",)
    assert repr(task) == "Task('b', type='analysis', depends_on=('a',))"


@pytest.mark.parametrize("kwargs, words", [
    (dict(id=""), "id=''"),
    (dict(id="a", type=""), "type=''"),
    (dict(id="a", duration=-1), "duration=-1"),
    (dict(id="a", work=3), "work=3"),
])
def test_task_rejects_bad_fields_naming_them(kwargs, words):
    with pytest.raises((ValueError, TypeError), match=words):
        Task(**kwargs)


# --- the DAG ----------------------------------------------------------------------------
def test_check_dag_names_a_duplicate_id():
    with pytest.raises(ValueError, match="task id 'a' is used twice"):
        check_dag([Task("a"), Task("a")])


def test_check_dag_names_an_unknown_dependency_and_the_known_tasks():
    with pytest.raises(ValueError, match=r"task 'b' depends on 'x', which is not a task \(tasks: a, b\)"):
        check_dag([Task("a"), Task("b", depends_on=("x",))])


def test_check_dag_names_the_cycle():
    tasks = [Task("a", depends_on=("c",)), Task("b", depends_on=("a",)), Task("c", depends_on=("b",)),
             Task("d")]
    with pytest.raises(ValueError, match="dependency cycle: a -> c -> b -> a"):
        check_dag(tasks)


def test_a_task_depending_on_itself_is_a_cycle():
    assert find_cycle({"a": Task("a", depends_on=("a",))}) == ["a", "a"]


def test_check_dag_rejects_non_tasks():
    with pytest.raises(TypeError, match="not allowed: give Task objects"):
        check_dag(["a"])


def test_topological_order_puts_dependencies_first():
    tasks = check_dag([Task("w", depends_on=("a1", "a2")), Task("a1", depends_on=("r",)), Task("a2"), Task("r")])
    order = topological_order(tasks)
    for task in tasks.values():
        assert all(order.index(d) < order.index(task.id) for d in task.depends_on)


# --- critical path ----------------------------------------------------------------------
def test_critical_path_of_the_pipeline():
    cp = critical_path(research_pipeline(3))
    assert cp.length == pytest.approx(4.5)
    assert cp.path == ("research-1", "analysis-1", "writing")
    assert str(cp) == "critical path research-1 -> analysis-1 -> writing: 4.5 s"


def test_critical_path_takes_the_slowest_dependency():
    tasks = [Task("fast", duration=1), Task("slow", duration=3), Task("end", duration=1, depends_on=("fast", "slow"))]
    assert critical_path(tasks).path == ("slow", "end")
    assert critical_path(tasks).length == 4


def test_critical_path_with_drawn_durations_needs_the_durations():
    tasks = [Task("a", duration=Uniform(1, 2))]
    with pytest.raises(ValueError, match="^durations=None is not allowed: tasks a have drawn durations; pass "):
        critical_path(tasks)
    assert critical_path(tasks, {"a": 1.5}).length == 1.5


def test_critical_path_of_nothing_is_zero():
    assert critical_path([]).length == 0


def test_draw_durations_is_seeded_and_keeps_fixed_ones():
    tasks = [Task("a", duration=Uniform(1, 2)), Task("b", duration=0.5)]
    first = draw_durations(tasks, random.Random(1))
    assert first == draw_durations(tasks, random.Random(1))
    assert 1 <= first["a"] <= 2 and first["b"] == 0.5


# --- canned workloads -------------------------------------------------------------------
def test_research_pipeline_shape():
    tasks = {t.id: t for t in research_pipeline(2)}
    assert tasks["analysis-2"].depends_on == ("research-2",)
    assert tasks["writing"].depends_on == ("analysis-1", "analysis-2")
    with pytest.raises(ValueError, match="^topics=0 is not allowed: topics must be an int from 1 to 100000"):
        research_pipeline(0)
    with pytest.raises(TypeError, match="topics=2.5"):
        research_pipeline(2.5)


def test_layered_tasks_depend_only_on_the_layer_before():
    tasks = layered_tasks(30, 10, fan_in=2, seed=3)
    check_dag(tasks)
    for i, task in enumerate(tasks):
        layer = i // 10
        assert len(task.depends_on) == (0 if layer == 0 else 2)
        assert all((int(d[1:]) // 10) == layer - 1 for d in task.depends_on)
    assert all(not t.depends_on for t in layered_tasks(6, 2, fan_in=0))
    with pytest.raises(ValueError, match="fan_in=-1"):
        layered_tasks(6, 2, fan_in=-1)
    with pytest.raises(ValueError, match="width=0"):
        layered_tasks(6, 0)


# --- retry and timeout ------------------------------------------------------------------
def test_retry_backs_off_exponentially_up_to_the_cap():
    policy = RetryPolicy(initial_interval=0.5, backoff_factor=2, max_interval=1.5, jitter=False)
    assert [policy.wait_after(n, random.Random(0)) for n in (1, 2, 3, 4)] == [0.5, 1.0, 1.5, 1.5]


def test_retry_jitter_spreads_waits_around_the_interval():
    policy = RetryPolicy(initial_interval=1.0, jitter=True)
    rng = random.Random(0)
    waits = [policy.wait_after(1, rng) for _ in range(200)]
    assert all(0.5 <= w <= 1.5 for w in waits) and len(set(waits)) > 100


@pytest.mark.parametrize("kwargs", [dict(max_attempts=0), dict(max_attempts=1.5), dict(backoff_factor=0.5),
                                    dict(initial_interval=-1)])
def test_retry_rejects_bad_settings(kwargs):
    with pytest.raises((ValueError, TypeError), match="not allowed"):
        RetryPolicy(**kwargs)


def test_timeout_limit_is_the_earlier_of_seconds_and_factor():
    assert TimeoutPolicy().limit(2.0) is None
    assert TimeoutPolicy(seconds=5).limit(2.0) == 5
    assert TimeoutPolicy(factor=3).limit(2.0) == 6
    assert TimeoutPolicy(seconds=5, factor=3).limit(1.0) == 3
    with pytest.raises(ValueError, match="seconds=0"):
        TimeoutPolicy(seconds=0)
    with pytest.raises(ValueError, match="factor=0.5"):
        TimeoutPolicy(factor=0.5)


# --- assignment policies ----------------------------------------------------------------
def view(name, running=0, capacity=1, assigned=0, speed=1.0):
    return WorkerView(name, frozenset({"task"}), capacity, running, speed, assigned)


def test_first_free_takes_the_first_candidate():
    assert FirstFree().choose(Task("t"), [view("b"), view("a")]) == "b"


def test_least_loaded_takes_the_lowest_share_then_the_fewest_assigned():
    policy = LeastLoaded()
    assert policy.choose(Task("t"), [view("a", running=1, capacity=2), view("b", running=1, capacity=4)]) == "b"
    assert policy.choose(Task("t"), [view("a", assigned=3), view("b", assigned=1)]) == "b"


def test_round_robin_takes_turns_and_skips_busy_workers():
    policy = RoundRobin()
    everyone = [view("a"), view("b"), view("c")]
    assert [policy.choose(Task("t"), everyone) for _ in range(4)] == ["a", "b", "c", "a"]
    assert policy.choose(Task("t"), [view("a"), view("c")]) == "c"  # b is busy: its turn passes


def test_a_policy_is_resolved_by_name_freshly_and_its_choice_is_checked():
    assert isinstance(resolve_policy("round robin"), RoundRobin)
    assert resolve_policy("round robin") is not resolve_policy("round robin")  # no turns shared between runs
    mine = LeastLoaded()
    assert resolve_policy(mine) is mine
    with pytest.raises(ValueError, match="policy='fastest' is not allowed"):
        resolve_policy("fastest")
    with pytest.raises(TypeError, match="needs a choose"):
        resolve_policy(object())
    assert choose_worker(FirstFree(), Task("t"), [view("a"), view("b")]) == "a"

    class Wrong:
        def choose(self, task, candidates):
            return "nobody"

    with pytest.raises(ValueError, match="chose worker='nobody' for task 't'; it must choose one of the "
                                         "candidates: a, b"):
        choose_worker(Wrong(), Task("t"), [view("a"), view("b")])


# --- the task graph -----------------------------------------------------------------------
def graph_of(tasks, journal=None):
    """A graph whose settling events land in the returned list as (kind, data)."""
    logged = []
    return TaskGraph(tasks, lambda kind, **data: logged.append((kind, data)), journal), logged


#    a   b
#    |\ /
#    c  d      e (independent)
#     \ |
#       f
DIAMOND = [Task("a"), Task("b"), Task("c", depends_on="a"), Task("d", depends_on=("a", "b")),
           Task("e"), Task("f", depends_on=("c", "d"))]


def test_a_graph_starts_with_the_tasks_without_dependencies_ready():
    graph, logged = graph_of(DIAMOND)
    assert graph.ready() == ["a", "b", "e"]
    assert graph.state == {"a": "ready", "b": "ready", "c": "pending", "d": "pending", "e": "ready", "f": "pending"}
    assert not graph.all_settled and logged == []
    with pytest.raises(ValueError, match="dependency cycle"):
        graph_of([Task("x", depends_on="y"), Task("y", depends_on="x")])


def test_completing_a_task_releases_the_dependants_whose_last_dependency_it_was():
    graph, logged = graph_of(DIAMOND)
    assert graph.complete("a", "A", worker="w", attempt=1) == ["c"]  # d still waits for b
    assert logged == [("task_done", {"task": "a", "worker": "w", "attempt": 1})]
    assert graph.complete("b", "B", worker="w", attempt=2) == ["d"]
    assert graph.inputs("d") == {"a": "A", "b": "B"} and graph.state["d"] == "ready"


def test_a_failed_task_skips_everything_that_depends_on_it_once_with_the_reason():
    graph, logged = graph_of(DIAMOND)
    assert sorted(graph.fail("a", "no worker")) == ["c", "d", "f"]  # f is reached twice, skipped once
    assert logged[0] == ("task_failed", {"task": "a", "reason": "no worker"})
    # depth first, the last dependant first (the order both patterns logged before they shared the graph)
    assert logged[1:] == [("task_skipped", {"task": tid, "reason": "depends on a, which failed"})
                          for tid in ("d", "f", "c")]
    assert graph.state["b"] == "ready" and graph.state["e"] == "ready"  # not dependants: untouched
    assert graph.counts() == {"done": 0, "failed": 1, "skipped": 3}


def test_every_task_is_settled_exactly_once_and_the_report_says_how_the_job_ended():
    graph, _ = graph_of([Task("a"), Task("b", depends_on="a")])
    graph.mark("a", "running")
    graph.mark("a", "backoff")
    graph.mark("a", "ready")
    graph.complete("a", None, worker="w", attempt=3)
    with pytest.raises(ValueError, match="^tid='a' is not allowed: task 'a' is already done; a task is settled"):
        graph.complete("a", None, worker="x", attempt=4)
    with pytest.raises(ValueError, match="already done"):
        graph.mark("a", "running")
    with pytest.raises(ValueError, match="state='done' is not allowed"):
        graph.mark("b", "done")
    assert not graph.all_settled and graph.report() == Report("running", done=1, failed=0, skipped=0)
    graph.fail("b", "it raised")
    assert graph.all_settled and graph.report() == Report("tasks_failed", done=1, failed=1, skipped=0)
    empty, _ = graph_of([])
    assert empty.all_settled and empty.report() == Report("completed", 0, 0, 0)


def test_a_graph_rebuilt_from_its_journal_is_where_it_was_and_logs_only_what_is_new():
    graph, logged = graph_of(DIAMOND)
    graph.complete("b", "B", worker="w", attempt=1)
    graph.fail("a", "no worker")
    assert list(graph.journal) == ["b", "a"]  # the decisions, in the order they were made
    again, relogged = graph_of(DIAMOND, journal=graph.journal)
    assert relogged == []  # logged when they were made: not twice
    assert again.state == graph.state and again.results == {"b": "B"} and again.unsettled == graph.unsettled
    again.complete("e", "E", worker="v", attempt=2)
    assert relogged == [("task_done", {"task": "e", "worker": "v", "attempt": 2})]
    assert again.journal is graph.journal and again.journal["e"] == Settled("done", "E", "v", 2)


# --- the task table and checkers, on hand-built traces ----------------------------------
TASKS = [Task("a"), Task("b", depends_on=("a",))]


def result_of(events, stop_reason="completed"):
    trace = Trace()
    for time, kind, agent, data in events:
        trace.record(time, kind, agent, data=data)
    return RunResult(stop_reason, events[-1][0] if events else 0.0, trace)


GOOD = [
    (0.0, "task_assigned", "o", {"task": "a", "worker": "w", "attempt": 1}),
    (0.1, "task_start", "w", {"task": "a", "attempt": 1}),
    (1.1, "task_end", "w", {"task": "a", "attempt": 1, "ok": True}),
    (1.2, "task_done", "o", {"task": "a", "worker": "w", "attempt": 1}),
    (1.2, "task_assigned", "o", {"task": "b", "worker": "w", "attempt": 1}),
    (1.3, "task_start", "w", {"task": "b", "attempt": 1}),
    (2.3, "task_end", "w", {"task": "b", "attempt": 1, "ok": True}),
    (2.4, "task_done", "o", {"task": "b", "worker": "w", "attempt": 1}),
]


def test_task_table_reads_the_trace():
    table = task_table(result_of(GOOD).trace, TASKS).set_index("task")
    assert table.loc["b"].to_dict() == {"type": "task", "state": "done", "worker": "w", "attempts": 1,
                                            "start": 1.3, "end": 2.4, "reason": ""}
    half = task_table(result_of(GOOD[:5]).trace, TASKS).set_index("task")
    assert half.loc["b", "state"] == "running" and half.loc["a", "state"] == "done"
    assert task_table(Trace(), TASKS)["state"].tolist() == ["pending", "pending"]


def test_every_task_settled_accepts_a_correct_run():
    assert every_task_settled(TASKS)(result_of(GOOD))


def test_every_task_settled_rejects_an_unfinished_task():
    verdict = every_task_settled(TASKS)(result_of(GOOD[:5], "deadlock"))
    assert not verdict and "1 task(s) never finished: b" in verdict.explanation
    assert verdict.evidence[0].kind == "task_assigned"


def test_every_task_settled_rejects_a_task_done_twice():
    twice = GOOD + [(2.5, "task_done", "o", {"task": "b", "worker": "x", "attempt": 2})]
    verdict = every_task_settled(TASKS)(result_of(twice))
    assert not verdict and "settled more than once: b" in verdict.explanation


def test_every_task_settled_rejects_a_failure_without_a_reason():
    failed = GOOD[:4] + [(1.2, "task_failed", "o", {"task": "b", "reason": ""})]
    assert "without a reason" in every_task_settled(TASKS)(result_of(failed)).explanation
    skipped = GOOD[:4] + [(1.2, "task_skipped", "o", {"task": "b", "reason": "a failed"})]
    assert every_task_settled(TASKS)(result_of(skipped))


def test_dependencies_respected_both_ways():
    assert dependencies_respected(TASKS)(result_of(GOOD))
    early = GOOD[:2] + [(0.2, "task_start", "w2", {"task": "b", "attempt": 1})] + GOOD[2:]
    verdict = dependencies_respected(TASKS)(result_of(early))
    assert not verdict and verdict.evidence[0].agent == "w2"


def test_no_result_lost_both_ways():
    assert no_result_lost(TASKS)(result_of(GOOD))
    lost = GOOD[:7]  # b finished at the worker, but the coordinator never accepted it
    verdict = no_result_lost(TASKS)(result_of(lost, "deadlock"))
    assert not verdict and verdict.evidence[0].kind == "task_end"


def test_the_task_table_and_checkers_refuse_a_trace_that_did_not_keep_task_events():
    from coordlab import World
    from coordlab.patterns.tasks import every_task_settled, task_table
    from coordlab.world.trace import TraceLevelError

    tasks = [Task("t1", "work")]
    result = World(trace="messages").run()
    with pytest.raises(TraceLevelError, match="the task table and the task checkers needs task_assigned"):
        task_table(result.trace, tasks)
    with pytest.raises(TraceLevelError, match="trace='messages' does not keep"):
        every_task_settled(tasks)(result)
