"""Response-threshold task allocation (Bonabeau, Theraulaz & Deneubourg 1996): nobody assigns anything.

    run = run_threshold(research_pipeline(), workers=3, seed=1)
    run.stop_reason, run.tasks, run.makespan, run.verdict

Open tasks wait on a shared *board*; each task type gives off a *stimulus* that grows with
the tasks of that type waiting and with how long they have waited (``stimulus``). Every
worker senses the board now and then and, for a type it can do, takes an open task with
probability ``s² / (s² + θ²)``, where ``θ`` is its own threshold for that type (``respond``:
one worker's rule, in plain Python).
A worker with a low threshold answers a weak stimulus; one with a high threshold waits until
the work piles up. With ``learn``/``forget`` the thresholds adapt (``adapt``): lower for the
type a worker just took, higher for the others, so specialists emerge (Theraulaz, Bonabeau &
Deneubourg 1998).

The board is an environment agent, not a manager: it only posts tasks (each once its
dependencies are done), answers "what is open?", grants a claim for a type to the first
taker (the type's oldest open task; a claim that finds none open is refused) and marks a
task done, exactly once, when told. Sensing and claiming are messages, so they are traced
and counted like any other pattern's coordination. It is also one agent that every worker
talks to: measure it as you would an orchestrator.

Failures need no heartbeats: a grant is a *lease*. A task not reported within twice its
expected work plus ``suspect_after`` seconds is open again (its taker may be dead; if not,
the first result wins), and so is a task its taker no longer lists when it senses (it
restarted, or never got the grant). A task whose work raised is open again until it has
failed ``max_attempts`` times. A task no live worker can do (no capable worker holding a
task or heard from for ``give_up_after`` seconds) fails, and its dependants are skipped.
The board keeps its decisions on disk (``stable``), so it can crash and recover; a worker
that hears nothing from the board for ``give_up_after`` seconds ends the run with
``stop_reason="no_answer"`` (unless a coordinator above the board owns the job, as in
``coordlab.patterns.hybrids``: then that coordinator decides). A claim the network delivers
twice gets its first answer again (``ClaimAnswers``), never a second task.
"""
from __future__ import annotations

import random
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from numbers import Real
from typing import Any

from coordlab import metrics
from coordlab.patterns.centralized.checks import centralized_checkers
from coordlab.patterns.centralized.protocol import Assign, Failure, Heartbeat, Result
from coordlab.patterns.centralized.run import checked_workload, fastest_bound
from coordlab.patterns.centralized.workers import WorkerSpec, real_work
from coordlab.patterns.protocol import kinds_declared
from coordlab.patterns.swarm.protocol import BOARD, BOARD_PROTOCOL, Claim, OpenType, Stimuli
from coordlab.patterns.tasks import (
    CriticalPath,
    Task,
    TaskGraph,
    TaskRun,
    draw_durations,
    task_list,
    task_metrics,
    task_run,
)
from coordlab.world import Agent, Faults, Message, Timeout, World, validate
from coordlab.world.checks import Checker
from coordlab.world.latency import Latency


# --- the individual rule ---------------------------------------------------------------
def respond(stimulus: float, threshold: float, u: float) -> bool:
    """One worker's rule: take a task whose stimulus is ``stimulus``, given its ``threshold``?

    Yes with probability ``s² / (s² + θ²)``: ``u`` is a uniform random number in [0, 1).
    Half the time when the stimulus equals the threshold, almost never far below it, almost
    always far above it.
    """
    s2 = stimulus * stimulus
    return u < s2 / (s2 + threshold * threshold)


def adapt(threshold: float, took_it: bool, *, learn: float, forget: float, low: float, high: float) -> float:
    """One worker's threshold for one type after a decision: ``learn`` lower if it took a task of
    that type, ``forget`` higher if it took another, kept within [``low``, ``high``]."""
    moved = threshold - learn if took_it else threshold + forget
    return min(high, max(low, moved))


def stimulus(waits: Iterable[float], growth: float) -> float:
    """A task type's stimulus: each open task of that type counts 1, plus ``growth`` per second it has waited."""
    return sum(1.0 + growth * wait for wait in waits)


# --- the board: the environment the workers sense ------------------------------------
class OpenTasks:
    """The tasks open on a board, by type, oldest first: what the workers sense.

    Each type's stimulus comes from the count ``n`` of its open tasks and the sum of the times
    they opened: their waits add up to ``n * now - sum``, so reading it is no pass over every task.
    """

    def __init__(self, growth: float) -> None:
        self.growth = growth
        self.kinds: dict[str, str] = {}  # the type of every task ever posted
        self.by_type: dict[str, dict[str, float]] = {}  # type -> {open task: when (re)opened}, oldest first
        self.opened_sum: dict[str, float] = {}  # type -> the sum of those times

    def __contains__(self, tid: object) -> bool:
        return tid in self.by_type.get(self.kinds.get(tid, ""), {})

    def post(self, tid: str, kind: str, now: float) -> None:
        """``tid`` (of type ``kind``) is open from ``now``: its stimulus starts counting."""
        self.kinds[tid] = kind
        self.by_type.setdefault(kind, {})[tid] = now
        self.opened_sum[kind] = self.opened_sum.get(kind, 0.0) + now

    def unpost(self, tid: str) -> None:
        """``tid`` is no longer open (if it was)."""
        kind = self.kinds.get(tid, "")
        opened = self.by_type.get(kind, {}).pop(tid, None)
        if opened is None:
            return
        if self.by_type[kind]:
            self.opened_sum[kind] -= opened
        else:  # start again from exactly 0: no rounding left over
            del self.by_type[kind], self.opened_sum[kind]

    def take(self, kind: str) -> str | None:
        """A claim for ``kind``: its open task that has waited longest, no longer open; None if none is."""
        tid = next(iter(self.by_type.get(kind, ())), None)
        if tid is not None:
            self.unpost(tid)
        return tid

    def stimuli(self, now: float) -> Stimuli:
        """Each open type's ``stimulus`` at ``now``, sorted by type."""
        rows = []
        for kind in sorted(self.by_type):
            count = len(self.by_type[kind])
            waited = count * now - self.opened_sum[kind]
            rows.append(OpenType(kind, count + self.growth * waited, count))
        return Stimuli(tuple(rows))


def orphaned(open_tasks: OpenTasks, capabilities: Mapping[str, Iterable[str]],
             live: Callable[[str], bool]) -> list[str]:
    """The open tasks that no ``live`` worker can do (``capabilities``: what each worker can do)."""
    able = set().union(*(caps for name, caps in capabilities.items() if live(name)))
    return [tid for kind in sorted(set(open_tasks.by_type) - able) for tid in open_tasks.by_type[kind]]


class ClaimAnswers:
    """The answer a board gave each claim, by message id: a claim the network delivered twice gets
    its first answer again, never a second task (the taker waits for one answer; a second task
    would sit granted to it, unknown, until it senses and the board takes it back)."""

    def __init__(self) -> None:
        self.given: dict[int, tuple[str, Any]] = {}

    async def answer(self, board: Agent, msg: Message, decide: Callable[[Message], Awaitable[tuple[str, Any]]]) -> None:
        """Reply to the claim ``msg`` with ``decide``'s (kind, body), decided once per claim."""
        if msg.id not in self.given:
            self.given[msg.id] = await decide(msg)
        kind, body = self.given[msg.id]
        await board.reply(msg, body, kind=kind)


class Board(Agent):
    """The shared board: posts open tasks, tells their stimuli, grants claims, marks tasks done.

    Each message it handles costs it ``service_time`` of work (it is an agent like any other).
    On disk it keeps the task graph's journal (what is settled) and the attempts numbered and
    failed: a recovered board opens every ready task again, and a late result is still welcome
    (the first result of a task wins).

    Where its tasks come from and where a finished one goes are four methods (``start``,
    ``assignment``, ``completed``, ``failed``): here, the board's own task graph; a board that
    takes its tasks from a planner (``coordlab.patterns.hybrids``) overrides them.
    """

    daemon = True
    #: The event a grant is logged as: the task kit's ``task_assigned`` for a board that owns its tasks.
    grant_event = "task_assigned"

    def __init__(self, name: str, tasks: Sequence[Task], durations: Mapping[str, float],
                 workers: Sequence[WorkerSpec], *, growth: float = 0.5, service_time: float = 0.005,
                 suspect_after: float = 2.0, give_up_after: float = 30.0, max_attempts: int = 3) -> None:
        super().__init__(name)
        self.job = task_list(tasks)
        self.durations = dict(durations)
        self.roster = {w.name: w for w in workers}
        self.service_time = service_time
        self.suspect_after = suspect_after
        self.give_up_after = give_up_after
        self.max_attempts = max_attempts
        self.graph = TaskGraph((), self.log)
        self.open = OpenTasks(growth)
        self.taken: dict[str, tuple[str, int, float]] = {}  # task -> (taker, attempt, when granted)
        self.held: dict[str, dict[str, None]] = {name: {} for name in self.roster}  # taker -> its tasks
        self.heard: dict[str, float] = {}  # when each worker last sent the board anything
        self.claims = ClaimAnswers()

    async def run(self) -> None:
        self.attempts = self.stable.setdefault("attempts", {})  # grants numbered so far, per task
        self.failures = self.stable.setdefault("failures", {})  # attempts whose work raised, per task
        self.heard = dict.fromkeys(self.roster, self.now)  # (re)started: everyone gets give_up_after to speak
        await self.start()
        self.spawn(self.patrol())
        while True:
            msg = await self.receive()
            await self.work(self.service_time, label=msg.kind)
            self.heard[msg.sender] = self.now
            await getattr(self, f"on_{msg.kind}")(msg)

    # --- where tasks come from and where they go: the board's own task graph ---------------
    async def start(self) -> None:
        """Build the task graph from the journal on disk, and post every ready task."""
        journal = self.stable.setdefault("journal", {})
        if journal:
            self.log("recovered", settled=len(journal))
        self.graph = TaskGraph(self.job, self.log, journal)
        for tid in self.graph.ready():
            self.post(tid, self.graph.tasks[tid].type)
        self.finish_if_settled()

    def assignment(self, tid: str, attempt: int) -> Assign:
        """What a grant of attempt ``attempt`` of ``tid`` carries: the task, its duration, its inputs."""
        return Assign(self.graph.tasks[tid], attempt, self.durations[tid], self.graph.inputs(tid))

    async def completed(self, tid: str, worker: str, result: Result) -> None:
        """``worker`` finished ``tid``: it is done (the first result wins) and its dependants are posted."""
        if self.graph.is_settled(tid):
            return
        self.release(tid)
        for child in self.graph.complete(tid, result.value, worker=worker, attempt=result.attempt):
            self.post(child, self.graph.tasks[child].type)
        self.finish_if_settled()

    async def failed(self, tid: str, reason: str, *, final: bool) -> None:
        """An attempt of ``tid`` failed because of ``reason``: post it again, or (``final``) fail it."""
        self.release(tid)
        if final:
            self.graph.fail(tid, reason)
            self.finish_if_settled()
        else:
            self.post(tid, self.open.kinds[tid])

    def finish_if_settled(self) -> None:
        if self.graph.all_settled:
            self.end_run(self.graph.report().outcome)

    # --- messages -------------------------------------------------------------------
    async def on_sense(self, msg: Message) -> None:
        """A worker reads the board: each open type's stimulus."""
        self.forget_dropped(msg)
        await self.reply(msg, self.open.stimuli(self.now))

    async def on_claim(self, msg: Message) -> None:
        await self.claims.answer(self, msg, self.grant)

    async def grant(self, msg: Message) -> tuple[str, Any]:
        """A claim for a type wins its oldest open task; with none open (others were quicker) it is refused."""
        tid = self.open.take(msg.body.type)
        if tid is None:
            return "refused", msg.body
        worker = msg.sender
        attempt = self.attempts[tid] = self.attempts.get(tid, 0) + 1
        self.taken[tid] = (worker, attempt, self.now)
        self.held[worker][tid] = None
        self.log(self.grant_event, task=tid, worker=worker, attempt=attempt)
        job = self.assignment(tid, attempt)
        self.spawn(self.lease(tid, attempt, 2 * job.duration / self.roster[worker].speed + self.suspect_after))
        return "granted", job

    async def lease(self, tid: str, attempt: int, seconds: float) -> None:
        """A task not reported within ``seconds`` of its grant is open again (its taker may be dead)."""
        await self.sleep(seconds)
        if tid in self.taken and self.taken[tid][1] == attempt:
            self.reopen(tid, f"{self.taken[tid][0]} did not report it within its lease of {seconds:g}s")

    async def on_done(self, msg: Message) -> None:
        """A taker's result (or failure): acknowledged always, applied once."""
        await self.reply(msg)
        answer: Result | Failure = msg.body
        tid = answer.task
        if isinstance(answer, Result):
            await self.completed(tid, msg.sender, answer)
        elif self.taken.get(tid, ("", 0))[:2] == (msg.sender, answer.attempt):  # the attempt that stands
            self.failures[tid] = self.failures.get(tid, 0) + 1
            final = self.failures[tid] >= self.max_attempts
            reason = f"{msg.sender} reported {answer.error}" + (f" (attempt {self.failures[tid]} of "
                                                                 f"{self.max_attempts})" if final else "")
            if not final:
                self.log("task_retry", task=tid, attempt=answer.attempt, reason=reason, wait=0.0)
            await self.failed(tid, reason, final=final)

    # --- the board's bookkeeping --------------------------------------------------------
    def post(self, tid: str, kind: str) -> None:
        """``tid`` (of type ``kind``) is open: its stimulus starts counting now."""
        self.open.post(tid, kind, self.now)

    def release(self, tid: str) -> None:
        """``tid`` is no longer open nor held by anyone."""
        self.open.unpost(tid)
        taken = self.taken.pop(tid, None)
        if taken is not None:
            self.held[taken[0]].pop(tid, None)

    def reopen(self, tid: str, reason: str) -> None:
        """Take ``tid`` back from its taker and post it again."""
        attempt = self.taken[tid][1]
        self.release(tid)
        self.log("task_retry", task=tid, attempt=attempt, reason=reason, wait=0.0)
        self.post(tid, self.open.kinds[tid])

    def forget_dropped(self, msg: Message) -> None:
        """Tasks granted to the sender before it sent ``msg`` that it does not list: it restarted,
        or never got the grant. They are open again."""
        holding = set(msg.body.running)
        for tid in list(self.held[msg.sender]):
            if tid not in holding and self.taken[tid][2] < msg.sent_at:
                self.reopen(tid, f"{msg.sender} no longer holds it")

    async def patrol(self) -> None:
        """Fail the open tasks that no capable worker holding a task or heard from in the last
        ``give_up_after`` seconds can do."""
        while True:
            await self.sleep(self.give_up_after / 10)
            capabilities = {name: w.capabilities for name, w in self.roster.items()}
            for tid in orphaned(self.open, capabilities, self.live):
                await self.failed(tid, f"no capable live worker: no worker able to do {self.open.kinds[tid]!r} "
                                       f"heard from for {self.give_up_after:g}s", final=True)

    def live(self, worker: str) -> bool:
        """Holding a task, or heard from in the last ``give_up_after`` seconds."""
        return bool(self.held[worker]) or self.now - self.heard[worker] < self.give_up_after


# --- a worker: senses, maybe takes, works, reports ------------------------------------
class ThresholdWorker(Agent):
    """A worker that chooses its own work.

    While it has a free slot it reads the board and, for each open type it can do (in random
    order), applies ``respond`` with its threshold; the first yes is a claim for that type. It
    reads again after ``sense_interval`` seconds, or, when the board showed nothing for it (or
    did not answer), after twice its last pause, up to ``max_sense_interval``: idle workers
    stop crowding the board. It works on what it is granted and reports each result until the
    board acknowledges it.
    """

    daemon = True

    def __init__(self, spec: WorkerSpec, board: str = BOARD, *, thresholds: Mapping[str, float],
                 sense_interval: float = 0.5, max_sense_interval: float = 4.0, learn: float = 0.0,
                 forget: float = 0.0, patience: float = 1.0, give_up_after: float = 30.0,
                 board_owns_job: bool = True) -> None:
        super().__init__(spec.name)
        self.spec = spec
        self.board = board
        self.thresholds = {kind: thresholds[kind] for kind in sorted(spec.capabilities) if kind in thresholds}
        self.initial = dict(self.thresholds)  # an adapted threshold stays within 1/10 to 10 times this
        self.sense_interval, self.max_sense_interval = sense_interval, max_sense_interval
        self.learn, self.forget = learn, forget
        self.patience = patience
        self.wait = patience  # how long the next question waits for its answer
        self.give_up_after = give_up_after
        self.board_owns_job = board_owns_job
        self.holding: dict[tuple[str, int], None] = {}  # attempts granted and not yet acknowledged as reported
        self.silent_since: float | None = None  # since when our questions to the board go unanswered

    async def run(self) -> None:
        await self.sleep(self.rng.uniform(0, self.sense_interval))  # workers started together do not read together
        pause = self.sense_interval
        while True:
            if len(self.holding) >= self.spec.capacity or await self.sense_and_choose():
                pause = self.sense_interval
            else:
                pause = min(2 * pause, self.max_sense_interval)
            await self.sleep(pause)

    async def ask_board(self, kind: str, body: object) -> Message | None:
        """Ask the board and wait for its answer; None if none came (and after ``give_up_after`` s
        of silence, end the run: the board is gone, and with it the job; unless the board does not
        own the job, ``board_owns_job=False``: under a coordinator that owns it, as in the hybrids,
        that coordinator notices a lost board and decides, so a worker only keeps asking). A busy
        board answers late, and asking it again only makes its queue longer: so the wait doubles after
        each unanswered question, and after an answer it is four times that answer's round trip (and
        at least ``patience`` s).

        A plain message and a wait for the answer, not a ``request``: the board ends the run the
        moment the last task is settled, when other workers' questions may still be on their way.
        """
        asked = await self.send(self.board, kind, body)
        try:
            answer = await self.receive(match=lambda m: m.in_reply_to == asked.id, timeout=self.wait)
        except Timeout:
            if self.silent_since is None:
                self.silent_since = asked.sent_at
            if self.board_owns_job and self.now - self.silent_since >= self.give_up_after:
                self.end_run("no_answer")
            self.wait = min(2 * self.wait, self.give_up_after)
            return None
        self.silent_since, self.wait = None, max(self.patience, 4 * (self.now - asked.sent_at))
        return answer

    async def sense_and_choose(self) -> bool:
        """Read the board and maybe claim; True if it showed work this worker can do."""
        reading = await self.ask_board("sense", Heartbeat(tuple(tid for tid, _ in self.holding)))
        if reading is None:
            return False
        mine = [row for row in reading.body.open if row.type in self.thresholds]
        self.rng.shuffle(mine)
        for row in mine:
            if respond(row.stimulus, self.thresholds[row.type], self.rng.random()):
                await self.claim(row.type)
                break
        return bool(mine)

    async def claim(self, kind: str) -> None:
        answer = await self.ask_board("claim", Claim(kind))
        if answer is None or answer.kind != "granted":
            return
        for each in self.thresholds:
            self.thresholds[each] = adapt(self.thresholds[each], each == kind, learn=self.learn, forget=self.forget,
                                          low=self.initial[each] / 10, high=self.initial[each] * 10)
        job: Assign = answer.body
        self.holding[(job.task.id, job.attempt)] = None
        self.spawn(self.perform(job))

    async def perform(self, job: Assign) -> None:
        """Do one attempt (modelled work, then the real work if any), then report it until acknowledged."""
        self.log("task_start", task=job.task.id, attempt=job.attempt)
        await self.work(job.duration / self.spec.speed, label=job.task.id)
        report = real_work(self, job)
        while await self.ask_board(self.report_kind(report), report) is None:
            pass
        del self.holding[(job.task.id, job.attempt)]

    def report_kind(self, report: Result | Failure) -> str:
        """The kind of message a finished attempt is reported in: ``done``, result or failure alike."""
        return "done"


# --- running it -------------------------------------------------------------------------
@dataclass(repr=False)
class ThresholdRun(TaskRun):
    """A response-threshold run, with the critical path it is measured against."""

    critical_path: CriticalPath

    @property
    def metrics(self) -> dict[str, float]:
        """Headline numbers: makespan, messages, the board's load, claims refused."""
        handled = metrics.messages_by_agent(self.trace).get(BOARD, {}).get("received", 0)
        kinds = metrics.messages_by_kind(self.trace)
        return {
            **task_metrics(self, self.critical_path),
            "board messages handled": handled,
            "senses": kinds.get("sense", 0),
            "claims refused": kinds.get("refused", 0),
        }


def thresholds_by_type(threshold: float | Mapping[str, float], types: Iterable[str]) -> dict[str, float]:
    """``threshold`` for each task type: one number for all, or a dict by type (every type given, each > 0)."""
    types = sorted(set(types))
    given = threshold if isinstance(threshold, Mapping) else dict.fromkeys(types, threshold)
    allowed = "give a number > 0, or a dict from every task type to a number > 0"
    if isinstance(threshold, Mapping) and set(types) - set(given):
        raise ValueError(f"threshold={threshold!r} is not allowed: {allowed} "
                         f"(missing: {', '.join(sorted(set(types) - set(given)))})")
    for value in given.values():
        if isinstance(value, bool) or not isinstance(value, Real) or not 0 < value < float("inf"):
            raise ValueError(f"threshold={threshold!r} is not allowed: {allowed}")
    return {kind: float(given[kind]) for kind in types}


def run_threshold(tasks: Sequence[Task], workers: int | Sequence[WorkerSpec] = 3, *, seed: int = 0,
                  faults: Faults = (), until: float | None = None, threshold: float | Mapping[str, float] = 1.0,
                  growth: float = 0.5, learn: float = 0.0, forget: float = 0.0, sense_interval: float = 0.5,
                  max_sense_interval: float = 4.0, service_time: float = 0.005,
                  suspect_after: float = 2.0, give_up_after: float = 30.0, max_attempts: int = 3,
                  latency: Latency = 0.01, loss: float = 0.0, duplicate: float = 0.0,
                  max_events: int = 1_000_000) -> ThresholdRun:
    """Run ``tasks`` on a board and ``workers`` that choose their own work, in a fresh world.

    ``threshold`` is every worker's θ (one number, or one per task type), ``growth`` how fast
    a waiting task's stimulus grows (per second), ``learn``/``forget`` how much a threshold
    falls after taking its type / rises after taking another (0: fixed thresholds).
    Bad input raises here, before anything runs, naming the argument.
    """
    tasks, specs = checked_workload(tasks, workers, {BOARD: "the board"})
    seed = validate.seed(seed)
    thresholds = thresholds_by_type(threshold, [t.type for t in tasks])
    for name, value in (("growth", growth), ("learn", learn), ("forget", forget), ("service_time", service_time)):
        validate.number(name, value, minimum=0)
    for name, value in (("sense_interval", sense_interval), ("suspect_after", suspect_after),
                        ("give_up_after", give_up_after)):
        if validate.number(name, value) <= 0:
            raise ValueError(f"{name}={value!r} is not allowed: it must be > 0 seconds")
    if validate.number("max_sense_interval", max_sense_interval) < sense_interval:
        raise ValueError(f"max_sense_interval={max_sense_interval!r} is not allowed: it must be at least "
                         f"sense_interval={sense_interval!r}")
    validate.count("max_attempts", max_attempts)
    durations = draw_durations(tasks, random.Random(f"{seed}/durations"))
    world = World(seed, latency=latency, loss=loss, duplicate=duplicate, faults=faults, max_events=max_events)
    world.add(Board(BOARD, tasks, durations, specs, growth=growth, service_time=service_time,
                    suspect_after=suspect_after, give_up_after=give_up_after, max_attempts=max_attempts),
              *(ThresholdWorker(spec, BOARD, thresholds=thresholds, sense_interval=sense_interval,
                                max_sense_interval=max_sense_interval, learn=learn, forget=forget,
                                give_up_after=give_up_after) for spec in specs))
    for checker in threshold_checkers(tasks):
        world.add_checker(checker)
    return task_run(ThresholdRun, world.run(until=until), tasks, durations,
                    critical_path=fastest_bound(tasks, durations, specs))


def threshold_checkers(tasks: Iterable[Task]) -> list[Checker]:
    """The checkers a response-threshold run is judged by: the task kit's (each task settled once,
    dependencies respected, no result lost) and every message kind declared in ``BOARD_PROTOCOL``."""
    return [*centralized_checkers(tasks), kinds_declared(BOARD_PROTOCOL)]
