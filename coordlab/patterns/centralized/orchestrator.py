"""The orchestrator: one agent that keeps every task's state and reacts to each message.

A task becomes *ready* when its last dependency completes; each ready task goes at once
to a free capable worker chosen by the assignment policy. Everything the orchestrator does
is a reaction to a message or a timer: no polling. Each message it handles costs it
``service_time`` of work, which is what makes it a bottleneck once there are enough workers.

The bookkeeping is the shared kits': a ``TaskGraph`` (task states, releasing dependants,
skipping those of a failed task) and a ``SilenceWatch`` (which workers went silent, probing
them, taking back the ones that answer). What is the orchestrator's own is the rest: who has
which attempt (its ``Slots``, which also know who has room for one more), retries and
timeouts, and what it keeps on disk.

Its disk (``self.stable``) holds what a real orchestrator would write down before acting
on it: the job, each task's settlement (the graph's journal), the attempts numbered and
failed so far, and which worker holds each running task's attempt. If it crashes and
recovers, it rebuilds the graph from the journal, asks each holder again for its attempt
(a worker answers a repeated assign with the answer it already gave, or keeps working on
it), and hands out the rest; a late result from before the crash is still welcome (the
first result of a task wins). While it is down nobody else knows the plan: the client asks
again now and then, and gives up after a few unanswered tries.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from coordlab.patterns.centralized.protocol import ORCHESTRATOR, Assign, Failure, Result, Submit
from coordlab.patterns.centralized.slots import Slots
from coordlab.patterns.centralized.workers import WorkerSpec, worker_specs
from coordlab.patterns.liveness import SilenceWatch
from coordlab.patterns.tasks import (
    AssignmentPolicy,
    Report,
    RetryPolicy,
    Task,
    TaskGraph,
    TimeoutPolicy,
    WorkerView,
    choose_worker,
    require_policy,
    resolve_policy,
    task_list,
)
from coordlab.world import Agent, Message, Timeout, validate


class Orchestrator(Agent):
    """Keeps every task's state and reacts to each message; the single point of control.

    A task's state goes pending -> ready -> running -> done, with two detours:
    running -> backoff -> ready (an attempt failed and the retry policy allows another),
    and -> failed (no attempts left) or -> skipped (a dependency failed).
    """

    daemon = True

    def __init__(self, name: str, workers: Sequence[WorkerSpec], *, policy: str | AssignmentPolicy = "first free",
                 retry: RetryPolicy = RetryPolicy(), timeout: TimeoutPolicy = TimeoutPolicy(),
                 service_time: float = 0.005, suspect_after: float | None = 2.0,
                 give_up_after: float = 30.0) -> None:
        super().__init__(name)
        self.roster = {w.name: w for w in worker_specs(workers)}
        self.roster_types = frozenset().union(*(w.capabilities for w in self.roster.values()))
        self.policy = resolve_policy(policy)
        require_policy("retry", retry, RetryPolicy)
        require_policy("timeout", timeout, TimeoutPolicy)
        self.retry = retry
        self.timeout = timeout
        self.service_time = validate.number("service_time", service_time, minimum=0)
        if suspect_after is not None and validate.number("suspect_after", suspect_after) <= 0:
            raise ValueError(f"suspect_after={suspect_after!r} is not allowed: it must be > 0 seconds, "
                             "or None to never suspect a worker")
        if validate.number("give_up_after", give_up_after) <= 0:
            raise ValueError(f"give_up_after={give_up_after!r} is not allowed: it must be > 0 seconds")
        self.graph = TaskGraph((), self.log)
        self.types: set[str] = set()
        self.durations: dict[str, float] = {}
        self.ready: list[str] = []  # ready tasks waiting for a free capable worker, in order
        self.attempts: dict[str, int] = {}  # attempts numbered so far, per task (kept on disk)
        self.failures: dict[str, int] = {}  # attempts failed so far, per task: the retry budget (on disk)
        self.holders: dict[str, str] = {}  # the worker holding each running task's current attempt (on disk)
        self.answered = False  # the job's outcome was sent to the client
        self.slots = Slots({name: w.capacity for name, w in self.roster.items()})
        #: the attempts each worker holds (the slots' own dict: change it only through ``self.slots``)
        self.in_flight: dict[str, set[tuple[str, int]]] = self.slots.held
        self.assigned = {name: 0 for name in self.roster}
        self.assigned_at: dict[tuple[str, int], float] = {}
        self.silence = SilenceWatch(self, self.roster, suspect_after, has_work=lambda w: bool(self.in_flight[w]),
                                    on_silent=self.lose, probe=self.probe, give_up_after=give_up_after,
                                    on_lost=self.given_up)
        #: Which workers are not suspected of being dead: the silence watch's own dict, which it updates
        #: (an attribute, not a property: dispatch reads it once per worker after every message).
        self.alive: dict[str, bool] = self.silence.alive

    @property
    def tasks(self) -> dict[str, Task]:
        """The job's tasks by id."""
        return self.graph.tasks

    async def run(self) -> None:
        """Handle one message at a time; each costs ``service_time`` of the orchestrator's work.

        Restarted after a crash, it first picks up the job it has on disk, if any.
        """
        if "job" in self.stable:
            self.log("recovered", settled=len(self.stable["settled"]))
            await self.start(self.stable["job"])
        while True:
            msg = await self.receive()
            await self.work(self.service_time, label=msg.kind)
            taken_back = self.silence.heard_from(msg.sender)  # any word from a worker says it is alive
            await getattr(self, f"on_{msg.kind}")(msg)
            if taken_back:  # a worker wrongly suspected: it can have work again
                await self.dispatch()

    # --- messages ---------------------------------------------------------------------
    async def on_submit(self, msg: Message) -> None:
        """A job, or the same job again (its client heard nothing): answer it, never start it twice.

        One job at a time: another job while this one runs is answered with outcome "busy".
        """
        job = self.stable.get("job")
        if job is not None and (job.sender, job.conversation) == (msg.sender, msg.conversation):
            await self.reply(msg, self.graph.report())  # its outcome, or "running" and the counts so far
        elif job is not None and not self.graph.all_settled:
            await self.reply(msg, Report("busy", **self.graph.counts()))  # one job at a time
        else:
            ids = [task.id for task in msg.body.tasks]
            self.stable.update(job=msg, settled={}, attempts=dict.fromkeys(ids, 0),
                               failures=dict.fromkeys(ids, 0), holders={})
            await self.start(msg)

    async def on_register(self, msg: Message) -> None:
        worker = msg.sender
        # Attempts assigned before it (re)started are gone; later ones are on their way to it.
        lost = sorted(a for a in self.in_flight[worker] if self.assigned_at[a] < msg.sent_at)
        self.slots.release(worker, *lost)
        self.silence.registered(worker)
        for tid, attempt in lost:
            await self.attempt_failed(tid, attempt, f"worker {worker} restarted")
        await self.dispatch()
        await self.finish_if_settled()

    async def on_heartbeat(self, msg: Message) -> None:
        """Nothing more to do: ``run`` already noted that the worker is alive."""

    async def on_result(self, msg: Message) -> None:
        result: Result = msg.body
        self.slots.release(msg.sender, (result.task, result.attempt))  # its slot is free again
        if result.task not in self.tasks:  # a late answer about a previous job's task
            return
        if not self.graph.is_settled(result.task):  # the first result wins, whichever attempt
            self.complete(result.task, msg.sender, result.attempt, result.value)
        await self.dispatch()
        await self.finish_if_settled()

    async def on_failure(self, msg: Message) -> None:
        failure: Failure = msg.body
        self.slots.release(msg.sender, (failure.task, failure.attempt))
        if failure.task not in self.tasks:  # a late answer about a previous job's task
            return
        await self.attempt_failed(failure.task, failure.attempt, f"{msg.sender} reported {failure.error}")
        await self.dispatch()
        await self.finish_if_settled()

    # --- the job --------------------------------------------------------------------------
    async def start(self, msg: Message) -> None:
        """Take on the job in ``msg`` as the disk has it: settled tasks stay settled, attempts
        handed out before a crash are asked for again, the rest go out."""
        job: Submit = msg.body
        self.graph = TaskGraph(job.tasks, self.log, journal=self.stable["settled"])
        require_capable(self.tasks.values(), self.roster.values())
        self.types = {task.type for task in self.tasks.values()}
        self.durations = dict(job.durations)
        self.attempts, self.failures = self.stable["attempts"], self.stable["failures"]
        self.holders = self.stable["holders"]
        self.answered = False
        self.ready = [tid for tid in self.graph.ready() if tid not in self.holders]
        for tid, worker in sorted(self.holders.items()):
            await self.assign(tid, worker, again=True)
        await self.dispatch()
        await self.finish_if_settled()

    async def finish_if_settled(self) -> None:
        """Once every task is settled, tell the client how the job ended (once per incarnation)."""
        if "job" in self.stable and self.graph.all_settled and not self.answered:
            self.answered = True
            await self.reply(self.stable["job"], self.graph.report())

    # --- assigning ----------------------------------------------------------------------
    async def dispatch(self) -> None:
        """Give each ready task, in order, to a free capable worker; the rest stay ready.

        A task no live worker can do waits while a suspected capable worker may still answer
        its probes; it fails only once every capable worker is given up on.
        """
        if not self.ready:
            return
        free = [name for name in self.slots.with_room() if self.alive[name]]
        reachable = self.reachable_types()
        ready, self.ready, waiting = self.ready, [], []
        for index, tid in enumerate(ready):
            if not free and self.types <= reachable:
                waiting.extend(ready[index:])  # nothing more can be placed now
                break
            task = self.tasks[tid]
            if task.type not in reachable:
                await self.give_up(tid, f"no live worker can do type {task.type!r}")
                continue
            candidates = [self.view(n) for n in free if task.type in self.roster[n].capabilities]
            if not candidates:
                waiting.append(tid)
                continue
            worker = choose_worker(self.policy, task, candidates)
            await self.assign(tid, worker)
            if len(self.in_flight[worker]) >= self.roster[worker].capacity:
                free.remove(worker)
        self.ready = waiting + self.ready

    def reachable_types(self) -> frozenset[str] | set[str]:
        """The task types some worker not given up on can do: every type on the roster until one is lost."""
        if not self.silence.lost:
            return self.roster_types
        return set().union(*(w.capabilities for name, w in self.roster.items() if self.silence.maybe_alive(name)))

    def view(self, name: str) -> WorkerView:
        spec = self.roster[name]
        return WorkerView(name, spec.capabilities, spec.capacity, len(self.in_flight[name]), spec.speed,
                          self.assigned[name])

    async def assign(self, tid: str, worker: str, *, again: bool = False) -> None:
        """Send ``worker`` a new attempt of ``tid``, or (``again``) the attempt it already holds."""
        task = self.tasks[tid]
        if not again:
            # Numbered on disk before it is sent: a recovered orchestrator never numbers a new
            # attempt like an old one, which a worker would answer with the old one's answer.
            self.attempts[tid] += 1
            self.holders[tid] = worker
        attempt = self.attempts[tid]
        self.graph.mark(tid, "running")
        self.assigned[worker] += 1
        first = not self.in_flight[worker]
        self.slots.take(worker, (tid, attempt))
        self.assigned_at[(tid, attempt)] = self.now
        self.log("attempt_asked_again" if again else "task_assigned", task=tid, worker=worker, attempt=attempt)
        await self.send(worker, "assign", Assign(task, attempt, self.durations[tid], self.graph.inputs(tid)))
        limit = (task.timeout or self.timeout).limit(self.durations[tid])
        if limit is not None:
            self.spawn(self.expire(tid, attempt, limit))
        self.silence.gave_work(worker, first=first)

    # --- outcomes -------------------------------------------------------------------------
    def complete(self, tid: str, worker: str, attempt: int, value: Any) -> None:
        if tid in self.ready:  # a late result of an attempt that had timed out
            self.ready.remove(tid)
        self.holders.pop(tid, None)
        self.ready.extend(self.graph.complete(tid, value, worker=worker, attempt=attempt))

    async def attempt_failed(self, tid: str, attempt: int, reason: str) -> None:
        """The current attempt of ``tid`` failed: retry after a backoff, or give up."""
        if self.graph.state[tid] != "running" or attempt != self.attempts[tid]:
            return  # an older attempt, or this one reported twice: the task has moved on already
        del self.holders[tid]
        self.failures[tid] += 1
        failed = self.failures[tid]
        retry = self.tasks[tid].retry or self.retry
        if failed >= retry.max_attempts:
            await self.give_up(tid, f"{reason} (attempt {failed} of {retry.max_attempts})")
            return
        wait = retry.wait_after(failed, self.rng)
        self.graph.mark(tid, "backoff")
        self.log("task_retry", task=tid, attempt=attempt, reason=reason, wait=wait)
        self.spawn(self.retry_after(tid, wait))

    async def retry_after(self, tid: str, wait: float) -> None:
        await self.sleep(wait)
        if self.graph.state[tid] == "backoff":
            self.graph.mark(tid, "ready")
            self.ready.append(tid)
            await self.dispatch()

    async def give_up(self, tid: str, reason: str) -> None:
        """Fail ``tid``; the graph skips everything that depends on it, directly or not."""
        if tid in self.ready:
            self.ready.remove(tid)
        self.graph.fail(tid, reason)
        await self.finish_if_settled()

    # --- timers: the only things the orchestrator does without being asked ------------
    async def expire(self, tid: str, attempt: int, limit: float) -> None:
        """Time out one attempt after ``limit`` seconds (its worker's slot stays taken)."""
        await self.sleep(limit)
        await self.attempt_failed(tid, attempt, f"attempt timed out after {limit:g}s")
        await self.dispatch()

    async def lose(self, worker: str, silent: float) -> None:
        """``worker`` was silent too long: give it nothing until it speaks again; its attempts
        count as failed (the silence watch probes it meanwhile)."""
        reason = f"silent for {silent:g}s"
        self.log("worker_lost", worker=worker, reason=reason)
        lost = sorted(self.in_flight[worker])
        self.slots.release(worker, *lost)
        for tid, attempt in lost:
            await self.attempt_failed(tid, attempt, f"worker {worker} lost ({reason})")
        await self.dispatch()

    async def probe(self, worker: str) -> None:
        """Ask a suspected worker for a sign of life (it answers with a heartbeat)."""
        await self.send(worker, "probe")

    async def given_up(self, worker: str) -> None:
        """No answer to probes for ``give_up_after`` s: tasks only lost workers can do fail now."""
        await self.dispatch()


def require_capable(tasks: Iterable[Task], workers: Iterable[WorkerSpec]) -> None:
    """Raise naming the first task whose type no worker can do."""
    workers = list(workers)
    can_do = set().union(*(w.capabilities for w in workers))
    for task in tasks:
        if task.type not in can_do:
            raise ValueError(f"type={task.type!r} is not allowed: task {task.id!r} has type {task.type!r}, "
                             "which no worker can do "
                             f"(worker types: {', '.join(sorted(can_do)) or 'none'})")


class Client(Agent):
    """Submits the job, waits for its outcome, and ends the run with it.

    A submit or its answer can be lost, and the orchestrator can be down for a while. So the
    client submits again whenever it has heard nothing for ``patience`` seconds, always in the
    same conversation: the orchestrator knows the job by it and answers (its progress, or its
    outcome) instead of starting it again. After ``tries`` silences in a row it gives up and
    ends the run with ``stop_reason="no_answer"``: a run without its orchestrator still ends.
    """

    def __init__(self, name: str, tasks: Sequence[Task], durations: dict[str, float],
                 orchestrator: str = ORCHESTRATOR, *, patience: float = 10.0, tries: int = 5) -> None:
        super().__init__(name)
        self.job = Submit(tuple(task_list(tasks)), durations)
        self.orchestrator = validate.name("orchestrator", orchestrator)
        if validate.number("patience", patience) <= 0:
            raise ValueError(f"patience={patience!r} is not allowed: the client must wait > 0 s before asking again")
        self.patience = patience
        self.tries = validate.count("tries", tries)

    async def run(self) -> None:
        first = await self.send(self.orchestrator, "submit", self.job)
        silences = 0
        while True:
            try:
                reply = await self.receive("submit_ok", sender=self.orchestrator, timeout=self.patience)
            except Timeout:
                silences += 1
                if silences == self.tries:
                    self.end_run("no_answer")
                    return
                await self.send(self.orchestrator, "submit", self.job, conversation=first.conversation)
                continue
            silences = 0
            if reply.body.outcome != "running":  # "running": the orchestrator is alive and at work
                self.end_run(reply.body.outcome)
                return
