"""The replicated orchestrator: notebook 02's single point of failure, removed with a Raft log.

    run = run_replicated(research_pipeline(), workers=3, replicas=3, seed=1, kill_leader_at=3.0)
    run.stop_reason, run.tasks, run.verdict, run.recoveries

The plain orchestrator (``centralized.Orchestrator``) writes the job on its own disk: while it
is down nobody knows the plan, and its client ends with ``no_answer``. Here the same state
lives on a Raft log (``raft.py``) kept by 3 or 5 orchestrator replicas:

* **Every decision is a log entry.** The leader decides as the plain orchestrator does (which
  ready task goes to which free capable worker, a result accepted, an attempt failed), but
  acts on a decision only once it is committed: ``Job``, ``Assigned``, ``Accepted``,
  ``AttemptFailed``. Every replica applies every committed decision to its ``JobState``: the
  plain orchestrator's disk (the job, each task's settlement, attempts numbered and failed,
  who holds each running attempt). A new leader therefore knows what was done and what is
  outstanding. A decision that no longer fits when it is applied (a second result for a
  settled task, an assignment of an attempt already numbered) changes nothing: results are
  de-duplicated by (task, attempt), and the first result of a task wins, as in the plain pattern.
* **A new leader first catches up.** It commits a ``TermStarted`` entry that does nothing
  (Raft section 8: a leader knows which entries are committed only once one of its own term
  is); then it asks every holder again for its attempt and hands out the ready tasks. A
  leader that hears from no majority for an election timeout steps down (``lost_quorum``):
  it could commit nothing, and must not tell the client the job is running.
* **Workers are the plain pattern's ``Worker``, unchanged.** A worker answers whoever sent
  it the assign, and answers a repeated assign with the answer it already gave (or keeps
  working). So results reach the current leader by being asked for again: on taking over,
  and every ``reask`` seconds for each attempt still outstanding (a lost assign or result
  costs a re-ask, not an attempt). A result sent to a replica that no longer leads is ignored.
* **The client** submits to any replica, follows ``not_leader`` hints, and hears the outcome
  from whichever replica leads when the job is settled.

What it costs is measured against the plain orchestrator by ``cost_of_replication``.

Task events: each replica's Raft ``apply`` event records what the decision did as its
``output``, a tuple of task events ``(kind, data)`` (``task_assigned``, ``task_done``,
``task_retry``, ``task_failed``, ``task_skipped``). A decision is one index of the log, however
many replicas apply it: ``decisions_trace`` reads the first apply of each index, and the
workers' ``task_start``/``task_end``. The task table and the plain pattern's task checkers
read that; Raft's checkers read the replicas' own events. A new leader logs ``took_over``
(term, settled, outstanding) once it has caught up.
"""
from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from coordlab import metrics
from coordlab.patterns.centralized.checks import centralized_checkers
from coordlab.patterns.centralized.orchestrator import require_capable
from coordlab.patterns.centralized.protocol import CLIENT, ORCHESTRATOR, Assign, Failure, Result, Submit
from coordlab.patterns.centralized.run import fastest_bound, resolve_workers, run_centralized
from coordlab.patterns.centralized.workers import Worker, WorkerSpec, worker_specs
from coordlab.patterns.consensus.protocol import RAFT_PROTOCOL, REPLICATED_PROTOCOL, NotLeader
from coordlab.patterns.consensus.raft import LEADER, RaftServer, server_names
from coordlab.patterns.consensus.raft_checks import (
    election_safety,
    leader_completeness,
    log_matching,
    state_machine_safety,
)
from coordlab.patterns.consensus.raft_run import SERVER_KINDS
from coordlab.patterns.consensus.scenarios import leader_at
from coordlab.patterns.protocol import kinds_declared
from coordlab.patterns.tasks import (
    AssignmentPolicy,
    CriticalPath,
    Report,
    RetryPolicy,
    Task,
    TaskGraph,
    TaskRun,
    TimeoutPolicy,
    WorkerView,
    check_dag,
    choose_worker,
    draw_durations,
    layered_tasks,
    require_policy,
    research_pipeline,
    resolve_policy,
    task_list,
    task_metrics,
    task_table,
)
from coordlab.world import Agent, Checker, Crash, Faults, Message, RunResult, Timeout, Trace, World, validate
from coordlab.world.latency import Latency
from coordlab.world.world import checked_faults

#: The largest cluster of replicas run_replicated builds.
MAX_REPLICAS = 9
#: When the client submits in cost_of_replication: after the cluster's first election.
SUBMIT_AT = 1.0
#: What the run ends with when the client heard the job's outcome from no replica.
NO_ANSWER = "no_answer"
TASK_KINDS = ("assign", "result", "failure", "register")

# --- the decisions: what the leader writes in the log -------------------------------------
@dataclass(frozen=True, repr=False)
class Job:
    """Decision: run the client's job, retrying failed attempts as ``retry`` says."""

    client: str
    submit: Submit
    retry: RetryPolicy

    def __repr__(self) -> str:
        return f"Job({self.client}, {self.submit!r})"


@dataclass(frozen=True)
class TermStarted:
    """Decision that changes nothing: a new leader's first entry (once applied, it has applied every earlier one)."""

    leader: str
    term: int


@dataclass(frozen=True)
class Assigned:
    """Decision: attempt ``attempt`` of ``task`` goes to ``worker``."""

    task: str
    attempt: int
    worker: str


@dataclass(frozen=True)
class Accepted:
    """Decision: ``task`` is done with ``value``, from ``worker``'s attempt ``attempt``."""

    task: str
    attempt: int
    worker: str
    value: Any = None


@dataclass(frozen=True)
class AttemptFailed:
    """Decision: the current attempt of ``task`` failed; the next may go out ``wait`` s after the decision."""

    task: str
    attempt: int
    reason: str
    wait: float


Decision = Job | TermStarted | Assigned | Accepted | AttemptFailed


@dataclass(frozen=True)
class Effects:
    """What applying one decision did: task events ``(kind, data)`` (Raft's apply event records ``value``)."""

    value: tuple[tuple[str, dict[str, Any]], ...]


class JobState:
    """The orchestrator's disk as a replicated state machine: every replica applies the same decisions in order.

    The same state the plain orchestrator keeps in ``stable`` (its ``TaskGraph`` with its
    journal, attempts, failures, holders), changed only by committed decisions, so every
    replica holds the same state after the same log prefix.
    """

    def __init__(self) -> None:
        self.job: Job | None = None
        self.graph = TaskGraph((), self.narrate)
        self.attempts: dict[str, int] = {}  # attempts numbered so far, per task
        self.failures: dict[str, int] = {}  # attempts failed so far, per task: the retry budget
        self.holders: dict[str, str] = {}  # the worker holding each running task's current attempt
        self.effects: list[tuple[str, dict[str, Any]]] = []

    def narrate(self, kind: str, **data: Any) -> None:
        """The graph's ``log``: the task events of the decision being applied."""
        self.effects.append((kind, data))

    def apply(self, decision: Decision) -> tuple[Effects, bool]:
        """Apply one committed decision: its task events, and whether it changed anything (False: it no longer fits)."""
        self.effects = []
        fresh = self.take(decision)
        return Effects(tuple(self.effects)), fresh

    def take(self, decision: Decision) -> bool:
        if isinstance(decision, Job):
            if self.job is not None:
                return False  # one job per cluster; a second copy of the same one changes nothing
            self.job = decision
            self.graph = TaskGraph(decision.submit.tasks, self.narrate)
            self.attempts = dict.fromkeys(self.graph.tasks, 0)
            self.failures = dict.fromkeys(self.graph.tasks, 0)
            return True
        if isinstance(decision, TermStarted) or decision.task not in self.graph.tasks:
            return False
        tid = decision.task
        if isinstance(decision, Assigned):
            if self.graph.state[tid] != "ready" or decision.attempt != self.attempts[tid] + 1:
                return False
            self.attempts[tid], self.holders[tid] = decision.attempt, decision.worker
            self.graph.mark(tid, "running")
            self.narrate("task_assigned", task=tid, worker=decision.worker, attempt=decision.attempt)
            return True
        if isinstance(decision, Accepted):
            if self.graph.is_settled(tid):
                return False  # the first result wins, whichever attempt it came from
            self.holders.pop(tid, None)
            self.graph.complete(tid, decision.value, worker=decision.worker, attempt=decision.attempt)
            return True
        if self.graph.state[tid] != "running" or decision.attempt != self.attempts[tid]:
            return False  # an older attempt, or this one reported twice
        del self.holders[tid]
        self.failures[tid] += 1
        retry = self.graph.tasks[tid].retry or self.job.retry
        if self.failures[tid] >= retry.max_attempts:
            self.graph.fail(tid, f"{decision.reason} (attempt {self.failures[tid]} of {retry.max_attempts})")
        else:
            self.graph.mark(tid, "ready")
            self.narrate("task_retry", task=tid, attempt=decision.attempt, reason=decision.reason,
                         wait=decision.wait)
        return True


# --- the replicas ----------------------------------------------------------------------------
class OrchestratorReplica(RaftServer):
    """One orchestrator replica: a Raft server whose state machine is the job. Only the leader dispatches.

    What only the leader keeps (volatile, rebuilt by each new leader from the state): which
    attempts it has asked for and when, the decisions it has proposed, and when a task may be
    retried.
    """

    state_machine = JobState

    def __init__(self, name: str, servers: Sequence[str], workers: Sequence[WorkerSpec], *,
                 policy: str | AssignmentPolicy = "first free", retry: RetryPolicy = RetryPolicy(),
                 timeout: TimeoutPolicy = TimeoutPolicy(factor=4.0), reask: float = 1.0, heartbeat: float = 0.1,
                 election_timeout: float = 0.5, spread: float = 0.5) -> None:
        super().__init__(name, servers, heartbeat=heartbeat, election_timeout=election_timeout, spread=spread)
        self.roster = {w.name: w for w in worker_specs(workers)}
        self.policy = resolve_policy(policy)
        require_policy("retry", retry, RetryPolicy)
        require_policy("timeout", timeout, TimeoutPolicy)
        self.retry, self.timeout = retry, timeout
        if validate.number("reask", reask) <= 0:
            raise ValueError(f"reask={reask!r} is not allowed: reask must be > 0 seconds")
        self.reask = reask
        self.assigned = dict.fromkeys(self.roster, 0)  # tasks given to each worker (for the policies)
        self.forget_leadership()

    def forget_leadership(self) -> None:
        """Drop what only a leader keeps: a new leader starts from the replicated state alone."""
        self.first_entry: int | None = None  # index of my TermStarted: applied, I have caught up
        self.took_over = False
        self.asked: dict[tuple[str, int], float] = {}  # (task, attempt) -> when I last asked its holder
        self.proposed: set[tuple[Any, ...]] = set()  # decisions proposed in this term, not to propose twice
        self.assigning: dict[str, tuple[int, str]] = {}  # task -> (attempt, worker) proposed, maybe not applied
        self.not_before: dict[str, float] = {}  # task -> earliest time of its next attempt (retry backoff)
        self.answered = False  # the client was told the outcome
        self.heard: dict[str, float] = {}  # peer -> when it last answered my append_entries

    @property
    def state(self) -> JobState:
        return self.store

    # --- leadership ----------------------------------------------------------------------------
    async def count_votes(self) -> None:
        leading = self.role == LEADER
        await super().count_votes()
        if self.role == LEADER and not leading:
            self.forget_leadership()
            self.first_entry = await self.propose(TermStarted(self.name, self.term))
            self.spawn(self.keep_asking(self.term))
            self.spawn(self.check_quorum(self.term))

    async def step_down(self) -> None:
        await super().step_down()
        self.forget_leadership()

    async def commit(self, index: int) -> None:
        """Apply what is committed; a leader that has caught up then acts on the new state."""
        await super().commit(index)
        if self.role != LEADER or self.first_entry is None or self.last_applied < self.first_entry:
            return
        if not self.took_over:
            self.took_over = True
            counts = self.state.graph.counts()
            self.log("took_over", term=self.term, settled=sum(counts.values()), outstanding=len(self.state.holders))
        await self.act()

    def leads(self, term: int | None = None) -> bool:
        """I lead (``term``, if given) and have caught up with every decision before my term."""
        return self.role == LEADER and self.took_over and (term is None or term == self.term)

    # --- acting on the state ---------------------------------------------------------------------
    async def act(self) -> None:
        """Do what the state calls for: tell the client a settled job's outcome, ask holders, dispatch."""
        state = self.state
        if state.job is None:
            return
        if state.graph.all_settled:
            if not self.answered:
                self.answered = True
                await self.send(state.job.client, "submit_ok", state.graph.report())
            return
        for tid, worker in sorted(state.holders.items()):
            if (tid, state.attempts[tid]) not in self.asked:
                await self.ask(tid, worker)
        await self.dispatch()

    async def ask(self, tid: str, worker: str) -> None:
        """Send ``worker`` the current attempt of ``tid`` (again, if it was asked before)."""
        state = self.state
        attempt, task, duration = state.attempts[tid], state.graph.tasks[tid], state.job.submit.durations[tid]
        first = (tid, attempt) not in self.asked
        self.asked[(tid, attempt)] = self.now
        await self.send(worker, "assign", Assign(task, attempt, duration, state.graph.inputs(tid)))
        limit = (task.timeout or self.timeout).limit(duration)
        if first and limit is not None:
            self.spawn(self.expire(tid, attempt, limit, self.term))

    async def dispatch(self) -> None:
        """Propose an assignment for each ready task a free capable worker can take (in the job's order)."""
        state = self.state
        load = Counter(state.holders.values())
        pending = {tid: worker for tid, (attempt, worker) in self.assigning.items() if state.attempts[tid] < attempt}
        load.update(pending.values())
        free = {name: spec for name, spec in self.roster.items() if load[name] < spec.capacity}
        chosen = []
        for tid in state.graph.ready():
            if not free:  # every worker full: the rest wait (looking further costs O(tasks × workers))
                break
            if tid in pending or self.not_before.get(tid, 0.0) > self.now:
                continue
            task = state.graph.tasks[tid]
            candidates = [WorkerView(name, spec.capabilities, spec.capacity, load[name], spec.speed,
                                     self.assigned[name])
                          for name, spec in free.items() if task.type in spec.capabilities]
            if candidates:
                worker = choose_worker(self.policy, task, candidates)
                load[worker] += 1
                self.assigned[worker] += 1
                if load[worker] >= free[worker].capacity:
                    del free[worker]
                chosen.append(Assigned(tid, state.attempts[tid] + 1, worker))
        for decision in chosen:  # proposed after the loop: a cluster of one applies (and acts) at once
            self.assigning[decision.task] = (decision.attempt, decision.worker)
            await self.propose(decision)

    async def attempt_failed(self, tid: str, attempt: int, reason: str) -> None:
        """Propose that the current attempt of ``tid`` failed, with the backoff before the next."""
        state = self.state
        key = ("failed", tid, attempt)
        if key in self.proposed or state.graph.state.get(tid) != "running" or state.attempts[tid] != attempt:
            return
        self.proposed.add(key)
        retry = state.graph.tasks[tid].retry or state.job.retry
        wait = retry.wait_after(state.failures[tid] + 1, self.rng)
        self.not_before[tid] = self.now + wait
        self.spawn(self.wake_after(wait, self.term))
        await self.propose(AttemptFailed(tid, attempt, reason, wait))

    # --- timers ----------------------------------------------------------------------------------
    async def keep_asking(self, term: int) -> None:
        """While I lead ``term``: every ``reask`` s, ask again for each attempt not asked for that long."""
        while self.role == LEADER and self.term == term:
            await self.sleep(self.reask)
            if not self.leads(term):
                continue
            for tid, worker in sorted(self.state.holders.items()):
                if self.asked.get((tid, self.state.attempts[tid]), -math.inf) <= self.now - self.reask:
                    await self.ask(tid, worker)

    async def check_quorum(self, term: int) -> None:
        """Step down once a whole election timeout passes without a majority answering me.

        A leader cut off from the majority cannot commit anything, yet plain Raft lets it
        believe it leads, and it would tell the client "running" forever. Checking the quorum
        (Ongaro's thesis, section 6.2) makes it say "not leader" instead, so the client can give up.
        """
        while self.role == LEADER and self.term == term:
            await self.sleep(self.election_timeout)
            since = self.now - self.election_timeout
            recent = [peer for peer in self.peers if self.heard.get(peer, -math.inf) >= since]
            if self.role == LEADER and self.term == term and 1 + len(recent) < self.majority:
                self.log("lost_quorum", term=term)
                await self.step_down()

    async def expire(self, tid: str, attempt: int, limit: float, term: int) -> None:
        await self.sleep(limit)
        if self.leads(term):
            await self.attempt_failed(tid, attempt, f"attempt timed out after {limit:g}s")

    async def wake_after(self, wait: float, term: int) -> None:
        """A backoff ended: dispatch again."""
        await self.sleep(wait)
        if self.leads(term):
            await self.act()

    # --- messages --------------------------------------------------------------------------------
    async def on_append_entries_ok(self, msg: Message) -> None:
        self.heard[msg.sender] = self.now  # a sign of the majority, whatever it answers
        await super().on_append_entries_ok(msg)

    async def on_submit(self, msg: Message) -> None:
        """The client's job: the leader writes it in the log (once) and says it runs; others redirect."""
        if self.role != LEADER:
            await self.reply(msg, NotLeader(self.leader), kind="not_leader")
            return
        job = self.state.job
        if job is None:
            if ("job",) not in self.proposed:  # a copy already in the log changes nothing when applied
                self.proposed.add(("job",))
                await self.propose(Job(msg.sender, msg.body, self.retry))
            await self.reply(msg, Report("running", done=0, failed=0, skipped=0))
        elif job.client != msg.sender:
            await self.reply(msg, Report("busy", **self.state.graph.counts()))  # one job at a time
        else:
            await self.reply(msg, self.state.graph.report())

    async def on_result(self, msg: Message) -> None:
        result: Result = msg.body
        key = ("accepted", result.task, result.attempt)
        if not self.leads() or key in self.proposed or result.task not in self.state.graph.tasks \
                or self.state.graph.is_settled(result.task):
            return  # not mine to decide, already decided, or already proposed
        self.proposed.add(key)
        await self.propose(Accepted(result.task, result.attempt, msg.sender, result.value))

    async def on_failure(self, msg: Message) -> None:
        failure: Failure = msg.body
        if self.leads() and failure.task in self.state.graph.tasks:
            await self.attempt_failed(failure.task, failure.attempt, f"{msg.sender} reported {failure.error}")

    async def on_register(self, msg: Message) -> None:
        """A worker (re)started with nothing running: ask it again now for what it holds."""
        if not self.leads():
            return
        for tid, worker in sorted(self.state.holders.items()):
            if worker == msg.sender:
                await self.ask(tid, worker)


class ReplicatedClient(Agent):
    """Submits the job to the cluster and ends the run with its outcome.

    It sends ``submit`` to the replica it believes leads (at first, and when it knows none,
    each replica in turn) and follows ``not_leader`` hints. A leader answers "running"; the
    outcome comes later from whichever replica leads once every task is settled, so the
    client takes a final ``submit_ok`` from any replica. It asks again after ``patience``
    seconds without news, and after ``tries`` fruitless rounds in a row (no answer, or no
    replica knowing a leader) it ends the run with ``no_answer``.
    """

    def __init__(self, name: str, replicas: Sequence[str], tasks: Sequence[Task], durations: dict[str, float], *,
                 start_at: float = 0.0, patience: float = 2.0, tries: int = 10) -> None:
        super().__init__(name)
        self.replicas = list(replicas)
        self.job = Submit(tuple(task_list(tasks)), durations)
        self.start_at = validate.number("start_at", start_at, minimum=0)
        if validate.number("patience", patience) <= 0:
            raise ValueError(f"patience={patience!r} is not allowed: the client must wait > 0 s before asking again")
        self.patience = patience
        self.tries = validate.count("tries", tries)
        self.leader: str | None = None
        self.tried = 0

    async def run(self) -> None:
        await self.sleep(self.start_at)
        fruitless = 0
        while fruitless < self.tries:
            server = self.leader or self.replicas[self.tried % len(self.replicas)]
            asked = await self.send(server, "submit", self.job)
            try:
                answer = await self.receive(match=lambda m, asked=asked.id: final(m) or m.in_reply_to == asked,
                                            timeout=self.patience)
            except Timeout:  # that replica is down, cut off or slow: try the next
                self.leader, self.tried, fruitless = None, self.tried + 1, fruitless + 1
                continue
            if answer.kind == "submit_ok" and not final(answer):  # the leader has the job: wait for its end
                self.leader, fruitless = server, 0
                try:
                    answer = await self.receive(match=final, timeout=self.patience)
                except Timeout:
                    continue  # ask again: does it still lead?
            if final(answer):
                self.end_run(answer.body.outcome)
                return
            hint = answer.body.leader  # a NotLeader
            if hint is not None and hint != server:
                self.leader = hint
            else:  # nobody known to lead: probably an election; try the next replica a little later
                self.leader, self.tried, fruitless = None, self.tried + 1, fruitless + 1
                await self.sleep(self.patience / 4)
        self.end_run(NO_ANSWER)


def final(msg: Message) -> bool:
    """A ``submit_ok`` saying how the job ended (not "running", nor "busy")."""
    return msg.kind == "submit_ok" and msg.body.outcome in ("completed", "tasks_failed")


# --- what the run's checkers and task table read ------------------------------------------
def decisions_trace(trace: Trace) -> Trace:
    """The job's task events as the cluster decided them: each log index once, and the workers' own.

    Every replica applies every committed decision, so the same ``task_done`` is applied by
    each of them; it is one decision, taken when the first replica applied it.
    """
    decided = Trace()
    seen: set[int] = set()
    for event in trace.select(("apply", "task_start", "task_end")):
        if event.kind != "apply":
            decided.record(event.time, event.kind, event.agent, data=event.data)
        elif event.data["index"] not in seen:
            seen.add(event.data["index"])
            for kind, data in event.data["output"]:
                decided.record(event.time, kind, event.agent, data=dict(data))
    return decided


def on_decisions(checker: Checker) -> Checker:
    """``checker`` (one of the task checkers) judging the run's ``decisions_trace``."""
    def check(result: RunResult):
        return checker(replace(result, trace=decisions_trace(result.trace)))

    return check


def replicated_checkers(tasks: Sequence[Task]) -> list[Checker]:
    """Raft's safety checkers (Figure 3) on the replicas, and the plain orchestrator's on the decisions."""
    return [election_safety, log_matching, leader_completeness, state_machine_safety,
            *(on_decisions(checker) for checker in centralized_checkers(tasks)),
            kinds_declared(RAFT_PROTOCOL + REPLICATED_PROTOCOL)]


def job_time(trace: Trace, client: str = CLIENT) -> float:
    """From the client's first submit to the outcome reaching it (NaN: it never did)."""
    submits = [e.time for e in trace.select("send", agent=client) if e.message.kind == "submit"]
    ends = [e.time for e in trace.select("deliver", agent=client) if final(e.message)]
    return ends[0] - submits[0] if submits and ends else math.nan


def messages_during_job(trace: Trace, kinds: Sequence[str] | None = None, client: str = CLIENT) -> int:
    """Messages (of ``kinds``, if given) sent from the client's first submit on.

    A cluster's start-up election happens once, not once per job: it is not the job's cost.
    """
    submits = [e.time for e in trace.select("send", agent=client) if e.message.kind == "submit"]
    start = submits[0] if submits else 0.0
    return sum(1 for e in trace.select("send") if e.time >= start and (kinds is None or e.message.kind in kinds))


# --- the run -------------------------------------------------------------------------------
@dataclass(repr=False)
class ReplicatedRun(TaskRun):
    """A replicated orchestrator's run: the replicas, and the critical path it is measured against."""

    replicas: list[str]
    critical_path: CriticalPath

    @property
    def recoveries(self) -> list[float]:
        """For each crash of the leader (the replica elected last): seconds until a new leader had caught up."""
        took_over = self.trace.select("took_over")
        times, leader = [], None
        for event in self.trace.select(("leader", "crash")):
            if event.kind == "leader":
                leader = event.agent
            elif event.agent == leader:
                later = [e.time for e in took_over if e.time > event.time]
                times.append(later[0] - event.time if later else math.nan)
                leader = None
        return times

    @property
    def metrics(self) -> dict[str, Any]:
        """Headline numbers: makespan and job time, messages (and how many keep the replicas in step), recovery."""
        sends = self.trace.select("send")
        return {
            **task_metrics(self, self.critical_path),
            "job time": job_time(self.trace),
            "messages during the job": messages_during_job(self.trace),
            "replication messages during the job": messages_during_job(self.trace, SERVER_KINDS),
            "task messages": sum(1 for e in sends if e.message.kind in TASK_KINDS),
            "leaders": len(self.trace.select("leader")),
            "time to recover": max(self.recoveries, default=math.nan),
        }

    def describe(self) -> str:
        return f"{len(self.replicas)} replicas; {super().describe()}"


def run_replicated(tasks: Sequence[Task], workers: int | Sequence[WorkerSpec] = 3, *, replicas: int = 3,
                   policy: str | AssignmentPolicy = "first free", retry: RetryPolicy = RetryPolicy(),
                   timeout: TimeoutPolicy = TimeoutPolicy(factor=4.0), reask: float = 1.0, heartbeat: float = 0.1,
                   election_timeout: float = 0.5, spread: float = 0.5, submit_at: float = 1.0,
                   patience: float = 2.0, tries: int = 10, seed: int = 0, latency: Latency = 0.01,
                   loss: float = 0.0, duplicate: float = 0.0, faults: Faults = (),
                   kill_leader_at: float | None = None, until: float | None = None, max_events: int = 1_000_000,
                   replica: type[OrchestratorReplica] = OrchestratorReplica) -> ReplicatedRun:
    """Run ``tasks`` on a client, ``replicas`` orchestrator replicas (s1, s2, …) and ``workers``.

    The job, durations, workers and policies are the plain ``run_centralized``'s (same seed,
    same durations), but for ``timeout``: the replicas do not watch workers' heartbeats, so a
    worker that died holding an attempt is found out when the attempt times out (by default
    after 4 times its duration). The client submits at ``submit_at`` (the cluster elects its first leader
    meanwhile). ``kill_leader_at`` crashes, for good, whichever replica leads at that time
    (found by running the same seed up to then: the run is deterministic). Raft's timing:
    ``heartbeat``, ``election_timeout``, ``spread``; a leader asks again for outstanding
    attempts every ``reask`` seconds; the client asks again after ``patience`` s of silence
    and gives up after ``tries`` fruitless rounds. ``replica`` may be an ``OrchestratorReplica``
    subclass (a deliberately broken one, to watch the checkers catch it).
    """
    tasks = task_list(tasks)
    check_dag(tasks)
    specs = resolve_workers(workers, tasks)
    require_capable(tasks, specs)
    seed = validate.seed(seed)
    names = server_names(validate.count("replicas", replicas, maximum=MAX_REPLICAS))
    if not (isinstance(replica, type) and issubclass(replica, OrchestratorReplica)):
        raise TypeError(f"replica={replica!r} is not allowed: give OrchestratorReplica or a subclass of it")
    validate.number("submit_at", submit_at, minimum=0)
    if kill_leader_at is not None and validate.number("kill_leader_at", kill_leader_at) <= 0:
        raise ValueError(f"kill_leader_at={kill_leader_at!r} is not allowed: give a time > 0 (or None)")
    options = dict(policy=policy, retry=retry, timeout=timeout, reask=reask, heartbeat=heartbeat,
                   election_timeout=election_timeout, spread=spread)
    durations = draw_durations(tasks, random.Random(f"{seed}/durations"))

    def world_run(faults: Faults, until: float | None) -> RunResult:
        world = World(seed, latency=latency, loss=loss, duplicate=duplicate, faults=faults, max_events=max_events)
        world.add(ReplicatedClient(CLIENT, names, tasks, durations, start_at=submit_at, patience=patience,
                                   tries=tries),
                  *(replica(name, names, specs, **options) for name in names),
                  *(Worker(spec, names[0], heartbeat_interval=None) for spec in specs))
        for checker in replicated_checkers(tasks):
            world.add_checker(checker)
        return world.run(until=until)

    if kill_leader_at is not None:
        leader = leader_at(world_run(faults, kill_leader_at), kill_leader_at)
        if leader is None:
            raise ValueError(f"kill_leader_at={kill_leader_at!r} is not allowed: no replica leads then "
                             "(the first election takes up to election_timeout + spread)")
        faults = [*checked_faults(faults), Crash(leader, at=kill_leader_at)]
    result = world_run(faults, until)
    return ReplicatedRun(result=result, verdict=result.verdict(),
                         tasks=task_table(decisions_trace(result.trace), tasks),
                         makespan=metrics.makespan(result.trace), durations=durations, replicas=names,
                         critical_path=fastest_bound(tasks, durations, specs))


# --- what replication costs ------------------------------------------------------------------
def cost_of_replication(workloads: dict[str, Sequence[Task]] | None = None, *, workers: int = 3,
                        replicas: Sequence[int] = (3, 5), crash_at: float = 2.0, restart_after: float = 3.0,
                        seed: int = 0) -> pd.DataFrame:
    """The same jobs under the plain and the replicated orchestrator, with and without losing the orchestrator.

    One row per workload, orchestrator and fault: how the run ended, the job time (submit to
    outcome), the messages sent during the job (and how many of them keep the replicas in
    step), and the time to recover from the crash. ``crash_at`` s after the job is submitted,
    the plain orchestrator crashes for good, or for ``restart_after`` s (it then resumes from
    its disk); a replicated cluster loses its leader for good. Default workloads: the research
    pipeline and a layered DAG of 30 tasks.
    """
    if workloads is None:
        workloads = {"research pipeline": research_pipeline(3), "layered DAG": layered_tasks(30, 5, seed=0)}
    if not isinstance(workloads, dict) or not workloads:
        raise TypeError(f"workloads={workloads!r} is not allowed: give a dict from a name to a list of tasks")
    if isinstance(replicas, int) or not all(isinstance(n, int) for n in replicas):
        raise TypeError(f"replicas={replicas!r} is not allowed: give a list of cluster sizes, e.g. (3, 5)")
    if validate.number("crash_at", crash_at) <= 0:
        raise ValueError(f"crash_at={crash_at!r} is not allowed: crash_at must be > 0 seconds after the submit")
    if validate.number("restart_after", restart_after) <= 0:
        raise ValueError(f"restart_after={restart_after!r} is not allowed: restart_after must be > 0 seconds")
    rows = []
    for workload, tasks in workloads.items():
        for fault, crash in (("none", []), ("crash for good", [Crash(ORCHESTRATOR, at=crash_at)]),
                             (f"crash, restart after {restart_after:g} s",
                              [Crash(ORCHESTRATOR, at=crash_at, recover_at=crash_at + restart_after)])):
            run = run_centralized(tasks, workers, seed=seed, faults=crash)
            recovered = [e.time for e in run.trace.select("recovered", agent=ORCHESTRATOR)]
            rows.append(cost_row(workload, "plain", fault, run,
                                 recovered[0] - crash_at if recovered else math.nan if crash else None))
        for size in replicas:
            for fault, kill in (("none", None), ("leader crashes for good", SUBMIT_AT + crash_at)):
                run = run_replicated(tasks, workers, replicas=size, seed=seed, submit_at=SUBMIT_AT,
                                     kill_leader_at=kill)
                rows.append(cost_row(workload, f"replicated ({size})", fault, run,
                                     max(run.recoveries, default=math.nan) if kill else None))
    return pd.DataFrame(rows)


def cost_row(workload: str, orchestrator: str, fault: str, run: TaskRun, recovery: float | None) -> dict[str, Any]:
    return {"workload": workload, "orchestrator": orchestrator, "fault": fault, "outcome": run.stop_reason,
            "tasks done": run.count("done"), "job time": job_time(run.trace),
            "messages": messages_during_job(run.trace),
            "replication messages": messages_during_job(run.trace, SERVER_KINDS),
            "time to recover": math.nan if recovery is None else recovery}
