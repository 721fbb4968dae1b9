"""The Agent<->host seam: agents need only ``Host``, and the world needs only the Agent plumbing.

The proof is a second host: a plain real-time asyncio host, written below, that runs the
unchanged Echo and Pinger agents of conftest.py (and the rest of the Agent API), and gets the
answers the simulated world gives.
"""
from __future__ import annotations

import ast
import asyncio
import inspect
import itertools
import random
from pathlib import Path
from typing import Any, NamedTuple

import pytest

import coordlab.world.agent
import coordlab.world.simulated_host
import coordlab.world.world
from coordlab import Agent, Host, Timeout, World
from coordlab.world.agent import PLUMBING
from coordlab.world.message import Message
from coordlab.world.simulated_host import SimulatedHost

LATENCY = 0.002  # real seconds: the whole module runs in well under a second
MEMBERS = sorted(name for name in vars(Host) if not name.startswith("_"))


class Record(NamedTuple):
    time: float
    agent: str | None
    kind: str
    message: Message | None
    data: dict[str, Any] | None


class RealTimeHost:
    """A second ``Host``: real time on the running asyncio loop, every message arriving after ``latency``."""

    def __init__(self, latency: float = LATENCY) -> None:
        self.loop = asyncio.get_running_loop()
        self.started, self.latency = self.loop.time(), latency
        self.agents: dict[str, Agent] = {}
        self.topics: dict[str, list[str]] = {}
        self.records: list[Record] = []
        self.errors: list[BaseException] = []
        self.stop_reason: str | None = None
        self._ids = itertools.count(1)

    def join(self, agent: Agent) -> asyncio.Task:
        self.agents[agent.name] = agent
        agent.attach(self)
        return agent.spawn(agent.run())

    async def close(self) -> None:
        await asyncio.gather(*(task for agent in self.agents.values() for task in agent.halt()),
                             return_exceptions=True)

    @property
    def now(self) -> float:
        return self.loop.time() - self.started

    def send(self, sender: str, to: str, kind: str, body: Any = None, *, conversation: int | None = None,
             in_reply_to: int | None = None, is_request: bool = False, topic: str | None = None) -> Message:
        if to not in self.agents:
            raise ValueError(f"to={to!r} is not an agent here")
        number = next(self._ids)
        msg = Message(number, sender, to, kind, body, conversation or number, in_reply_to, topic, is_request,
                      self.now)
        self.record(sender, "send", message=msg)
        self.loop.call_later(self.latency, self._deliver, msg)
        return msg

    def _deliver(self, msg: Message) -> None:
        if msg.to in self.agents:
            msg.delivered_at = self.now
            self.record(msg.to, "deliver", message=msg)
            self.agents[msg.to].deliver(msg)

    def subscribe(self, agent: str, topic: str) -> None:
        self.topics.setdefault(topic, []).append(agent)

    def subscribers(self, topic: str) -> list[str]:
        return [name for name in self.topics.get(topic, []) if name in self.agents]

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    def call_later(self, seconds: float, callback, *args: Any) -> asyncio.Handle:
        return self.loop.call_later(seconds, callback, *args)

    def rng(self, agent: str) -> random.Random:
        return random.Random(agent)

    def record(self, agent: str, kind: str, *, peer: str | None = None, message: Message | None = None,
               reason: str | None = None, data: dict[str, Any] | None = None) -> None:
        self.records.append(Record(self.now, agent, kind, message, data))

    async def work(self, agent: str, seconds: float) -> None:
        await asyncio.sleep(seconds)

    def spawn(self, agent: str, coroutine) -> asyncio.Task:
        task = self.loop.create_task(coroutine)
        task.add_done_callback(self._note_error)
        return task

    def _note_error(self, task: asyncio.Task) -> None:
        if not task.cancelled() and task.exception() is not None:
            self.errors.append(task.exception())

    def leave(self, agent: str) -> None:
        self.agents.pop(agent).halt()

    def end_run(self, reason: str) -> None:
        self.stop_reason = self.stop_reason or reason


def test_echo_and_pinger_run_unchanged_on_a_real_time_host(agents):
    async def main() -> tuple[RealTimeHost, Agent]:
        host = RealTimeHost()
        pinger = agents["Pinger"]("a", peer="b", n=3)
        host.join(agents["Echo"]("b"))
        await asyncio.wait_for(host.join(pinger), timeout=2)
        await host.close()
        return host, pinger

    host, pinger = asyncio.run(main())
    assert [body for _, body in pinger.answers] == [0, 1, 2] and host.errors == []
    times = [t for t, _ in pinger.answers]
    assert times == sorted(times) and times[0] > LATENCY  # a round trip takes real time
    sends = [(r.agent, r.message.kind, r.message.body) for r in host.records if r.kind == "send"]
    assert sends == [("a", "ping", 0), ("b", "ping_ok", 0), ("a", "ping", 1), ("b", "ping_ok", 1),
                     ("a", "ping", 2), ("b", "ping_ok", 2)]
    delivered = [r.message for r in host.records if r.kind == "deliver"]
    assert [m.to for m in delivered] == ["b", "a"] * 3
    replies = [m for m in delivered if m.kind == "ping_ok"]
    assert [m.in_reply_to for m in replies] == [m.id for m in delivered if m.is_request]


def test_the_same_pair_gives_the_same_answers_on_the_simulated_world(agents):
    world = World(latency=LATENCY)
    pinger = agents["Pinger"]("a", peer="b", n=3)
    world.add(agents["Echo"]("b"), pinger)
    result = world.run()
    assert [body for _, body in pinger.answers] == [0, 1, 2] and result.stop_reason == "completed"


def test_the_rest_of_the_agent_api_runs_on_the_real_time_host():
    class Everything(Agent):
        """Subscribes, sleeps, works, logs, draws, publishes, times out and ends the run."""

        async def run(self) -> None:
            self.subscribe("news")
            await self.sleep(LATENCY)
            await self.work(LATENCY, label="think")
            self.log("drew", value=self.rng.random())
            await self.publish("news", "headline", "hello")
            try:
                await self.receive(kind="never", timeout=LATENCY)
            except Timeout:
                self.end_run("done")

    class Reader(Agent):
        def __init__(self, name: str) -> None:
            super().__init__(name)
            self.read: list[str] = []

        async def run(self) -> None:
            self.subscribe("news")
            self.read.append((await self.receive(kind="headline")).body)

    async def main() -> tuple[RealTimeHost, Reader]:
        host, reader = RealTimeHost(), Reader("r")
        host.join(reader)
        await asyncio.wait_for(host.join(Everything("e")), timeout=2)
        await host.close()
        return host, reader

    host, reader = asyncio.run(main())
    assert reader.read == ["hello"] and host.stop_reason == "done" and host.errors == []
    kinds = [r.kind for r in host.records]
    assert kinds == ["work_start", "work_end", "drew", "send", "deliver", "timeout"]
    assert host.records[-1].data == {"waited_for": "never", "timeout": LATENCY}


@pytest.mark.parametrize("host_class", [SimulatedHost, World, RealTimeHost])
def test_every_host_has_every_protocol_member_with_the_same_parameters(host_class):
    def shape(function) -> list[tuple[str, Any, bool]]:
        return [(p.name, p.kind, p.default is p.empty) for p in inspect.signature(function).parameters.values()]

    for name in MEMBERS:
        expected, actual = inspect.getattr_static(Host, name), inspect.getattr_static(host_class, name)
        if isinstance(expected, property):
            assert isinstance(actual, property), name
        else:
            assert inspect.iscoroutinefunction(actual) == inspect.iscoroutinefunction(expected), name
            assert shape(actual) == shape(expected), name
    assert isinstance(World(), Host)


def test_the_protocol_covers_what_the_agent_asks_of_its_host():
    source = ast.parse(Path(coordlab.world.agent.__file__).read_text())
    asked = set()
    for node in ast.walk(source):
        if isinstance(node, ast.Attribute):
            owner = node.value
            if ((isinstance(owner, ast.Name) and owner.id == "host")
                    or (isinstance(owner, ast.Call) and getattr(owner.func, "attr", None) == "_attached")):
                asked.add(node.attr)
    assert asked == set(MEMBERS)  # nothing outside the protocol, and nothing in it unused


@pytest.mark.parametrize("module", [coordlab.world.agent, coordlab.world.simulated_host, coordlab.world.world])
def test_neither_side_touches_the_other_sides_private_attributes(module):
    source = ast.parse(Path(module.__file__).read_text())
    foreign = [f"line {node.lineno}: {ast.unparse(node)}" for node in ast.walk(source)
               if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__")
               and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "instance"))]
    assert foreign == []


def test_a_subclass_cannot_redefine_the_plumbing():
    with pytest.raises(TypeError, match="Postman redefines deliver: the host calls these on every agent"):
        class Postman(Agent):
            def deliver(self, msg):
                pass
    assert "deliver" in PLUMBING
