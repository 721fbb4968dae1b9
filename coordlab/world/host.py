"""The Host: everything an agent needs from whatever runs it, and nothing more.

Each ``self.send``, ``self.sleep`` or ``self.log`` of an ``Agent`` is one call on its host. The
simulated world (``SimulatedHost``, virtual time) is one host; a real-time runtime on dask
actors is another; the same agent classes run unchanged on both. Agents are named by their
``name``, so a host may keep them anywhere. Besides these methods, a host promises to run an
agent's coroutines as asyncio tasks on one event loop whose clock agrees with ``now`` (so agents
may await asyncio futures), and to use only the ``Agent`` plumbing methods (``attach``,
``deliver`` for each message that arrives, ``halt``, ``restarted``, ``blocked_on``).
"""
from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Coroutine
from typing import Any, Protocol, runtime_checkable

from coordlab.world.message import Message


@runtime_checkable
class Host(Protocol):
    """What an agent may ask of whatever runs it."""

    @property
    def now(self) -> float:
        """Seconds since the run started on the host's clock: ``agent.now``, and the time of every event."""

    def send(self, sender: str, to: str, kind: str, body: Any = None, *, conversation: int | None = None,
             in_reply_to: int | None = None, is_request: bool = False, topic: str | None = None) -> Message:
        """Put one message on its way and return it as sent: the one way out for send, request, reply, publish.

        The host numbers it (``id``, unique in the run; ``conversation`` defaults to it), stamps
        ``sent_at`` and decides whether and when it arrives. An unknown ``to`` raises ``ValueError``:
        a typo must not look like a lost message.
        """

    def subscribe(self, agent: str, topic: str) -> None:
        """Add ``agent`` to ``topic``'s subscribers: topics are shared by all agents, so the host keeps them."""

    def subscribers(self, topic: str) -> list[str]:
        """Who is subscribed to ``topic`` and still there, in order of subscription (``publish`` sends to each)."""

    async def sleep(self, seconds: float) -> None:
        """Let ``seconds`` pass on the host's clock (``agent.sleep``)."""

    def call_later(self, seconds: float, callback: Callable[..., object], *args: Any) -> asyncio.Handle:
        """Call ``callback(*args)`` after ``seconds`` unless cancelled first (how waits time out)."""

    def rng(self, agent: str) -> random.Random:
        """A random generator for ``agent`` alone, so its choices replay exactly (the world seeds it)."""

    def record(self, agent: str, kind: str, *, peer: str | None = None, message: Message | None = None,
               reason: str | None = None, data: dict[str, Any] | None = None) -> None:
        """Record an event at ``agent`` now (custom ones, work, timeouts, unhandled messages).

        Metrics, pictures and verdicts are computed from these records and nothing else. A host
        may stop an agent that records without end (the world's ``max_events``).
        """

    async def work(self, agent: str, seconds: float) -> None:
        """Spend ``seconds`` of ``agent``'s modelled compute; the host may stretch it (a ``Slow`` straggler)."""

    def spawn(self, agent: str, coroutine: Coroutine[Any, Any, Any]) -> asyncio.Task:
        """Run ``coroutine`` as a task of ``agent``; if it raises, the host reports it (the world ends the run)."""

    def leave(self, agent: str) -> None:
        """Take ``agent`` out for good (``agent.leave``): its tasks stop and messages to it are dropped."""

    def end_run(self, reason: str) -> None:
        """End the whole run with ``stop_reason=reason`` (``agent.end_run``); the first reason given wins."""
