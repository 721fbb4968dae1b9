"""The virtual-time loop's timers: those due at one time follow the first (clock._Timer), in asyncio's order."""
from __future__ import annotations

import asyncio

from coordlab.world.clock import VirtualTimeLoop


def run(main) -> list:
    """Run ``main(loop, log)`` on a fresh loop; return what it logged."""
    loop = VirtualTimeLoop(on_idle=lambda: None, on_horizon=lambda: None, on_step=lambda: None)
    log: list = []
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(main(loop, log))
    finally:
        loop.close()
        asyncio.set_event_loop(None)
    return log


def test_timers_due_together_run_in_the_order_they_were_scheduled():
    async def main(loop, log):
        for name in "abcde":
            loop.call_at(2.0, log.append, name)
        loop.call_at(1.0, log.append, "early")
        await asyncio.sleep(3)

    assert run(main) == ["early", "a", "b", "c", "d", "e"]


def test_cancelling_the_first_timer_of_a_time_keeps_the_others():
    async def main(loop, log):
        first = loop.call_at(2.0, log.append, "first")
        loop.call_at(2.0, lambda: log.append(("second", loop.time())))
        first.cancel()
        first.cancel()  # twice: still only that one
        log.append(first.cancelled())
        await asyncio.sleep(3)

    assert run(main) == [True, ("second", 2.0)]


def test_a_time_whose_timers_are_all_cancelled_is_not_visited():
    async def main(loop, log):
        handles = [loop.call_at(5.0, log.append, name) for name in "xyz"]
        for handle in reversed(handles):
            handle.cancel()
        loop.call_at(7.0, lambda: log.append(loop.time()))
        await asyncio.sleep(0)
        visited, on_select = [], loop._on_select

        def spy(timeout):  # the times the loop stops at
            on_select(timeout)
            visited.append(loop.time())
        loop._on_select = spy
        await asyncio.sleep(8)
        log.append(5.0 in visited)

    assert run(main) == [7.0, False]


def test_a_timer_for_now_waits_for_the_next_iteration_like_on_plain_asyncio():
    """At t=1, ``a`` schedules ``late`` for t=1 and ``b`` (also due at 1) asks call_soon for ``soon``:
    plain asyncio runs b, then soon, then late (late was not on the heap when t=1's timers were taken off)."""
    async def main(loop, log):
        def a():
            log.append("a")
            loop.call_at(1.0, log.append, "late")

        def b():
            log.append("b")
            loop.call_soon(log.append, "soon")

        loop.call_at(1.0, a)
        loop.call_at(1.0, b)
        await asyncio.sleep(2)

    assert run(main) == ["a", "b", "soon", "late"]


def test_a_timer_due_now_but_already_off_the_heap_takes_no_followers():
    """``lead`` is due at t=1 and taken off the heap with ``before`` ready ahead of it; ``before`` then
    schedules ``late`` for t=1. Plain asyncio runs lead, then what lead asked call_soon for, then late."""
    async def main(loop, log):
        def lead():
            log.append("lead")
            loop.call_soon(log.append, "lead's soon")

        def before():
            log.append("before")
            loop.call_at(1.0, log.append, "late")

        def start():
            loop.call_soon(before)
            loop.call_at(1.0, lead)

        loop.call_at(1.0, start)
        await asyncio.sleep(2)

    assert run(main) == ["before", "lead", "lead's soon", "late"]
