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
for each one's kind. An agent reaches whatever runs it only through the ``Host``
interface (``coordlab.world.host``), so the same code runs on the simulated world and on
another runtime; the host uses only the plumbing methods at the end of the class.
"""
from __future__ import annotations

import asyncio
import inspect
import random
from collections.abc import Callable, Collection, Coroutine
from dataclasses import dataclass
from types import CoroutineType
from typing import TYPE_CHECKING, Any

from coordlab.world import validate
from coordlab.world.message import Message
from coordlab.world.trace import WORLD_EVENTS

if TYPE_CHECKING:
    from coordlab.world.host import Host

Matcher = Callable[[Message], bool]
#: What the host calls on every agent: a subclass may not redefine these names.
PLUMBING = ("attach", "deliver", "halt", "restarted", "blocked_on")


class Timeout(TimeoutError):
    """A ``request`` or ``receive`` waited longer than its ``timeout``."""


class Agent:
    """Base class for everything that takes part in a world.

    Set ``daemon = True`` on a class whose agents serve requests forever: when the
    world falls silent, a daemon waiting for work is idle, not deadlocked.
    """

    daemon: bool = False
    #: What survives a crash (what a real process would have written to disk).
    stable: dict[str, Any]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if taken := [name for name in PLUMBING if name in vars(cls)]:
            raise TypeError(f"{cls.__name__} redefines {', '.join(taken)}: the host calls these on every agent "
                            f"({', '.join(PLUMBING)}), so choose other names")

    def __new__(cls, *args: Any, **kwargs: Any) -> Agent:
        # Made here, not in __init__, so that a subclass that forgets super().__init__ loses only
        # its name; the arguments are kept to restart a crashed agent as a fresh instance.
        instance = super().__new__(cls)
        instance.stable = {}
        instance._init_args = (args, kwargs)
        instance._host, instance._mailbox, instance._tasks, instance._rng = None, Mailbox(), [], None
        return instance

    def __init__(self, name: str) -> None:
        if not isinstance(name, str) or not name:
            raise ValueError(f"name={name!r} is not allowed: an agent's name must be a non-empty string")
        self.name = name

    # --- what time is it, who am I ------------------------------------------------
    @property
    def now(self) -> float:
        """Simulated seconds since the run started."""
        return self._attached().now

    @property
    def rng(self) -> random.Random:
        """This agent's own random generator, derived from the world's seed and its name."""
        if self._rng is None:
            self._rng = self._attached().rng(self.name)
        return self._rng

    # --- talking ------------------------------------------------------------------
    async def send(self, to: str, kind: str, body: Any = None, *, conversation: int | None = None,
                   in_reply_to: int | None = None) -> Message:
        """Send one message to ``to``; it may be delayed, duplicated or lost on the way."""
        return self._send(to, kind, body, conversation=conversation, in_reply_to=in_reply_to)

    async def request(self, to: str, kind: str, body: Any = None, *, timeout: float | None = None) -> Message:
        """Send a request and wait for the message that replies to it.

        Raises ``Timeout`` after ``timeout`` simulated seconds without a reply. Without a
        timeout a lost request waits forever, and the world will report a deadlock.
        """
        asked = self._send(to, kind, body, is_request=True).id
        return await self._mailbox.wait(self._attached(), self.name, lambda m: m.in_reply_to == asked, timeout,
                                        f"a reply to {kind} #{asked} from {to}", request=asked)

    async def reply(self, to: Message, body: Any = None, kind: str | None = None) -> Message:
        """Answer ``to`` (a received message); the reply's kind defaults to ``<kind>_ok``."""
        return self._send(to.sender, kind or f"{to.kind}_ok", body, conversation=to.conversation, in_reply_to=to.id)

    def subscribe(self, topic: str) -> None:
        """Receive every message published to ``topic`` from now on."""
        self._attached().subscribe(self.name, topic)

    async def publish(self, topic: str, kind: str, body: Any = None) -> list[Message]:
        """Send one message to each subscriber of ``topic`` (not to ourselves)."""
        return [self._send(name, kind, body, topic=topic)
                for name in self._attached().subscribers(topic) if name != self.name]

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
        return await self._mailbox.wait(self._attached(), self.name, fits, timeout,
                                        wanted + (f" from {sender}" if sender else ""))

    # --- time and work ------------------------------------------------------------
    async def sleep(self, seconds: float) -> None:
        """Let ``seconds`` of simulated time pass."""
        await self._attached().sleep(validate.number("seconds", seconds, minimum=0))

    async def work(self, seconds: float, label: str | None = None) -> None:
        """Be busy computing for ``seconds`` (longer if a ``Slow`` fault is active)."""
        host, seconds = self._attached(), validate.number("seconds", seconds, minimum=0)
        host.record(self.name, "work_start", reason=label)
        await host.work(self.name, seconds)
        host.record(self.name, "work_end", reason=label)

    def log(self, kind: str, **data: Any) -> None:
        """Record a custom event (e.g. ``self.log("task_done", task="t1")``) in the trace."""
        if kind in WORLD_EVENTS:
            raise ValueError(f"kind={kind!r} is not allowed: it is one of the world's own event kinds "
                             f"({', '.join(WORLD_EVENTS)})")
        self._attached().record(self.name, kind, data=data or None)

    def spawn(self, coroutine: Coroutine[Any, Any, Any]) -> asyncio.Task:
        """Run ``coroutine`` alongside this agent; it is cancelled if the agent crashes."""
        task = self._attached().spawn(self.name, coroutine)
        self._tasks.append(task)
        task.add_done_callback(lambda done: self._forget(done, coroutine))
        return task

    def leave(self) -> None:
        """Leave the world for good (a graceful departure, unlike a crash)."""
        self._attached().leave(self.name)

    def end_run(self, reason: str) -> None:
        """Stop the whole run now with ``stop_reason=reason`` (e.g. "all tasks done")."""
        self._attached().end_run(reason)

    # --- default behaviour: handlers ----------------------------------------------
    async def run(self) -> None:
        """Wait for messages and hand each to ``on_<kind>``; override for other behaviour.

        A message with no handler is recorded in the trace as ``unhandled`` (not
        silently dropped), so a typo in a kind shows up in every diagram.
        """
        while True:
            msg = await self._mailbox.wait(self._attached(), self.name, _any, None, "messages (idle)", idle=True)
            handler = getattr(self, f"on_{msg.kind}", None)
            if handler is None:
                self._attached().record(self.name, "unhandled", peer=msg.sender, message=msg)
                continue
            outcome = handler(msg)
            if type(outcome) is CoroutineType or inspect.isawaitable(outcome):  # (the first test is the quick one)
                await outcome

    # --- plumbing: called by the host, not by pattern code -------------------------
    def attach(self, host: Host) -> None:
        """Join ``host``: from now on every call of the Agent API goes to it."""
        self._host = host

    def deliver(self, msg: Message) -> None:
        """Take a message that arrived: it goes to the wait it fits, else into the mailbox."""
        self._mailbox.deliver(msg)

    def halt(self) -> list[asyncio.Task]:
        """Crash, leave or end of run: cancel every task (returned, to await) and lose the mailbox."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        self._mailbox.messages.clear()
        return tasks

    def restarted(self) -> Agent:
        """A fresh instance, built with this one's constructor arguments, that keeps only ``stable``."""
        args, kwargs = self._init_args
        fresh = type(self)(*args, **kwargs)
        fresh.stable = self.stable
        return fresh

    def blocked_on(self, host_idle: bool = False) -> list[str]:
        """What this agent waits for, other than idly for work (for deadlock reports).

        Once the host is idle, tasks waiting on no message are blocked outside the Agent API.
        """
        if host_idle and self._tasks and not self._mailbox.waits:
            return ["something that is not a message (an await outside the Agent API)"]
        return [wait.description for wait in self._mailbox.waits if not wait.idle]

    # --- helpers --------------------------------------------------------------------
    def _attached(self) -> Host:
        if self._host is None:
            raise RuntimeError(f"agent {self.name!r} is not in a world yet: add it with world.add(...)")
        return self._host

    def _send(self, to: str, kind: str, body: Any, conversation: int | None = None, in_reply_to: int | None = None,
              is_request: bool = False, topic: str | None = None) -> Message:
        if not isinstance(kind, str) or not kind:
            raise ValueError(f"kind={kind!r} is not allowed: a message kind must be a non-empty string")
        host = self._host or self._attached()  # (one call fewer per message)
        return host.send(self.name, to, kind, body, conversation=conversation, in_reply_to=in_reply_to,
                         is_request=is_request, topic=topic)

    def _forget(self, task: asyncio.Task, coroutine: Coroutine[Any, Any, Any]) -> None:
        if task in self._tasks:
            self._tasks.remove(task)
        # A task cancelled before its first step never started the coroutine: close it, no "never awaited".
        coroutine.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"


class Mailbox:
    """An agent's messages not taken yet, and its waits (``receive``, ``request``) that want one.

    A message that fits a wait goes straight to it; any other stays here until a later
    ``receive`` asks for it. A wait with a timeout sets a timer on the host's clock.
    """

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.waits: list[_Wait] = []

    def deliver(self, msg: Message) -> None:
        for wait in self.waits:
            if not wait.future.done() and wait.fits(msg):
                wait.future.set_result(msg)
                return
        self.messages.append(msg)

    async def wait(self, host: Host, agent: str, fits: Matcher, timeout: float | None, description: str, *,
                   idle: bool = False, request: int | None = None) -> Message:
        """The first message that ``fits``: one kept here, or the next to arrive (``Timeout`` after ``timeout``)."""
        for index, msg in enumerate(self.messages):
            if fits(msg):
                del self.messages[index]
                return msg
        wait = _Wait(fits, asyncio.get_running_loop().create_future(), description, idle)
        self.waits.append(wait)
        expiry = None
        if timeout is not None:
            timeout = validate.number("timeout", timeout, minimum=0)
            expiry = host.call_later(timeout, _expire, host, agent, wait, timeout, request)
        try:
            return await wait.future
        finally:
            if expiry is not None:
                expiry.cancel()
            self.waits.remove(wait)


@dataclass(slots=True)
class _Wait:
    fits: Matcher
    future: asyncio.Future
    description: str
    idle: bool


def _expire(host: Host, agent: str, wait: _Wait, timeout: float, request: int | None) -> None:
    if wait.future.done():
        return
    data = {"waited_for": wait.description, "timeout": timeout}
    if request is not None:
        data["request"] = request
    host.record(agent, "timeout", data=data)
    wait.future.set_exception(Timeout(f"{agent} waited {timeout:g}s for {wait.description}"))


def _any(msg: Message) -> bool:
    return True
