"""The real-time runtime on its own: stopping, the merged trace, and real faults, on one local cluster.

The agents below live in this test module, which the workers cannot import: they are pickled
by value. No assertion is about wall-clock durations; times are read only as an order of events.
"""
from __future__ import annotations

import asyncio
import sys
from typing import Any

import cloudpickle
import psutil
import pytest
from distributed import Client

import coordlab.runtime.measure
import coordlab.runtime.world
from coordlab import Agent, Crash, Message, Partition, RunResult, Timeout, Trace
from coordlab.runtime import KillWorker, RealWorld, local_cluster
from coordlab.runtime.host import ActorHost
from coordlab.runtime.merge import merge
from tests.test_world_host import (
    test_every_host_has_every_protocol_member_with_the_same_parameters as same_members_as_the_protocol,
)

cloudpickle.register_pickle_by_value(sys.modules[__name__])

PINGS = 5
# The fault tests run one real second per model second: a fault window of one model second is then
# long enough for a loaded CI machine (at 0.1 it was 100 ms real, and a starved worker missed it).
FAULT_SCALE = 1.0
LATE = 0.5  # model seconds (half a real second at FAULT_SCALE) a timer may fire late on a busy machine


class Echo(Agent):
    daemon = True

    async def on_ping(self, msg):
        await self.reply(msg, msg.body)


class Pinger(Agent):
    def __init__(self, name, peer="b", n=PINGS):
        super().__init__(name)
        self.peer, self.n = peer, n

    async def run(self):
        for i in range(self.n):
            await self.request(self.peer, "ping", i, timeout=5.0)


class Waiter(Agent):
    async def run(self):
        await self.receive("never")


class Sleeper(Agent):
    async def run(self):
        while True:
            await self.sleep(0.3)


class Raiser(Agent):
    async def run(self):
        await self.sleep(0.2)
        raise ZeroDivisionError("on purpose")


class Quitter(Agent):
    async def run(self):
        await self.sleep(0.3)
        self.end_run("done")


class Talker(Agent):
    """Sends ``note`` to ``peer`` every 0.2 model seconds, tolerating a peer that never answers."""

    def __init__(self, name, peer="b"):
        super().__init__(name)
        self.peer = peer

    async def run(self):
        while True:
            await self.sleep(0.2)
            await self.send(self.peer, "note", round(self.now, 3))
            try:
                await self.receive("never", timeout=0.01)
            except Timeout:
                pass


class Listener(Agent):
    daemon = True

    async def on_note(self, msg):
        self.log("heard", sent=msg.body)


@pytest.fixture(scope="module")
def address():
    with local_cluster() as address:
        yield address


def run(address: str, *agents: Agent, until: float = 10.0, **options: Any):
    world = RealWorld(seed=3, address=address, **options)
    world.add(*agents)
    return world.run(until=until)


@pytest.fixture(scope="module")
def ping_run(address):
    return run(address, Pinger("a"), Echo("b"))


# --- how a run ends ----------------------------------------------------------------------------
def test_a_pinger_and_its_echo_complete_with_every_request_answered(ping_run):
    assert ping_run.stop_reason == "completed" and ping_run.verdict().valid
    asked = {e.message.id for e in ping_run.trace.select("send") if e.message.kind == "ping"}
    answered = {e.message.in_reply_to for e in ping_run.trace.select("deliver", agent="a")
                if e.message.kind == "ping_ok"}
    assert len(asked) == PINGS and answered == asked


def test_a_wait_nobody_answers_is_a_deadlock_naming_the_waiter(address):
    result = run(address, Waiter("w"), Echo("e"))
    assert result.stop_reason == "deadlock"
    assert list(result.waiting) == ["w"] and "never" in result.waiting["w"][0]


def test_an_agent_that_never_stops_meets_the_horizon(address):
    result = run(address, Sleeper("s"), until=1.0)
    assert result.stop_reason == "until" and result.time == 1.0
    assert max(e.time for e in result.trace) == 1.0 and result.trace[-1].kind == "stop"


def test_an_agent_that_raises_ends_the_run_with_its_error(address):
    result = run(address, Raiser("r"), Sleeper("s"))
    assert result.stop_reason == "agent_error"
    assert [error.agent for error in result.errors] == ["r"] and "ZeroDivisionError" in str(result.errors[0])
    assert [e.agent for e in result.trace.select("error")] == ["r"]
    assert not result.verdict().valid


def test_the_reason_an_agent_gives_to_end_run_is_the_stop_reason(address):
    result = run(address, Quitter("q"), Sleeper("s"))
    assert result.stop_reason == "done" and result.time >= 0.3


# --- the merged trace -----------------------------------------------------------------------
def test_the_merged_trace_is_in_time_order_and_ends_with_the_stop(ping_run):
    times = [e.time for e in ping_run.trace]
    assert times == sorted(times) and ping_run.trace[-1].kind == "stop"
    assert {e.agent for e in ping_run.trace.select("join")} == {"a", "b"}


def test_each_message_is_sent_once_and_its_delivery_matches_its_send(ping_run):
    sends = {e.message.id: e for e in ping_run.trace.select("send")}
    assert len(sends) == len(ping_run.trace.select("send"))  # ids unique across the hosts
    delivered = ping_run.trace.select("deliver")
    assert delivered
    for event in delivered:
        sent = sends[event.message.id]
        assert sent.seq < event.seq and sent.message.sender == event.message.sender
        assert event.message.sent_at == sent.time <= event.time == event.message.delivered_at
        assert sent.message.delivered_at == event.time  # the send learnt it, as in a simulated trace


def test_merge_orders_by_time_cuts_at_the_stop_and_shares_the_message():
    msg = Message(1, "a", "b", "note", sent_at=0.1)
    arrived = Message(1, "a", "b", "note", sent_at=0.1, delivered_at=0.3)
    late = Message(3, "b", "a", "note", sent_at=0.9)
    a_records = [(0.0, "join", "a", None, None, None, None), (0.1, "send", "a", "b", msg, None, None)]
    b_records = [(0.0, "join", "b", None, None, None, None), (0.3, "deliver", "b", "a", arrived, None, None),
                 (0.9, "send", "b", "a", late, None, None)]
    trace = merge([b_records, a_records], stop_time=0.5, stop_reason="until")
    assert [(e.time, e.kind, e.agent) for e in trace] == [
        (0.0, "join", "b"), (0.0, "join", "a"), (0.1, "send", "a"), (0.3, "deliver", "b"), (0.5, "stop", None)]
    assert trace[2].message.delivered_at == 0.3
    assert isinstance(trace, Trace) and trace.tally().latencies.tolist() == pytest.approx([0.2])


def test_the_actor_host_has_every_host_member_with_the_same_parameters():
    same_members_as_the_protocol(ActorHost)


# --- real faults ------------------------------------------------------------------------------
def test_a_partition_drops_messages_at_the_edge_while_it_lasts(address):
    result = run(address, Talker("a"), Listener("b"), until=2.5, time_scale=FAULT_SCALE,
                 faults=[Partition([["a"], ["b"]], at=0.5, heal_at=1.5)])
    cut = [e for e in result.trace.select("drop") if e.reason == "partition"]
    # A timer never fires early, but may fire late on a busy machine: the heal may come a little after 1.5.
    assert cut and all(0.5 <= e.message.sent_at < 1.5 + LATE for e in cut)
    heard = [e.data["sent"] for e in result.trace.select("heard")]
    assert any(sent < 0.5 for sent in heard) and any(sent > 1.5 for sent in heard)
    assert [(e.kind, e.time) for e in result.trace.select(("partition", "heal"))] == [("partition", 0.5),
                                                                                        ("heal", 1.5)]


def test_a_crashed_agent_gets_nothing_until_it_recovers(address):
    result = run(address, Talker("a"), Listener("b"), until=2.5, time_scale=FAULT_SCALE,
                 faults=[Crash("b", at=0.5, recover_at=1.5)])
    (crash,), (recover,) = result.trace.select("crash"), result.trace.select("recover")
    lost = [e for e in result.trace.select("drop") if e.reason == "crashed"]
    assert lost and all(crash.time <= e.time <= recover.time for e in lost)
    assert 0.5 <= crash.time < 0.5 + LATE and 1.5 <= recover.time < 1.5 + LATE
    assert any(e.time > recover.time for e in result.trace.select("deliver", agent="b"))
    assert result.verdict().valid  # nothing delivered to a crashed agent, among the rest


def test_killing_a_worker_process_takes_its_agents_and_their_messages_with_it(address):
    # The talker's messages to the dead process wait on a connection that never opens until the driver
    # learns from the scheduler that the worker left (on a loaded machine, up to about two seconds later):
    # only then are they dropped as unreachable. The horizon leaves room for that.
    result = run(address, Talker("a"), Listener("b"), until=4.0, time_scale=FAULT_SCALE, placement={"a": 0, "b": 1},
                 faults=[KillWorker("b", at=0.5)])
    assert [(e.agent, e.time) for e in result.trace.select("crash")] == [("b", 0.5)]
    assert "KillWorker(b)" in result.trace.select("crash")[0].reason
    unreachable = [e for e in result.trace.select("drop") if e.reason.startswith("unreachable")]
    assert unreachable and all(e.time > 0.5 for e in unreachable)
    assert not any(e.time > 0.5 for e in result.trace.select("heard"))
    assert result.stop_reason == "until"  # the talker goes on talking into the void


# --- bounded and safe -------------------------------------------------------------------------
def test_a_run_interrupted_by_ctrl_c_closes_the_cluster_it_started(monkeypatch, address):
    def interrupted(self, until):
        raise KeyboardInterrupt

    with Client(address) as client:  # a worker killed by an earlier test may still be restarting: not ours to count
        client.wait_for_workers(2, timeout=coordlab.runtime.world.WORKER_WAIT)
    before = {child.pid for child in psutil.Process().children(recursive=True)}
    monkeypatch.setattr(coordlab.runtime.world._Run, "watch", interrupted)
    world = RealWorld()  # no address: the run starts its own local cluster
    world.add(Sleeper("s"))
    with pytest.raises(KeyboardInterrupt):
        world.run(until=1.0)
    assert world.placed  # the agent was placed on a worker: the cluster had started
    # (multiprocessing's resource tracker, started with the first cluster, lives as long as this process)
    left = [child for child in psutil.Process().children(recursive=True) if child.pid not in before
            and child.status() != psutil.STATUS_ZOMBIE and "resource_tracker" not in " ".join(child.cmdline())]
    assert left == []


class Ticker(Agent):
    """Records a tick every 0.1 model seconds, forever."""

    async def run(self):
        while True:
            self.log("tick")
            await self.sleep(0.1)


async def running_agents():
    """The agents' tasks still running on a worker (each agent coroutine runs inside ``ActorHost._guarded``)."""
    return sorted(task.get_coro().__qualname__ for task in asyncio.all_tasks()
                  if task.get_coro().__qualname__.endswith("_guarded"))


def test_a_run_interrupted_on_a_cluster_it_did_not_start_stops_its_agents_there(monkeypatch, address):
    def interrupted_once_ticking(self, until):
        while not any(record[1] == "tick" for records in self.records.values() for record in records):
            for name, status in self.call_all("poll").items():
                self.take(name, status)
        raise KeyboardInterrupt

    monkeypatch.setattr(coordlab.runtime.world._Run, "watch", interrupted_once_ticking)
    world = RealWorld(address=address)
    world.add(Ticker("t"))
    with pytest.raises(KeyboardInterrupt):
        world.run(until=100.0)
    with Client(address) as client:
        assert client.run(running_agents) == {worker: [] for worker in client.scheduler_info()["workers"]}


def test_a_placement_beyond_the_cluster_is_refused_at_once_naming_its_size(address):
    world = RealWorld(address=address, placement={"s": 5})
    world.add(Sleeper("s"))
    with pytest.raises(ValueError, match=r"placement=.*the cluster has 2 worker\(s\)"):
        world.run(until=1.0)
    assert world.placed == {}  # refused before anything was placed


def test_throughput_with_nothing_delivered_says_so_rather_than_failing_on_an_empty_min(monkeypatch):
    class Silent:
        """Stands in for the RealWorld of a run in which no message reached the sink."""

        def __init__(self, **options):
            pass

        def add(self, *agents):
            pass

        def run(self, until):
            return RunResult(stop_reason="completed", time=0.5, trace=Trace())

    monkeypatch.setattr(coordlab.runtime.measure, "RealWorld", Silent)
    with pytest.raises(RuntimeError, match="no message reached the sink"):
        coordlab.runtime.measure.throughput()
