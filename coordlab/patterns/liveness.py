"""Liveness: telling a busy agent from a dead one, with heartbeats and a silence watch.

Nothing in a message-passing system announces "this agent is dead": all its manager can
see is silence. So an agent with work sends a heartbeat every ``interval`` seconds while
it is busy (``HeartbeatSender``), and whoever gave it that work suspects it once it has been
silent for ``suspect_after`` seconds (``SilenceWatch``). The centralized orchestrator
watches its workers this way; in a hierarchy every manager watches its reports, and
workers and leads send the heartbeats.

A suspicion can be wrong: a slow network, a partition or a paused agent sounds exactly like
a dead one. So a suspect is not written off. While suspected it is *probed* every
``suspect_after`` seconds (``probe(peer)``: the pattern sends it a message it answers), and
the first word heard from it takes it back (``heard_from`` returns True; the pattern gives it
work again). Only after ``give_up_after`` seconds of unanswered probes is it ``lost``.

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
    """When each of ``peers`` was last heard from, which are suspected, and which are lost.

    ``gave_work(peer)`` starts watching a peer (one timer per peer); while ``has_work(peer)``,
    a peer silent for ``suspect_after`` seconds is marked not ``alive`` and handed to
    ``on_silent(peer, silent_seconds)``, which takes its work back. Silence is counted from the
    last sign of life, or from the moment an idle peer was given work, whichever is later.

    A suspect is then probed every ``suspect_after`` seconds with ``probe(peer)``, if given; a
    word from it (``heard_from``) takes it back. After ``give_up_after`` seconds without one it
    is ``lost`` and ``on_lost(peer)`` runs, so work only it could do can fail instead of waiting
    forever. ``suspect_after=None`` never suspects anyone.
    """

    def __init__(self, agent: Agent, peers: Iterable[str], suspect_after: float | None, *,
                 has_work: Callable[[str], bool], on_silent: Callable[[str, float], Awaitable[None]],
                 probe: Callable[[str], Awaitable[None]] | None = None, give_up_after: float = 30.0,
                 on_lost: Callable[[str], Awaitable[None]] | None = None) -> None:
        self.agent = agent
        self.suspect_after = suspect_after
        self.has_work = has_work
        self.on_silent = on_silent
        self.probe = probe
        self.give_up_after = give_up_after
        self.on_lost = on_lost
        self.alive = {peer: True for peer in peers}
        self.heard = {peer: 0.0 for peer in self.alive}
        self.lost: dict[str, None] = {}  # suspects given up on: no answer to probes (insertion order)
        self.watched: dict[str, None] = {}

    def maybe_alive(self, peer: str) -> bool:
        """Alive, or suspected but not yet given up on: work it alone can do should wait for it."""
        return peer not in self.lost

    def heard_from(self, peer: str) -> bool:
        """A sign of life from ``peer`` (any message it sent); True if it was suspected and is taken back."""
        if peer not in self.heard:
            return False
        self.heard[peer] = self.agent.now
        if self.alive[peer]:
            return False
        self.alive[peer] = True
        self.lost.pop(peer, None)
        self.agent.log("unsuspected", peer=peer)
        return True

    def registered(self, peer: str) -> None:
        """``peer`` (re)started: it is alive again, whatever we suspected."""
        self.heard_from(peer)

    def gave_work(self, peer: str, *, first: bool) -> None:
        """``peer`` was just given work (``first``: it had none before): watch it."""
        if first:
            self.heard[peer] = self.agent.now  # silence is counted from the first piece of work
        self._watch_from_now(peer)

    def _watch_from_now(self, peer: str) -> None:
        if self.suspect_after is not None and peer not in self.watched:
            self.watched[peer] = None
            self.agent.spawn(self._watch(peer))

    async def _watch(self, peer: str) -> None:
        """One timer per watched peer: suspect it after silence, then probe it until it answers or is lost."""
        suspected_at = 0.0
        while True:
            if self.alive[peer]:
                if not self.has_work(peer):
                    break
                silent = self.agent.now - self.heard[peer]
                if silent < self.suspect_after - 1e-9:
                    await self.agent.sleep(self.suspect_after - silent)
                    continue
                self.alive[peer], suspected_at = False, self.agent.now
                await self.on_silent(peer, silent)
            elif self.probe is None:
                break
            elif self.agent.now - suspected_at >= self.give_up_after - 1e-9:
                self.lost[peer] = None
                self.agent.log("given_up", peer=peer)
                if self.on_lost is not None:
                    await self.on_lost(peer)
                break
            else:
                await self.probe(peer)
                await self.agent.sleep(self.suspect_after)
        del self.watched[peer]
