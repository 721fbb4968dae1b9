"""The simulated world as its agents see it: ``SimulatedHost``, the ``Host`` on virtual time.

It keeps the live state of a run (the virtual-time loop, who is present, crashed or gone, the
topics, the errors, why it stopped); ``World`` adds faults, departures, checkers and the result.
It reaches agents only through their plumbing methods, as they reach it only through ``Host``.
"""
from __future__ import annotations

import asyncio
import random
import traceback
from collections.abc import Callable, Coroutine
from dataclasses import replace
from typing import Any

from coordlab.world import validate
from coordlab.world.agent import Agent
from coordlab.world.byzantine import Outgoing, Strategy
from coordlab.world.clock import VirtualTimeLoop, run_in_thread
from coordlab.world.message import Message
from coordlab.world.network import Network, Windows
from coordlab.world.result import AgentError
from coordlab.world.trace import WORLD_EVENTS, Trace
from coordlab.world.watchdog import AgentBlocked, AgentSpinning, StepCounter, stepped

#: Events allowed per agent when ``max_events`` is automatic (``None``), and the least it allows.
EVENTS_PER_AGENT, MIN_EVENTS = 5_000, 1_000_000


class EventLimitReached(BaseException):
    """Raised inside an agent that keeps producing events past one of the world's event limits.

    A ``BaseException`` so that an agent's ``except Exception`` cannot swallow it: this
    is how the world stops a livelocked agent that never waits.
    """


class SimulatedHost:
    """The ``Host`` on virtual time (its methods are documented in ``coordlab.world.host``)."""

    def __init__(self, seed: int, network: Network, max_events: int | None, max_events_per_instant: int,
                 max_step_seconds: float, trace: str = "full") -> None:
        self.seed, self.network, self.max_events = seed, network, max_events
        self.max_events_per_instant = max_events_per_instant
        self.trace = Trace(trace)
        self.steps = StepCounter(self.trace, max_step_seconds)
        self.slows: Windows[tuple[str, float]] = Windows()  # (agent, factor): work takes longer (Slow)
        self.traitors: Windows[tuple[str, Strategy]] = Windows()  # (agent, strategy): Byzantine agents
        self._traitor_sent: dict[str, list[Outgoing]] = {}
        self._traitor_rng: dict[str, random.Random] = {}
        self._rng = random.Random(seed)
        self._loop: VirtualTimeLoop | None = None
        self._agents: dict[str, Agent] = {}  # joined and not gone (crashed ones included)
        self._pending: dict[str, tuple[float, Agent]] = {}  # name -> (when, agent), still to join
        self._crashed: dict[str, None] = {}
        self._gone: dict[str, None] = {}
        self._incarnation: dict[str, int] = {}
        self._topics: dict[str, list[str]] = {}
        self._errors: list[AgentError] = []
        self._next_message_id = self._steps = 0
        self._instant, self._instant_start = 0.0, 0  # the simulated time now, and the events before it began
        self._total_limit = max_events or MIN_EVENTS  # see _over_limit
        # The event count at which a limit is crossed at this instant: always
        # min(_instant_start + max_events_per_instant, _total_limit), so whatever changes one of those updates it.
        self._limit_at = min(max_events_per_instant, self._total_limit)
        self._stop_reason: str | None = None
        self._stuck: dict[str, list[str]] = {}
        self._finished: asyncio.Future | None = None

    # --- Host: what agents ask for --------------------------------------------------
    @property
    def now(self) -> float:
        """Simulated seconds since the run started (0 before it starts)."""
        return self._loop.now if self._loop is not None else 0.0

    def send(self, sender: str, to: str, kind: str, body: Any = None, *, conversation: int | None = None,
             in_reply_to: int | None = None, is_request: bool = False, topic: str | None = None) -> Message:
        self._guard_event_limit()
        self._next_message_id += 1
        now = self._loop.now
        msg = Message(self._next_message_id, sender, to, kind, body,
                      conversation if conversation is not None else self._next_message_id,
                      in_reply_to, topic, is_request, now)
        if to not in self._agents and to not in self._gone:
            validate.known_agent("to", to, self._names())
        if self._stop_reason is not None:
            return msg  # the run is over: agents being shut down send into the void
        if self.traitors:
            strategies = [strategy for name, strategy in self.traitors.values() if name == sender]
            if strategies:
                return self._send_as_traitor(strategies[-1], msg)
        self._transmit(msg)
        return msg

    def _transmit(self, msg: Message) -> None:
        """Record ``msg`` as sent and let the network decide its fate."""
        row = self.trace.record(msg.sent_at, "send", msg.sender, peer=msg.to, message=msg)
        reason, delays = self.network.fate(msg.sender, msg.to, self._rng)
        if reason is not None:
            self.trace.record(msg.sent_at, "drop", msg.to, peer=msg.sender, message=msg, reason=reason,
                              message_row=row)
            return
        self._loop.call_at(msg.sent_at + delays[0], self._deliver, msg, row)
        for delay in delays[1:]:
            self._loop.call_at(msg.sent_at + delay, self._deliver, replace(msg, duplicate=True), None)

    def _send_as_traitor(self, strategy: Strategy, msg: Message) -> Message:
        """A Byzantine sender: ``strategy`` decides what goes out instead of ``msg`` (see ``byzantine.py``)."""
        sent = self._traitor_sent.setdefault(msg.sender, [])
        rng = self._traitor_rng.setdefault(msg.sender, random.Random(f"{self.seed}/byzantine/{msg.sender}"))
        outgoing = strategy(msg.to, msg.kind, msg.body, rng, tuple(sent))
        self.trace.record(msg.sent_at, "fault", msg.sender, reason=f"{strategy!r} turned {msg.kind} "
                          f"{msg.body!r} to {msg.to} into {outgoing!r}")
        for index, (to, kind, body) in enumerate(outgoing):
            validate.known_agent("to", to, self._names() | set(self._gone))
            if index:
                self._next_message_id += 1
            self._transmit(replace(msg, id=self._next_message_id, to=to, kind=kind, body=body))
            sent.append((to, kind, body))
        return msg

    def subscribe(self, agent: str, topic: str) -> None:
        subscribers = self._topics.setdefault(topic, [])
        if agent not in subscribers:
            subscribers.append(agent)

    def subscribers(self, topic: str) -> list[str]:
        return [name for name in self._topics.get(topic, []) if name in self._agents]

    async def sleep(self, seconds: float) -> None:
        await self._loop.sleep(seconds)

    def call_later(self, seconds: float, callback: Callable[..., object], *args: Any) -> asyncio.Handle:
        return self._loop.call_later(seconds, callback, *args)

    def rng(self, agent: str) -> random.Random:
        """A generator for one agent (and incarnation), independent of every other draw."""
        return agent_rng(self.seed, agent, self._incarnation.get(agent, 0))

    def record(self, agent: str | None, kind: str, *, peer: str | None = None, message: Message | None = None,
               reason: str | None = None, data: dict[str, Any] | None = None) -> None:
        """Record an event now (``agent=None``: the world's own); custom events are checked against the limits."""
        if kind not in WORLD_EVENTS:
            self._guard_event_limit()
        self.trace.record(self.now, kind, agent, peer=peer, message=message, reason=reason, data=data)

    async def work(self, agent: str, seconds: float) -> None:
        if self.slows:  # a Slow fault is open: the slowest factor on this agent applies
            seconds *= max([factor for name, factor in self.slows.values() if name == agent], default=1.0)
        await self._loop.sleep(seconds)

    def spawn(self, agent: str, coroutine: Coroutine[Any, Any, Any]) -> asyncio.Task:
        return self._loop.create_task(self._guarded(agent, coroutine))

    def leave(self, agent: str) -> None:
        validate.known_agent("name", agent, self._agents)
        self._agents.pop(agent).halt()
        self._gone[agent] = None
        self.trace.record(self.now, "leave", agent)

    def end_run(self, reason: str) -> None:
        if self._finished is not None and not self._finished.done():
            self._stop_reason = reason
            self._stuck = self._waiting(idle=reason in ("completed", "deadlock"))
            self.trace.record(self.now, "stop", reason=reason)
            self._finished.set_result(reason)

    # --- crashing and recovering ------------------------------------------------------
    def crash(self, name: str) -> None:
        """Crash an agent now: its tasks stop, its inbox is lost, messages to it are dropped."""
        validate.known_agent("agent", name, self._agents)
        if name in self._crashed:
            return
        self._agents[name].halt()
        self._crashed[name] = None
        self.trace.record(self.now, "crash", name)

    def recover(self, name: str) -> None:
        """Restart a crashed agent as a fresh instance that keeps only its ``stable`` dict."""
        validate.known_agent("agent", name, self._agents)
        if name not in self._crashed:
            return
        del self._crashed[name]
        self._incarnation[name] = self._incarnation.get(name, 0) + 1
        self._start(self._agents[name].restarted(), "recover")

    # --- running --------------------------------------------------------------------
    def _run(self, horizon: float, schedule: Callable[[], None]) -> str:
        """Run to the end and return the stop reason; ``schedule()`` plans what else happens, at t=0."""
        self._loop = VirtualTimeLoop(self._on_idle, lambda: self.end_run("until"), self._on_step, horizon)
        return run_in_thread(self._main(schedule), self._loop, watch=self.steps.interrupt_if_stuck)

    async def _main(self, schedule: Callable[[], None]) -> str:
        self._finished = self._loop.create_future()
        for when, agent in list(self._pending.values()):
            self._plan_join(agent, when)
        schedule()
        reason = await self._finished
        tasks = [task for agent in self._agents.values() for task in agent.halt()]
        await asyncio.gather(*tasks, return_exceptions=True)
        return reason

    def _running(self) -> bool:
        return self._finished is not None and not self._finished.done()

    def _names(self) -> set[str]:
        return set(self._agents) | set(self._pending)

    def _known(self, name: str) -> bool:
        """Whether ``name`` is an agent of this world, joined or still to join (without building a set)."""
        return name in self._agents or name in self._pending

    def _plan_join(self, agent: Agent, when: float) -> None:
        if when <= self.now:
            self._join(agent)
        else:
            self._loop.call_at(when, self._join, agent)

    def _join(self, agent: Agent) -> None:
        self._pending.pop(agent.name, None)
        if self._stop_reason is None:
            self._start(agent, "join")

    def _start(self, agent: Agent, event: str) -> None:
        self._agents[agent.name] = agent
        if self.max_events is None:  # the automatic total grows with the agents
            self._total_limit = max(self._total_limit, EVENTS_PER_AGENT * len(self._agents))
            self._limit_at = min(self._instant_start + self.max_events_per_instant, self._total_limit)
        agent.attach(self)
        self.trace.record(self.now, event, agent.name)
        agent.spawn(agent.run())

    async def _guarded(self, agent: str, coroutine: Coroutine[Any, Any, Any]) -> Any:
        try:
            return await stepped(agent, coroutine, self.steps)
        except (asyncio.CancelledError, EventLimitReached):
            raise
        except AgentSpinning as exc:
            self._fail(agent, exc, "spinning")
        except AgentBlocked:
            limit = self.steps.max_step_seconds
            self._fail(agent, AgentBlocked(f"one step of {agent} held the world for more than {limit:g} real "
                                           "seconds (a loop that never awaits, or a blocking call)"), "blocked")
        except Exception as exc:
            self._fail(agent, exc, "agent_error")

    def _fail(self, agent: str, exc: BaseException, stop_reason: str) -> None:
        self._errors.append(AgentError(agent, exc, traceback.format_exc()))
        self.trace.record(self.now, "error", agent, reason=f"{type(exc).__name__}: {exc}")
        self.end_run(stop_reason)

    def _deliver(self, msg: Message, row: int | None) -> None:
        """``msg`` arrives (``row``: where the trace stored it when it was sent)."""
        if self._stop_reason is not None:
            return
        receiver = self._agents.get(msg.to)
        if receiver is None or msg.to in self._crashed:
            reason = "crashed" if receiver is not None else ("gone" if msg.to in self._gone else "not_joined")
            self.trace.record(self.now, "drop", msg.to, peer=msg.sender, message=msg, reason=reason, message_row=row)
            return
        msg.delivered_at = self._loop.now
        self.trace.record(msg.delivered_at, "deliver", msg.to, peer=msg.sender, message=msg, message_row=row)
        receiver.deliver(msg)

    # --- knowing when to stop -------------------------------------------------------
    def _on_step(self) -> None:
        self._steps += 1
        events = self.trace.recorded - 1
        if ((events >= self._limit_at or self._loop.now != self._instant) and self._over_limit(events)) or \
                (self.max_events is not None and self._steps > 20 * self.max_events):
            self.end_run("event_limit")

    def _on_idle(self) -> None:
        self.end_run("deadlock" if self._waiting(idle=True) else "completed")

    def _waiting(self, idle: bool) -> dict[str, list[str]]:
        """Who is waiting, on what: agents (not daemons, not crashed) blocked in a wait."""
        return {name: blocked for name, agent in self._agents.items()
                if not agent.daemon and name not in self._crashed and (blocked := agent.blocked_on(idle))}

    def _guard_event_limit(self) -> None:
        """Stop an agent that keeps producing events past a limit, even if it never waits.

        Called for every message sent: the limits are worked out only when time has moved or the
        count has reached them (``_limit_at``).
        """
        events = self.trace.recorded
        if events < self._limit_at and self._loop.now == self._instant:
            return
        over = self._over_limit(events)
        if over:
            self.end_run("event_limit")
            raise EventLimitReached(over)

    def _over_limit(self, events: int) -> str | None:
        """Which limit ``events`` recorded events (and one more) would cross, if any.

        A livelock is many events while simulated time stands still, so the main guard counts the
        events of the current instant (``max_events_per_instant``), whatever the run's length. A
        total (``max_events``; automatic: ``EVENTS_PER_AGENT`` per agent, at least ``MIN_EVENTS``)
        still ends a run that would go on for ever while time advances.
        """
        now = self._loop.now
        if now != self._instant:
            self._instant, self._instant_start = now, events
            self._limit_at = min(events + self.max_events_per_instant, self._total_limit)
        if events - self._instant_start >= self.max_events_per_instant:
            return (f"more than max_events_per_instant={self.max_events_per_instant} events at t={now:g} "
                    "(simulated time is not advancing: a loop that never waits)")
        if events >= self._total_limit:
            return f"more than max_events={self._total_limit} events"
        return None


def agent_rng(seed: int, agent: str, incarnation: int) -> random.Random:
    """The random generator of ``agent`` in its ``incarnation`` (0, then 1 after its first recovery, …).

    Every host seeds agents this way, so an agent makes the same choices whichever host runs it.
    """
    return random.Random(f"{seed}/{agent}/{incarnation}")
