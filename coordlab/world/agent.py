"""The Agent base class: the small API every pattern is written against.

An agent only ever affects others by sending messages, and only learns about them by
receiving messages. Everything it does goes through ``self``:

====================================  ==============================================
``self.name``, ``self.now``           who am I, what (simulated) time is it
``await self.send(to, kind, body)``   fire and forget
``await self.request(to, kind, ...)`` send and wait for the reply (or ``Timeout``)
``await self.reply(msg, body)``       answer a request (kind defaults to ``<kind>_ok``)
``await self.publish(topic, ...)``    send to every subscriber of a topic
``await self.receive(kind=...)``      wait for the next matching message
``await self.sleep(s)``               let simulated time pass
``await self.work(s)``                modelled compute: the agent is busy for s seconds
``self.log(kind, **data)``            put a custom event in the trace
``self.spawn(coro)``                  run something concurrently (cancelled if we crash)
``self.stable``                       a dict that survives crashes (the agent's "disk")
====================================  ==============================================

Write behaviour either as ``async def run(self)`` or as handler methods
``on_<kind>(self, msg)``: the default ``run`` waits for messages and calls the handler
for each one's kind. Nothing here knows about the simulated world's internals, so the
same agent code could run on another runtime.
"""
from __future__ import annotations

import asyncio
import inspect
import random
from collections.abc import Callable, Collection, Coroutine
from typing import TYPE_CHECKING, Any

from coordlab.world import validate
from coordlab.world.message import Message
from coordlab.world.trace import WORLD_EVENTS

if TYPE_CHECKING:
    from coordlab.world.world import World

Matcher = Callable[[Message], bool]


class Timeout(TimeoutError):
    """A ``request`` or ``receive`` waited longer than its ``timeout``."""


class Agent:
    """Base class for everything that takes part in a world.

    Set ``daemon = True`` on a class whose agents serve requests forever: when the
    world falls silent, a daemon waiting for work is idle, not deadlocked.
    """

    daemon: bool = False

    def __new__(cls, *args: Any, **kwargs: Any) -> Agent:
        agent = super().__new__(cls)
        # Kept so that a crashed agent can be restarted as a fresh instance.
        agent._init_args = (args, kwargs)
        return agent

    def __init__(self, name: str) -> None:
        if not isinstance(name, str) or not name:
            raise ValueError(f"name={name!r} is not allowed: an agent's name must be a non-empty string")
        self.name = name
        self.stable: dict[str, Any] = {}
        self._world: World | None = None
        self._inbox: list[Message] = []
        self._waiters: list[_Waiter] = []
        self._tasks: list[asyncio.Task] = []
        self._rng: random.Random | None = None

    # --- what time is it, who am I ------------------------------------------------
    @property
    def now(self) -> float:
        """Simulated seconds since the run started."""
        return self._attached().now

    @property
    def rng(self) -> random.Random:
        """This agent's own random generator, derived from the world's seed and its name."""
        if self._rng is None:
            self._rng = self._attached().agent_rng(self.name)
        return self._rng

    # --- talking ------------------------------------------------------------------
    async def send(self, to: str, kind: str, body: Any = None, *, conversation: int | None = None,
                   in_reply_to: int | None = None) -> Message:
        """Send one message to ``to``; it may be delayed, duplicated or lost on the way."""
        return self._attached().transmit(self.name, to, kind, body, conversation=conversation,
                                         in_reply_to=in_reply_to)

    async def request(self, to: str, kind: str, body: Any = None, *, timeout: float | None = None) -> Message:
        """Send a request and wait for the message that replies to it.

        Raises ``Timeout`` after ``timeout`` simulated seconds without a reply. Without a
        timeout a lost request waits forever, and the world will report a deadlock.
        """
        asked = self._attached().transmit(self.name, to, kind, body, is_request=True)
        request_id = asked.id
        return await self._wait(lambda m: m.in_reply_to == request_id, timeout,
                                f"a reply to {kind} #{request_id} from {to}", request=request_id)

    async def reply(self, to: Message, body: Any = None, kind: str | None = None) -> Message:
        """Answer ``to`` (a received message); the reply's kind defaults to ``<kind>_ok``."""
        return self._attached().transmit(self.name, to.sender, kind or f"{to.kind}_ok", body,
                                         conversation=to.conversation, in_reply_to=to.id)

    def subscribe(self, topic: str) -> None:
        """Receive every message published to ``topic`` from now on."""
        self._attached().subscribe(self.name, topic)

    async def publish(self, topic: str, kind: str, body: Any = None) -> list[Message]:
        """Send one message to each subscriber of ``topic`` (not to ourselves)."""
        return self._attached().publish(self.name, topic, kind, body)

    async def receive(self, kind: str | Collection[str] | None = None, *, sender: str | None = None,
                      match: Matcher | None = None, timeout: float | None = None) -> Message:
        """Wait for the next message that fits every filter given.

        Messages that do not fit stay in the inbox for a later ``receive``.
        Raises ``Timeout`` after ``timeout`` simulated seconds.
        """
        kinds = {kind} if isinstance(kind, str) else (set(kind) if kind is not None else None)

        def fits(m: Message) -> bool:
            return ((kinds is None or m.kind in kinds) and (sender is None or m.sender == sender)
                    and (match is None or match(m)))

        wanted = " or ".join(sorted(kinds)) if kinds else "any message"
        return await self._wait(fits, timeout, wanted + (f" from {sender}" if sender else ""))

    # --- time and work ------------------------------------------------------------
    async def sleep(self, seconds: float) -> None:
        """Let ``seconds`` of simulated time pass."""
        await asyncio.sleep(validate.number("seconds", seconds, minimum=0))

    async def work(self, seconds: float, label: str | None = None) -> None:
        """Be busy computing for ``seconds`` (longer if a ``Slow`` fault is active)."""
        world = self._attached()
        seconds = validate.number("seconds", seconds, minimum=0) * world.slow_factor.get(self.name, 1.0)
        world.trace.record(world.now, "work_start", self.name, reason=label)
        await asyncio.sleep(seconds)
        world.trace.record(world.now, "work_end", self.name, reason=label)

    def log(self, kind: str, **data: Any) -> None:
        """Record a custom event (e.g. ``self.log("task_done", task="t1")``) in the trace."""
        if kind in WORLD_EVENTS:
            raise ValueError(f"kind={kind!r} is not allowed: it is one of the world's own event kinds "
                             f"({', '.join(WORLD_EVENTS)})")
        world = self._attached()
        world.guard_event_limit()
        world.trace.record(world.now, kind, self.name, data=data or None)

    def spawn(self, coroutine: Coroutine[Any, Any, Any]) -> asyncio.Task:
        """Run ``coroutine`` alongside this agent; it is cancelled if the agent crashes."""
        return self._attached().start_task(self, coroutine)

    def leave(self) -> None:
        """Leave the world for good (a graceful departure, unlike a crash)."""
        self._attached().remove(self.name)

    def end_run(self, reason: str) -> None:
        """Stop the whole run now with ``stop_reason=reason`` (e.g. "all tasks done")."""
        self._attached().stop(reason)

    # --- default behaviour: handlers ----------------------------------------------
    async def run(self) -> None:
        """Wait for messages and hand each to ``on_<kind>``; override for other behaviour.

        A message with no handler is recorded in the trace as ``unhandled`` (not
        silently dropped), so a typo in a kind shows up in every diagram.
        """
        while True:
            msg = await self._wait(_any, None, "messages (idle)", idle=True)
            handler = getattr(self, f"on_{msg.kind}", None)
            if handler is None:
                world = self._attached()
                world.trace.record(world.now, "unhandled", self.name, peer=msg.sender, message=msg)
                continue
            outcome = handler(msg)
            if inspect.isawaitable(outcome):
                await outcome

    # --- plumbing used by the world -----------------------------------------------
    def _attached(self) -> World:
        try:
            world = self._world
        except AttributeError:
            raise RuntimeError(f"{type(self).__name__}.__init__ must call super().__init__(name)") from None
        if world is None:
            raise RuntimeError(f"agent {self.name!r} is not in a world yet: add it with world.add(...)")
        return world

    def _deliver(self, msg: Message) -> None:
        for waiter in self._waiters:
            if not waiter.future.done() and waiter.fits(msg):
                waiter.future.set_result(msg)
                return
        self._inbox.append(msg)

    async def _wait(self, fits: Matcher, timeout: float | None, description: str, *,
                    idle: bool = False, request: int | None = None) -> Message:
        for index, msg in enumerate(self._inbox):
            if fits(msg):
                del self._inbox[index]
                return msg
        world = self._attached()
        waiter = _Waiter(fits, world.loop.create_future(), description, idle)
        self._waiters.append(waiter)
        expiry = None
        if timeout is not None:
            timeout = validate.number("timeout", timeout, minimum=0)
            expiry = world.loop.call_later(timeout, self._expire, waiter, timeout, request)
        try:
            return await waiter.future
        finally:
            if expiry is not None:
                expiry.cancel()
            self._waiters.remove(waiter)

    def _expire(self, waiter: _Waiter, timeout: float, request: int | None) -> None:
        if waiter.future.done():
            return
        world = self._attached()
        data = {"waited_for": waiter.description, "timeout": timeout}
        if request is not None:
            data["request"] = request
        world.trace.record(world.now, "timeout", self.name, data=data)
        waiter.future.set_exception(Timeout(f"{self.name} waited {timeout:g}s for {waiter.description}"))

    def blocked_on(self) -> list[str]:
        """What this agent is waiting for, other than idly waiting for work."""
        return [w.description for w in self._waiters if not w.idle]

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"


class _Waiter:
    __slots__ = ("fits", "future", "description", "idle")

    def __init__(self, fits: Matcher, future: asyncio.Future, description: str, idle: bool) -> None:
        self.fits = fits
        self.future = future
        self.description = description
        self.idle = idle


def _any(msg: Message) -> bool:
    return True
