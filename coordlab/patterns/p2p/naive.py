"""⚠️ NAIVE, FOR THE "BREAK" SECTION ONLY: the widely copied textbook peer, flaws included.

Reproduced on purpose so the course can run it on the simulated world and show what
goes wrong. Do not copy it. Its three flaws, each marked ``FLAW`` in the code:

1. its demo starts every peer's receive loop and *awaits* it before sending the first
   message, so that message is never sent: every peer waits for the others forever
   (the world reports ``stop_reason="deadlock"``);
2. a message of a kind it has no handler for is printed and dropped: nothing in the
   trace says it was lost (compare ``Peer``, whose unknown kinds are ``unhandled`` events);
3. every peer is wired to every other when it is built: n(n−1)/2 links, and no way for
   a peer to join later (compare ``Peer``'s join-through-a-contact and gossiped membership).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from coordlab.patterns.p2p.topology import MAX_PEERS
from coordlab.patterns.run import PatternRun
from coordlab.world import Agent, World, validate


class NaivePeer(Agent):
    """The textbook peer: a handler table, a receive loop, and links to everybody."""

    def __init__(self, name: str, everyone: Sequence[str], greets: bool = False) -> None:
        super().__init__(name)
        # FLAW 3: a full mesh, wired at construction; a newcomer can never be added.
        self.links = {other: f"link {name}<->{other}" for other in everyone if other != name}
        self.greets = greets
        self.handlers = {"hello": self.handle_hello}
        self.greeted: list[str] = []

    async def handle_hello(self, msg) -> None:
        self.greeted.append(msg.sender)

    async def receive_loop(self) -> None:
        while True:
            msg = await self.receive()
            handler = self.handlers.get(msg.kind)
            if handler is None:
                # FLAW 2: printed and dropped; the trace only shows a normal delivery.
                print(f"{self.name}: unknown message type {msg.kind!r}")
                continue
            await handler(msg)

    async def greet_everyone(self, kind: str = "hello") -> None:
        for other in self.links:
            await self.send(other, kind, f"hi from {self.name}")

    async def run(self) -> None:
        # FLAW 1: the demo awaits the receive loop (it never returns), so the greeting
        # below is never sent and every peer waits for a message that never comes.
        await self.receive_loop()
        if self.greets:
            await self.greet_everyone()


class LoopFirstPeer(NaivePeer):
    """Flaw 1 fixed (the loop runs alongside), to reach flaw 2: it greets with a typo'd kind."""

    daemon = True  # waiting for the next message is its job, not a deadlock

    async def run(self) -> None:
        self.spawn(self.receive_loop())
        if self.greets:
            await self.greet_everyone(kind="helo")


@dataclass(repr=False)
class NaiveRun(PatternRun):
    """The textbook demo's run. Its verdict is the world's checkers only: the flaws show in
    ``stop_reason`` (flaw 1) and in what the trace lacks (flaw 2), not in a checker of its own."""


def run_naive(n: int = 4, peer_class: type[NaivePeer] = NaivePeer) -> NaiveRun:
    """The textbook demo: n peers named peer0…, peer0 greets everyone."""
    names = [f"peer{i}" for i in range(validate.count("n", n, maximum=MAX_PEERS))]
    if not (isinstance(peer_class, type) and issubclass(peer_class, NaivePeer)):
        raise TypeError(f"peer_class={peer_class!r} is not allowed: give NaivePeer or a subclass of it")
    world = World(seed=0)
    world.add(*(peer_class(name, names, greets=(name == names[0])) for name in names))
    result = world.run()
    return NaiveRun(result=result, verdict=result.verdict())


def mesh_links(peers: Sequence[NaivePeer]) -> int:
    """How many links the full mesh wired (each counted once)."""
    return sum(len(peer.links) for peer in peers) // 2
