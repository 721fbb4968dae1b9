"""``AgentActor``: the dask actor that hosts one agent in a worker process.

The run creates one per agent (``client.submit(AgentActor, ..., actor=True)``) and then calls
its methods from the driver: ``connect`` (the other actors' handles, the common start),
``begin`` (join, and schedule the faults), ``poll`` (records and status), ``stop``. Other
actors call ``deliver``: that call *is* the message on the wire (pickled, sent over TCP by
dask's comms, even between two actors of one worker; several at once when they queue up
behind a call on its way). Its methods are ``async``, so dask runs them on the worker's event
loop, the loop the agent's own tasks run on: one thread, no locks.
"""
from __future__ import annotations

import asyncio
import math
import os
from typing import Any

from coordlab.runtime.host import ActorHost
from coordlab.world import Agent, Fault, Message


class AgentActor:
    """One agent, its ``ActorHost``, and the handles of every other agent's actor."""

    def __init__(self, agent: Agent, index: int, names: list[str], seed: int, time_scale: float,
                 max_events: int) -> None:
        self.agent, self.index, self.names, self.seed = agent, index, names, seed
        self.time_scale, self.max_events = time_scale, max_events
        self.actors: dict[str, Any] = {}
        self.host: ActorHost | None = None
        self.outbox: dict[str, list[Message]] = {}  # per receiver: messages waiting for the call on its way
        self.carriers: dict[str, asyncio.Task] = {}  # per receiver: the task making calls while there is mail
        self.lost: set[str] = set()  # agents whose worker is gone

    async def connect(self, actors: dict[str, Any], epoch: float) -> int:
        """Learn where every agent lives and when the run's clock starts (``epoch``, real time); returns
        this worker's process id (the run tells from it which agents share a process)."""
        self.actors = actors
        self.host = ActorHost(self.agent, index=self.index, names=self.names, seed=self.seed,
                              time_scale=self.time_scale, epoch=epoch, post=self.post, announce=self.announce,
                              max_events=self.max_events)
        return os.getpid()

    async def begin(self, join_at: float, faults: list[Fault]) -> None:
        """Join at ``join_at`` and act out ``faults`` at their times (model seconds)."""
        self.host.call_at(join_at, self.host.start)
        for fault in faults:
            self.host.call_at(fault.at, fault.start, self.host)
            if fault.ends_at is not None and math.isfinite(fault.ends_at):
                self.host.call_at(fault.ends_at, fault.end, self.host)

    async def deliver(self, batch: list[Message]) -> None:
        """Messages from another actor arrive, in the order they were sent."""
        for msg in batch:
            self.host.arrive(msg)

    async def subscribed(self, agent: str, topic: str) -> None:
        self.host.subscribed(agent, topic)

    async def poll(self) -> dict[str, Any]:
        return self.host.poll()

    async def stop(self) -> dict[str, Any]:
        """End the run here: halt the agent, wait for its tasks and the calls in flight, and read out the rest."""
        tasks = self.host.stop()
        carriers = list(self.carriers.values())
        for carrier in carriers:
            carrier.cancel()
        await asyncio.gather(*tasks, *carriers, return_exceptions=True)
        return self.host.poll()

    # --- carrying messages -----------------------------------------------------------------
    def post(self, to: str, msg: Message) -> None:
        """Put ``msg`` on the wire to ``to``'s actor; if that actor cannot be reached, the message is dropped.

        Messages to one receiver go one call at a time, in order (as on one TCP connection): those
        posted while a call is on its way wait in ``outbox`` and leave together in the next call.
        """
        if to in self.lost:
            self.host.undeliverable(msg, "unreachable")
            return
        self.outbox.setdefault(to, []).append(msg)
        if to not in self.carriers:
            self.carriers[to] = asyncio.get_running_loop().create_task(self._carry(to))

    async def _carry(self, to: str) -> None:
        try:
            while self.outbox.get(to):
                batch, self.outbox[to] = self.outbox[to], []
                try:
                    await self.actors[to].deliver(batch)
                except asyncio.CancelledError:
                    if to in self.lost:  # given up on (``lose``): the receiver's worker is gone
                        self._undeliverable(batch + self.outbox.pop(to, []), "unreachable")
                    raise
                except Exception as exc:  # the receiver's worker died, or the cluster is going away
                    self._undeliverable(batch, f"unreachable ({type(exc).__name__})")
        finally:
            del self.carriers[to]

    def _undeliverable(self, batch: list[Message], reason: str) -> None:
        for msg in batch:
            self.host.undeliverable(msg, reason)

    async def lose(self, names: list[str]) -> None:
        """The workers of ``names`` are gone: drop the messages on their way to them, and every later one."""
        self.lost.update(names)
        for name in names:
            if name in self.carriers:
                self.carriers[name].cancel()

    def announce(self, agent: str, topic: str) -> None:
        for name, actor in self.actors.items():
            if name != self.agent.name:
                actor.subscribed(agent, topic)
