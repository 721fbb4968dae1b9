"""Exercise checks for notebook 04 (hierarchical coordination).

Each check runs the learner's function or class on a fixed scenario and prints ✅ or ❌
with a hint; it never raises, so the exercise notebook always runs to the end.
"""
from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any

from coordlab.course.report import CheckResult, exercise_check, failed, not_given, passed
from coordlab.patterns.centralized import Assign, Result
from coordlab.patterns.hierarchical import (
    MAX_AGENTS,
    Delegate,
    Done,
    EscalationRule,
    Job,
    OrgChart,
    Project,
    RetryInTeam,
    TeamReport,
    reports_only_when_done,
    run_hierarchical,
)
from coordlab.patterns.tasks import RetryPolicy, Task
from coordlab.world import Agent, Crash, Uniform, World, validate


# --- Exercise 1: a lead's aggregation ---------------------------------------------------
class AggregatingLead(Agent):
    """A lead that hands each delegated task to a worker and reports up when the learner's
    ``Aggregation`` says the order is complete."""

    daemon = True

    def __init__(self, name: str, workers: list[str], aggregation_class: type) -> None:
        super().__init__(name)
        self.workers = workers
        self.aggregation_class = aggregation_class
        self.tracker: Any = None
        self.order = ""
        self.boss = ""
        self.produced: dict[str, Done] = {}

    async def on_delegate(self, msg) -> None:
        self.order, self.boss = msg.body.order, msg.sender
        self.tracker = self.aggregation_class([job.task.id for job in msg.body.jobs])
        for i, job in enumerate(msg.body.jobs):
            await self.send(self.workers[i % len(self.workers)], "assign", Assign(job.task, 1, job.duration, {}))

    async def on_result(self, msg) -> None:
        self.produced[msg.body.task] = Done(msg.body.value, msg.sender, msg.body.attempt)
        complete = self.tracker.record(msg.body.task, msg.body.value)
        if complete is not None:
            results = {tid: self.produced[tid] for tid in complete}
            await self.send(self.boss, "report", TeamReport(self.order, results))


class RepeatingWorker(Agent):
    """Does each task it is assigned and replies; it sends the result of every second task
    twice, as when a timed-out attempt finishes after all and both attempts answer."""

    daemon = True

    async def on_assign(self, msg) -> None:
        self.spawn(self.perform(msg))

    async def perform(self, msg) -> None:
        job: Assign = msg.body
        await self.work(job.duration, label=job.task.id)
        await self.reply(msg, Result(job.task.id, job.attempt, f"{job.task.id} by {self.name}"), kind="result")
        if int(job.task.id.removeprefix("job-")) % 2 == 0:
            await self.sleep(0.3)
            await self.reply(msg, Result(job.task.id, job.attempt, f"{job.task.id} by {self.name}"),
                             kind="result")


class Boss(Agent):
    """Delegates the order once and collects every report that comes back."""

    daemon = True

    def __init__(self, name: str, jobs: Iterable[Job]) -> None:
        super().__init__(name)
        self.jobs = tuple(jobs)
        self.reports: list[TeamReport] = []

    async def run(self) -> None:
        await self.send("lead", "delegate", Delegate("boss#1", self.jobs))
        await super().run()

    async def on_report(self, msg) -> None:
        self.reports.append(msg.body)


AGGREGATION_CHART = OrgChart.from_dict({"boss": {"lead": {"worker-1": "task", "worker-2": "task",
                                                          "worker-3": "task"}}})


def aggregation_run(aggregation_class: type, seed: int):
    """Six tasks of 0.45–1.7 s on three workers; three of the results arrive twice."""
    if not callable(aggregation_class):
        raise TypeError(f"aggregation_class={aggregation_class!r} is not allowed: give a class "
                        "Aggregation(task_ids) with a record(task_id, value) method")
    jobs = [Job(Task(f"job-{i}"), 0.2 + 0.25 * i, {}) for i in range(1, 7)]
    world = World(seed, latency=Uniform(0.01, 0.1))
    world.add(Boss("boss", jobs), AggregatingLead("lead", AGGREGATION_CHART.children("lead"), aggregation_class),
              *(RepeatingWorker(name) for name in AGGREGATION_CHART.children("lead")))
    world.add_checker(reports_only_when_done(AGGREGATION_CHART))
    return world.run(until=60), {job.task.id for job in jobs}


@exercise_check("Exercise 1 — report up only when everything delegated is done")
def check_aggregation(aggregation_class: type) -> CheckResult:
    name = "Exercise 1 — report up only when everything delegated is done"
    if (wrong := not_given(name, "aggregation_class", aggregation_class, "your class")) is not None:
        return wrong
    tracker = aggregation_class(["a", "b"])
    steps = [("a", 1, None), ("a", 1, None), ("z", 9, None), ("b", 2, {"a": 1, "b": 2}), ("b", 2, None)]
    for task, value, expected in steps:
        got = tracker.record(task, value)
        if (dict(got) if got is not None else None) != expected:
            said = "the results" if expected else "None"
            return failed(name, f"expecting a and b, after record({task!r}, {value}) you returned {got!r}; "
                                f"expected {said}",
                          "keep the set of tasks still missing; a duplicate or a stranger changes nothing, "
                          "and the results are returned once only")
    for seed in (1, 2, 3):
        result, ids = aggregation_run(aggregation_class, seed)
        reports = result.agents["boss"].reports
        verdict = result.verdict()
        if len(reports) != 1 or set(reports[0].results) != ids or not verdict:
            return failed(name, f"with seed {seed} the boss got {len(reports)} report(s); {verdict.explanation}",
                          "report exactly once, with every task's result")
    return passed(name, "one report per order, sent only after all 6 results arrived, though 3 of them "
                        "arrived twice (seeds 1-3)")


# --- Exercise 2: the escalation rule ------------------------------------------------------
ESCALATION_CHART = OrgChart.from_levels([1, 2, 6])


def escalation_runs(rule: EscalationRule):
    """Two runs on 2 teams of 3: a task whose work always fails, and a worker crash."""
    def broken(payload, inputs):
        raise RuntimeError("the data source is down")

    retry = RetryPolicy(initial_interval=0.1, jitter=False)
    failing = run_hierarchical(Project("failing", [Task("doomed", work=broken), Task("fine")]), ESCALATION_CHART,
                               escalation=rule, retry=retry, seed=1, until=60)
    crash = run_hierarchical(Project("crash", [Task(f"job-{i}", duration=2.0) for i in range(1, 5)]),
                             ESCALATION_CHART, escalation=rule, retry=retry, seed=1, until=60,
                             faults=[Crash("worker-1.1", at=0.5)])
    return failing, crash


@exercise_check("Exercise 2 — retry in the team twice, then escalate")
def check_escalation(rule: EscalationRule) -> CheckResult:
    name = "Exercise 2 — retry in the team twice, then escalate"
    if (wrong := not_given(name, "rule", rule, "your function")) is not None:
        return wrong
    expected = RetryInTeam(RetryPolicy(max_attempts=3))
    for failures, capable in [(1, 3), (2, 3), (3, 3), (4, 3), (1, 0), (2, 1), (3, 1)]:
        got = rule(failures, capable)
        if got != expected(failures, capable):
            return failed(name, f"rule({failures}, {capable}) returned {got!r}; expected "
                                f"{expected(failures, capable)!r}",
                          "three attempts in the team (the first and two retries), and none if no worker "
                          "of the team that can do it may still be alive")
    failing, crash = escalation_runs(rule)
    tries = {lead: sum(1 for e in failing.trace.select("task_assigned", lead) if e.data["task"] == "doomed")
             for lead in ("lead-1", "lead-2")}
    heard = [e for e in crash.trace.select(("task_rerouted", "child_lost"), "director")]
    if tries != {"lead-1": 3, "lead-2": 3} or heard or not crash.verdict:
        return failed(name, f"attempts of the doomed task per team: {tries}; the director reacted to the "
                            f"worker crash {len(heard)} time(s)", "retry twice, then escalate")
    reason = failing.tasks.set_index("task").loc["doomed", "reason"]
    return passed(name, f"3 attempts in each team, then failed at the top with the reason: {reason!r}; "
                        "a crashed worker was handled inside its team")


# --- Exercise 3: depth and fan-out --------------------------------------------------------
SHAPES = ((2, 16), (2, 64), (3, 4), (3, 8), (4, 4), (7, 2))
TOP_LIMIT = 120
SHAPE_SEEDS = (1, 2)


def shape_workload() -> Project:
    """256 independent tasks of 0.5–1.5 s of work."""
    return Project("survey", [Task(f"t{i}", duration=Uniform(0.5, 1.5)) for i in range(256)])


@functools.cache
def measure_shape(depth: int, fan_out: int) -> dict[str, float]:
    """Mean makespan and messages handled by the director, over ``SHAPE_SEEDS``, for the
    tree with ``fan_out`` reports per manager and ``depth`` levels: 2 ms of work per
    message handled, 20–80 ms per message on the network. At most ``MAX_AGENTS`` agents."""
    validate.count("depth", depth, minimum=2, maximum=20)
    validate.count("fan_out", fan_out, maximum=MAX_AGENTS)
    if sum(fan_out ** level for level in range(depth)) > MAX_AGENTS:
        raise ValueError(f"fan_out={fan_out!r} is not allowed: with depth={depth} the tree would have more "
                         f"than {MAX_AGENTS} agents")
    levels = [fan_out ** level for level in range(depth)]
    runs = [run_hierarchical(shape_workload(), levels, seed=seed, service_time=0.002, latency=Uniform(0.02, 0.08))
            for seed in SHAPE_SEEDS]
    return {"makespan": sum(r.makespan for r in runs) / len(runs),
            "director messages": sum(r.metrics["director messages handled"] for r in runs) / len(runs)}


@exercise_check("Exercise 3 — the fastest shape the director can bear")
def check_shape(choose_shape: Callable[[], tuple[int, int]]) -> CheckResult:
    name = "Exercise 3 — the fastest shape the director can bear"
    if (wrong := not_given(name, "choose_shape", choose_shape, "your function")) is not None:
        return wrong
    depth, fan_out = choose_shape()
    if (depth, fan_out) not in SHAPES:
        return failed(name, f"({depth}, {fan_out}) is not one of the shapes {SHAPES}", "pick one of SHAPES")
    table = {shape: measure_shape(*shape) for shape in SHAPES}
    bearable = {shape: m for shape, m in table.items() if m["director messages"] <= TOP_LIMIT}
    best = min(bearable, key=lambda shape: bearable[shape]["makespan"])
    yours = table[(depth, fan_out)]
    if (depth, fan_out) not in bearable:
        return failed(name, f"with ({depth}, {fan_out}) the director handles {yours['director messages']:.0f} "
                            f"messages, over the limit of {TOP_LIMIT}", "measure the director's load too")
    if (depth, fan_out) != best:
        return failed(name, f"({depth}, {fan_out}) takes {yours['makespan']:.2f} s; a bearable shape "
                            "finishes sooner", "compare every shape's makespan, among those under the limit")
    return passed(name, f"({depth}, {fan_out}): {yours['makespan']:.2f} s with "
                        f"{yours['director messages']:.0f} messages at the top (limit {TOP_LIMIT})")
