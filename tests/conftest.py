"""Small agents shared by the world tests."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from coordlab import Agent, Timeout  # noqa: E402


class Echo(Agent):
    """Answers every ping with the same body (a server: idle waiting is not a deadlock)."""

    daemon = True

    async def on_ping(self, msg):
        await self.reply(msg, msg.body)


class Pinger(Agent):
    """Sends ``n`` pings one after another, retrying each after ``timeout`` if given."""

    def __init__(self, name, peer="b", n=3, timeout=None):
        super().__init__(name)
        self.peer, self.n, self.timeout = peer, n, timeout
        self.answers = []

    async def run(self):
        i = 0
        while len(self.answers) < self.n:
            try:
                reply = await self.request(self.peer, "ping", i, timeout=self.timeout)
                self.answers.append((self.now, reply.body))
            except Timeout:
                pass
            i += 1


class Collector(Agent):
    """Records every message it receives, with the time it arrived."""

    daemon = True

    def __init__(self, name):
        super().__init__(name)
        self.got = []

    async def run(self):
        while True:
            msg = await self.receive()
            self.got.append((self.now, msg))


class Burst(Agent):
    """Sends ``n`` numbered messages to ``to`` at once."""

    def __init__(self, name, to="b", n=10, kind="note"):
        super().__init__(name)
        self.to, self.n, self.kind = to, n, kind

    async def run(self):
        for i in range(self.n):
            await self.send(self.to, self.kind, i)


@pytest.fixture
def agents():
    return {"Echo": Echo, "Pinger": Pinger, "Collector": Collector, "Burst": Burst}
