"""The Contract Net Protocol (Smith 1980): allocating tasks by auction, with no centre.

Any peer can be a *manager* for the tasks it owns, and every peer is a *contractor*:

1. the manager sends ``cfp`` (call for proposals) with the task to every peer it knows,
   and to itself (it is a contractor too);
2. each contractor answers by the deadline with ``propose`` (its bid: the seconds until
   it would finish the task, from its ``Strategy``) or ``refuse``;
3. at the deadline the manager sends ``award`` to the lowest bid and ``reject`` to the rest;
4. the winner queues the task, works, and answers ``done`` (or ``failure``);
5. if the winner reports ``failure`` or is silent for twice its promise (plus ``grace``), the
   manager logs ``award_failed`` and announces the task again, up to ``max_attempts``
   times (then ``task_abandoned``). A contractor that promises more than it can keep
   loses the task: bids are promises.

``greedy_makespan`` is the comparison: a central allocator that sees every contractor's
queue exactly and gives each task to whoever would finish it first (2 messages a task).
"""
from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from coordlab.patterns.p2p.checks import tasks_awarded_once_and_done
from coordlab.patterns.p2p.peer import Peer
from coordlab.patterns.p2p.topology import peer_names
from coordlab.patterns.run import PatternRun
from coordlab.world import Trace, World, validate
from coordlab.world.faults import Fault
from coordlab.world.latency import Latency

#: How many times its promise a manager waits for a winner (other awards may land between
#: a bid and its award, so a promise can slip a little without anything being wrong).
PATIENCE = 2


@dataclass(frozen=True)
class ContractTask:
    """``work`` seconds of work (at speed 1), owned by manager ``owner``, announced at ``at``.

    Not ``coordlab.patterns.tasks.Task`` (a step of a task graph, with a type and dependencies):
    a contract-net task is a lump of work with an owner who auctions it.
    """

    id: str
    work: float
    owner: str
    at: float = 0.0


@dataclass(frozen=True)
class BidderView:
    """What a contractor knows when it bids: itself, and the work it has already promised."""

    name: str
    speed: float
    now: float
    queued: float  # seconds until it finishes everything it has been awarded


Strategy = Callable[[BidderView, ContractTask], "float | None"]


def bid_by_load(me: BidderView, task: ContractTask) -> float:
    """Bid the time until I would finish this task: my queue, then the task at my speed."""
    return me.queued + task.work / me.speed


class ContractPeer(Peer):
    """A peer that manages its own ``tasks`` by contract net and bids on everyone else's."""

    def __init__(self, name: str, neighbours: Iterable[str] = (), *, tasks: Sequence[ContractTask] = (),
                 speed: float = 1.0, strategy: Strategy = bid_by_load, deadline: float = 0.5,
                 grace: float = 1.0, fails: float = 0.0, max_attempts: int = 5, **options: Any) -> None:
        super().__init__(name, neighbours, **options)
        self.tasks = {task.id: task for task in tasks}
        if validate.number("speed", speed) <= 0:
            raise ValueError(f"speed={speed!r} is not allowed: speed must be > 0")
        self.speed = float(speed)
        self.strategy, self.deadline, self.grace = strategy, deadline, grace
        self.max_attempts = validate.count("max_attempts", max_attempts)
        self.fails = validate.probability("fails", fails)
        self.free_at = 0.0                               # contractor: when my queue empties
        self.bids: dict[str, list[tuple[float, str]]] = {}  # manager: bids per open call
        self.attempt: dict[str, int] = {}                # manager: current attempt per task
        self.finished: set[str] = set()

    async def start(self) -> None:
        for task in self.tasks.values():
            self.spawn(self.announce(task, after=task.at - self.now))

    # --- manager ----------------------------------------------------------------------
    async def announce(self, task: ContractTask, after: float = 0.0) -> None:
        """Call for proposals, award at the deadline, and watch the winner keep its promise."""
        await self.sleep(max(0.0, after))
        attempt = self.attempt[task.id] = self.attempt.get(task.id, 0) + 1
        if attempt > self.max_attempts:
            return self.log("task_abandoned", task=task.id, attempts=self.max_attempts)
        self.bids[task.id] = []
        self.log("announce", task=task.id, attempt=attempt)
        for name in [self.name, *self.neighbours()]:  # a manager may bid on its own call
            await self.send(name, "cfp", (task, attempt))
        await self.sleep(self.deadline)
        bids = sorted(self.bids.pop(task.id))
        if not bids:
            self.log("no_bids", task=task.id, attempt=attempt)
            return await self.announce(task, after=self.deadline)
        promise, winner = bids[0]
        self.log("award", task=task.id, attempt=attempt, to=winner, bid=promise)
        await self.send(winner, "award", (task, attempt))
        for _, loser in bids[1:]:
            await self.send(loser, "reject", task.id)
        await self.sleep(PATIENCE * promise + self.grace)
        if task.id not in self.finished and self.attempt[task.id] == attempt:
            await self.reannounce(task, attempt, winner, f"no done within {PATIENCE} x promise + grace")

    async def reannounce(self, task: ContractTask, attempt: int, winner: str, why: str) -> None:
        self.log("award_failed", task=task.id, attempt=attempt, to=winner, why=why)
        await self.announce(task)

    async def on_propose(self, msg) -> None:
        task_id, attempt, bid = msg.body
        if task_id in self.bids and self.attempt[task_id] == attempt:
            self.bids[task_id].append((bid, msg.sender))

    async def on_refuse(self, msg) -> None:
        """A refusal needs no action: the call simply has one bid fewer."""

    async def on_done(self, msg) -> None:
        task_id, attempt = msg.body
        if task_id not in self.finished and self.attempt[task_id] == attempt:
            self.finished.add(task_id)
            self.log("task_done", task=task_id, attempt=attempt, by=msg.sender)

    async def on_failure(self, msg) -> None:
        task_id, attempt = msg.body
        if task_id not in self.finished and self.attempt[task_id] == attempt:
            # spawned, not awaited: a handler that waits would leave every message behind it waiting too
            self.spawn(self.reannounce(self.tasks[task_id], attempt, msg.sender, "failure reported"))

    # --- contractor ---------------------------------------------------------------------
    def view_of_myself(self) -> BidderView:
        return BidderView(self.name, self.speed, self.now, max(0.0, self.free_at - self.now))

    async def on_cfp(self, msg) -> None:
        task, attempt = msg.body
        bid = self.strategy(self.view_of_myself(), task)
        if bid is None:
            await self.send(msg.sender, "refuse", (task.id, attempt))
        else:
            await self.send(msg.sender, "propose", (task.id, attempt, float(bid)))

    async def on_award(self, msg) -> None:
        task, attempt = msg.body
        start = max(self.now, self.free_at)
        self.free_at = start + task.work / self.speed
        self.spawn(self.perform(task, attempt, msg.sender, wait=start - self.now))

    async def on_reject(self, msg) -> None:
        """Losing a bid needs no action."""

    async def perform(self, task: ContractTask, attempt: int, manager: str, wait: float) -> None:
        await self.sleep(wait)
        await self.work(task.work / self.speed, label=task.id)
        if self.rng.random() < self.fails:
            await self.send(manager, "failure", (task.id, attempt))
        else:
            await self.send(manager, "done", (task.id, attempt))


# --- measuring ------------------------------------------------------------------------
def promise_lateness(trace: Trace) -> dict[str, float]:
    """Per task done: when its winner finished the work, minus when it had promised to.

    The promise is the bid time plus the bid. 0 means exactly on time; an idle winner is
    up to one call deadline late (it cannot start before the award); negative means early.
    """
    promised = {}
    for event in trace.select("send"):
        if event.message.kind == "propose":
            task_id, attempt, bid = event.message.body
            promised[(task_id, attempt, event.agent)] = event.time + bid
    finished = {(e.agent, e.reason): e.time for e in trace.select("work_end")}
    return {e.data["task"]: finished[(e.data["by"], e.data["task"])] - promised[(e.data["task"], e.data["attempt"],
                                                                                   e.data["by"])]
            for e in trace.select("task_done")}


def make_tasks(count: int, owners: Sequence[str], seed: int = 0, spacing: float = 1.0) -> list[ContractTask]:
    """``count`` tasks of 1–5 s of work, owned in turn by ``owners``, one every ``spacing`` s."""
    draw = random.Random(seed)
    return [ContractTask(f"t{i:02d}", float(draw.randint(1, 5)), owners[i % len(owners)], i * spacing)
            for i in range(count)]


def greedy_makespan(tasks: Sequence[ContractTask], speeds: dict[str, float]) -> float:
    """The central allocator: each task, in order, to whoever would finish it first.

    It sees every queue exactly, so it needs no bids: one ``assign`` and one ``done``
    per task. Same tasks, same speeds, no latency: the yardstick for contract net.
    """
    free_at = dict.fromkeys(speeds, 0.0)
    for task in sorted(tasks, key=lambda t: t.at):
        best = min(speeds, key=lambda name: (max(free_at[name], task.at) + task.work / speeds[name], name))
        free_at[best] = max(free_at[best], task.at) + task.work / speeds[best]
    return max(free_at.values())


@dataclass(repr=False)
class ContractRun(PatternRun):
    """One contract-net run: who did what, when the last task finished, what it cost."""

    tasks: list[ContractTask]
    speeds: dict[str, float]

    @property
    def allocation(self) -> dict[str, str]:
        """Task → the contractor that did it."""
        return {e.data["task"]: e.data["by"] for e in self.trace.select("task_done")}

    @property
    def makespan(self) -> float:
        return max((e.time for e in self.trace.select("task_done")), default=float("nan"))

    @property
    def messages(self) -> int:
        return len(self.trace.select("send"))

    @property
    def metrics(self) -> dict[str, Any]:
        """Headline numbers: tasks done, when the last one finished, messages, awards withdrawn."""
        return {"tasks": len(self.tasks), "tasks done": len(self.allocation), "makespan": self.makespan,
                "messages": self.messages, "awards withdrawn": len(self.trace.select("award_failed"))}

    def describe(self) -> str:
        return (f"{len(self.tasks)} tasks on {len(self.speeds)} peers: "
                f"done={len(self.allocation)} makespan={self.makespan:.2f} messages={self.messages}")


def run_contract_net(peers: int = 5, tasks: Sequence[ContractTask] | None = None, *,
                     speeds: Sequence[float] | None = None, strategy: Strategy = bid_by_load, seed: int = 0,
                     fails: float = 0.0, managers: int | None = None, latency: Latency = 0.01,
                     faults: Iterable[Fault] = ()) -> ContractRun:
    """Allocate ``tasks`` among ``peers`` who all know each other.

    Default tasks: 20 from ``make_tasks``, owned in turn by the first ``managers`` peers
    (default: all of them). ``speeds`` (default 1, 1, 2, 0.5, 1, 1, 2, 0.5, …) say how
    fast each peer works; ``fails`` is each task's chance to fail at its contractor.
    """
    names = peer_names(validate.count("peers", peers))
    if managers is not None:
        validate.count("managers", managers, maximum=peers)
    tasks = make_tasks(20, names[:managers], seed) if tasks is None else list(tasks)
    for task in tasks:
        validate.known_agent("owner", task.owner, names)
    speeds = speeds if speeds is not None else [(1.0, 1.0, 2.0, 0.5)[i % 4] for i in range(peers)]
    world = World(seed=seed, latency=latency, faults=faults)
    for name, speed in zip(names, speeds):
        world.add(ContractPeer(name, [other for other in names if other != name], speed=speed, strategy=strategy,
                               fails=fails, tasks=[t for t in tasks if t.owner == name]))
    world.add_checker(tasks_awarded_once_and_done(tasks))
    result = world.run()
    return ContractRun(result=result, verdict=result.verdict(), tasks=tasks, speeds=dict(zip(names, speeds)))
