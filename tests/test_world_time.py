"""Virtual time: sleeping advances a simulated clock, never the wall clock."""
import asyncio

from coordlab import Agent, World


class Sleeper(Agent):
    def __init__(self, name, seconds):
        super().__init__(name)
        self.seconds, self.woke_at = seconds, None

    async def run(self):
        await self.sleep(self.seconds)
        self.woke_at = self.now


def test_a_million_simulated_seconds_pass_in_one_run():
    sleeper = Sleeper("s", 1_000_000)
    world = World()
    world.add(sleeper)
    result = world.run()
    assert sleeper.woke_at == 1_000_000
    assert result.stop_reason == "completed"
    assert result.time == 1_000_000


def test_run_works_inside_an_already_running_event_loop():
    # A Jupyter kernel owns a running loop in its main thread; run() must still work there.
    async def notebook_cell():
        world = World()
        world.add(Sleeper("s", 5))
        return world.run()

    result = asyncio.run(notebook_cell())
    assert result.stop_reason == "completed" and result.time == 5


def test_equal_times_keep_the_order_things_were_scheduled_in(agents):
    world = World(latency=0.5)
    collector = agents["Collector"]("b")
    world.add(agents["Burst"]("a", n=50), collector)
    world.run()
    assert [msg.body for _, msg in collector.got] == list(range(50))
    assert {t for t, _ in collector.got} == {0.5}


def test_until_stops_a_world_that_would_run_forever():
    class Ticker(Agent):
        async def run(self):
            while True:
                await self.sleep(1)
                self.log("tick")

    world = World()
    world.add(Ticker("t"))
    result = world.run(until=10.5)
    assert result.stop_reason == "until"
    assert result.time == 10.5
    assert len(result.trace.select("tick")) == 10
