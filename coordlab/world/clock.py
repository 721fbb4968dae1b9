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
        # Only the loop's own wake-up pipe is registered in a simulation: then nothing can be ready,
        # and asking the operating system would cost a system call on every iteration of the loop.
        return super().select(0) if len(self.get_map()) > 1 else []


class _Timer(asyncio.TimerHandle):
    """A timer; the first one scheduled for a given time *leads* the others due then.

    A gossip round puts thousands of peers to sleep until the same instant, and messages sent
    together with the same latency arrive together. asyncio keeps one heap entry per timer and
    compares them in Python: millions of comparisons at 16,384 peers. Here only the leader sits
    in the heap; the timers scheduled later for the same time *follow* it and run right after it,
    in the order they were scheduled. That is also the tie-break a learner expects (as in SimPy):
    two messages sent one after the other with the same latency arrive in the order they were sent.

    Cancelling a follower, or the leader while followers remain, only skips that timer; cancelling
    the last one still due takes the leader off the heap, so the clock never jumps to a time at
    which nothing is left to happen.
    """

    __slots__ = ("_leader", "_order", "_iteration", "_followers", "_live", "_pending", "_dropped")

    def cancel(self) -> None:
        if self._dropped:
            return  # a leader cancelled already, whose followers are still due
        leader = self._leader or self
        if self._cancelled or not leader._pending:
            super().cancel()  # already cancelled, or my time has come: just marked, and skipped
            return
        leader._live -= 1
        if leader._live == 0:  # nothing left due at that time
            leader._loop._forget_leader(leader)
            asyncio.TimerHandle.cancel(leader)
            if self is not leader:
                super().cancel()
        elif self is leader:
            self._dropped = True  # my followers still run at my time
        else:
            super().cancel()

    def cancelled(self) -> bool:
        return self._cancelled or self._dropped

    def _run(self) -> None:
        if self._leader is not None:  # a follower: run by its leader
            super()._run()
            return
        followers = self._followers
        self._loop._forget_leader(self)
        if not self._dropped:
            super()._run()
        if followers:
            for timer in followers:
                if not timer._cancelled:  # as asyncio skips a timer cancelled by an earlier callback
                    timer._run()

    def __lt__(self, other: _Timer) -> bool:  # type: ignore[override]
        # (the heap compares timers millions of times: no tuples built here)
        return self._when < other._when or (self._when == other._when and self._order < other._order)


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """An asyncio loop whose ``time()`` is simulated seconds, starting at 0.

    ``on_idle()`` is called when nothing can happen any more; ``on_horizon()`` when the
    next timer lies beyond ``horizon``; ``on_step()`` once per loop iteration (the world
    counts them to stop livelocks). Each callback may stop the run by resolving a future.
    """

    def __init__(self, on_idle: Callable[[], None], on_horizon: Callable[[], None], on_step: Callable[[], None],
                 horizon: float = math.inf) -> None:
        #: simulated seconds now: ``time()``, also read directly on the per-message path (a call costs more)
        self.now = 0.0
        self._resolution = 1e-9
        self._on_idle, self._on_horizon, self._on_step = on_idle, on_horizon, on_step
        self.horizon = horizon
        super().__init__(selector=_JumpingSelector(self))
        self._timer_order = itertools.count()
        self._leaders: dict[float, _Timer] = {}  # the timers leading those due at their time, by time
        self._iteration = 0  # loop iterations so far (a leader due now is still open if made in this one)

    def time(self) -> float:
        return self.now

    @property
    def _clock_resolution(self) -> float:
        """How close to ``now`` a timer must be to fire now; asyncio reads it each iteration.

        A fixed 1e-9 stops working at about 2e7 s, where ``now + 1e-9 == now``; two units
        in the last place of ``now`` fire a timer due now at any representable time
        (worked out in ``_advance``, each time the clock moves).
        """
        return self._resolution

    @_clock_resolution.setter
    def _clock_resolution(self, _value: float) -> None:
        pass  # asyncio's __init__ sets the wall clock's resolution; simulated time has its own

    def call_at(self, when, callback, *args, context=None):  # type: ignore[override]
        """Schedule like asyncio does, with FIFO order among timers due at the same time (see ``_Timer``)."""
        self._check_closed()
        timer = _Timer(when, callback, args, self, context)
        timer._dropped = False
        leader = self._leaders.get(when)
        # A leader due now was taken off the heap at the start of this iteration, unless it was made
        # since: a timer for that time must then wait for the next iteration, as on a plain asyncio loop.
        if leader is not None and (when >= self.now + self._resolution or leader._iteration == self._iteration):
            timer._leader = leader
            if leader._followers is None:
                leader._followers = [timer]
            else:
                leader._followers.append(timer)
            leader._live += 1
            return timer
        timer._leader, timer._order, timer._iteration = None, next(self._timer_order), self._iteration
        timer._followers, timer._live, timer._pending = None, 1, True
        heapq.heappush(self._scheduled, timer)
        timer._scheduled = True
        self._leaders[when] = timer
        return timer

    def _forget_leader(self, leader: _Timer) -> None:
        """``leader``'s time has come, or nothing is left due then: no timer follows it any more."""
        leader._pending = False
        leader._followers = None  # (its followers point to it: letting go of them frees all without the collector)
        if self._leaders.get(leader._when) is leader:
            del self._leaders[leader._when]

    def _on_select(self, timeout: float | None) -> None:
        self._on_step()
        if timeout is None:
            self._on_idle()
        elif timeout > 0:
            when = self._scheduled[0]._when  # jump *to* the next timer, not by ``timeout``:
            if when > self.horizon:          # at 2e7 s, now + 1e-9 == now, and adding would stall
                self._advance(self.horizon)
                self._on_horizon()
            else:
                self._advance(when)
        self._iteration += 1

    async def sleep(self, seconds: float) -> None:
        """``asyncio.sleep(seconds)`` on this loop: the same timer, so the same run, at less cost.

        asyncio's sleep cancels its timer in a ``finally`` even once it has fired (five Python
        calls per sleep, for nothing); this one cancels it only if the sleep is interrupted.
        """
        if seconds <= 0:
            await asyncio.sleep(0)  # asyncio's bare yield to the loop, no timer
            return
        future = self.create_future()
        timer = self.call_later(seconds, _wake, future)
        try:
            await future
        except BaseException:  # cancelled (a crash, the end of the run) or interrupted
            timer.cancel()
            raise

    def _advance(self, when: float) -> None:
        """Move the clock to ``when`` (never back)."""
        if when > self.now:
            self.now = when
            self._resolution = max(1e-9, 2 * math.ulp(when))


def _wake(future: asyncio.Future) -> None:
    if not future.done():  # (a sleep cancelled at the instant it was due)
        future.set_result(None)


def run_in_thread(main: Coroutine[Any, Any, T], loop: asyncio.AbstractEventLoop,
                  watch: Callable[[threading.Thread], None] | None = None) -> T:
    """Run ``main`` to completion on ``loop`` in a fresh thread and return its result.

    A Jupyter kernel already runs an event loop in the main thread, and asyncio allows
    one running loop per thread; running ours in a thread of its own makes ``World.run()``
    a plain blocking call in notebooks, scripts and tests alike. While it waits, the
    caller's thread calls ``watch(thread)`` a few times a second (the watchdog), and
    passes a Ctrl-C on to the world's thread, so even a stuck agent can be interrupted.
    The run collects garbage less often (``coordlab.world.garbage`` says why).
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
