"""Virtual time for asyncio.

An asyncio event loop spends its idle moments blocked in ``selector.select(timeout)``,
waiting either for I/O or for the next timer. In a simulation there is no I/O, so
instead of blocking we *jump the clock* forward by ``timeout``: the next timer is due
at once, and ``await asyncio.sleep(600)`` costs no wall time at all.

The same hook tells us two things a simulation needs to know:

* ``timeout is None`` means nothing is ready and no timer is pending: the world is
  *idle*. If agents are still waiting for messages, that is a deadlock.
* the next timer lies beyond the run's horizon (``until``): the run is over.

The loop never decides what to do about these; it calls back the world, which does.
"""
from __future__ import annotations

import asyncio
import heapq
import itertools
import math
import selectors
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from coordlab.world.garbage import fewer_collections
from coordlab.world.watchdog import interrupt

T = TypeVar("T")


class _JumpingSelector(selectors.DefaultSelector):
    """A selector that never blocks: it advances the virtual clock instead."""

    def __init__(self, loop: VirtualTimeLoop) -> None:
        super().__init__()
        self._loop = loop

    def select(self, timeout: float | None = None):  # type: ignore[override]
        self._loop._on_select(timeout)
        return super().select(0)


class _FifoTimer(asyncio.TimerHandle):
    """A timer that, at equal times, fires in the order it was scheduled (as SimPy does).

    asyncio's own timers compare by time only, so two messages sent at the same instant
    with the same latency could arrive in either order; with this tie-breaker they keep
    the order they were sent in, which is what a learner expects from constant latency.
    """

    __slots__ = ("_order",)

    def __lt__(self, other: _FifoTimer) -> bool:  # type: ignore[override]
        return (self._when, self._order) < (other._when, other._order)


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """An asyncio loop whose ``time()`` is simulated seconds, starting at 0.

    ``on_idle()`` is called when nothing can happen any more; ``on_horizon()`` when the
    next timer lies beyond ``horizon``; ``on_step()`` once per loop iteration (the world
    counts them to stop livelocks). Each callback may stop the run by resolving a future.
    """

    def __init__(self, on_idle: Callable[[], None], on_horizon: Callable[[], None], on_step: Callable[[], None],
                 horizon: float = math.inf) -> None:
        self._now = 0.0
        self._on_idle, self._on_horizon, self._on_step = on_idle, on_horizon, on_step
        self.horizon = horizon
        super().__init__(selector=_JumpingSelector(self))
        self._timer_order = itertools.count()

    def time(self) -> float:
        return self._now

    @property
    def _clock_resolution(self) -> float:
        """How close to ``now`` a timer must be to fire now; asyncio reads it each iteration.

        A fixed 1e-9 stops working at about 2e7 s, where ``now + 1e-9 == now``; two units
        in the last place of ``now`` fire a timer due now at any representable time.
        """
        return max(1e-9, 2 * math.ulp(self._now))

    @_clock_resolution.setter
    def _clock_resolution(self, _value: float) -> None:
        pass  # asyncio's __init__ sets the wall clock's resolution; simulated time has its own

    def call_at(self, when, callback, *args, context=None):  # type: ignore[override]
        """Schedule like asyncio does, but with FIFO order among timers due at the same time."""
        self._check_closed()
        timer = _FifoTimer(when, callback, args, self, context)
        timer._order = next(self._timer_order)
        heapq.heappush(self._scheduled, timer)
        timer._scheduled = True
        return timer

    def _on_select(self, timeout: float | None) -> None:
        self._on_step()
        if timeout is None:
            self._on_idle()
        elif timeout > 0:
            when = self._scheduled[0]._when  # jump *to* the next timer, not by ``timeout``:
            if when > self.horizon:          # at 2e7 s, now + 1e-9 == now, and adding would stall
                self._now = max(self._now, self.horizon)
                self._on_horizon()
            else:
                self._now = max(self._now, when)


def run_in_thread(main: Coroutine[Any, Any, T], loop: asyncio.AbstractEventLoop,
                  watch: Callable[[threading.Thread], None] | None = None) -> T:
    """Run ``main`` to completion on ``loop`` in a fresh thread and return its result.

    A Jupyter kernel already runs an event loop in the main thread, and asyncio allows
    one running loop per thread; running ours in a thread of its own makes ``World.run()``
    a plain blocking call in notebooks, scripts and tests alike. While it waits, the
    caller's thread calls ``watch(thread)`` a few times a second (the watchdog), and
    passes a Ctrl-C on to the world's thread, so even a stuck agent can be interrupted.
    """
    outcome: dict[str, Any] = {}

    def target() -> None:
        asyncio.set_event_loop(loop)
        try:
            with fewer_collections():
                outcome["value"] = loop.run_until_complete(main)
        except BaseException as exc:  # re-raised in the caller's thread
            outcome["error"] = exc
        finally:
            loop.close()

    thread = threading.Thread(target=target, name="coordlab-world", daemon=True)
    thread.start()
    try:
        while thread.is_alive():
            thread.join(0.25)  # returns as soon as the run ends
            if watch is not None and thread.is_alive():
                watch(thread)
    except KeyboardInterrupt:
        interrupt(thread, KeyboardInterrupt)
        thread.join(5)
        raise
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]
