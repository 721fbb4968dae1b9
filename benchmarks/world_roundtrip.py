"""How much does coordlab's world cost over bare asyncio? Round trips per second.

Both sides run on the same virtual-time loop and do the same thing: two parties
ping-pong N messages, each message arriving after a constant 1 ms simulated latency.

* baseline: two coroutines and two ``asyncio.Queue``s; latency via ``loop.call_later``.
* coordlab: two ``Agent``s using ``request``/``reply`` through the world's ``Network``
  (seeded latency draw, loss/partition check, trace events, message ids).
* SimPy (a second baseline, when ``simpy`` is installed: ``pip install -e .[bench]``): the same
  ping-pong as two processes and two ``simpy.Store``s, latency as a timeout whose callback puts.

    python benchmarks/world_roundtrip.py [round_trips]

Prints wall-clock round trips per second for each and the ratios (coordlab / baseline
time), then the wall time of a 1000-simulated-second scenario: 20 agents each sending a
note to a random peer every simulated second, under uniform latency and 5% loss.
Figures are wall-clock, so they vary by machine; the ratios are what to compare.

Issue 11 asked for request/reply within 1.25x the bare-queue baseline. The last line is the
floor of this design: the same world with recording events and the watchdog's per-step
accounting switched off (patched out here, in the benchmark only). What is left is the message
itself, the network's decision, the mailbox and the agent's handler.
"""
from __future__ import annotations

import asyncio
import math
import sys
import time
from unittest.mock import patch

from coordlab import Agent, Uniform, World
from coordlab.world.clock import VirtualTimeLoop, run_in_thread

LATENCY = 0.001


async def queue_ping_pong(round_trips: int) -> None:
    loop = asyncio.get_running_loop()
    to_server, to_client = asyncio.Queue(), asyncio.Queue()

    async def server() -> None:
        for _ in range(round_trips):
            ping = await to_server.get()
            loop.call_later(LATENCY, to_client.put_nowait, ping)

    async def client() -> None:
        for i in range(round_trips):
            loop.call_later(LATENCY, to_server.put_nowait, i)
            await to_client.get()

    await asyncio.gather(server(), client())


def baseline(round_trips: int) -> float:
    loop = VirtualTimeLoop(on_idle=lambda: None, on_horizon=lambda: None, on_step=lambda: None)
    start = time.perf_counter()
    run_in_thread(queue_ping_pong(round_trips), loop)
    return time.perf_counter() - start


def simpy_ping_pong(round_trips: int) -> float | None:
    """The same ping-pong on SimPy's event loop (None when simpy is not installed)."""
    try:
        import simpy
    except ImportError:
        return None
    env = simpy.Environment()
    to_server, to_client = simpy.Store(env), simpy.Store(env)

    def later(store: simpy.Store, item: int) -> None:
        env.timeout(LATENCY, value=item).callbacks.append(lambda event: store.put(event.value))

    def server():
        for _ in range(round_trips):
            ping = yield to_server.get()
            later(to_client, ping)

    def client():
        for i in range(round_trips):
            later(to_server, i)
            yield to_client.get()

    env.process(server())
    done = env.process(client())
    start = time.perf_counter()
    env.run(until=done)
    return time.perf_counter() - start


class Echo(Agent):
    daemon = True

    async def on_ping(self, msg):
        await self.reply(msg, msg.body)


class Client(Agent):
    def __init__(self, name: str, round_trips: int) -> None:
        super().__init__(name)
        self.round_trips = round_trips

    async def run(self) -> None:
        for i in range(self.round_trips):
            await self.request("server", "ping", i)


def coordlab_world(round_trips: int) -> float:
    world = World(latency=LATENCY, max_events=10 * round_trips)
    world.add(Client("client", round_trips), Echo("server"))
    start = time.perf_counter()
    result = world.run()
    elapsed = time.perf_counter() - start
    assert result.stop_reason == "completed" and len(result.trace.select("deliver")) == 2 * round_trips
    return elapsed


def coordlab_floor(round_trips: int) -> float:
    """``coordlab_world`` with the trace counting events without storing them, and no per-step watchdog."""
    from coordlab.world.simulated_host import SimulatedHost
    from coordlab.world.trace import Trace

    def count_only(trace: Trace, *args, message_row: int | None = None, **kwargs) -> int | None:
        trace.recorded += 1
        return message_row

    async def unwatched(host: SimulatedHost, agent: str, coroutine):
        return await coroutine

    with patch.object(Trace, "record", count_only), patch.object(SimulatedHost, "_guarded", unwatched):
        world = World(latency=LATENCY, max_events=10 * round_trips)
        world.add(Client("client", round_trips), Echo("server"))
        start = time.perf_counter()
        result = world.run()
        elapsed = time.perf_counter() - start
    assert result.stop_reason == "completed" and len(result.trace) >= 4 * round_trips
    return elapsed


class Chatter(Agent):
    daemon = True

    def __init__(self, name: str, peers: list[str], seconds: int) -> None:
        super().__init__(name)
        self.peers, self.seconds = peers, seconds

    async def run(self) -> None:
        for _ in range(self.seconds):
            await self.send(self.rng.choice(self.peers), "note")
            await self.sleep(1)


def thousand_seconds(agents: int = 20, seconds: int = 1000) -> tuple[float, int]:
    names = [f"a{i}" for i in range(agents)]
    world = World(seed=1, latency=Uniform(0.01, 0.2), loss=0.05)
    world.add(*(Chatter(n, [p for p in names if p != n], seconds) for n in names))
    start = time.perf_counter()
    result = world.run()
    elapsed = time.perf_counter() - start
    assert result.stop_reason == "completed" and result.time >= seconds - 1
    return elapsed, len(result.trace.select("send"))


def main(round_trips: int = 50_000) -> None:
    baseline(1000), coordlab_world(1000), simpy_ping_pong(1000)  # warm up imports and caches
    raw, ours, simpy = (min(run(round_trips) or math.inf for _ in range(5))
                        for run in (baseline, coordlab_world, simpy_ping_pong))
    print(f"round trips: {round_trips} (best of 5 runs each)")
    print(f"raw asyncio.Queue ping-pong: {round_trips / raw:10,.0f} round trips/s")
    print(f"coordlab request/reply:      {round_trips / ours:10,.0f} round trips/s")
    print(f"coordlab / raw time ratio:   {ours / raw:.2f}x")
    if math.isfinite(simpy):
        print(f"SimPy store ping-pong:       {round_trips / simpy:10,.0f} round trips/s")
        print(f"coordlab / SimPy time ratio: {ours / simpy:.2f}x")
    else:
        print("SimPy store ping-pong:       not installed (pip install -e .[bench])")
    elapsed, sent = thousand_seconds()
    print(f"1000 simulated seconds, {sent:,} messages: {elapsed:.2f} s wall time")
    floor = min(coordlab_floor(round_trips) for _ in range(5))
    print(f"without recording events or the per-step watchdog: {floor / raw:.2f}x the raw baseline")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50_000)
