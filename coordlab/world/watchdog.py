"""Guards for agent code that the virtual clock cannot see.

The world advances simulated time only when every agent is waiting. An agent that never
waits, or that waits in a way that never produces anything, stalls a run without ending it:

* it *spins*: ``while True: await asyncio.sleep(0)`` (or ``await self.sleep(1)``) forever.
  The loop keeps turning, but nothing is sent, logged or received. ``StepCounter`` counts each
  agent's steps since the trace last grew; past ``QUIET_STEPS`` the agent is stopped and the
  run ends with ``stop_reason="spinning"``, naming it.
* it *blocks*: ``while True: pass``, or a real ``time.sleep(3)``. Simulated time stands still
  and so does the whole world. Each step is timed on the wall clock (the only wall-clock
  reading in the library, and it never reaches the trace): a step longer than ``REPORT_AFTER``
  is reported in ``RunResult.blocking``; one longer than ``max_step_seconds`` is interrupted
  by the caller's thread, and the run ends with ``stop_reason="blocked"``, naming the agent.

Each agent coroutine runs inside ``stepped``, which tells the counter whose step it is.
"""
from __future__ import annotations

import ctypes
import threading
import time
import types
from collections.abc import Coroutine, Generator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from coordlab.world.trace import Trace

#: Steps an agent may take in a row, with no event recorded by anyone, before it counts as spinning.
QUIET_STEPS = 100_000
#: A step that holds the world longer than this many real seconds is reported in ``RunResult.blocking``.
REPORT_AFTER = 0.05


class AgentSpinning(BaseException):
    """Raised inside an agent that took ``QUIET_STEPS`` steps while nothing happened.

    A ``BaseException``, like ``EventLimitReached``, so an agent's ``except Exception`` cannot swallow it.
    """


class AgentBlocked(BaseException):
    """Raised, from another thread, inside an agent whose one step ran past ``max_step_seconds``."""


class StepCounter:
    """Whose step is running, since when, and how quiet the world has been."""

    def __init__(self, trace: Trace, max_step_seconds: float) -> None:
        self.trace = trace
        self.max_step_seconds = max_step_seconds
        self.blocking: dict[str, float] = {}  # agent -> real seconds spent in over-long steps
        self.agent: str | None = None
        self.started: float | None = None
        self._seen_events = -1
        self._quiet: dict[str, int] = {}

    def begin(self, agent: str) -> AgentSpinning | None:
        """``agent`` takes a step now; returns the exception to stop it with if it is spinning."""
        events = self.trace.recorded
        if events != self._seen_events:
            self._seen_events = events
            self._quiet.clear()
            quiet = self._quiet[agent] = 1
        else:
            quiet = self._quiet[agent] = self._quiet.get(agent, 0) + 1
        self.agent, self.started = agent, time.perf_counter()
        if quiet > QUIET_STEPS:
            return AgentSpinning(f"{agent} took {QUIET_STEPS} steps in a row while no event was recorded "
                                 "(a loop that awaits but never sends, receives or logs)")
        return None

    def end(self) -> None:
        if self.started is not None and self.agent is not None:
            seconds = time.perf_counter() - self.started
            if seconds > REPORT_AFTER:
                self.blocking[self.agent] = self.blocking.get(self.agent, 0.0) + seconds
        self.started = None

    def interrupt_if_stuck(self, thread: threading.Thread) -> None:
        """Called from the caller's thread: interrupt a step that has run past ``max_step_seconds``."""
        started = self.started
        if started is not None and time.perf_counter() - started > self.max_step_seconds:
            self.started = None
            interrupt(thread, AgentBlocked)


def interrupt(thread: threading.Thread, exception: type[BaseException]) -> None:
    """Raise ``exception`` in ``thread`` at its next bytecode (how a stuck pure-Python loop is stopped)."""
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread.ident), ctypes.py_object(exception))


@types.coroutine
def stepped(agent: str, coroutine: Coroutine[Any, Any, Any], steps: StepCounter) -> Generator[Any, Any, Any]:
    """Run ``coroutine`` one step at a time, telling ``steps`` whose step each one is."""
    value: Any = None
    error: BaseException | None = None
    send, throw, begin = coroutine.send, coroutine.throw, steps.begin
    while True:
        error = begin(agent) or error
        try:
            yielded = send(value) if error is None else throw(error)
        except StopIteration as stop:
            return stop.value
        finally:
            steps.end()
        try:
            value, error = (yield yielded), None
        except BaseException as exc:  # a cancellation, or an exception thrown into the task: pass it on
            value, error = None, exc
