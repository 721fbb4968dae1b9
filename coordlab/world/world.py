"""The World: agents, a network, a fault schedule and a virtual clock, run to a verdict.

    world = World(seed=1, latency=Uniform(0.01, 0.05), faults=[Crash("b", at=2)])
    world.add(Pinger("a"), Echo("b"))
    result = world.run(until=10)
    result.stop_reason, result.trace, result.verdict()

``run`` always ends, with one of these ``stop_reason`` values:

* ``"completed"``  nothing more can happen and nobody is stuck waiting;
* ``"deadlock"``   nothing more can happen but agents still wait (``result.waiting`` says on what);
* ``"until"``      the time horizon was reached;
* ``"event_limit"`` the run produced more than ``max_events`` events (a livelock guard; it
  also stops an agent that never awaits but keeps sending or logging. A loop that does
  neither cannot be interrupted by the world, or by any asyncio runtime);
* ``"agent_error"`` an agent raised an exception (``result.errors`` has the traceback);
* anything an agent passed to ``end_run(reason)``.
"""
from __future__ import annotations

import asyncio
import math
import random
import traceback
from collections.abc import Coroutine, Iterable
from dataclasses import dataclass, field
from typing import Any

from coordlab.world import validate
from coordlab.world.agent import Agent
from coordlab.world.checks import Checker, Verdict, generic_checkers
from coordlab.world.clock import VirtualTimeLoop, run_in_thread
from coordlab.world.faults import Crash, Fault, Partition, Slow, describe
from coordlab.world.latency import Latency
from coordlab.world.message import Message
from coordlab.world.network import Network
from coordlab.world.trace import Trace


class EventLimitReached(BaseException):
    """Raised inside an agent that keeps producing events past the world's ``max_events``.

    A ``BaseException`` so that an agent's ``except Exception`` cannot swallow it: this
    is how the world stops a livelocked agent that never waits.
    """


@dataclass(frozen=True)
class AgentError:
    """An exception an agent raised, with the traceback to read."""

    agent: str
    error: BaseException
    traceback: str

    def __str__(self) -> str:
        return f"{self.agent} raised {type(self.error).__name__}: {self.error}"


@dataclass
class RunResult:
    """What a run left behind. Everything else (metrics, pictures, verdicts) derives from it."""

    stop_reason: str
    time: float
    trace: Trace
    agents: dict[str, Agent] = field(default_factory=dict)
    errors: list[AgentError] = field(default_factory=list)
    waiting: dict[str, list[str]] = field(default_factory=dict)
    checkers: list[Checker] = field(default_factory=list)
    seed: int | None = None

    def verdict(self, *checkers: Checker) -> Verdict:
        """Run the world's registered checkers plus ``checkers`` and combine their verdicts."""
        return Verdict.all([check(self) for check in [*self.checkers, *checkers]])

    def __repr__(self) -> str:
        text = (f"<RunResult stop_reason={self.stop_reason!r} time={self.time:.4f} "
                f"events={len(self.trace)} seed={self.seed}>")
        if self.waiting:
            text += "\n  waiting: " + "; ".join(f"{a} on {', '.join(w)}" for a, w in self.waiting.items())
        for error in self.errors:
            text += f"\n  error: {error}"
        return text


class World:
    """A deterministic simulated world. One ``seed`` drives every random draw in it."""

    def __init__(self, seed: int = 0, *, latency: Latency = 0.01, loss: float = 0.0,
                 duplicate: float = 0.0, faults: Iterable[Fault] = (), max_events: int = 1_000_000) -> None:
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise TypeError(f"seed={seed!r} is not allowed: seed must be an int")
        if isinstance(max_events, bool) or not isinstance(max_events, int) or max_events < 1:
            raise ValueError(f"max_events={max_events!r} is not allowed: it must be a positive int")
        self.seed = seed
        self.network = Network(latency=latency, loss=loss, duplicate=duplicate)
        self.faults: list[Fault] = list(faults)
        self.max_events = max_events
        self.trace = Trace()
        self.agents: dict[str, Agent] = {}
        self.checkers: list[Checker] = list(generic_checkers)
        self.slow_factor: dict[str, float] = {}
        self.errors: list[AgentError] = []
        self.loop: VirtualTimeLoop | None = None
        self._rng = random.Random(seed)
        self._incarnation: dict[str, int] = {}
        self._pending: list[tuple[float, Agent]] = []
        self._departures: list[tuple[float, str]] = []
        self._crashed: dict[str, None] = {}
        self._gone: dict[str, None] = {}
        self._topics: dict[str, list[str]] = {}
        self._next_message_id = 0
        self._steps = 0
        self._stop_reason: str | None = None
        self._stuck: dict[str, list[str]] = {}
        self._finished: asyncio.Future | None = None
        self._ran = False

    # --- building the world -------------------------------------------------------
    @property
    def now(self) -> float:
        """Simulated seconds since the run started (0 before it starts)."""
        return self.loop.time() if self.loop is not None else 0.0

    def add(self, *agents: Agent, at: float | None = None) -> None:
        """Add agents; with ``at`` they join at that simulated time (churn), else at once."""
        when = 0.0 if at is None else validate.number("at", at, minimum=0)
        for agent in agents:
            if not isinstance(agent, Agent):
                raise TypeError(f"agent={agent!r} is not allowed: add instances of a coordlab.Agent subclass")
            if not hasattr(agent, "_inbox"):
                raise RuntimeError(f"{type(agent).__name__}.__init__ must call super().__init__(name)")
            taken = set(self.agents) | {a.name for _, a in self._pending}
            if agent.name in taken:
                raise ValueError(f"name={agent.name!r} is not allowed: an agent with that name is already "
                                 "in this world; names must be unique")
            self._pending.append((when, agent))
            if self._running():
                if when <= self.now:
                    self._start(agent)
                else:
                    self.loop.call_at(when, self._start, agent)

    def remove(self, name: str, at: float | None = None) -> None:
        """Take an agent out for good (it leaves; messages to it are dropped as ``gone``)."""
        if at is not None and not self._running():
            validate.known_agent("name", name, self._all_names())
            self._departures.append((validate.number("at", at, minimum=0), name))
            return
        validate.known_agent("name", name, self.agents)
        self._halt(name)
        del self.agents[name]
        self._gone[name] = None
        self.trace.record(self.now, "leave", name)

    def add_checker(self, checker: Checker) -> None:
        """Register a checker (``RunResult -> Verdict``); ``result.verdict()`` runs them all."""
        self.checkers.append(checker)

    # --- running ------------------------------------------------------------------
    def run(self, until: float | None = None) -> RunResult:
        """Run until nothing can happen any more, or until simulated time ``until``."""
        if self._ran:
            raise RuntimeError("this World has already run; build a new one (the same seed gives the same run)")
        horizon = math.inf if until is None else validate.number("until", until, minimum=0)
        if horizon == 0 and until is not None:
            raise ValueError(f"until={until!r} is not allowed: the run starts at 0, so until must be > 0")
        self._check_faults()
        self._ran = True
        self.loop = VirtualTimeLoop(self._on_idle, lambda: self.stop("until"), self._on_step, horizon)
        reason = run_in_thread(self._main(), self.loop)
        return RunResult(stop_reason=reason, time=self.now, trace=self.trace, agents=dict(self.agents),
                         errors=list(self.errors), waiting=self._stuck, checkers=list(self.checkers),
                         seed=self.seed)

    def stop(self, reason: str) -> None:
        """End the run with ``stop_reason=reason`` (the first reason given wins)."""
        if self._finished is not None and not self._finished.done():
            self._stop_reason = reason
            self._stuck = self._waiting(idle=reason in ("completed", "deadlock"))
            self.trace.record(self.now, "stop", reason=reason)
            self._finished.set_result(reason)

    async def _main(self) -> str:
        loop = asyncio.get_running_loop()
        self._finished = loop.create_future()
        for when, agent in list(self._pending):
            if when == 0:
                self._start(agent)
            else:
                loop.call_at(when, self._start, agent)
        for when, name in self._departures:
            loop.call_at(when, self._depart, name)
        for fault in self.faults:
            # A fault due at t=0 acts now: the agents' tasks exist but have not taken a
            # step yet, so a partition "from the start" also cuts their first messages.
            if fault.at == 0:
                self._fault(fault, "start")
            else:
                loop.call_at(fault.at, self._fault, fault, "start")
            if fault.ends_at is not None and math.isfinite(fault.ends_at):
                loop.call_at(fault.ends_at, self._fault, fault, "end")
        reason = await self._finished
        tasks = [task for agent in self.agents.values() for task in agent._tasks]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        return reason

    # --- agents coming and going --------------------------------------------------
    def _start(self, agent: Agent) -> None:
        self._pending = [(w, a) for w, a in self._pending if a is not agent]
        if self._stop_reason is not None:
            return
        self.agents[agent.name] = agent
        agent._world = self
        self.trace.record(self.now, "join", agent.name)
        self.start_task(agent, agent.run())

    def start_task(self, agent: Agent, coroutine: Coroutine[Any, Any, Any]) -> asyncio.Task:
        """Run ``coroutine`` as one of ``agent``'s tasks, turning its exceptions into data."""
        task = self.loop.create_task(self._guarded(agent, coroutine))
        agent._tasks.append(task)
        task.add_done_callback(lambda t: self._task_done(agent, t, coroutine))
        return task

    @staticmethod
    def _task_done(agent: Agent, task: asyncio.Task, coroutine: Coroutine[Any, Any, Any]) -> None:
        if task in agent._tasks:
            agent._tasks.remove(task)
        # A task cancelled before its first step (its agent crashed at once) never started
        # the coroutine; closing it says so, instead of a "never awaited" warning.
        coroutine.close()

    async def _guarded(self, agent: Agent, coroutine: Coroutine[Any, Any, Any]) -> Any:
        try:
            return await coroutine
        except (asyncio.CancelledError, EventLimitReached):
            raise
        except Exception as exc:
            self.errors.append(AgentError(agent.name, exc, traceback.format_exc()))
            self.trace.record(self.now, "error", agent.name, reason=f"{type(exc).__name__}: {exc}")
            self.stop("agent_error")

    def _halt(self, name: str) -> None:
        agent = self.agents[name]
        for task in list(agent._tasks):
            task.cancel()
        agent._inbox.clear()

    def _depart(self, name: str) -> None:
        if name in self.agents:
            self.remove(name)

    def crash(self, name: str) -> None:
        """Crash an agent now: its tasks stop, its inbox is lost, messages to it are dropped."""
        validate.known_agent("agent", name, self.agents)
        if name in self._crashed:
            return
        self._halt(name)
        self._crashed[name] = None
        self.trace.record(self.now, "crash", name)

    def recover(self, name: str) -> None:
        """Restart a crashed agent as a fresh instance that keeps only its ``stable`` dict."""
        validate.known_agent("agent", name, self.agents)
        if name not in self._crashed:
            return
        del self._crashed[name]
        old = self.agents[name]
        args, kwargs = old._init_args
        fresh = type(old)(*args, **kwargs)
        fresh.stable = old.stable
        fresh._world = self
        self._incarnation[name] = self._incarnation.get(name, 0) + 1
        self.agents[name] = fresh
        self.trace.record(self.now, "recover", name)
        self.start_task(fresh, fresh.run())

    def agent_rng(self, name: str) -> random.Random:
        """A generator for one agent (and incarnation), independent of every other draw."""
        return random.Random(f"{self.seed}/{name}/{self._incarnation.get(name, 0)}")

    # --- messages -----------------------------------------------------------------
    def transmit(self, sender: str, to: str, kind: str, body: Any = None, *, conversation: int | None = None,
                 in_reply_to: int | None = None, is_request: bool = False, topic: str | None = None) -> Message:
        """Put a message on the network; it is delivered, duplicated or dropped as the network decides."""
        if not isinstance(kind, str) or not kind:
            raise ValueError(f"kind={kind!r} is not allowed: a message kind must be a non-empty string")
        self.guard_event_limit()
        self._next_message_id += 1
        now = self.loop.time()
        msg = Message(self._next_message_id, sender, to, kind, body,
                      conversation if conversation is not None else self._next_message_id,
                      in_reply_to, topic, is_request, now)
        if to not in self.agents and to not in self._gone:
            validate.known_agent("to", to, self._all_names())
        if self._stop_reason is not None:
            return msg  # the run is over: agents being shut down send into the void
        self.trace.record(now, "send", sender, peer=to, message=msg)
        reason, delays = self.network.fate(sender, to, self._rng)
        if reason is not None:
            self.trace.record(now, "drop", to, peer=sender, message=msg, reason=reason)
            return msg
        self.loop.call_later(delays[0], self._deliver, msg)
        for delay in delays[1:]:
            copy = Message(msg.id, sender, to, kind, body, msg.conversation, in_reply_to, topic,
                           is_request, now, duplicate=True)
            self.loop.call_later(delay, self._deliver, copy)
        return msg

    def _deliver(self, msg: Message) -> None:
        if self._stop_reason is not None:
            return
        receiver = self.agents.get(msg.to)
        if receiver is None or msg.to in self._crashed:
            reason = "crashed" if receiver is not None else ("gone" if msg.to in self._gone else "not_joined")
            self.trace.record(self.now, "drop", msg.to, peer=msg.sender, message=msg, reason=reason)
            return
        msg.delivered_at = self.now
        self.trace.record(msg.delivered_at, "deliver", msg.to, peer=msg.sender, message=msg)
        receiver._deliver(msg)

    def subscribe(self, name: str, topic: str) -> None:
        subscribers = self._topics.setdefault(topic, [])
        if name not in subscribers:
            subscribers.append(name)

    def publish(self, sender: str, topic: str, kind: str, body: Any = None) -> list[Message]:
        return [self.transmit(sender, name, kind, body, topic=topic)
                for name in self._topics.get(topic, []) if name != sender and name in self.agents]

    # --- faults -------------------------------------------------------------------
    def _all_names(self) -> set[str]:
        return set(self.agents) | {a.name for _, a in self._pending}

    def _check_faults(self) -> None:
        names = self._all_names()
        joins = {agent.name: when for when, agent in self._pending}
        for fault in self.faults:
            for name in sorted(fault.agents()):
                if name not in names:
                    raise ValueError(f"fault {fault!r} names agent {name!r}, which is not in this world "
                                     f"(agents: {', '.join(sorted(names)) or 'none'})")
                if isinstance(fault, (Crash, Slow)) and fault.at < joins.get(name, 0):
                    raise ValueError(f"fault {fault!r} acts at t={fault.at:g}, before {name!r} joins "
                                     f"at t={joins[name]:g}")

    def _fault(self, fault: Fault, phase: str) -> None:
        if self._stop_reason is not None:
            return
        gone = sorted(name for name in fault.agents() if name in self._gone)
        if gone and not isinstance(fault, Partition):
            self.trace.record(self.now, "fault", reason=f"{describe(fault)} {phase} has no effect: "
                              f"{', '.join(gone)} left the world")
            return
        kinds = {"Crash": ("crash", "recover"), "Partition": ("partition", "heal")}
        label = kinds.get(type(fault).__name__)
        if label is None:
            self.trace.record(self.now, "fault", reason=f"{describe(fault)} {phase}s")
        elif label[0] == "partition":
            self.trace.record(self.now, label[0 if phase == "start" else 1], reason=describe(fault))
        if phase == "start":
            fault.start(self)
        else:
            fault.end(self)

    # --- knowing when to stop -----------------------------------------------------
    def _running(self) -> bool:
        return self.loop is not None and self._finished is not None and not self._finished.done()

    def _on_step(self) -> None:
        self._steps += 1
        if len(self.trace) > self.max_events or self._steps > 20 * self.max_events:
            self.stop("event_limit")

    def _on_idle(self) -> None:
        self.stop("deadlock" if self._waiting(idle=True) else "completed")

    def _waiting(self, idle: bool) -> dict[str, list[str]]:
        """Who is waiting, on what: agents (not daemons, not crashed) blocked in a wait.

        When the world is idle, an agent with unfinished tasks that waits on no message
        is blocked on something outside the Agent API, which no message can ever end.
        """
        stuck = {}
        for name, agent in self.agents.items():
            if agent.daemon or name in self._crashed:
                continue
            blocked = agent.blocked_on()
            if blocked:
                stuck[name] = blocked
            elif idle and agent._tasks and not agent._waiters:
                stuck[name] = ["something that is not a message (an await outside the Agent API)"]
        return stuck

    def guard_event_limit(self) -> None:
        """Stop an agent that keeps producing events past ``max_events``, even if it never waits."""
        if len(self.trace) >= self.max_events:
            self.stop("event_limit")
            raise EventLimitReached(f"more than max_events={self.max_events} events")
