"""``ActorHost``: the ``Host`` of one agent inside a dask actor, on the wall clock.

It is the second implementation of ``coordlab.world.host.Host`` (the simulated world is the
first). What changes is only what the host is made of: ``now`` is real seconds since the run's
common start, divided by ``time_scale`` (real seconds per model second), so an agent written
for the simulator, with its timeouts and periods in model seconds, keeps its meaning; ``sleep``,
``work`` and ``call_later`` are asyncio timers on the worker's event loop; ``send`` hands the
message to ``post``, which carries it to the receiver's actor. Every event is recorded here, at
the agent's own clock reading, and read out by ``poll``: the run merges the records of all hosts
into one ``Trace``.

The network's edge is here too: a partition (the world's own ``Partition`` fault, acting on this
host's ``network``) drops a message before it leaves, as the simulated network would.
"""
from __future__ import annotations

import asyncio
import os
import random
import signal
import time
import traceback
from collections.abc import Callable, Coroutine
from typing import Any

from coordlab.world import Agent, EventLimitReached, Message, Network, validate
from coordlab.world.simulated_host import agent_rng
from coordlab.world.trace import WORLD_EVENTS

#: One recorded event: (time, kind, agent, peer, message, reason, data), in the order of ``Trace.record``.
Record = tuple[float, str, "str | None", "str | None", "Message | None", "str | None", "dict[str, Any] | None"]


class ActorHost:
    """Everything one agent may ask of its host, answered in real time (see ``coordlab.world.host``).

    ``post(to, msg)`` carries a message to the actor of agent ``to``; ``announce(agent, topic)``
    tells every other host about a subscription. Message ids are unique across the run without
    asking anyone: host ``index`` of ``len(names)`` numbers its k-th message ``k·len(names) + index + 1``.
    """

    def __init__(self, agent: Agent, *, index: int, names: list[str], seed: int, time_scale: float, epoch: float,
                 post: Callable[[str, Message], None], announce: Callable[[str, str], None],
                 max_events: int) -> None:
        self.agent = agent
        self.index, self.names, self.seed = index, names, seed
        self.time_scale, self.epoch = time_scale, epoch
        self.post, self.announce = post, announce
        self.max_events = max_events
        self.network = Network()  # only its partitions are used: the real network does the rest
        self.records: list[Record] = []
        self.recorded = 0
        self.errors: list[tuple[str, str, str]] = []  # (agent, "Type: message", traceback)
        self.stop_request: tuple[float, str] | None = None
        self.stopped = self.crashed = self.gone = False
        self.incarnation = 0
        self.sent = self.arrived = 0  # messages that left this host, and that reached it (or failed to leave)
        self.sleeping = 0
        self.timers: set[asyncio.TimerHandle] = set()
        self._topics: dict[str, list[str]] = {}
        self._numbered = 0

    # --- Host: what the agent asks for --------------------------------------------------
    @property
    def now(self) -> float:
        """Model seconds since the run's common start: real seconds divided by ``time_scale``."""
        return (time.time() - self.epoch) / self.time_scale

    def send(self, sender: str, to: str, kind: str, body: Any = None, *, conversation: int | None = None,
             in_reply_to: int | None = None, is_request: bool = False, topic: str | None = None) -> Message:
        self._guard_event_limit()
        validate.known_agent("to", to, self.names)
        number = self._numbered * len(self.names) + self.index + 1
        self._numbered += 1
        msg = Message(number, sender, to, kind, body, conversation if conversation is not None else number,
                      in_reply_to, topic, is_request, self.now)
        if self.stopped:
            return msg  # the run is over: an agent being shut down sends into the void
        self._record(msg.sent_at, "send", sender, peer=to, message=msg)
        if not self.network.reachable(sender, to):
            self._record(msg.sent_at, "drop", to, peer=sender, message=msg, reason="partition")
            return msg
        self.sent += 1
        self.post(to, msg)
        return msg

    def subscribe(self, agent: str, topic: str) -> None:
        self.subscribed(agent, topic)
        self.announce(agent, topic)

    def subscribers(self, topic: str) -> list[str]:
        return list(self._topics.get(topic, []))

    async def sleep(self, seconds: float) -> None:
        self.sleeping += 1
        try:
            await asyncio.sleep(seconds * self.time_scale)
        finally:
            self.sleeping -= 1

    def call_later(self, seconds: float, callback: Callable[..., object], *args: Any) -> asyncio.Handle:
        def fire() -> None:
            self.timers.discard(handle)
            callback(*args)

        handle = asyncio.get_running_loop().call_later(seconds * self.time_scale, fire)
        self.timers.add(handle)
        return handle

    def call_at(self, when: float, callback: Callable[..., object], *args: Any) -> None:
        """Call ``callback(*args)`` at model time ``when`` (a join, a fault), unless the run is over by then."""
        def fire() -> None:
            self.timers.discard(handle)
            if not self.stopped:
                callback(*args)

        delay = self.epoch + when * self.time_scale - time.time()
        handle = asyncio.get_running_loop().call_later(max(0.0, delay), fire)
        self.timers.add(handle)

    def rng(self, agent: str) -> random.Random:
        """The same generator the simulated world gives this agent (and incarnation)."""
        return agent_rng(self.seed, agent, self.incarnation)

    def record(self, agent: str | None, kind: str, *, peer: str | None = None, message: Message | None = None,
               reason: str | None = None, data: dict[str, Any] | None = None) -> None:
        if kind not in WORLD_EVENTS:
            self._guard_event_limit()
        self._record(self.now, kind, agent, peer=peer, message=message, reason=reason, data=data)

    async def work(self, agent: str, seconds: float) -> None:
        await self.sleep(seconds)

    def spawn(self, agent: str, coroutine: Coroutine[Any, Any, Any]) -> asyncio.Task:
        return asyncio.get_running_loop().create_task(self._guarded(agent, coroutine))

    def leave(self, agent: str) -> None:
        validate.known_agent("name", agent, [self.agent.name])
        self.agent.halt()
        self.gone = True
        self._record(self.now, "leave", agent)

    def end_run(self, reason: str) -> None:
        """Ask the run to end: the first request (by time, over all hosts) gives its ``stop_reason``."""
        if self.stop_request is None:
            self.stop_request = (self.now, reason)

    # --- what the run and the faults do to the agent -------------------------------------
    def start(self, event: str = "join") -> None:
        """The agent joins (or, restarted, recovers): it runs from now on."""
        self.agent.attach(self)
        self._record(self.now, event, self.agent.name)
        self.agent.spawn(self.agent.run())

    def crash(self, name: str) -> None:
        """The world's ``Crash`` fault: the agent stops, its inbox is lost, messages to it are dropped."""
        validate.known_agent("agent", name, [self.agent.name])
        if not self.crashed and not self.stopped:
            self.agent.halt()
            self.crashed = True
            self._record(self.now, "crash", name)

    def recover(self, name: str) -> None:
        """The end of a ``Crash``: a fresh instance that keeps only ``stable``."""
        validate.known_agent("agent", name, [self.agent.name])
        if self.crashed and not self.stopped:
            self.crashed = False
            self.incarnation += 1
            self.agent = self.agent.restarted()
            self.start("recover")

    def kill_worker(self, name: str) -> None:
        """``KillWorker``: end this worker process at once, every agent on it included (no goodbye)."""
        validate.known_agent("agent", name, [self.agent.name])
        if not self.stopped:
            os.kill(os.getpid(), signal.SIGKILL)

    def arrive(self, msg: Message) -> None:
        """A message reached this host: deliver it, or drop it if its receiver is down."""
        self.arrived += 1
        if self.stopped:
            return
        if self.crashed or self.gone:
            self._record(self.now, "drop", msg.to, peer=msg.sender, message=msg,
                         reason="crashed" if self.crashed else "gone")
            return
        msg.delivered_at = self.now
        self._record(msg.delivered_at, "deliver", msg.to, peer=msg.sender, message=msg)
        self.agent.deliver(msg)

    def undeliverable(self, msg: Message, reason: str) -> None:
        """The message could not reach its receiver's actor (its worker is gone): a drop, seen from here."""
        self.arrived += 1
        if not self.stopped:
            self._record(self.now, "drop", msg.to, peer=msg.sender, message=msg, reason=reason)

    def subscribed(self, agent: str, topic: str) -> None:
        subscribers = self._topics.setdefault(topic, [])
        if agent not in subscribers:
            subscribers.append(agent)

    def stop(self) -> list[asyncio.Task]:
        """The run is over: halt the agent (its tasks are returned, to await) and record nothing more."""
        self.stopped = True
        for handle in self.timers:
            handle.cancel()
        return self.agent.halt()

    # --- reading out --------------------------------------------------------------------
    def poll(self) -> dict[str, Any]:
        """The records since the last poll, and what the run needs to decide whether to stop."""
        records, self.records = self.records, []
        self.timers = {handle for handle in self.timers if not handle.cancelled()}  # forget cancelled waits
        agent = self.agent
        down = self.crashed or self.gone or self.stopped
        return {"records": records, "stop_request": self.stop_request, "errors": list(self.errors),
                "busy": bool(self.sleeping or self.timers),
                "sent": self.sent, "arrived": self.arrived,
                "waiting": [] if down or agent.daemon else agent.blocked_on(host_idle=True)}

    # --- helpers ------------------------------------------------------------------------
    def _record(self, time: float, kind: str, agent: str | None, *, peer: str | None = None,
                message: Message | None = None, reason: str | None = None,
                data: dict[str, Any] | None = None) -> None:
        self.recorded += 1
        self.records.append((time, kind, agent, peer, message, reason, data))

    def _guard_event_limit(self) -> None:
        """Stop an agent that records without end (a livelock), as the simulated world's ``max_events`` does."""
        if self.recorded >= self.max_events:
            self.end_run("event_limit")
            raise EventLimitReached(f"more than max_events={self.max_events} events at {self.agent.name}")

    async def _guarded(self, agent: str, coroutine: Coroutine[Any, Any, Any]) -> Any:
        try:
            return await coroutine
        except (asyncio.CancelledError, EventLimitReached):
            raise
        except Exception as exc:
            self.errors.append((agent, f"{type(exc).__name__}: {exc}", traceback.format_exc()))
            self._record(self.now, "error", agent, reason=f"{type(exc).__name__}: {exc}")
            self.end_run("agent_error")
