"""Liveness: telling a busy agent from a dead one, with heartbeats and a silence watch.

Nothing in a message-passing system announces "this agent is dead": all its manager can
see is silence. So an agent with work sends a heartbeat every ``interval`` seconds while
it is busy (``HeartbeatSender``), and whoever gave it that work suspects it once it has been
silent for ``suspect_after`` seconds (``SilenceWatch``). The centralized orchestrator
watches its workers this way; in a hierarchy every manager watches its reports, and
workers and leads send the heartbeats.

A suspicion can be wrong: a slow network or a paused agent sounds exactly like a dead one.
Here a suspected agent stays suspected until it registers again; ``SilenceWatch.heard_from``
is the one place where a suspected agent that speaks up again would be taken back.

Both are timers the agent owns (started with ``agent.spawn``), so they stop when it crashes.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from coordlab.world import Agent


class HeartbeatSender:
    """Sends ``to`` a ``heartbeat`` with ``body()`` every ``interval`` seconds while ``busy()``.

    ``start()`` it whenever the agent takes on work; it stops by itself once the agent is
    idle, and a later ``start()`` begins again. A worker goes quiet as soon as an interval
    ends with nothing to do; with ``last_beat_when_idle`` that interval still ends with a
    beat (a hierarchy's lead: its last heartbeat carries its final progress).
    ``interval=None`` never beats.
    """

    def __init__(self, agent: Agent, to: str, interval: float | None, *, busy: Callable[[], bool],
                 body: Callable[[], Any], last_beat_when_idle: bool = False) -> None:
        self.agent = agent
        self.to = to
        self.interval = interval
        self.busy = busy
        self.body = body
        self.last_beat_when_idle = last_beat_when_idle
        self.beating = False

    def start(self) -> None:
        """Beat from now on, unless beating already (one timer per agent, never two)."""
        if self.interval is not None and not self.beating:
            self.beating = True
            self.agent.spawn(self._beat())

    async def _beat(self) -> None:
        while self.busy():
            await self.agent.sleep(self.interval)
            if not (self.busy() or self.last_beat_when_idle):
                break
            await self.agent.send(self.to, "heartbeat", self.body())
        self.beating = False


class SilenceWatch:
    """When each of ``peers`` was last heard from, and which of them are suspected dead.

    ``gave_work(peer)`` starts watching a peer (one timer per peer); while ``has_work(peer)``,
    a peer silent for ``suspect_after`` seconds is marked not ``alive`` and handed to
    ``on_silent(peer, silent_seconds)``, which takes its work back. ``suspect_after=None``
    never suspects anyone. Silence is counted from the last sign of life, or from the moment
    an idle peer was given work, whichever is later.
    """

    def __init__(self, agent: Agent, peers: Iterable[str], suspect_after: float | None, *,
                 has_work: Callable[[str], bool], on_silent: Callable[[str, float], Awaitable[None]]) -> None:
        self.agent = agent
        self.suspect_after = suspect_after
        self.has_work = has_work
        self.on_silent = on_silent
        self.alive = {peer: True for peer in peers}
        self.heard = {peer: 0.0 for peer in self.alive}
        self.watched: set[str] = set()

    def heard_from(self, peer: str) -> None:
        """A sign of life from ``peer`` (any message it sent); other senders are ignored."""
        if peer in self.heard:
            self.heard[peer] = self.agent.now

    def registered(self, peer: str) -> None:
        """``peer`` (re)started: it is alive again, whatever we suspected."""
        self.alive[peer] = True
        self.heard_from(peer)

    def gave_work(self, peer: str, *, first: bool) -> None:
        """``peer`` was just given work (``first``: it had none before): watch it."""
        if first:
            self.heard[peer] = self.agent.now  # silence is counted from the first piece of work
        if self.suspect_after is not None and peer not in self.watched:
            self.watched.add(peer)
            self.agent.spawn(self._watch(peer))

    async def _watch(self, peer: str) -> None:
        while self.has_work(peer) and self.alive[peer]:
            silent = self.agent.now - self.heard[peer]
            if silent >= self.suspect_after - 1e-9:
                self.alive[peer] = False
                await self.on_silent(peer, silent)
                break
            await self.agent.sleep(self.suspect_after - silent)
        self.watched.discard(peer)
