"""Centralized teams whose leads coordinate peer to peer: no one is in charge of the whole job.

    run = run_teams_p2p(tasks, workers, teams=3, seed=1)
    run.stop_reason, run.tasks, run.makespan, run.verdict

The workers are split into ``teams``; each team has a lead, a centralized ``Orchestrator``
(``TeamLead`` subclasses it) with its own client. The job is split too: tasks linked by
dependencies stay together, and the parts (``shares``) go to the leads, the biggest first to
the least loaded team. Leads know each other through a peer-to-peer overlay
(``coordlab.patterns.p2p.topology``: complete by default, or a ring, …) and lend each other
work: to a lead, each neighbour lead is one more worker, able to do what its team can, for up
to ``lend`` tasks at once, used once its own workers are busy. A lead runs a borrowed task on
one of its own free workers and answers the lender as a worker would (result or failure,
heartbeats while it holds the task, an answer to a probe).

Which weakness it addresses: the centralized orchestrator's bottleneck (every message of every
worker goes through one agent) and its single point of failure for the whole job. Here each
lead handles its own team, and a crashed lead costs only its share. What it keeps: within a
team, one orchestrator with its retry policy, journal and client answer. The price: a share is
still owned by one lead, and lending adds a hop. The clients tell each other their shares'
outcomes; the run's ``stop_reason`` is theirs combined (``combined``).
"""
from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx

from coordlab import metrics
from coordlab.patterns.centralized import PROTOCOL, Client, Orchestrator, Worker
from coordlab.patterns.centralized.checks import centralized_checkers
from coordlab.patterns.centralized.protocol import Assign, Failure, Heartbeat, Register
from coordlab.patterns.centralized.run import checked_workload, fastest_bound, resolve_workers
from coordlab.patterns.centralized.workers import WorkerSpec
from coordlab.patterns.liveness import HeartbeatSender
from coordlab.patterns.p2p.topology import make_topology
from coordlab.patterns.protocol import MessageKind, kinds_declared
from coordlab.patterns.tasks import (
    CriticalPath,
    RetryPolicy,
    Task,
    TaskRun,
    WorkerView,
    draw_durations,
    task_events,
    task_list,
    task_metrics,
    task_run,
)
from coordlab.world import Faults, Message, World, validate
from coordlab.world.latency import Latency


def lead_name(team: int) -> str:
    """The agent name of team ``team``'s lead (counted from 0): ``lead-1``, ``lead-2``, …"""
    return f"lead-{team + 1}"


def client_name(team: int) -> str:
    """The agent name of the client that submits team ``team``'s share of the job (counted from 0)."""
    return f"client-{team + 1}"


@dataclass(frozen=True)
class OwnTeamFirst:
    """A lead's assignment policy: its own first free worker; else the peer lead with the least
    of its lending in use (then the one lent the fewest so far), so overflow spreads over the peers."""

    peers: tuple[str, ...]

    def choose(self, task: Task, candidates: Sequence[WorkerView]) -> str:
        own = [c for c in candidates if c.name not in self.peers]
        return own[0].name if own else min(candidates, key=lambda c: (c.load, c.assigned)).name


class TeamLead(Orchestrator):
    """A team's orchestrator that also lends work to its peer leads and borrows theirs.

    ``team`` are its own workers, ``peers`` its neighbour leads, each as a ``WorkerSpec``
    (what its team can do, ``capacity`` = what it may borrow at once): a peer gets work only
    when its own workers are busy (``OwnTeamFirst``).
    """

    def __init__(self, name: str, team: Sequence[WorkerSpec], peers: Sequence[WorkerSpec], *,
                 heartbeat_interval: float = 0.5, **options: Any) -> None:
        """Lead ``team`` and lend to (and borrow from) ``peers``; ``options`` go to the ``Orchestrator``."""
        super().__init__(name, [*team, *peers], policy=OwnTeamFirst(tuple(p.name for p in peers)), **options)
        self.team = [w.name for w in team]
        self.peers = [p.name for p in peers]
        self.heartbeat_interval = heartbeat_interval
        self.borrowed: dict[tuple[str, int], Message] = {}  # attempt lent to me -> the lender's assign
        self.queue: list[tuple[str, int]] = []  # borrowed attempts waiting for one of my workers
        self.beats: dict[str, HeartbeatSender] = {}  # a heartbeat to each lender while I hold its work

    async def run(self) -> None:
        """Tell my peers I (re)started with nothing borrowed, then orchestrate."""
        capabilities = tuple(sorted(set().union(*(self.roster[w].capabilities for w in self.team))))
        for peer in self.peers:
            await self.send(peer, "register", Register(capabilities, len(self.team)))
        await super().run()

    # --- borrowing: a peer lead's work on my team ------------------------------------------
    async def on_assign(self, msg: Message) -> None:
        """A peer lead lends me an attempt: queue it (once) for my workers, and beat to that lender while I hold it."""
        job: Assign = msg.body
        key = (job.task.id, job.attempt)
        if key in self.borrowed:
            return  # a repeat: this attempt is here already
        self.borrowed[key] = msg
        self.queue.append(key)
        self.beat_to(msg.sender)
        await self.dispatch()

    async def on_probe(self, msg: Message) -> None:
        """A lender suspects me: say what of its work I hold."""
        await self.reply(msg, self.held_for(msg.sender), kind="heartbeat")

    def held_for(self, lender: str) -> Heartbeat:
        """What I hold of ``lender``'s work: the body of my heartbeats to it, and of my answers to its probes."""
        return Heartbeat(tuple(tid for (tid, _), order in self.borrowed.items() if order.sender == lender))

    def beat_to(self, lender: str) -> None:
        """Heartbeat to ``lender`` while I hold its work (one sender per lender, started again when idle)."""
        if lender not in self.beats:
            self.beats[lender] = HeartbeatSender(self, lender, self.heartbeat_interval,
                                                 busy=lambda: bool(self.held_for(lender).running),
                                                 body=lambda: self.held_for(lender))
        self.beats[lender].start()

    async def dispatch(self) -> None:
        """My own job first (my workers, then my peers); then borrowed work on my free workers."""
        await super().dispatch()
        waiting, self.queue = self.queue, []
        for key in waiting:
            task = self.borrowed[key].body.task
            capable = [w for w in self.team if task.type in self.roster[w].capabilities]
            free = [w for w in capable if self.alive[w] and len(self.in_flight[w]) < self.roster[w].capacity]
            if free:
                await self.lend_down(key, free[0])
            elif any(self.silence.maybe_alive(w) for w in capable):
                self.queue.append(key)
            else:
                await self.answer_lender(key, Failure(task.id, key[1], f"no live worker of {self.name} can do it"))

    async def lend_down(self, key: tuple[str, int], worker: str) -> None:
        """Give the borrowed attempt ``key`` to my ``worker``, watched like my own work (in flight, silence)."""
        first = not self.in_flight[worker]
        self.slots.take(worker, key)
        self.assigned_at[key] = self.now
        await self.send(worker, "assign", self.borrowed[key].body)
        self.silence.gave_work(worker, first=first)

    async def answer_lender(self, key: tuple[str, int], answer: Any) -> None:
        """Settle the borrowed attempt ``key``: send its lender the result or the failure, and forget it."""
        order = self.borrowed.pop(key)
        await self.reply(order, answer, kind="failure" if isinstance(answer, Failure) else "result")

    # --- answers from my workers: for my job, or for a lender --------------------------------
    async def on_result(self, msg: Message) -> None:
        """A result from my team for borrowed work goes to its lender; any other is my own job's."""
        key = (msg.body.task, msg.body.attempt)
        if key in self.borrowed and msg.sender in self.team:
            self.slots.release(msg.sender, key)
            await self.answer_lender(key, msg.body)
            await self.dispatch()
        else:
            await super().on_result(msg)

    async def on_failure(self, msg: Message) -> None:
        """A failure on my team of borrowed work goes to its lender; any other is my own job's."""
        key = (msg.body.task, msg.body.attempt)
        if key in self.borrowed and msg.sender in self.team:
            self.slots.release(msg.sender, key)
            await self.answer_lender(key, Failure(key[0], key[1], f"{msg.sender} reported {msg.body.error}"))
            await self.dispatch()
        else:
            await super().on_failure(msg)

    async def attempt_failed(self, tid: str, attempt: int, reason: str) -> None:
        """A borrowed attempt failed on my team (its worker was lost or restarted): tell its lender."""
        if (tid, attempt) in self.borrowed:
            await self.answer_lender((tid, attempt), Failure(tid, attempt, reason))
        else:
            await super().attempt_failed(tid, attempt, reason)


#: The message kinds the hybrid adds to the centralized protocol: between the clients.
SHARES_PROTOCOL = (
    MessageKind("share_settled", "client whose share is settled", "every client whose outcome it lacks",
                "outcome (str)", "my share ended so; sent again every `patience` s until every share's "
                "outcome is known (the run's outcome is theirs combined)"),
    MessageKind("share_status", "client", "a client that sent share_settled", "outcome (str), or 'running'",
                "how my share stands: the answer that tells a client still at work from one that is gone"),
)


def combined(outcomes: Iterable[str]) -> str:
    """The job's outcome from its shares': the worst of no_answer, tasks_failed, completed."""
    outcomes = set(outcomes)
    return next((worst for worst in ("no_answer", "tasks_failed") if worst in outcomes), "completed")


class ShareClient(Client):
    """The centralized client, for one lead's share of the job. Its share settled, it does not
    end the run at once (other leads may still be at work): it tells the other clients its
    outcome, every ``patience`` s, until it knows every share's, and ends the run with them combined.

    Every client answers that news with how its own share stands (``share_status``: its outcome,
    or "running"), so a client at work is told from one that is gone: a client silent through
    ``tries`` tellings in a row is counted as ``no_answer`` (it crashed and did not come back),
    as the centralized client gives up on a silent orchestrator. The run always ends.
    """

    def __init__(self, name: str, tasks: Sequence[Task], durations: dict[str, float], orchestrator: str, *,
                 clients: Sequence[str]) -> None:
        super().__init__(name, tasks, durations, orchestrator)
        self.others = [client for client in clients if client != name]
        self.outcomes: dict[str, str] = {}  # each share's outcome, by client
        self.heard: dict[str, float] = {}  # when each other client last sent me anything
        self.ended = False

    async def run(self) -> None:
        self.spawn(self.listen())
        await super().run()

    async def listen(self) -> None:
        """Note what the other clients tell, and answer a client's news with how my share stands."""
        while True:
            msg = await self.receive(("share_settled", "share_status"))
            self.heard[msg.sender] = self.now
            if msg.body != "running":
                self.outcomes[msg.sender] = msg.body
            if msg.kind == "share_settled":
                await self.reply(msg, self.outcomes.get(self.name, "running"), kind="share_status")
            self.finish_if_all_known()

    def end_run(self, reason: str) -> None:
        """Called by the client's loop with its share's outcome: share it, then wait for the others'."""
        self.outcomes[self.name] = reason
        self.spawn(self.gather())

    async def gather(self) -> None:
        """Tell every client whose outcome I lack mine, every ``patience`` s, until all are known;
        count one silent for ``tries`` tellings in a row as ``no_answer``."""
        for other in self.others:
            self.heard.setdefault(other, self.now)
        while True:
            for other in self.others:
                if other not in self.outcomes and self.now - self.heard[other] >= self.tries * self.patience:
                    self.log("share_lost", client=other, silent=self.now - self.heard[other])
                    self.outcomes[other] = "no_answer"
            self.finish_if_all_known()
            for other in self.others:
                if other not in self.outcomes:  # it may have missed mine: a message can be lost
                    await self.send(other, "share_settled", self.outcomes[self.name])
            await self.sleep(self.patience)

    def finish_if_all_known(self) -> None:
        """Once every share's outcome is known (mine too), end the run with them combined."""
        if not self.ended and self.name in self.outcomes and len(self.outcomes) > len(self.others):
            self.ended = True
            super().end_run(combined(self.outcomes.values()))


@dataclass(repr=False)
class TeamsRun(TaskRun):
    """A teams-and-peers run, with the teams and the share of the job each lead owned."""

    critical_path: CriticalPath
    teams: dict[str, list[str]]
    shares: dict[str, list[str]]

    @property
    def metrics(self) -> dict[str, float]:
        handled = {name: row["received"] for name, row in metrics.messages_by_agent(self.trace).items()
                   if name in self.teams}
        return {**task_metrics(self, self.critical_path),
                "busiest lead messages handled": max(handled.values(), default=0),
                "tasks lent": sum(1 for *_, data in task_events(self.trace, ["task_assigned"])
                                  if data["worker"] in self.teams)}


def split_teams(specs: Sequence[WorkerSpec], teams: int) -> list[list[WorkerSpec]]:
    """``teams`` teams of consecutive workers, as equal in size as can be."""
    size, extra = divmod(len(specs), teams)
    bounds = [i * size + min(i, extra) for i in range(teams + 1)]
    return [list(specs[bounds[i]:bounds[i + 1]]) for i in range(teams)]


def components(tasks: Sequence[Task]) -> list[list[Task]]:
    """The tasks in groups linked by dependencies (either way), each in the job's order, the groups
    in the order of their first task: the connected components of the dependency graph."""
    graph = nx.Graph()
    graph.add_nodes_from(task.id for task in tasks)
    graph.add_edges_from((dep, task.id) for task in tasks for dep in task.depends_on)
    part_of = {tid: number for number, part in enumerate(nx.connected_components(graph)) for tid in part}
    parts: dict[int, list[Task]] = {}
    for task in tasks:
        parts.setdefault(part_of[task.id], []).append(task)
    return list(parts.values())


def deal_shares(tasks: Sequence[Task], durations: dict[str, float], teams: list[list[WorkerSpec]],
                reach: list[set[str]], topology: str = "complete") -> list[list[Task]]:
    """Each group of linked tasks to one team whose ``reach`` (the types it and its peers on the
    ``topology`` can do) covers it: the most work first, to the team least loaded for its speed."""
    power = [sum(w.speed * w.capacity for w in team) for team in teams]
    load = [0.0] * len(teams)
    shares: list[list[Task]] = [[] for _ in teams]
    parts = components(tasks)
    work = [sum(durations[t.id] for t in part) for part in parts]
    for index in sorted(range(len(parts)), key=lambda k: -work[k]):  # stable: equal work keeps the job's order
        part = parts[index]
        able = [i for i in range(len(teams)) if {t.type for t in part} <= reach[i]]
        if not able:
            raise ValueError(f"topology={topology!r} is not allowed: no lead and its peers can do every type of "
                             f"the linked tasks {', '.join(t.id for t in part)}; use a better connected overlay")
        team = min(able, key=lambda i: (load[i] / power[i], i))
        load[team] += work[index]
        shares[team].extend(part)
    order = {t.id: i for i, t in enumerate(tasks)}
    return [sorted(share, key=lambda t: order[t.id]) for share in shares]


def run_teams_p2p(tasks: Sequence[Task], workers: int | Sequence[WorkerSpec] = 4, *, seed: int = 0,
                  faults: Faults = (), until: float | None = None, teams: int | None = None,
                  topology: str = "complete", lend: int | None = None, retry: RetryPolicy = RetryPolicy(),
                  service_time: float = 0.005, latency: Latency = 0.01, max_events: int = 1_000_000) -> TeamsRun:
    """Run ``tasks`` on ``teams`` centralized teams whose leads lend each other work: the
    orchestrator's bottleneck shared out, its control kept within each team.

    ``teams`` defaults to about √M for M workers (at least 2 when there are 2 workers or more);
    ``topology`` is the leads' overlay (see ``coordlab.patterns.p2p.topology``); ``lend`` is how
    many tasks a lead may borrow from each peer at once (default: its team's size).
    Bad input raises here, before anything runs, naming the argument.
    """
    count = len(resolve_workers(workers, task_list(tasks)))
    teams = max(min(2, count), round(count ** 0.5)) if teams is None else validate.count("teams", teams, maximum=count)
    reserved = {**{lead_name(i): "a lead" for i in range(teams)}, **{client_name(i): "a client" for i in range(teams)}}
    tasks, specs = checked_workload(tasks, workers, reserved)
    overlay = make_topology(topology, teams, seed) if teams > 1 else None
    if lend is not None:
        validate.count("lend", lend)
    seed = validate.seed(seed)
    durations = draw_durations(tasks, random.Random(f"{seed}/durations"))
    crews = split_teams(specs, teams)
    nodes = list(overlay.nodes) if overlay is not None else []
    neighbours = [sorted(nodes.index(n) for n in overlay.neighbors(nodes[i])) if overlay is not None else []
                  for i in range(teams)]
    reach = [set().union(*(w.capabilities for j in [i, *neighbours[i]] for w in crews[j])) for i in range(teams)]
    shares = deal_shares(tasks, durations, crews, reach, topology)
    world = World(seed, latency=latency, faults=faults, max_events=max_events)
    for i, crew in enumerate(crews):
        peers = [WorkerSpec(lead_name(j), set().union(*(w.capabilities for w in crews[j])),
                            capacity=lend or len(crews[j]), speed=max(w.speed for w in crews[j]))
                 for j in neighbours[i]]
        world.add(TeamLead(lead_name(i), crew, peers, retry=retry, service_time=service_time),
                  *(Worker(spec, lead_name(i)) for spec in crew))
    clients = [client_name(i) for i, share in enumerate(shares) if share]
    for i, share in enumerate(shares):
        if share:
            world.add(ShareClient(client_name(i), share, {t.id: durations[t.id] for t in share}, lead_name(i),
                                  clients=clients))
    for checker in [*centralized_checkers(tasks), kinds_declared(PROTOCOL + SHARES_PROTOCOL)]:
        world.add_checker(checker)
    return task_run(TeamsRun, world.run(until=until), tasks, durations,
                    critical_path=fastest_bound(tasks, durations, specs),
                    teams={lead_name(i): [w.name for w in crew] for i, crew in enumerate(crews)},
                    shares={lead_name(i): [t.id for t in share] for i, share in enumerate(shares) if share})
