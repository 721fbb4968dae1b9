"""The World: agents, a network, a fault schedule and a virtual clock, run to a verdict.

    world = World(seed=1, latency=Uniform(0.01, 0.05), faults=[Crash("b", at=2)])
    world.add(Pinger("a"), Echo("b"))
    result = world.run(until=10)
    result.stop_reason, result.trace, result.verdict()

A long run can keep less: ``World(trace="messages")`` keeps no timer, work or custom events,
``World(trace="summary")`` only counters (``coordlab.world.trace`` says exactly what each keeps).

``run`` always ends, with one of these ``stop_reason`` values:

* ``"completed"``  nothing more can happen and nobody is stuck waiting;
* ``"deadlock"``   nothing more can happen but agents still wait (``result.waiting`` says on what);
* ``"until"``      the time horizon was reached;
* ``"event_limit"`` a livelock guard: more than ``max_events_per_instant`` events happened while
  simulated time stood still (an agent that never awaits but keeps sending or logging), or the
  run as a whole passed ``max_events`` (automatic: 5,000 per agent, at least a million);
* ``"spinning"``   an agent kept stepping while nothing at all happened (it awaits, but never
  sends, receives or logs); ``result.errors`` names it;
* ``"blocked"``    one step of an agent held the world for ``max_step_seconds`` of real time
  (``while True: pass``); it is interrupted and named in ``result.errors``. Shorter real
  blocking (``time.sleep(1)``) is reported in ``result.blocking``;
* ``"agent_error"`` an agent raised an exception (``result.errors`` has the traceback);
* anything an agent passed to ``end_run(reason)``.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping

from coordlab.world import validate
from coordlab.world.agent import Agent
from coordlab.world.checks import Checker, generic_checkers
from coordlab.world.faults import Fault
from coordlab.world.latency import Latency
from coordlab.world.nemesis import Nemesis
from coordlab.world.network import Network
from coordlab.world.result import RunResult
from coordlab.world.simulated_host import SimulatedHost

Faults = Iterable[Fault] | Nemesis
"""What a run's ``faults=`` takes: a list of faults (a ``Nemesis`` may be among them), or one ``Nemesis``."""


def checked_faults(faults: Faults) -> list[Fault | Nemesis]:
    """``faults`` as a list, refusing anything that is not a fault or a nemesis."""
    if isinstance(faults, (Fault, Nemesis)):
        return [faults]
    if isinstance(faults, (str, bytes)) or not isinstance(faults, Iterable):
        raise TypeError(f"faults={faults!r} is not allowed: give a list of faults, e.g. [Crash('a', at=1)], "
                        "or a Nemesis(seed=...)")
    listed = list(faults)
    for fault in listed:
        if not isinstance(fault, (Fault, Nemesis)):
            raise TypeError(f"faults={listed!r} is not allowed: {fault!r} is not a fault "
                            "(Crash, Partition, Loss, Duplicate, Delay, Slow) or a Nemesis")
    return listed


class World(SimulatedHost):
    """A deterministic simulated world. One ``seed`` drives every random draw in it.

    You build it (``add``, ``remove``, ``faults``, ``add_checker``) and ``run`` it; its agents see
    only the ``Host`` methods it inherits from ``SimulatedHost``. Faults change plain data it keeps
    (``network``, ``slows``) or call ``crash`` and ``recover``.
    """

    def __init__(self, seed: int = 0, *, latency: Latency = 0.01, loss: float = 0.0,
                 duplicate: float = 0.0, faults: Faults = (), trace: str = "full", max_events: int | None = None,
                 max_events_per_instant: int = 500_000, max_step_seconds: float = 10.0) -> None:
        """``trace`` says how much the trace keeps: ``"full"`` (every event), ``"messages"`` (no timers,
        work or custom events) or ``"summary"`` (counters only); see ``coordlab.world.trace``.

        ``max_events_per_instant`` and ``max_events`` are the livelock guards (``stop_reason="event_limit"``):
        events while simulated time stands still, and events in all (``None``: 5,000 per agent, at least
        a million, so a long legitimate run needs no tuning).
        """
        seed = validate.seed(seed)
        if max_events is not None:
            max_events = validate.count("max_events", max_events)
        max_events_per_instant = validate.count("max_events_per_instant", max_events_per_instant)
        if validate.number("max_step_seconds", max_step_seconds) <= 0:
            raise ValueError(f"max_step_seconds={max_step_seconds!r} is not allowed: max_step_seconds must be > 0")
        super().__init__(seed, Network(latency=latency, loss=loss, duplicate=duplicate), max_events,
                         max_events_per_instant, max_step_seconds, trace)
        self.faults: list[Fault | Nemesis] = checked_faults(faults)
        self._checkers: list[Checker] = list(generic_checkers)
        self._departures: list[tuple[float, str]] = []
        self._ran = False

    # --- building the world -------------------------------------------------------
    def add(self, *agents: Agent, at: float | None = None) -> None:
        """Add agents; with ``at`` they join at that simulated time (churn), else at once."""
        when = 0.0 if at is None else validate.number("at", at, minimum=0)
        for agent in agents:
            self._pending[agent.name] = (when, checked_new_agent(agent, self._known))
            if self._running():
                self._plan_join(agent, when)

    def remove(self, name: str, at: float | None = None) -> None:
        """Take an agent out for good (it leaves; messages to it are dropped as ``gone``)."""
        if at is not None and not self._running():
            validate.known_agent("name", name, self._names())
            self._departures.append((validate.number("at", at, minimum=0), name))
            return
        self.leave(name)

    def add_checker(self, checker: Checker) -> None:
        """Register a checker (``RunResult -> Verdict``); ``result.verdict()`` runs them all."""
        self._checkers.append(checked_checker(checker))

    # --- running ------------------------------------------------------------------
    def run(self, until: float | None = None) -> RunResult:
        """Run until nothing can happen any more, or until simulated time ``until``."""
        if self._ran:
            raise RuntimeError("this World has already run; build a new one (the same seed gives the same run)")
        horizon = math.inf if until is None else validate.number("until", until, minimum=0)
        if horizon == 0 and until is not None:
            raise ValueError(f"until={until!r} is not allowed: the run starts at 0, so until must be > 0")
        self._draw_nemesis()
        self._check_faults()
        self._ran = True
        reason = self._run(horizon, self._schedule)
        return RunResult(stop_reason=reason, time=self.now, trace=self.trace, agents=dict(self._agents),
                         errors=list(self._errors), waiting=self._stuck, checkers=list(self._checkers),
                         seed=self.seed, blocking=dict(self.steps.blocking))

    def _schedule(self) -> None:
        for when, name in self._departures:
            self._loop.call_at(when, self._depart, name)
        for fault in self.faults:
            # A fault due at t=0 acts now: the agents' tasks exist but have not taken a
            # step yet, so a partition "from the start" also cuts their first messages.
            if fault.at == 0:
                self._fault(fault, "start")
            else:
                self._loop.call_at(fault.at, self._fault, fault, "start")
            if fault.ends_at is not None and math.isfinite(fault.ends_at):
                self._loop.call_at(fault.ends_at, self._fault, fault, "end")

    def _depart(self, name: str) -> None:
        if name in self._agents:
            self.leave(name)

    # --- faults -------------------------------------------------------------------
    def _draw_nemesis(self) -> None:
        """Replace each ``Nemesis`` in ``faults`` by the schedule it draws for the agents there at t=0."""
        present = sorted(name for name, (when, _) in self._pending.items() if when == 0)
        self.faults = [drawn for fault in self.faults
                       for drawn in (fault.schedule(present) if isinstance(fault, Nemesis) else [fault])]

    def _check_faults(self) -> None:
        joins = dict.fromkeys(self._agents, 0.0) | {name: when for name, (when, _) in self._pending.items()}
        check_fault_agents(self.faults, joins)

    def _fault(self, fault: Fault, phase: str) -> None:
        if self._stop_reason is not None:
            return
        gone = sorted(name for name in fault.agents() if name in self._gone) if fault.acts_on_agents else []
        if gone:
            self.record(None, "fault", reason=f"{fault.describe()} {phase} has no effect: "
                        f"{', '.join(gone)} left the world")
            return
        event = fault.trace_event(phase)
        if event is not None:
            kind, reason = event
            self.record(None, kind, reason=reason)
        (fault.start if phase == "start" else fault.end)(self)


def checked_new_agent(agent: object, known: Callable[[str], bool]) -> Agent:
    """``agent``, if it may join a world where ``known(name)`` says which names are taken (every host checks so)."""
    if not isinstance(agent, Agent):
        raise TypeError(f"agent={agent!r} is not allowed: add instances of a coordlab.Agent subclass")
    if not hasattr(agent, "name"):
        raise RuntimeError(f"{type(agent).__name__}.__init__ must call super().__init__(name)")
    if known(agent.name):
        raise ValueError(f"name={agent.name!r} is not allowed: an agent with that name is already "
                         "in this world; names must be unique")
    return agent


def check_fault_agents(faults: Iterable[Fault], joins: Mapping[str, float]) -> None:
    """Refuse a fault that names an agent not in the world, or acts on one before it joins
    (``joins``: each agent's joining time; every host checks so)."""
    for fault in faults:
        for name in sorted(fault.agents()):
            if name not in joins:
                raise ValueError(f"fault={fault!r} is not allowed: it names agent {name!r}, which is not in "
                                 f"this world (agents: {', '.join(sorted(joins)) or 'none'})")
            if fault.acts_on_agents and fault.at < joins[name]:
                raise ValueError(f"fault={fault!r} is not allowed: it acts at t={fault.at:g}, before {name!r} "
                                 f"joins at t={joins[name]:g}")


def checked_checker(checker: object) -> Checker:
    """``checker``, if it is one: a function ``RunResult -> Verdict``."""
    if not callable(checker):
        raise TypeError(f"checker={checker!r} is not allowed: a checker is a function RunResult -> Verdict")
    return checker
