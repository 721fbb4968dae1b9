"""``RealWorld``: built like a ``World`` (``add``, ``add_checker``, ``run``), run on dask actors in real time.

    real = RealWorld(seed=1, time_scale=0.1, faults=[KillWorker("w2", at=1.0)])
    real.add(*agents)
    result = real.run(until=20)          # a coordlab.world.RunResult, as World.run returns

Each agent goes to its own actor (``AgentActor``) on a worker process: on the worker numbered
``placement[name]`` (in the order of the workers' addresses) if given, else in turn on each
worker; ``placed`` says where each went, which matters when a ``KillWorker`` kills a process.
All start on one common clock reading; from then on the run's driver, this process, only
watches: every ``poll_every`` real seconds it reads each actor's new records and status, and
ends the run

* with the reason an agent gave to ``end_run`` (the earliest, if several did; ``agent_error``
  when one raised; ``event_limit`` when one recorded more than ``max_events`` events);
* with ``"until"`` at the horizon (model seconds; the run never outlives ``until·time_scale``
  real seconds, plus the time to stop);
* with ``"completed"`` or ``"deadlock"`` once it has seen, twice in a row, every host without a
  timer or a sleep and every message that left arrived: then nothing more can happen, and
  ``"deadlock"`` says some agent still waits for a message (``result.waiting`` says which).
  Once a worker process has been killed, messages may have died with it unseen, so the run
  no longer claims that nothing more can happen: it ends by an agent or at the horizon.

Unlike a simulated run, a real run never replays: the same seed gives the same random choices,
but not the same timings, so not always the same trace. Compare verdicts, not traces.
"""
from __future__ import annotations

import contextlib
import time
from collections.abc import Iterable, Mapping
from typing import Any

from coordlab.runtime.actor import AgentActor
from coordlab.runtime.cluster import checked_address, cluster_size, connect
from coordlab.runtime.faults import KillWorker, checked_real_faults
from coordlab.runtime.host import Record
from coordlab.runtime.merge import merge
from coordlab.world import Agent, AgentError, Checker, RunResult, validate
from coordlab.world.checks import generic_checkers
from coordlab.world.world import check_fault_agents, checked_checker, checked_new_agent

#: Real seconds from the driver's first call to the actors to the common start: room for every
#: actor to learn its peers and schedule its join before anyone starts.
LEAD = 0.25
#: Real seconds between stopping the actors and releasing them.
DRAIN = 0.05
#: Real seconds a call to an actor may take before the driver asks whether its worker is still there.
POLL_TIMEOUT = 2.0
#: Real seconds at most to wait for an actor whose worker is still in the cluster but slow to answer.
SLOW_WAIT = 30.0
#: Real seconds to wait for the workers a ``placement`` names (a nanny restarts a killed worker in about one).
WORKER_WAIT = 30.0
#: Real seconds to wait for the actors to be created on their workers.
ACTOR_WAIT = 30.0


class RealWorld:
    """A world of agents in dask actors on real time, built like ``World`` and returning its ``RunResult``.

    ``time_scale`` is real seconds per model second: agents keep their timeouts and periods in
    model seconds, and 0.1 makes a 10-second model run last one real second (and a real
    latency of 1 ms look like 0.01 model seconds, the simulated world's default). ``address``
    is a dask scheduler to use; ``None`` starts a local cluster of two worker processes for
    the run and closes it after.
    """

    def __init__(self, seed: int = 0, *, address: str | None = None, time_scale: float = 0.1,
                 faults: Iterable[Any] = (), placement: Mapping[str, int] | None = None, max_events: int = 200_000,
                 poll_every: float = 0.02) -> None:
        self.seed = validate.seed(seed)
        self.address = checked_address(address)
        if validate.number("time_scale", time_scale) <= 0:
            raise ValueError(f"time_scale={time_scale!r} is not allowed: give real seconds per model second, > 0")
        self.time_scale = time_scale
        self.faults = checked_real_faults(faults)
        self.max_events = validate.count("max_events", max_events)
        if validate.number("poll_every", poll_every) <= 0:
            raise ValueError(f"poll_every={poll_every!r} is not allowed: give real seconds between polls, > 0")
        self.poll_every = poll_every
        if placement is not None and not isinstance(placement, Mapping):
            raise TypeError(f"placement={placement!r} is not allowed: give a dict from agent name to worker number")
        self.placement = {validate.name("placement", name): validate.count("placement", number, minimum=0)
                          for name, number in (placement or {}).items()}
        self.placed: dict[str, str] = {}  # agent -> worker address, once the run has started
        self._agents: dict[str, tuple[Agent, float]] = {}
        self._checkers: list[Checker] = list(generic_checkers)
        self._ran = False

    def add(self, *agents: Agent, at: float | None = None) -> None:
        """Add agents; with ``at`` they join at that model time."""
        when = 0.0 if at is None else validate.number("at", at, minimum=0)
        for agent in agents:
            self._agents[agent.name] = (checked_new_agent(agent, self._agents.__contains__), when)

    def add_checker(self, checker: Checker) -> None:
        """Register a checker (``RunResult -> Verdict``); ``result.verdict()`` runs them all."""
        self._checkers.append(checked_checker(checker))

    def run(self, until: float = 60.0) -> RunResult:
        """Run on the cluster until the run ends (see the module's docstring), at the latest at model time ``until``."""
        if self._ran:
            raise RuntimeError("this RealWorld has already run; build a new one")
        if validate.number("until", until) <= 0:
            raise ValueError(f"until={until!r} is not allowed: a real run needs a finite horizon > 0 (model seconds)")
        if not self._agents:
            raise ValueError("agents=[] is not allowed: add at least one agent before running")
        self._check_faults()
        self._ran = True
        with connect(self.address) as client:
            return _Run(self, client).to_the_end(until)

    def _check_faults(self) -> None:
        for name in self.placement:
            if name not in self._agents:
                raise ValueError(f"placement={self.placement!r} is not allowed: {name!r} is not an agent of this "
                                 f"world (agents: {', '.join(sorted(self._agents))})")
        check_fault_agents(self.faults, {name: when for name, (_, when) in self._agents.items()})


class _Run:
    """One run on one client: the actors, the watch, the readout."""

    def __init__(self, world: RealWorld, client: Any) -> None:
        self.world, self.client = world, client
        self.names = list(world._agents)
        self.actors: dict[str, Any] = {}
        self.pids: dict[str, int] = {}
        self.statuses: dict[str, dict[str, Any]] = {}
        self.records: dict[str, list[Record]] = {name: [] for name in self.names}
        self.unreachable: dict[str, None] = {}
        self.epoch = 0.0

    def now(self) -> float:
        return (time.time() - self.epoch) / self.world.time_scale

    def to_the_end(self, until: float) -> RunResult:
        """Place the actors, start them on one clock, watch until the run ends, stop them and read the result.

        However the run ends, also on an error or a Ctrl-C, the actors are stopped before they are
        released: on a cluster that outlives the run (``address=``) their agents would run on.
        """
        world = self.world
        workers = self.workers()
        futures, stopped = [], False
        try:
            for index, name in enumerate(self.names):
                agent, _ = world._agents[name]
                worker = world.placed[name] = workers[world.placement.get(name, index) % len(workers)]
                futures.append(self.client.submit(AgentActor, agent, index, self.names, world.seed, world.time_scale,
                                                  world.max_events, actor=True, workers=[worker], pure=False))
            self.actors = {name: future.result(timeout=ACTOR_WAIT) for name, future in zip(self.names, futures)}
            self.epoch = time.time() + LEAD
            self.pids = self.call_all("connect", self.actors, self.epoch)
            self.call_all("begin", lambda name: world._agents[name][1], self.faults_of)
            reason, stop_time = self.watch(until)
            waiting = {name: status["waiting"] for name, status in self.statuses.items()
                       if status["waiting"] and name not in self.unreachable}  # as the run ended, before the stop
            for name, status in self.call_all("stop").items():
                self.take(name, status)
            stopped = True
            time.sleep(DRAIN)  # let messages already on the wire land before their actors are released
        finally:
            if not stopped:
                self.stop_quietly()
            self.client.cancel(futures)
        return self.result(reason, stop_time, waiting)

    def workers(self) -> list[str]:
        """The workers' addresses in order, once every worker the ``placement`` names is there.

        A placement naming a worker the cluster does not have is refused at once; one naming a
        worker that an earlier run's ``KillWorker`` killed waits while its nanny restarts it.
        """
        placement = self.world.placement
        if placement:
            size = cluster_size(self.client)
            if max(placement.values()) >= size:
                raise ValueError(f"placement={placement!r} is not allowed: the cluster has {size} worker(s), "
                                 f"numbered from 0 to {size - 1}")
            self.client.wait_for_workers(max(placement.values()) + 1, timeout=WORKER_WAIT)
        return sorted(self.client.scheduler_info()["workers"])

    def stop_quietly(self) -> None:
        """Stop every actor placed so far, ignoring errors: the run is already failing for another reason."""
        if self.actors:  # else no actor was created, and no agent started
            with contextlib.suppress(Exception):
                self.call_all("stop")

    def faults_of(self, name: str) -> list[Any]:
        """The faults the actor of ``name`` acts out: those naming it, and every partition."""
        return [fault for fault in self.world.faults if not fault.acts_on_agents or name in fault.agents()]

    def call_all(self, method: str, *args: Any) -> dict[str, Any]:
        """Call ``method`` on every reachable actor at once; an argument may be a function of the agent's name."""
        calls, silent = {}, []
        for name in self.names:
            if name not in self.unreachable:
                try:
                    calls[name] = getattr(self.actors[name], method)(*(a(name) if callable(a) else a for a in args))
                except RuntimeError:  # dask knows the actor's worker is lost
                    silent.append(name)
        answers = {}
        for name, call in calls.items():
            try:
                answers[name] = self.answer(name, call)
            except Exception:  # the worker died (KillWorker) or stopped answering
                silent.append(name)
        self.lose(silent)
        return answers

    def answer(self, name: str, call: Any) -> Any:
        """The result of a call to the actor of ``name``, waited for ``POLL_TIMEOUT`` at a time.

        An actor slow to answer (its worker starved of CPU) is waited for while its worker is still
        in the cluster, up to ``SLOW_WAIT``: counting it as lost would drop its agent's records.
        """
        waited = 0.0
        while True:
            try:
                return call.result(timeout=POLL_TIMEOUT)
            except TimeoutError:
                waited += POLL_TIMEOUT
                if waited >= SLOW_WAIT or self.world.placed[name] not in self.client.scheduler_info()["workers"]:
                    raise

    def take(self, name: str, status: dict[str, Any]) -> None:
        self.records[name].extend(status["records"])
        self.statuses[name] = status

    def watch(self, until: float) -> tuple[str, float]:
        """Poll until the run ends; the stop reason and the model time it ended."""
        last_quiet = None
        while True:
            time.sleep(self.world.poll_every)
            now = self.now()
            self.notice_lost_workers()
            for name, status in self.call_all("poll").items():
                self.take(name, status)
            requests = [status["stop_request"] for status in self.statuses.values() if status["stop_request"]]
            if requests:
                when, reason = min(requests)
                return reason, min(when, until)
            if now >= until:
                return "until", until
            live = [self.statuses[name] for name in self.names if name not in self.unreachable]
            sent = sum(status["sent"] for status in self.statuses.values())
            arrived = sum(status["arrived"] for status in self.statuses.values())
            idle = sent <= arrived and not self.unreachable and not any(status["busy"] for status in live)
            quiet = (sent, arrived) if idle else None
            if quiet is not None and quiet == last_quiet:
                waiting = any(status["waiting"] for status in live)
                return ("deadlock" if waiting else "completed"), now
            last_quiet = quiet

    def notice_lost_workers(self) -> None:
        """Agents whose worker left the cluster are unreachable (asking them would wait for a timeout)."""
        present = self.client.scheduler_info()["workers"]
        self.lose([name for name in self.names if self.world.placed[name] not in present])

    def lose(self, names: list[str]) -> None:
        """``names`` are unreachable from now on: the others stop sending to them."""
        lost = [name for name in names if name not in self.unreachable]
        if lost:
            self.unreachable.update(dict.fromkeys(lost))
            self.call_all("lose", lost)

    def world_records(self, stop_time: float) -> list[Record]:
        """What the driver itself records: faults starting and ending, and the agents a killed worker took along."""
        records: list[Record] = []
        for fault in self.world.faults:
            if isinstance(fault, KillWorker):
                pid = self.pids.get(fault.agent)
                for name in self.names:
                    if self.pids.get(name) == pid:
                        records.append((fault.at, "crash", name, None, None, f"{fault.describe()}: process {pid} "
                                        "killed", None))
                continue
            for phase, when in (("start", fault.at), ("end", fault.ends_at)):
                event = fault.trace_event(phase)
                if event is not None and when is not None:
                    records.append((when, event[0], None, None, None, event[1], None))
        return [record for record in records if record[0] <= stop_time]

    def result(self, reason: str, stop_time: float, waiting: dict[str, list[str]]) -> RunResult:
        sources = [self.world_records(stop_time), *(self.records[name] for name in self.names)]
        errors = [AgentError(agent, RuntimeError(text), trace) for status in self.statuses.values()
                  for agent, text, trace in status["errors"]]
        return RunResult(stop_reason=reason, time=stop_time, trace=merge(sources, stop_time, reason), errors=errors,
                         waiting=waiting, checkers=list(self.world._checkers), seed=self.world.seed)
