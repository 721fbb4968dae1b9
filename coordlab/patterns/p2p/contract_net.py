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

Only one award per task stands at a time, and only its ``done`` counts: a withdrawn winner
that finishes anyway (it may never have heard) has worked for nothing, but the task is
still done once. Messages may arrive twice; ``ContractPeer`` says why that changes nothing.

``greedy_makespan`` is the comparison: a central allocator that sees every contractor's
queue exactly and gives each task to whoever would finish it first (2 messages a task).
"""
from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from coordlab.patterns.p2p.checks import tasks_awarded_once_and_done
from coordlab.patterns.p2p.peer import Peer
from coordlab.patterns.p2p.topology import MAX_PEERS, peer_names
from coordlab.patterns.run import PatternRun
from coordlab.world import Faults, Trace, World, validate
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

    def __post_init__(self) -> None:
        for name in ("id", "owner"):
            if not isinstance(getattr(self, name), str) or not getattr(self, name):
                raise TypeError(f"{name}={getattr(self, name)!r} is not allowed: {name} must be a non-empty string")
        positive("work", self.work)
        validate.number("at", self.at, minimum=0)


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


#: The most tasks a contract-net run takes: every call goes to every peer, so the messages
#: grow like peers × tasks, and this many already take minutes.
MAX_TASKS = 10_000


def positive(name: str, value: object) -> float:
    """``value`` as a finite float > 0, or an error naming ``name``."""
    if validate.number(name, value) <= 0:
        raise ValueError(f"{name}={value!r} is not allowed: {name} must be > 0")
    return float(value)


def checked_strategy(strategy: object) -> Strategy:
    if not callable(strategy):
        raise TypeError(f"strategy={strategy!r} is not allowed: give a function (BidderView, ContractTask) "
                        "-> seconds or None, like bid_by_load")
    return strategy


def checked_tasks(tasks: object) -> list[ContractTask]:
    """``tasks`` as a list of ``ContractTask`` with distinct ids, or an error naming ``tasks``."""
    if isinstance(tasks, (str, bytes, ContractTask)) or not isinstance(tasks, Iterable):
        raise TypeError(f"tasks={tasks!r} is not allowed: give a list of ContractTask")
    listed = list(tasks)
    for task in listed:
        if not isinstance(task, ContractTask):
            raise TypeError(f"tasks={listed!r} is not allowed: {task!r} is not a ContractTask")
    ids = [task.id for task in listed]
    if len(set(ids)) != len(ids):
        twice = sorted({i for i in ids if ids.count(i) > 1})
        raise ValueError(f"tasks=[…{len(ids)} tasks] is not allowed: task ids must be unique ({twice} repeat)")
    validate.count("tasks", len(listed), minimum=0, maximum=MAX_TASKS)
    return listed


class ContractPeer(Peer):
    """A peer that manages its own ``tasks`` by contract net and bids on everyone else's.

    Repeated messages change nothing (the network may duplicate any of them): bids are kept
    one per bidder, an award already taken is not taken again, and only the ``done`` or
    ``failure`` of the award that still stands counts, once. What must survive a crash is in
    ``stable``: a manager's attempts, its standing awards and the tasks it settled (so a
    recovered manager never re-runs a finished task; it withdraws the award that stood when it
    crashed and announces the task again); a contractor's awards taken.
    """

    def __init__(self, name: str, neighbours: Iterable[str] = (), *, tasks: Sequence[ContractTask] = (),
                 speed: float = 1.0, strategy: Strategy = bid_by_load, deadline: float = 0.5,
                 grace: float = 1.0, fails: float = 0.0, max_attempts: int = 5, **options: Any) -> None:
        super().__init__(name, neighbours, **options)
        self.tasks = {task.id: task for task in checked_tasks(tasks)}
        self.speed = positive("speed", speed)
        self.strategy = checked_strategy(strategy)
        self.deadline = positive("deadline", deadline)
        self.grace = validate.number("grace", grace, minimum=0)
        self.max_attempts = validate.count("max_attempts", max_attempts)
        self.fails = validate.probability("fails", fails)
        self.free_at = 0.0                                   # contractor: when my queue empties
        self.bids: dict[str, dict[str, float]] = {}          # manager: bidder -> bid, per open call

    def kept(self, key: str) -> dict:
        """One of my dicts in ``stable`` (created empty): it survives a crash."""
        return self.stable.setdefault(key, {})

    async def start(self) -> None:
        settled, standing = self.kept("settled"), self.kept("standing")
        for task in self.tasks.values():
            if task.id in settled:
                continue
            if task.id in standing:  # I crashed while it stood: I can no longer watch it
                self.withdraw(task.id, standing[task.id][0], "its manager restarted")
            self.spawn(self.announce(task, after=task.at - self.now))

    # --- manager ----------------------------------------------------------------------
    async def announce(self, task: ContractTask, after: float = 0.0) -> None:
        """Call for proposals, award at the deadline, and watch the winner keep its promise."""
        await self.sleep(max(0.0, after))
        attempts = self.kept("attempt")
        attempt = attempts[task.id] = attempts.get(task.id, 0) + 1
        if attempt > self.max_attempts:
            self.kept("settled")[task.id] = "abandoned"
            return self.log("task_abandoned", task=task.id, attempts=self.max_attempts,
                            why=f"no award kept in {self.max_attempts} attempts")
        self.bids[task.id] = {}
        self.log("announce", task=task.id, attempt=attempt)
        for name in [self.name, *self.neighbours()]:  # a manager may bid on its own call
            await self.send(name, "cfp", (task, attempt))
        await self.sleep(self.deadline)
        bids = sorted((bid, name) for name, bid in self.bids.pop(task.id).items())
        if not bids:
            self.log("no_bids", task=task.id, attempt=attempt)
            return await self.announce(task, after=self.deadline)
        promise, winner = bids[0]
        self.kept("standing")[task.id] = (attempt, winner)
        self.log("award", task=task.id, attempt=attempt, to=winner, bid=promise)
        await self.send(winner, "award", (task, attempt))
        for _, loser in bids[1:]:
            await self.send(loser, "reject", task.id)
        await self.sleep(PATIENCE * promise + self.grace)
        if self.withdraw(task.id, attempt, f"no done within {PATIENCE} x promise + grace"):
            await self.announce(task)

    def withdraw(self, task_id: str, attempt: int, why: str) -> bool:
        """End the award of ``attempt`` if it still stands (True); it is then announced again.

        Done at once, before any await: a duplicated ``failure``, or one that arrives as the
        patience runs out, finds the award gone and cannot start a second auction.
        """
        standing = self.kept("standing")
        if standing.get(task_id, (None,))[0] != attempt:
            return False
        _, winner = standing.pop(task_id)
        self.log("award_failed", task=task_id, attempt=attempt, to=winner, why=why)
        return True

    async def on_propose(self, msg) -> None:
        task_id, attempt, bid = msg.body
        if task_id in self.bids and self.kept("attempt")[task_id] == attempt:
            self.bids[task_id][msg.sender] = bid

    async def on_refuse(self, msg) -> None:
        """A refusal needs no action: the call simply has one bid fewer."""

    async def on_done(self, msg) -> None:
        task_id, attempt = msg.body
        if self.kept("standing").get(task_id) == (attempt, msg.sender):
            del self.kept("standing")[task_id]
            self.kept("settled")[task_id] = "done"
            self.log("task_done", task=task_id, attempt=attempt, by=msg.sender)

    async def on_failure(self, msg) -> None:
        task_id, attempt = msg.body
        if self.withdraw(task_id, attempt, "failure reported"):
            # spawned, not awaited: a handler that waits would leave every message behind it waiting too
            self.spawn(self.announce(self.tasks[task_id]))

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
        taken = self.kept("taken")
        if (task.id, attempt) in taken:
            return  # a copy of an award I already took: do the work once
        taken[(task.id, attempt)] = msg.sender
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
    count = validate.count("count", count, minimum=0, maximum=MAX_TASKS)
    if isinstance(owners, str) or not isinstance(owners, Sequence) or not owners:
        raise ValueError(f"owners={owners!r} is not allowed: give a non-empty list of peer names")
    spacing = validate.number("spacing", spacing, minimum=0)
    draw = random.Random(validate.seed(seed))
    return [ContractTask(f"t{i:02d}", float(draw.randint(1, 5)), owners[i % len(owners)], i * spacing)
            for i in range(count)]


def greedy_makespan(tasks: Sequence[ContractTask], speeds: dict[str, float]) -> float:
    """The central allocator: each task, in order, to whoever would finish it first.

    It sees every queue exactly, so it needs no bids: one ``assign`` and one ``done``
    per task. Same tasks, same speeds, no latency: the yardstick for contract net.
    """
    if not isinstance(speeds, Mapping) or not speeds:
        raise ValueError(f"speeds={speeds!r} is not allowed: give a dict peer -> speed, with at least one peer")
    for speed in speeds.values():
        positive("speeds", speed)
    free_at = dict.fromkeys(speeds, 0.0)
    for task in sorted(checked_tasks(tasks), key=lambda t: t.at):
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

    @property
    def unassigned(self) -> dict[str, str]:
        """Task → why it was never done: abandoned after its attempts, its owner gone, or the run over."""
        settled = {e.data["task"]: e.data["why"] for e in self.trace.select("task_abandoned")}
        live = set(self.trace.live_agents())
        done = self.allocation
        return {task.id: settled.get(task.id) or (f"its owner {task.owner} crashed or left" if task.owner not in live
                                                  else f"not done when the run stopped ({self.stop_reason})")
                for task in self.tasks if task.id not in done}

    def describe(self) -> str:
        return (f"{len(self.tasks)} tasks on {len(self.speeds)} peers: "
                f"done={len(self.allocation)} makespan={self.makespan:.2f} messages={self.messages}")


def run_contract_net(peers: int = 5, tasks: Sequence[ContractTask] | None = None, *,
                     speeds: Sequence[float] | None = None, strategy: Strategy = bid_by_load, seed: int = 0,
                     fails: float = 0.0, managers: int | None = None, max_attempts: int = 5,
                     latency: Latency = 0.01, faults: Faults = ()) -> ContractRun:
    """Allocate ``tasks`` among ``peers`` who all know each other.

    Default tasks: 20 from ``make_tasks``, owned in turn by the first ``managers`` peers
    (default: all of them). ``speeds`` (default 1, 1, 2, 0.5, 1, 1, 2, 0.5, …) say how
    fast each peer works; ``fails`` is each task's chance to fail at its contractor; a
    manager gives a task up after ``max_attempts`` announcements (``ContractRun.unassigned``
    says why each task not done was not).
    """
    seed = validate.seed(seed)
    names = peer_names(validate.count("peers", peers, maximum=MAX_PEERS))
    if managers is not None:
        validate.count("managers", managers, maximum=peers)
    tasks = make_tasks(20, names[:managers], seed) if tasks is None else checked_tasks(tasks)
    for task in tasks:
        validate.known_agent("owner", task.owner, names)
    speeds = [(1.0, 1.0, 2.0, 0.5)[i % 4] for i in range(peers)] if speeds is None else checked_speeds(speeds, peers)
    world = World(seed=seed, latency=latency, faults=faults)
    for name, speed in zip(names, speeds):
        world.add(ContractPeer(name, [other for other in names if other != name], speed=speed, strategy=strategy,
                               fails=fails, max_attempts=max_attempts, tasks=[t for t in tasks if t.owner == name]))
    world.add_checker(tasks_awarded_once_and_done(tasks))
    result = world.run()
    return ContractRun(result=result, verdict=result.verdict(), tasks=tasks, speeds=dict(zip(names, speeds)))


def checked_speeds(speeds: object, peers: int) -> list[float]:
    """``speeds`` as one number > 0 per peer, or an error naming ``speeds``."""
    if isinstance(speeds, (str, bytes, Mapping)) or not isinstance(speeds, Sequence) or len(speeds) != peers:
        raise ValueError(f"speeds={speeds!r} is not allowed: give a list of {peers} numbers > 0, one per peer")
    for speed in speeds:
        try:
            positive("speed", speed)
        except (TypeError, ValueError) as error:
            raise type(error)(f"speeds={speeds!r} is not allowed: {error}") from None
    return [float(speed) for speed in speeds]
