"""Every run ends, and says why: completed, deadlock, until, event_limit, spinning, blocked, agent_error."""
import pytest

from coordlab import Agent, Timeout, World


class WaitsForever(Agent):
    async def run(self):
        await self.receive(kind="go")


def test_deadlock_names_who_waits_on_what(agents):
    world = World()
    world.add(WaitsForever("w"), agents["Echo"]("b"))
    result = world.run()
    assert result.stop_reason == "deadlock"
    assert result.waiting == {"w": ["go"]}
    assert "w on go" in repr(result)


def test_a_lost_request_without_timeout_is_a_deadlock_and_the_checker_says_so(agents):
    world = World(loss=1.0)
    world.add(agents["Pinger"]("a", n=1), agents["Echo"]("b"))
    result = world.run()
    assert result.stop_reason == "deadlock"
    assert result.waiting == {"a": ["a reply to ping #1 from b"]}
    verdict = result.verdict()
    assert not verdict.valid and "requests answered" in verdict.explanation


def test_with_a_timeout_the_same_loss_is_survived(agents):
    world = World(seed=4, loss=0.5)
    pinger = agents["Pinger"]("a", n=5, timeout=0.5)
    world.add(pinger, agents["Echo"]("b"))
    result = world.run()
    assert result.stop_reason == "completed" and len(pinger.answers) == 5
    assert result.trace.select("timeout") and result.verdict().valid


def test_a_daemon_waiting_for_work_is_not_a_deadlock(agents):
    world = World()
    world.add(agents["Pinger"]("a", n=2), agents["Echo"]("b"))
    assert world.run().stop_reason == "completed"


def test_event_limit_stops_an_agent_that_never_waits():
    class Spinner(Agent):
        async def run(self):
            while True:
                self.log("requeue")  # never awaits: only the event guard can stop this

    world = World(max_events=500)
    world.add(Spinner("s"))
    result = world.run()
    assert result.stop_reason == "event_limit"
    assert len(result.trace.select("requeue")) == 499
    assert result.errors == []


def test_event_limit_stops_an_agent_that_spins_without_events():
    class BusyWaiter(Agent):
        async def run(self):
            while True:
                await self.sleep(0)

    world = World(max_events=100)
    world.add(BusyWaiter("s"))
    assert world.run().stop_reason == "event_limit"


class Chatty(Agent):
    """Sends ``per_second`` notes to its peer every simulated second, for ``seconds`` seconds."""

    daemon = True

    def __init__(self, name, peer, seconds, per_second=1):
        super().__init__(name)
        self.peer, self.seconds, self.per_second = peer, seconds, per_second

    async def run(self):
        for _ in range(self.seconds):
            for _ in range(self.per_second):
                await self.send(self.peer, "note")
            await self.sleep(1)


def chatty_world(agents=20, seconds=300, per_second=1, **options):
    world = World(seed=1, **options)
    world.add(*(Chatty(f"a{i}", f"a{(i + 1) % agents}", seconds, per_second) for i in range(agents)))
    return world


def test_a_long_legitimate_run_needs_no_tuning_because_the_guard_counts_events_per_instant():
    # The 2,000-agent, 4 M-event run of benchmarks/world_scale.py, scaled down: 12,000 events, never more
    # than 40 at one simulated instant. A per-instant limit far below the run's total lets it finish ...
    result = chatty_world(max_events_per_instant=100).run()
    assert result.stop_reason == "completed" and len(result.trace) > 12_000
    # ... while a fixed total of the old kind stops it part way, so the total stays an explicit option.
    cut = chatty_world(max_events=10_000).run()
    assert cut.stop_reason == "event_limit" and len(cut.trace) < 12_000 and cut.time < 300


def test_the_per_instant_limit_counts_the_events_of_one_instant_only():
    burst = chatty_world(agents=2, seconds=3, per_second=30, max_events_per_instant=50).run()
    assert burst.stop_reason == "event_limit" and burst.time == 0  # 60 sends at t=0 alone
    assert chatty_world(agents=2, seconds=3, per_second=20, max_events_per_instant=50).run().stop_reason \
        == "completed"


def test_an_agent_that_logs_in_a_loop_without_awaiting_is_stopped_by_default():
    from coordlab.world.simulated_host import EventLimitReached

    class Logger(Agent):
        async def run(self):
            try:
                while True:
                    self.log("again")  # never awaits: simulated time stands still
            except EventLimitReached as limit:
                self.stable["why"] = str(limit)
                raise

    logger = Logger("s")
    world = World()
    world.add(logger)
    result = world.run()
    assert result.stop_reason == "event_limit" and result.time == 0
    assert len(result.trace.select("again")) == 500_000 - 1  # the join at t=0 counts too
    assert "max_events_per_instant=500000 events at t=0" in logger.stable["why"]


def test_the_naive_orchestrator_livelock_is_stopped_without_any_max_events():
    from coordlab.patterns.centralized.naive import run_naive
    from coordlab.patterns.tasks import Task

    def failing(payload, inputs):
        raise RuntimeError("source unreachable")

    run = run_naive([Task("a", work=failing), Task("b", depends_on=("a",))], workers=2, seed=0, max_events=None)
    requeues = run.trace.select("requeue")
    assert run.stop_reason == "event_limit" and len(requeues) > 400_000
    assert {e.time for e in requeues} == {requeues[0].time}  # all at one simulated instant


@pytest.mark.parametrize("spin", ["asyncio.sleep(0)", "self.sleep(1)"])
def test_an_agent_that_steps_while_nothing_happens_ends_the_run_as_spinning_naming_it(spin):
    import asyncio

    from coordlab.world.watchdog import QUIET_STEPS

    class Spinner(Agent):
        async def run(self):
            self.log("started")
            while True:
                await (asyncio.sleep(0) if spin == "asyncio.sleep(0)" else self.sleep(1))

    world = World()  # no event is recorded, so neither event limit would ever stop it
    world.add(Spinner("spinner"), WaitsForever("idle"))
    result = world.run()
    assert result.stop_reason == "spinning"
    assert [error.agent for error in result.errors] == ["spinner"]
    assert f"{QUIET_STEPS} steps" in str(result.errors[0]) and "spinning" not in str(result.errors[0].agent)
    if spin == "asyncio.sleep(0)":
        assert result.time == 0
    else:  # one simulated second per quiet step (its first step logged "started")
        assert QUIET_STEPS <= result.time <= QUIET_STEPS + 1


def test_an_agent_that_never_yields_is_interrupted_after_max_step_seconds():
    class Stuck(Agent):
        async def run(self):
            while True:
                pass

    world = World(max_step_seconds=0.3)
    world.add(Stuck("stuck"))
    result = world.run()
    assert result.stop_reason == "blocked" and [error.agent for error in result.errors] == ["stuck"]
    assert "max_step_seconds" not in str(result.errors[0]) and "0.3 real seconds" in str(result.errors[0])


def test_real_blocking_inside_an_agent_is_reported_in_the_result():
    import time

    class Sleeper(Agent):
        async def run(self):
            time.sleep(0.2)  # a real sleep: simulated time stands still
            await self.sleep(1)

    world = World()
    world.add(Sleeper("sleeper"))
    result = world.run()
    assert result.stop_reason == "completed" and list(result.blocking) == ["sleeper"]
    assert result.blocking["sleeper"] >= 0.2 and "sleeper blocked the world" in repr(result)
    assert "warning" not in repr(World().run())


def test_an_agent_error_stops_the_run_with_the_traceback():
    class Broken(Agent):
        async def run(self):
            await self.sleep(1)
            {}["missing"]

    world = World()
    world.add(Broken("x"))
    result = world.run()
    assert result.stop_reason == "agent_error"
    [error] = result.errors
    assert error.agent == "x" and isinstance(error.error, KeyError) and "missing" in error.traceback
    assert not result.verdict().valid


def test_an_agent_can_end_the_run_with_its_own_reason():
    class Finisher(Agent):
        async def run(self):
            await self.sleep(2)
            self.end_run("job done")

    world = World()
    world.add(Finisher("f"), WaitsForever("w"))
    result = world.run()
    assert (result.stop_reason, result.time) == ("job done", 2)


def test_a_world_runs_once():
    world = World()
    world.run()
    with pytest.raises(RuntimeError, match="already run"):
        world.run()


def test_uncaught_timeout_is_an_agent_error_that_says_what_was_awaited():
    class Impatient(Agent):
        async def run(self):
            await self.receive(kind="answer", timeout=1)

    world = World()
    world.add(Impatient("i"))
    result = world.run()
    assert result.stop_reason == "agent_error"
    assert isinstance(result.errors[0].error, Timeout)
    assert "waited 1s for answer" in str(result.errors[0])
