"""Workers: what each can do (``WorkerSpec``) and the agent that does it (``Worker``).

A worker knows only its orchestrator. It registers, does each attempt it is assigned,
replies with the result (or the error its work raised), sends heartbeats while it is busy,
and answers a probe (its orchestrator suspects it) with a heartbeat. The hierarchy reuses it
unchanged: to a worker, its lead is just an orchestrator.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from coordlab.patterns.centralized.protocol import ORCHESTRATOR, Assign, Failure, Heartbeat, Register, Result
from coordlab.patterns.liveness import HeartbeatSender
from coordlab.world import Agent, Message, validate


@dataclass(frozen=True)
class WorkerSpec:
    """A worker: its name, the task types it can do, how many at once, how fast (1 = nominal)."""

    name: str
    capabilities: frozenset[str]
    capacity: int = 1
    speed: float = 1.0

    def __init__(self, name: str, capabilities: str | Iterable[str], capacity: int = 1, speed: float = 1.0):
        validate.name("name", name)
        caps = task_types(capabilities)
        validate.count("capacity", capacity)
        if validate.number("speed", speed) <= 0:
            raise ValueError(f"speed={speed!r} is not allowed: speed must be > 0 (worker {name!r})")
        for attribute, value in (("name", name), ("capabilities", caps), ("capacity", capacity),
                                 ("speed", float(speed))):
            object.__setattr__(self, attribute, value)

    def __repr__(self) -> str:  # sorted: a set's order changes from one Python process to the next
        return (f"WorkerSpec({self.name!r}, {sorted(self.capabilities)!r}, capacity={self.capacity}, "
                f"speed={self.speed:g})")


#: The most workers a run may have: more would exhaust memory before the run could finish.
MAX_WORKERS = 100_000


def task_types(capabilities: str | Iterable[str]) -> frozenset[str]:
    """The task types a worker can do: one type (a string) or several; never none."""
    caps = [capabilities] if isinstance(capabilities, str) else capabilities
    caps = list(caps) if isinstance(caps, Iterable) else [caps]
    allowed = "give the task types (non-empty strings) the worker can do, at least one"
    if not all(isinstance(c, str) for c in caps):
        raise TypeError(f"capabilities={capabilities!r} is not allowed: {allowed}")
    if not caps or not all(caps):
        raise ValueError(f"capabilities={capabilities!r} is not allowed: {allowed}")
    return frozenset(caps)


def generalists(count: int, capabilities: str | Iterable[str], *, capacity: int = 1) -> list[WorkerSpec]:
    """``count`` identical workers named worker-1, worker-2, … that can do every given type."""
    validate.count("count", count, maximum=MAX_WORKERS)
    caps = task_types(capabilities)
    return [WorkerSpec(f"worker-{i}", caps, capacity) for i in range(1, count + 1)]


def worker_specs(workers: Iterable[WorkerSpec]) -> list[WorkerSpec]:
    """``workers`` as a list of ``WorkerSpec`` with distinct names, or raise saying what is wrong."""
    if isinstance(workers, (str, WorkerSpec)) or not isinstance(workers, Iterable):
        raise TypeError(f"workers={workers!r} is not allowed: give a list of WorkerSpec")
    specs = list(workers)
    if not specs or len(specs) > MAX_WORKERS or not all(isinstance(w, WorkerSpec) for w in specs):
        raise TypeError(f"workers={workers!r} is not allowed: give a list of 1 to {MAX_WORKERS} WorkerSpec")
    seen: set[str] = set()
    for spec in specs:
        if spec.name in seen:
            raise ValueError(f"name={spec.name!r} is not allowed: two workers are named {spec.name!r}; "
                             "names must be unique")
        seen.add(spec.name)
    return specs


class Worker(Agent):
    """Does what it is assigned, each attempt concurrently up to its capacity, and replies.

    While it has work it sends a heartbeat every ``heartbeat_interval`` seconds, so the
    orchestrator can tell a busy worker from a dead one.
    """

    daemon = True

    def __init__(self, spec: WorkerSpec, orchestrator: str = ORCHESTRATOR,
                 heartbeat_interval: float | None = 0.5) -> None:
        if not isinstance(spec, WorkerSpec):
            raise TypeError(f"spec={spec!r} is not allowed: give a WorkerSpec")
        if heartbeat_interval is not None and validate.number("heartbeat_interval", heartbeat_interval) <= 0:
            raise ValueError(f"heartbeat_interval={heartbeat_interval!r} is not allowed: it must be > 0, "
                             "or None for no heartbeats")
        super().__init__(spec.name)
        self.spec = spec
        self.orchestrator = validate.name("orchestrator", orchestrator)
        self.running: dict[tuple[str, int], None] = {}
        self.answers: dict[tuple[str, int], tuple[str, Result | Failure]] = {}  # finished attempts: kind, body
        self.started_at = 0.0  # when this incarnation started (set again after a restart)
        self.heartbeat = HeartbeatSender(self, orchestrator, heartbeat_interval, busy=lambda: bool(self.running),
                                         body=lambda: Heartbeat(tuple(t for t, _ in self.running)))

    async def run(self) -> None:
        self.started_at = self.now
        capabilities = tuple(sorted(self.spec.capabilities))  # sorted: a set's order varies between processes
        await self.send(self.orchestrator, "register", Register(capabilities, self.spec.capacity))
        await super().run()

    async def on_assign(self, msg: Message) -> None:
        job: Assign = msg.body
        key = (job.task.id, job.attempt)
        if key in self.answers:  # asked again (a duplicate, or the orchestrator never got it): same answer
            kind, body = self.answers[key]
            await self.reply(msg, body, kind=kind)
            return
        if key in self.running:
            return  # a repeated assign: this attempt is under way, its heartbeats say so
        if msg.sent_at < self.started_at:
            return  # meant for this worker before it restarted: its register tells the orchestrator so
        # Busy from this moment, not from when perform() first runs: a heartbeat that wakes
        # in between must not mistake the worker for idle and stop beating for good.
        self.running[key] = None
        self.spawn(self.perform(msg))
        self.heartbeat.start()

    async def on_probe(self, msg: Message) -> None:
        """The orchestrator suspects us (it has not heard from us for a while): say we are here."""
        await self.reply(msg, self.heartbeat.body(), kind="heartbeat")

    async def perform(self, msg: Message) -> None:
        """Do one attempt: the modelled work, then the real work if the task has any."""
        job: Assign = msg.body
        key = (job.task.id, job.attempt)
        self.log("task_start", task=job.task.id, attempt=job.attempt)
        await self.work(job.duration / self.spec.speed, label=job.task.id)
        del self.running[key]
        outcome = real_work(self, job)
        self.answers[key] = ("failure" if isinstance(outcome, Failure) else "result", outcome)
        kind, body = self.answers[key]
        await self.reply(msg, body, kind=kind)


def real_work(worker: Agent, job: Assign) -> Result | Failure:
    """Run the real work of ``job``'s task, if it has any, once its modelled work is done, and log
    ``task_end``: a ``Result``, or a ``Failure`` if the task's own code raised (reported, so the
    worker does not crash). Every worker that does tasks ends an attempt this way."""
    try:
        value = job.task.work(job.task.payload, dict(job.inputs)) if job.task.work else None
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
        worker.log("task_end", task=job.task.id, attempt=job.attempt, ok=False, error=error)
        return Failure(job.task.id, job.attempt, error)
    worker.log("task_end", task=job.task.id, attempt=job.attempt, ok=True)
    return Result(job.task.id, job.attempt, value)
