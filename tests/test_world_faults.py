"""Faults as data: crashes, recovery, partitions, loss and delay windows, slow agents, churn."""
from dataclasses import dataclass

import pytest

from coordlab import Agent, Crash, Delay, Fault, Loss, Partition, Slow, World


class Counter(Agent):
    """Counts pings; remembers the total in ``stable`` only if told to persist."""

    daemon = True

    def __init__(self, name, persist=False):
        super().__init__(name)
        self.persist, self.count = persist, 0

    async def on_note(self, msg):
        self.count += 1
        if self.persist:
            self.stable["count"] = self.stable.get("count", 0) + 1


class Ticker(Agent):
    """Sends one note to ``to`` every second, ``n`` times."""

    def __init__(self, name, to="b", n=10):
        super().__init__(name)
        self.to, self.n = to, n

    async def run(self):
        for i in range(self.n):
            await self.send(self.to, "note", i)
            await self.sleep(1)


def drops(result, reason):
    return [e.message.body for e in result.trace.select("drop") if e.reason == reason]


def test_crash_drops_messages_and_recovery_starts_a_fresh_instance_keeping_stable():
    original = Counter("b", persist=True)
    world = World(latency=0.1, faults=[Crash("b", at=3.5, recover_at=6.5)])
    world.add(Ticker("a"), original)
    result = world.run()
    assert drops(result, "crashed") == [4, 5, 6]
    fresh = result.agents["b"]
    assert fresh is not original and original.count == 4
    assert fresh.count == 3  # notes 7, 8, 9: in-memory state started again from zero
    assert fresh.stable["count"] == 7  # what it persisted survived the crash
    assert [e.kind for e in result.trace.select(("crash", "recover"))] == ["crash", "recover"]
    assert result.verdict().valid


def test_a_crashed_agent_stops_mid_work_and_its_busy_time_ends_at_the_crash():
    class Worker(Agent):
        async def run(self):
            await self.work(10)
            self.log("finished")

    from coordlab import metrics

    world = World(faults=[Crash("w", at=4)])
    world.add(Worker("w"))
    result = world.run()
    assert result.trace.select("finished") == []
    assert metrics.busy_time(result.trace)["w"] == 4


def test_partition_drops_across_groups_until_healed():
    world = World(latency=0.1, faults=[Partition([["a"], ["b"]], at=2.5, heal_at=5.5)])
    world.add(Ticker("a"), Counter("b"))
    result = world.run()
    assert drops(result, "partition") == [3, 4, 5]
    assert [e.kind for e in result.trace.select(("partition", "heal"))] == ["partition", "heal"]


def test_agents_named_in_no_group_are_together():
    world = World(latency=0.1, faults=[Partition([["x"]], at=0)])
    world.add(Ticker("a", n=2), Counter("b"), Counter("x"))
    result = world.run()
    assert result.agents["b"].count == 2 and drops(result, "partition") == []


def test_loss_window_only_drops_inside_the_window():
    world = World(seed=1, latency=0.1, faults=[Loss(1.0, at=2.5, until=4.5)])
    world.add(Ticker("a"), Counter("b"))
    result = world.run()
    assert drops(result, "loss") == [3, 4]


def test_delay_window_adds_latency():
    world = World(latency=0.1, faults=[Delay(2.0, at=1.5, until=2.5)])
    world.add(Ticker("a", n=4), Counter("b"))
    result = world.run()
    latency = {e.message.body: round(e.time - e.message.sent_at, 9) for e in result.trace.select("deliver")}
    assert latency == {0: 0.1, 1: 0.1, 2: 2.1, 3: 0.1}


def test_slow_agent_works_longer():
    class Worker(Agent):
        async def run(self):
            for _ in range(3):
                await self.work(1)
                self.log("unit")

    world = World(faults=[Slow("w", factor=4, at=0.5, until=5)])
    world.add(Worker("w"))
    result = world.run()
    assert [e.time for e in result.trace.select("unit")] == [1, 5, 6]


def test_churn_agents_join_late_and_leave():
    world = World(latency=0.1)
    world.add(Ticker("a", n=6), Counter("b"))
    world.add(Counter("late"), at=2)
    world.remove("b", at=3.5)
    result = world.run()
    assert [e.time for e in result.trace.select("join", agent="late")] == [2]
    assert drops(result, "gone") == [4, 5]


def test_an_agent_can_leave_by_itself():
    class Quitter(Agent):
        async def run(self):
            await self.sleep(1)
            self.leave()

    world = World()
    world.add(Quitter("q"))
    result = world.run()
    assert "q" not in result.agents and result.trace.select("leave")[0].time == 1


@pytest.mark.parametrize("fault", [Crash("ghost", at=1), Slow("ghost", 2), Partition([["a"], ["ghost"]])])
def test_faults_naming_unknown_agents_are_rejected_before_the_run(fault):
    world = World(faults=[fault])
    world.add(Counter("a"))
    with pytest.raises(ValueError, match="'ghost', which is not in this world"):
        world.run()


def test_fault_argument_errors_name_the_argument():
    with pytest.raises(ValueError, match="groups must not overlap"):
        Partition([["a", "b"], ["b", "c"]])
    with pytest.raises(ValueError, match="recover_at=1 .*later than at=2"):
        Crash("a", at=2, recover_at=1)
    with pytest.raises(ValueError, match="p=1.5 is not allowed"):
        Loss(1.5)
    with pytest.raises(ValueError, match="factor=0 is not allowed"):
        Slow("a", 0)
    with pytest.raises(ValueError, match="at=-1 is not allowed"):
        Crash("a", at=-1)


def test_agents_can_be_added_while_the_world_runs():
    class Recruiter(Agent):
        """Brings a new counter into the world at t=2 and then talks to it."""

        def __init__(self, name, world):
            super().__init__(name)
            self.world = world

        async def run(self):
            await self.sleep(2)
            self.world.add(Counter("recruit"))
            await self.send("recruit", "note")

    world = World(latency=0.1)
    world.add(Recruiter("r", world))
    result = world.run()
    assert [e.time for e in result.trace.select("join", agent="recruit")] == [2]
    assert result.agents["recruit"].count == 1


def test_messages_to_an_agent_that_has_not_joined_yet_are_dropped_as_not_joined():
    world = World(latency=0.1)
    world.add(Ticker("a", n=4), Counter("b", persist=False), at=None)
    world.add(Counter("late"), at=2.5)

    class Early(Agent):
        async def run(self):
            await self.send("late", "note")

    world.add(Early("early"))
    result = world.run()
    assert [e.reason for e in result.trace.select("drop")] == ["not_joined"]


def test_a_partition_from_t0_cuts_the_very_first_messages():
    world = World(latency=0.1, faults=[Partition([["a"], ["b"]], at=0, heal_at=1.5)])
    world.add(Ticker("a", n=3), Counter("b"))
    result = world.run()
    assert drops(result, "partition") == [0, 1]


def test_a_crash_before_the_agent_joins_is_refused():
    world = World(faults=[Crash("late", at=1)])
    world.add(Counter("late"), at=5)
    with pytest.raises(ValueError, match=r"acts at t=1, before 'late' joins at t=5"):
        world.run()


def test_a_crash_after_the_agent_left_is_traced_as_having_no_effect():
    world = World(faults=[Crash("b", at=3)])
    world.add(Ticker("a", n=2), Counter("b"))
    world.remove("b", at=2)
    result = world.run()
    [fault] = result.trace.select("fault")
    assert fault.time == 3 and "has no effect: b left the world" in fault.reason
    assert result.errors == []


def test_an_agent_crashed_before_its_first_step_leaves_no_unawaited_coroutine(recwarn):
    import gc

    world = World(faults=[Crash("a", at=0)])
    world.add(Ticker("a"), Counter("b"))
    result = world.run()
    gc.collect()
    assert [e.kind for e in result.trace.select(("crash", "send"))] == ["crash"]
    assert not [w for w in recwarn if "never awaited" in str(w.message)]


def test_a_new_fault_is_one_class():
    @dataclass(frozen=True)
    class Deafen(Fault):
        """``agent`` hears nobody (and nobody hears it) from ``at`` to ``until``."""

        agent: str
        at: float
        until: float | None = None

        def agents(self):
            return {self.agent}

        def start(self, world):
            world.network.partition([[self.agent]])

        def end(self, world):
            world.network.heal()

    world = World(latency=0.1, faults=[Deafen("b", at=2.5, until=5.5)])
    world.add(Ticker("a"), Counter("b"))
    result = world.run()
    assert drops(result, "partition") == [3, 4, 5]
    assert [(e.time, e.reason) for e in result.trace.select("fault")] == [(2.5, "Deafen starts"), (5.5, "Deafen ends")]
