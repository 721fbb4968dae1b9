"""The bully election (Garcia-Molina 1982): the live process with the highest id coordinates.

Processes ``p1 … pn`` have ids 1 … n; at the start ``pn`` coordinates and sends every other
process a ``heartbeat`` every ``interval``. A process that hears nothing from its coordinator
for ``suspect_after`` seconds holds an **election**:

1. it sends ``election`` to every process with a higher id;
2. a live higher process replies ``answer`` ("I am alive, leave it to me") and holds its own
   election;
3. a process that gets no answer within ``answer_timeout`` has the highest live id: it
   announces ``coordinator`` to everyone; one that got an answer waits ``coordinator_timeout``
   for that announcement and starts again if none comes.

A process that hears a coordinator (or its heartbeat) with a lower id than its own bullies it:
it holds an election, which it wins. A restarted process waits for a heartbeat first, so it
learns the current epoch before it bullies.

**Epochs.** Every election runs in an *epoch*, a number kept in ``stable`` (it survives
crashes): the highest epoch the process has seen in any message. A process that starts an
election on its own (after silence, or to bully) uses that number + 1; one that joins an
election it was told of uses the election's epoch. Every message carries the epoch, and the
announcement says which epoch it is for. The safety claim checked here: **two processes that
are up at the same time never both announce themselves coordinator of the same epoch.** It
holds when messages arrive within ``answer_timeout`` (the algorithm's synchrony assumption) and
processes only crash; loss, partitions or slow links break it, and the checker shows where. A
stronger claim (no epoch ever announced twice) would need a recovering process to learn epochs
from processes that may all be down: Raft's terms get that from majority votes.

Worst case, the lowest process notices first and every process above it starts an election in
turn: O(n^2) messages (``election_messages`` measures it).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from coordlab.patterns.protocol import MessageKind
from coordlab.patterns.run import PatternRun
from coordlab.world import Agent, Checker, Faults, Nemesis, RunResult, Verdict, World, judge, validate
from coordlab.world.faults import Fault
from coordlab.world.latency import Latency

BULLY_PROTOCOL: tuple[MessageKind, ...] = (
    MessageKind("heartbeat", "coordinator", "every other process", "epoch",
                "I am alive and still coordinate", part="bully"),
    MessageKind("election", "process", "every process with a higher id", "epoch",
                "I am holding an election: is anyone above me alive?", part="bully"),
    MessageKind("answer", "higher process", "the process holding an election", "epoch",
                "I am alive and take over the election", part="bully"),
    MessageKind("coordinator", "winner", "every other process", "epoch",
                "I am the coordinator for this epoch", part="bully"),
)
ELECTION_KINDS = ("election", "answer", "coordinator")


class BullyProcess(Agent):
    """One process of the bully algorithm, with id ``pid``; ``peers`` maps every other process to its id."""

    def __init__(self, name: str, pid: int, peers: dict[str, int], *, interval: float, suspect_after: float,
                 answer_timeout: float, coordinator_timeout: float) -> None:
        super().__init__(name)
        self.pid = pid
        self.peers = dict(sorted(peers.items(), key=lambda item: item[1]))
        self.interval = interval
        self.suspect_after = suspect_after
        self.answer_timeout = answer_timeout
        self.coordinator_timeout = coordinator_timeout
        self.coordinator: str | None = None
        self.last_heard = 0.0
        self.electing = False
        self.answered = False
        self.elections = 0  # how many elections this process started: the newest one is the one that counts

    @property
    def epoch(self) -> int:
        """The highest epoch seen in any message (on "disk": it survives a crash)."""
        return self.stable.get("epoch", 0)

    def see(self, epoch: int) -> None:
        self.stable["epoch"] = max(self.epoch, epoch)

    def id_of(self, name: str) -> int:
        return self.pid if name == self.name else self.peers[name]

    async def run(self) -> None:
        if "started" not in self.stable:  # the first start: the highest id coordinates, epoch 0
            self.stable["started"] = True
            self.follow(max(self.peers, key=self.peers.get) if self.peers and max(self.peers.values()) > self.pid
                        else self.name, 0)
        self.last_heard = self.now  # a restarted process first listens for a heartbeat
        self.spawn(self.keep_watch())
        await super().run()

    def follow(self, coordinator: str, epoch: int) -> None:
        self.coordinator, self.electing, self.last_heard = coordinator, False, self.now
        self.log("follows", coordinator=coordinator, epoch=epoch)

    def start_election(self, epoch: int) -> None:
        """Hold an election in ``epoch``; any election this process was holding is abandoned."""
        self.elections += 1
        self.electing = True
        self.spawn(self.hold_election(epoch, self.elections))

    async def keep_watch(self) -> None:
        """Coordinator: heartbeat every ``interval``. Others: hold an election after ``suspect_after`` of silence."""
        while True:
            if self.coordinator == self.name:
                for peer in self.peers:
                    await self.send(peer, "heartbeat", self.epoch)
                await self.sleep(self.interval)
                continue
            silent = self.now - self.last_heard
            if self.electing or silent < self.suspect_after - 1e-9:  # 1e-9: float rounding is not silence
                await self.sleep(self.suspect_after - silent if not self.electing else self.suspect_after)
                continue
            self.log("suspects", coordinator=self.coordinator, silent=round(silent, 9))
            self.start_election(self.epoch + 1)
            await self.sleep(self.suspect_after)

    async def hold_election(self, epoch: int, number: int) -> None:
        """Steps 1 and 3: ask every higher process; without an answer, announce myself."""

        def still_mine() -> bool:  # not ended by an announcement, not replaced by a newer election
            return self.electing and self.elections == number

        while True:
            self.see(epoch)
            self.answered, self.coordinator = False, None
            self.log("election", epoch=epoch)
            for peer, pid in self.peers.items():
                if pid > self.pid:
                    await self.send(peer, "election", epoch)
            await self.sleep(self.answer_timeout)
            if not still_mine():
                return
            if not self.answered:
                self.log("announce", epoch=epoch)
                self.follow(self.name, epoch)
                for peer in self.peers:
                    await self.send(peer, "coordinator", epoch)
                return
            await self.sleep(self.coordinator_timeout)
            if not still_mine():
                return
            epoch = self.epoch + 1  # the higher process that answered went quiet: start again

    async def on_election(self, msg) -> None:
        """Step 2: answer a lower process, and hold my own election in its epoch."""
        self.see(msg.body)
        await self.send(msg.sender, "answer", self.epoch)
        if not self.electing:
            self.start_election(self.epoch)

    async def on_answer(self, msg) -> None:
        self.see(msg.body)
        self.answered = True

    async def on_coordinator(self, msg) -> None:
        self.see(msg.body)
        await self.heard_coordinator(msg.sender, msg.body)

    async def on_heartbeat(self, msg) -> None:
        self.see(msg.body)
        if msg.sender == self.coordinator:
            self.last_heard = self.now
        else:
            await self.heard_coordinator(msg.sender, msg.body)

    async def heard_coordinator(self, sender: str, epoch: int) -> None:
        """Follow a coordinator above me (and above the one I follow); bully one below me."""
        if self.id_of(sender) < self.pid:
            if not self.electing:
                self.start_election(self.epoch + 1)
        elif self.coordinator is None or self.electing or self.id_of(sender) >= self.id_of(self.coordinator):
            self.follow(sender, epoch)


# --- checkers -------------------------------------------------------------------------------
def live_at_end(result: RunResult) -> list[str]:
    """Processes up when the run ended, sorted by id (their names are zero-padded)."""
    return sorted(result.trace.live_agents())


def one_coordinator_per_epoch(result: RunResult) -> Verdict:
    """Checker: two processes up at the same time never both announce themselves coordinator of one epoch.

    An ``announce`` of epoch e by c is a violation if another process d announced e earlier and
    has not crashed since (d still claims e while c claims it too).
    """
    claims: dict[int, dict[str, Any]] = {}  # epoch -> {announcer: its announce event}, while it is up
    offending = []
    for event in result.trace.select(("announce", "crash")):
        if event.kind == "crash":
            for holders in claims.values():
                holders.pop(event.agent, None)
            continue
        holders = claims.setdefault(event.data["epoch"], {})
        rivals = [other for name, other in holders.items() if name != event.agent]
        if rivals:
            offending.extend([*rivals, event])
        holders[event.agent] = event
    unique = sorted({e.seq: e for e in offending}.values(), key=lambda e: e.seq)
    announced = len(result.trace.select("announce"))
    return judge("one coordinator per epoch", unique,
                 f"{announced} announcement(s), never two live coordinators of one epoch",
                 "{n} announcement(s) claim an epoch another live process had already claimed")


def last_followed(result: RunResult) -> dict[str, Any]:
    """Each process's last ``follows`` event, or the later ``election`` or ``recover`` that made it forget."""
    last: dict[str, Any] = {}
    for event in result.trace.select(("follows", "election", "recover")):
        last[event.agent] = event
    return last


def everyone_follows_the_highest(result: RunResult) -> Verdict:
    """Checker: at the end every live process follows the live process with the highest id."""
    live = live_at_end(result)
    if not live:
        return Verdict("everyone follows the highest live id", True, "no process is up at the end")
    highest = live[-1]  # names are zero-padded, so they sort by id
    last = last_followed(result)
    offending = [last[name] for name in live if last[name].kind != "follows"
                 or last[name].data["coordinator"] != highest]
    return judge("everyone follows the highest live id", offending,
                 f"all {len(live)} live processes follow {highest}",
                 f"{{n}} live process(es) do not follow {highest} at the end (their last change below)")


BULLY_CHECKERS: tuple[Checker, ...] = (one_coordinator_per_epoch, everyone_follows_the_highest)


def agreed_coordinator(result: RunResult) -> str | None:
    """The live process every live process follows at the end, or None if there is no such agreement."""
    live = live_at_end(result)
    last = last_followed(result)
    followed = {last[name].data["coordinator"] if last[name].kind == "follows" else None for name in live}
    agreed = followed.pop() if len(followed) == 1 else None
    return agreed if agreed in live else None


# --- running --------------------------------------------------------------------------------
def election_messages(result: RunResult, after: float = 0.0) -> int:
    """Election, answer and coordinator messages sent at or after ``after`` (heartbeats not counted)."""
    return sum(1 for e in result.trace.select("send") if e.message.kind in ELECTION_KINDS and e.time >= after)


@dataclass(repr=False)
class BullyRun(PatternRun):
    """A bully run: how many processes, whom the live ones all follow at the end (None: no agreement),
    how many coordinator announcements, and the election messages they cost."""

    n: int
    coordinator: str | None
    announcements: int
    election_messages: int

    @property
    def metrics(self) -> dict[str, Any]:
        """Processes, the final coordinator, announcements, election and heartbeat messages."""
        heartbeats = sum(1 for e in self.trace.select("send") if e.message.kind == "heartbeat")
        return {"processes": self.n, "coordinator": self.coordinator, "announcements": self.announcements,
                "election messages": self.election_messages, "heartbeats": heartbeats}

    def describe(self) -> str:
        return (f"{self.n} processes: coordinator={self.coordinator!r}, {self.announcements} announcement(s), "
                f"{self.election_messages} election messages; " + super().describe())


def process_names(n: int) -> list[str]:
    """``p1 … pn``, zero-padded so that names sort by id."""
    width = len(str(n))
    return [f"p{i:0{width}d}" for i in range(1, n + 1)]


def faults_end(faults: Faults) -> float:
    """When the last fault of ``faults`` is over (a Nemesis: its ``heal_time``); 0 without faults."""
    listed = [faults] if isinstance(faults, (Fault, Nemesis)) else list(faults)
    ends = [f.heal_time if isinstance(f, Nemesis) else (f.ends_at if f.ends_at is not None else f.at)
            for f in listed]
    return max((end for end in ends if math.isfinite(end)), default=0.0)


def run_bully(n: int = 5, *, faults: Faults = (), seed: int = 0, interval: float = 0.5,
              suspect_after: float = 1.5, answer_timeout: float = 0.2, coordinator_timeout: float = 0.5,
              latency: Latency = 0.01, loss: float = 0.0, duration: float | None = None,
              process: type[BullyProcess] = BullyProcess) -> BullyRun:
    """Run the bully algorithm on ``n`` processes under ``faults`` (e.g. ``[Crash("p5", at=2)]``).

    Heartbeats never stop, so the run ends at ``duration`` (``stop_reason="until"``); by default
    ten ``suspect_after`` periods after the last fault is over, time enough to settle.
    ``answer_timeout`` must exceed a round trip (twice the latency) for the epoch claim to hold.
    ``process`` may be a ``BullyProcess`` subclass of your own (a variant to test).
    """
    n = validate.count("n", n, minimum=2, maximum=999)
    seed = validate.seed(seed)
    if not (isinstance(process, type) and issubclass(process, BullyProcess)):
        raise TypeError(f"process={process!r} is not allowed: give BullyProcess or a subclass of it")
    timings = {"interval": interval, "suspect_after": suspect_after, "answer_timeout": answer_timeout,
               "coordinator_timeout": coordinator_timeout}
    for name, value in timings.items():
        if validate.number(name, value) <= 0:
            raise ValueError(f"{name}={value!r} is not allowed: {name} must be > 0")
    if suspect_after <= interval:
        raise ValueError(f"suspect_after={suspect_after!r} is not allowed: it must be longer than "
                         f"interval={interval!r}, or every process suspects a healthy coordinator")
    world = World(seed=seed, latency=latency, loss=loss, faults=faults)
    names = process_names(n)
    ids = {name: i for i, name in enumerate(names, start=1)}
    for name in names:
        world.add(process(name, ids[name], {p: i for p, i in ids.items() if p != name}, **timings))
    for checker in BULLY_CHECKERS:
        world.add_checker(checker)
    if duration is None:
        duration = faults_end(world.faults) + 10 * suspect_after
    result = world.run(until=validate.number("duration", duration, minimum=0))
    return BullyRun(result=result, verdict=result.verdict(), n=n, coordinator=agreed_coordinator(result),
                    announcements=len(result.trace.select("announce")),
                    election_messages=election_messages(result))

