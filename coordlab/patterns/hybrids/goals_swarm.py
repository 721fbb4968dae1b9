"""Central goals, swarm execution: an orchestrator keeps the plan, workers choose their own work.

    run = run_goals_swarm(research_pipeline(), workers=4, seed=1)
    run.stop_reason, run.tasks, run.makespan, run.verdict

The centralized ``Orchestrator`` keeps the job, unchanged: the task graph, the retry policy,
the journal on disk, the answer to the client. It releases each task, in dependency order,
to its only "worker": the ``Floor``, a response-threshold ``Board`` that speaks the worker
protocol upward (register, assign, result or failure, heartbeats, probes). On the floor
nobody assigns anything: the workers sense the stimuli and claim what their thresholds say.

Which weakness it addresses: a swarm has no one who owns the goal. With the board alone a
task that keeps failing is tried a fixed number of times, and nobody answers a client; here
the orchestrator's retry policy, its journal and its answer are back. What it keeps: no
central assignment (the orchestrator never learns which worker did what, it sees only the
floor), so workers can come and go and specialise as the swarm's do. The price: every task
crosses two coordinators, and the orchestrator stays a single point of failure.
"""
from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from coordlab import metrics
from coordlab.patterns.centralized import PROTOCOL, CentralizedRun, Client, Orchestrator
from coordlab.patterns.centralized.checks import centralized_checkers
from coordlab.patterns.centralized.protocol import CLIENT, ORCHESTRATOR, Assign, Failure, Heartbeat, Register, Result
from coordlab.patterns.centralized.run import checked_workload, fastest_bound
from coordlab.patterns.centralized.workers import WorkerSpec
from coordlab.patterns.liveness import HeartbeatSender
from coordlab.patterns.protocol import kinds_declared
from coordlab.patterns.swarm.protocol import BOARD_PROTOCOL
from coordlab.patterns.swarm.threshold import Board, ThresholdWorker, thresholds_by_type
from coordlab.patterns.tasks import RetryPolicy, Task, draw_durations, task_run
from coordlab.world import Faults, Message, World, validate
from coordlab.world.latency import Latency

#: The floor's agent name: to the orchestrator, its one worker.
FLOOR = "floor"


class Floor(Board):
    """A threshold board that takes its tasks from an orchestrator, as a worker would.

    Each ``assign`` is posted; the ``result`` (or ``failure``) of whichever worker took it is
    the answer. It sends heartbeats while it holds assigned tasks and answers probes. A
    worker's failure goes straight up (the orchestrator's retry policy decides); a taker lost
    on the floor (its lease ran out) only reposts the task. Its grants are logged as
    ``task_taken``: the task kit's ``task_assigned`` is the orchestrator's (to the floor).
    """

    grant_event = "task_taken"

    def __init__(self, name: str, workers: Sequence[WorkerSpec], orchestrator: str = ORCHESTRATOR, *,
                 capacity: int, heartbeat_interval: float = 0.5, **options: Any) -> None:
        """An empty board over ``workers``, registered with ``orchestrator`` as one worker of ``capacity``."""
        super().__init__(name, (), {}, workers, max_attempts=1, **options)
        self.orchestrator = orchestrator
        self.capacity = capacity
        self.orders: dict[str, Message] = {}  # task -> the orchestrator's assign the floor will answer
        self.results: dict[str, Any] = {}  # task -> the value its first result carried, passed up
        self.heartbeat = HeartbeatSender(self, orchestrator, heartbeat_interval, busy=lambda: bool(self.orders),
                                         body=self.holding)

    def holding(self) -> Heartbeat:
        """The tasks the orchestrator assigned me and I have not answered: my heartbeats' body."""
        return Heartbeat(tuple(self.orders))

    async def start(self) -> None:
        """(Re)started with nothing posted: say so, and what the floor's workers can do."""
        capabilities = tuple(sorted(set().union(*(w.capabilities for w in self.roster.values()))))
        await self.send(self.orchestrator, "register", Register(capabilities, self.capacity))

    async def on_assign(self, msg: Message) -> None:
        """Post the task (a new attempt of a task still here only replaces the order it answers).

        A task the floor has a result for already is answered with it at once: the orchestrator
        asks again because that answer was lost on the way up (the first result of a task wins).
        """
        job: Assign = msg.body
        if job.task.id in self.results:
            await self.reply(msg, Result(job.task.id, job.attempt, self.results[job.task.id]), kind="result")
            return
        if job.task.id not in self.orders:
            self.post(job.task.id, job.task.type)
        self.orders[job.task.id] = msg
        self.heartbeat.start()

    async def on_probe(self, msg: Message) -> None:
        """The orchestrator suspects me: say which of its tasks I hold."""
        await self.reply(msg, self.holding(), kind="heartbeat")

    def assignment(self, tid: str, attempt: int) -> Assign:
        """What a worker granted ``tid`` is sent: the orchestrator's assign, with the floor's own attempt number."""
        return replace(self.orders[tid].body, attempt=attempt)

    async def completed(self, tid: str, worker: str, result: Result) -> None:
        """A worker did ``tid``: keep its value (the first wins) and answer the orchestrator's order, if still open."""
        self.release(tid)
        self.results.setdefault(tid, result.value)
        order = self.orders.pop(tid, None)
        if order is not None:  # else answered already (a late or repeated result)
            await self.reply(order, Result(tid, order.body.attempt, result.value), kind="result")

    async def failed(self, tid: str, reason: str, *, final: bool) -> None:
        """A worker failed ``tid``: pass the failure up; the orchestrator's retry policy decides what next."""
        self.release(tid)
        order = self.orders.pop(tid, None)
        if order is not None:
            await self.reply(order, Failure(tid, order.body.attempt, reason), kind="failure")


@dataclass(repr=False)
class GoalsSwarmRun(CentralizedRun):
    """A goals-and-swarm run: the centralized run's numbers, and the floor's load."""

    @property
    def metrics(self) -> dict[str, float]:
        handled = metrics.messages_by_agent(self.trace).get(FLOOR, {}).get("received", 0)
        return {**super().metrics, "floor messages handled": handled}


def run_goals_swarm(tasks: Sequence[Task], workers: int | Sequence[WorkerSpec] = 3, *, seed: int = 0,
                    faults: Faults = (), until: float | None = None, window: int | None = None,
                    threshold: float | Mapping[str, float] = 1.0, growth: float = 0.5,
                    retry: RetryPolicy = RetryPolicy(), service_time: float = 0.005, latency: Latency = 0.01,
                    max_events: int = 1_000_000) -> GoalsSwarmRun:
    """Run ``tasks`` on a client, an orchestrator, the floor and ``workers`` choosing their own work:
    the swarm given an owner of the goal (retries, journal, an answer), its self-selection kept.

    ``window`` is how many tasks the orchestrator keeps on the floor at once (default: the
    workers' total capacity); ``threshold`` and ``growth`` are the swarm's (``run_threshold``),
    ``retry`` the orchestrator's. Bad input raises here, before anything runs, naming the argument.
    """
    tasks, specs = checked_workload(tasks, workers, {FLOOR: "the floor"})
    seed = validate.seed(seed)
    thresholds = thresholds_by_type(threshold, [t.type for t in tasks])
    validate.number("growth", growth, minimum=0)
    validate.number("service_time", service_time, minimum=0)
    window = sum(spec.capacity for spec in specs) if window is None else validate.count("window", window)
    durations = draw_durations(tasks, random.Random(f"{seed}/durations"))
    floor = WorkerSpec(FLOOR, set().union(*(spec.capabilities for spec in specs)), capacity=window)
    world = World(seed, latency=latency, faults=faults, max_events=max_events)
    world.add(Client(CLIENT, tasks, durations),
              Orchestrator(ORCHESTRATOR, [floor], retry=retry, service_time=service_time),
              Floor(FLOOR, specs, capacity=window, growth=growth, service_time=service_time),
              *(ThresholdWorker(spec, FLOOR, thresholds=thresholds, board_owns_job=False) for spec in specs))
    for checker in [*centralized_checkers(tasks), kinds_declared(PROTOCOL + BOARD_PROTOCOL)]:
        world.add_checker(checker)
    return task_run(GoalsSwarmRun, world.run(until=until), tasks, durations,
                    critical_path=fastest_bound(tasks, durations, specs))
