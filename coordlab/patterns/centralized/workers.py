"""Workers: what each can do (``WorkerSpec``) and the agent that does it (``Worker``).

A worker knows only its orchestrator. It registers, does each attempt it is assigned,
replies with the result (or the error its work raised), and sends heartbeats while it
is busy. The hierarchy reuses it unchanged: to a worker, its lead is just an orchestrator.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from coordlab.patterns.centralized.protocol import ORCHESTRATOR, Assign, Failure, Heartbeat, Register, Result
from coordlab.patterns.liveness import HeartbeatSender
from coordlab.world import Agent, validate


@dataclass(frozen=True)
class WorkerSpec:
    """A worker: its name, the task types it can do, how many at once, how fast (1 = nominal)."""

    name: str
    capabilities: frozenset[str]
    capacity: int = 1
    speed: float = 1.0

    def __init__(self, name: str, capabilities: str | Iterable[str], capacity: int = 1, speed: float = 1.0):
        caps = frozenset([capabilities] if isinstance(capabilities, str) else capabilities)
        if not caps:
            raise ValueError(f"capabilities={capabilities!r} is not allowed: a worker must be able to do "
                             "at least one task type")
        validate.count("capacity", capacity)
        if validate.number("speed", speed) <= 0:
            raise ValueError(f"speed={speed!r} is not allowed: speed must be > 0 (worker {name!r})")
        for attribute, value in (("name", name), ("capabilities", caps), ("capacity", capacity),
                                 ("speed", float(speed))):
            object.__setattr__(self, attribute, value)

    def __repr__(self) -> str:  # sorted: a set's order changes from one Python process to the next
        return (f"WorkerSpec({self.name!r}, {sorted(self.capabilities)!r}, capacity={self.capacity}, "
                f"speed={self.speed:g})")


def generalists(count: int, capabilities: Iterable[str], *, capacity: int = 1) -> list[WorkerSpec]:
    """``count`` identical workers named worker-1, worker-2, … that can do every given type."""
    validate.count("workers", count)
    caps = frozenset(capabilities)
    return [WorkerSpec(f"worker-{i}", caps, capacity) for i in range(1, count + 1)]


class Worker(Agent):
    """Does what it is assigned, each attempt concurrently up to its capacity, and replies.

    While it has work it sends a heartbeat every ``heartbeat_interval`` seconds, so the
    orchestrator can tell a busy worker from a dead one.
    """

    daemon = True

    def __init__(self, spec: WorkerSpec, orchestrator: str = ORCHESTRATOR,
                 heartbeat_interval: float | None = 0.5) -> None:
        super().__init__(spec.name)
        self.spec = spec
        self.orchestrator = orchestrator
        self.running: dict[tuple[str, int], None] = {}
        self.started: set[tuple[str, int]] = set()
        self.heartbeat = HeartbeatSender(self, orchestrator, heartbeat_interval, busy=lambda: bool(self.running),
                                         body=lambda: Heartbeat(tuple(t for t, _ in self.running)))

    async def run(self) -> None:
        capabilities = tuple(sorted(self.spec.capabilities))  # sorted: a set's order varies between processes
        await self.send(self.orchestrator, "register", Register(capabilities, self.spec.capacity))
        await super().run()

    async def on_assign(self, msg) -> None:
        job: Assign = msg.body
        key = (job.task.id, job.attempt)
        if key in self.started:
            return  # a duplicated assign (the network may deliver twice): this attempt is under way
        self.started.add(key)
        # Busy from this moment, not from when perform() first runs: a heartbeat that wakes
        # in between must not mistake the worker for idle and stop beating for good.
        self.running[key] = None
        self.spawn(self.perform(msg))
        self.heartbeat.start()

    async def perform(self, msg) -> None:
        """Do one attempt: the modelled work, then the real work if the task has any."""
        job: Assign = msg.body
        key = (job.task.id, job.attempt)
        self.log("task_start", task=job.task.id, attempt=job.attempt)
        await self.work(job.duration / self.spec.speed, label=job.task.id)
        del self.running[key]
        try:
            value = job.task.work(job.task.payload, dict(job.inputs)) if job.task.work else None
        except Exception as exc:  # the task's own code failed: report it, do not crash the worker
            error = f"{type(exc).__name__}: {exc}"
            self.log("task_end", task=job.task.id, attempt=job.attempt, ok=False, error=error)
            await self.reply(msg, Failure(job.task.id, job.attempt, error), kind="failure")
            return
        self.log("task_end", task=job.task.id, attempt=job.attempt, ok=True)
        await self.reply(msg, Result(job.task.id, job.attempt, value), kind="result")
