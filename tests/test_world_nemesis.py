"""Fault windows compose, and the nemesis draws the same random schedule from the same seed."""
import subprocess
import sys

import pytest

from coordlab import Crash, Delay, Duplicate, Loss, Nemesis, Partition, Slow, Uniform, World
from tests.test_world_faults import Counter, Ticker, drops


def run_ticker(faults, seed=1, n=10):
    world = World(seed=seed, latency=0.1, faults=faults)
    world.add(Ticker("a", n=n), Counter("b"), Counter("c"))
    return world.run()


# --- overlapping windows each end on their own ------------------------------------------
def test_two_overlapping_partitions_each_heal_on_their_own():
    # a is cut from b by the first (2.5-4.5) and the second (3.5-6.5): notes 3..6 are cut.
    result = run_ticker([Partition([["a"]], at=2.5, heal_at=4.5), Partition([["b"]], at=3.5, heal_at=6.5)])
    assert drops(result, "partition") == [3, 4, 5, 6]


def test_the_same_loss_listed_twice_opens_and_closes_two_windows():
    loss = Loss(1.0, at=2.5, until=4.5)
    result = run_ticker([loss, loss])
    assert drops(result, "loss") == [3, 4] and result.stop_reason == "completed"


def test_a_loss_window_ending_leaves_an_overlapping_one_open():
    result = run_ticker([Loss(1.0, at=2.5, until=4.5), Loss(1.0, at=3.5, until=6.5)])
    assert drops(result, "loss") == [3, 4, 5, 6]


def test_overlapping_slows_apply_the_larger_factor_and_end_on_their_own():
    from coordlab import Agent

    class Worker(Agent):
        async def run(self):
            for _ in range(4):
                await self.work(1)
                self.log("unit")

    world = World(faults=[Slow("w", factor=4, at=0.5, until=2), Slow("w", factor=2, at=0.5, until=30)])
    world.add(Worker("w"))
    result = world.run()
    # the first unit starts at 0 unslowed; the second starts at 1 under factor 4 (the larger);
    # the third starts at 5, when only the factor-2 slow is left.
    assert [e.time for e in result.trace.select("unit")] == [1, 5, 7, 9]


def test_duplicate_window_delivers_copies_only_inside_it():
    result = run_ticker([Duplicate(1.0, at=2.5, until=4.5)])
    copies = [e.message.body for e in result.trace.select("deliver") if e.message.duplicate]
    assert copies == [3, 4] and result.agents["b"].count == 12


# --- the nemesis ------------------------------------------------------------------------
AGENTS = ["a", "b", "c", "orchestrator", "worker-1", "worker-2"]


def test_the_same_seed_draws_the_same_schedule_and_another_seed_another():
    assert Nemesis(seed=7).schedule(AGENTS) == Nemesis(seed=7).schedule(list(reversed(AGENTS)))
    assert Nemesis(seed=7).schedule(AGENTS) != Nemesis(seed=8).schedule(AGENTS)


def test_the_schedule_is_the_same_in_another_process():
    code = f"from coordlab import Nemesis; print(Nemesis(seed=5).schedule({AGENTS!r}))"
    runs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={"PYTHONHASHSEED": seed}).stdout for seed in ("0", "1")}
    assert len(runs) == 1 and "Partition" in runs.pop()


def test_a_nemesis_draws_what_it_is_asked_for_and_heals_by_its_horizon():
    nemesis = Nemesis(seed=3, crashes=3, partitions=2, windows=4, slows=2, horizon=20, spare=("a",))
    for seed in range(50):
        faults = Nemesis(**{**nemesis.__dict__, "seed": seed}).schedule(AGENTS)
        kinds = [type(f).__name__ for f in faults]
        assert kinds.count("Crash") == 3 and kinds.count("Partition") == 2 and kinds.count("Slow") == 2
        assert sum(kinds.count(k) for k in ("Loss", "Duplicate", "Delay")) == 4
        assert [f.at for f in faults] == sorted(f.at for f in faults)
        for fault in faults:
            assert 0 <= fault.at < fault.ends_at <= nemesis.heal_time
            assert "a" not in (fault.agents() if not isinstance(fault, Partition) else set())
            if isinstance(fault, Loss):
                assert 0 <= fault.p <= nemesis.max_loss
            if isinstance(fault, Delay):
                assert isinstance(fault.latency, Uniform) and fault.latency.high <= nemesis.max_delay


def test_crashes_recover_with_the_probability_asked_for():
    recovered = [f.recover_at is not None for seed in range(200)
                 for f in Nemesis(seed=seed, recover=0.5).schedule(AGENTS) if isinstance(f, Crash)]
    assert 0.4 < sum(recovered) / len(recovered) < 0.6
    assert all(f.recover_at is None for f in Nemesis(recover=0.0, crashes=5).schedule(AGENTS)
               if isinstance(f, Crash))


def test_a_world_draws_its_nemesis_over_the_agents_present_at_the_start():
    world = World(seed=2, latency=0.1, faults=Nemesis(seed=4, horizon=8))
    world.add(Ticker("a", n=10), Counter("b"), Counter("c"))
    world.add(Counter("late"), at=3)
    result = world.run()
    assert world.faults == Nemesis(seed=4, horizon=8).schedule(["a", "b", "c"])
    assert result.stop_reason == "completed" and result.trace.select(("crash", "partition"))
    mixed = World(faults=[Crash("a", at=1), Nemesis(seed=4)])
    mixed.add(Ticker("a", n=3), Counter("b"))
    mixed.run()
    assert mixed.faults[0] == Crash("a", at=1) and len(mixed.faults) == 1 + 7


@pytest.mark.parametrize("options, argument", [
    ({"seed": None}, "seed"), ({"seed": -1}, "seed"), ({"horizon": 0}, "horizon"), ({"crashes": -1}, "crashes"),
    ({"crashes": 2.5}, "crashes"), ({"recover": 1.5}, "recover"), ({"max_loss": -0.1}, "max_loss"),
    ({"max_duplicate": "0.2"}, "max_duplicate"), ({"max_delay": -1}, "max_delay"), ({"max_slow": 0.5}, "max_slow"),
    ({"spare": "client"}, "spare"), ({"windows": True}, "windows"), ({"partitions": 10**6}, "partitions"),
])
def test_a_nemesis_refuses_bad_options_naming_them(options, argument):
    with pytest.raises((TypeError, ValueError), match=f"^{argument}="):
        Nemesis(**options)


@pytest.mark.parametrize("faults", ["Crash", Crash, [Crash("a", at=1), "Loss"], 3, [None]])
def test_a_world_refuses_faults_that_are_not_faults(faults):
    with pytest.raises(TypeError, match="^faults="):
        World(faults=faults)
