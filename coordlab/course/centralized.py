"""Exercise checks for notebook 02 (centralized orchestration).

Each check runs the learner's function or class on a fixed workload and prints ✅ or ❌
with a hint; it never raises, so the exercise notebook always runs to the end.
"""
from __future__ import annotations

import random
from collections.abc import Awaitable, Callable, Sequence

from coordlab.course.report import CheckResult, exercise_check, failed, not_given, passed
from coordlab.patterns.centralized import WorkerSpec, run_centralized
from coordlab.patterns.tasks import Task, critical_path, every_task_settled, layered_tasks, research_pipeline
from coordlab.world import Agent, Crash, RunResult, Uniform, World

POLICY_SEEDS = (1, 2, 3)
LATENCY = Uniform(0.005, 0.05)


def _raise_if_unsolved(result: RunResult) -> None:
    """The learner's code ran inside an agent: bring an unsolved stub's error back out."""
    for error in result.errors:
        if isinstance(error.error, NotImplementedError):
            raise error.error


# --- Exercise 1: an assignment policy --------------------------------------------------
def policy_workload() -> tuple[list[Task], list[WorkerSpec]]:
    """The workload of exercise 1: the research pipeline on two slow and two fast workers.

    The slow workers were registered first, so first-free hands them work first.
    """
    everything = {"research", "analysis", "writing"}
    workers = [WorkerSpec("slow-1", everything, speed=0.25), WorkerSpec("slow-2", everything, speed=0.25),
               WorkerSpec("fast-1", everything), WorkerSpec("fast-2", everything)]
    return research_pipeline(3), workers


@exercise_check("Exercise 1 — a policy that beats first-free")
def check_policy(policy_class: type) -> CheckResult:
    """``policy_class()`` must finish the exercise workload sooner than first-free on every seed."""
    name = "Exercise 1 — a policy that beats first-free"
    if (wrong := not_given(name, "policy_class", policy_class, "your policy class")) is not None:
        return wrong
    tasks, workers = policy_workload()
    for seed in POLICY_SEEDS:
        baseline = run_centralized(tasks, workers, policy="first free", seed=seed, latency=LATENCY)
        yours = run_centralized(tasks, workers, policy=policy_class(), seed=seed, latency=LATENCY)
        _raise_if_unsolved(yours.result)
        if not yours.verdict:
            return failed(name, f"with seed {seed} the run is not valid: {yours.verdict.explanation}",
                          "choose must return the name of one of the candidates")
        if yours.makespan >= baseline.makespan:
            return failed(name, f"with seed {seed} your policy took {yours.makespan:.2f} s, first-free "
                                f"{baseline.makespan:.2f} s", "look at the candidates' speed")
    return passed(name, f"faster than first-free on seeds {POLICY_SEEDS} (last: {yours.makespan:.2f} s "
                        f"vs {baseline.makespan:.2f} s)")


# --- Exercise 2: retry with reassign ---------------------------------------------------
class EchoWorker(Agent):
    """Answers each ``assign`` request after the task's duration of work."""

    daemon = True

    async def on_assign(self, msg) -> None:
        self.spawn(self.perform(msg))

    async def perform(self, msg) -> None:
        task: Task = msg.body
        self.log("task_start", task=task.id, attempt=0)
        await self.work(task.duration, label=task.id)
        self.log("task_end", task=task.id, attempt=0, ok=True)
        await self.reply(msg, task.id)


AssignWithRetry = Callable[[Agent, Task, Sequence[str], float], Awaitable[str]]


class RetryDispatcher(Agent):
    """Runs every task at once through the learner's ``assign_with_retry``; task i tries
    the workers starting from worker i (so the work spreads)."""

    def __init__(self, name: str, tasks: Sequence[Task], workers: Sequence[str], timeout: float,
                 assign_with_retry: AssignWithRetry) -> None:
        super().__init__(name)
        self.tasks, self.workers, self.timeout = list(tasks), list(workers), timeout
        self.assign_with_retry = assign_with_retry

    async def run(self) -> None:
        for i, task in enumerate(self.tasks):
            turn = i % len(self.workers)
            self.spawn(self.dispatch(task, self.workers[turn:] + self.workers[:turn]))

    async def dispatch(self, task: Task, workers: list[str]) -> None:
        worker = await self.assign_with_retry(self, task, workers, self.timeout)
        self.log("task_done", task=task.id, worker=worker, attempt=0)


def retry_scenario(assign_with_retry: AssignWithRetry, seed: int = 0):
    """Six one-second tasks on three workers; worker-1 crashes at t=0.5, mid-task."""
    if not callable(assign_with_retry):
        raise TypeError(f"assign_with_retry={assign_with_retry!r} is not allowed: give an async function "
                        "assign_with_retry(agent, task, workers, timeout)")
    tasks = [Task(f"job-{i}", duration=1.0) for i in range(1, 7)]
    workers = ["worker-1", "worker-2", "worker-3"]
    world = World(seed, latency=0.01, faults=[Crash("worker-1", at=0.5)])
    world.add(RetryDispatcher("dispatcher", tasks, workers, 2.0, assign_with_retry),
              *(EchoWorker(name) for name in workers))
    world.add_checker(every_task_settled(tasks))
    return world.run(until=60)


@exercise_check("Exercise 2 — retry with reassign after a crash")
def check_retry(assign_with_retry: AssignWithRetry) -> CheckResult:
    name = "Exercise 2 — retry with reassign after a crash"
    if (wrong := not_given(name, "assign_with_retry", assign_with_retry, "your async function")) is not None:
        return wrong
    result = retry_scenario(assign_with_retry)
    _raise_if_unsolved(result)
    if result.errors:
        return failed(name, f"the dispatcher raised {result.errors[0].error!r}",
                      "catch coordlab.Timeout and try the next worker")
    verdict = result.verdict()
    if not verdict:
        return failed(name, f"the run ended with stop_reason={result.stop_reason!r}: {verdict.explanation}",
                      "pass timeout= to request, or a crashed worker makes you wait forever")
    done_by = {e.data["task"]: e.data["worker"] for e in result.trace.select("task_done")}
    if any(worker == "worker-1" for worker in done_by.values()):
        return failed(name, "a task was reported done by worker-1, which had crashed",
                      "return the worker that actually replied")
    return passed(name, f"all 6 tasks done exactly once despite the crash; the crashed worker's tasks "
                        f"went to {', '.join(sorted({done_by['job-1'], done_by['job-4']}))}")


# --- Exercise 3: the critical path -----------------------------------------------------
LongestChain = Callable[[dict[str, float], dict[str, list[str]]], float]


def _as_tables(tasks: Sequence[Task]) -> tuple[dict[str, float], dict[str, list[str]]]:
    return {t.id: float(t.duration) for t in tasks}, {t.id: list(t.depends_on) for t in tasks}


def critical_path_cases() -> list[list[Task]]:
    """The DAGs exercise 3 is checked on: the pipeline and a few random layered ones."""
    rng = random.Random(2)
    cases = [research_pipeline(3), [Task("alone", duration=2.5)]]
    for seed in range(6):
        tasks = layered_tasks(12, rng.randint(1, 4), fan_in=rng.randint(1, 3), seed=seed)
        cases.append([Task(t.id, t.type, rng.choice([0.5, 1.0, 2.0, 3.0]), t.depends_on) for t in tasks])
    return cases


@exercise_check("Exercise 3 — the critical path, a lower bound on makespan")
def check_critical_path(longest_chain: LongestChain) -> CheckResult:
    name = "Exercise 3 — the critical path, a lower bound on makespan"
    if (wrong := not_given(name, "longest_chain", longest_chain, "your function")) is not None:
        return wrong
    for tasks in critical_path_cases():
        expected = critical_path(tasks)
        got = longest_chain(*_as_tables(tasks))
        if not isinstance(got, (int, float)) or abs(got - expected.length) > 1e-9:
            return failed(name, f"for tasks {[t.id for t in tasks][:6]}… you returned {got!r}, expected "
                                f"{expected.length:g} ({expected})",
                          "a task can start only when its slowest dependency has finished: "
                          "finish(t) = duration(t) + max(finish(d) for d in deps)")
    tasks = research_pipeline(3)
    run = run_centralized(tasks, workers=8, seed=1)
    bound = longest_chain(*_as_tables(tasks))
    return passed(name, f"right on {len(critical_path_cases())} DAGs; the pipeline's bound is {bound:g} s and "
                        f"8 simulated workers took {run.makespan:.3f} s (latency and orchestration "
                        "are the difference)")

