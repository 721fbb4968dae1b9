"""Determinism, the trace, metrics and checkers (each checker tested both ways)."""
import math

import pytest

from coordlab import (
    Agent,
    Crash,
    Message,
    RunResult,
    Trace,
    Uniform,
    World,
    metrics,
    no_agent_errors,
    nothing_delivered_to_crashed,
    requests_answered,
)


def lossy_run(agents, seed):
    world = World(seed=seed, latency=Uniform(0.01, 0.3), loss=0.2, duplicate=0.1,
                  faults=[Crash("b", at=1, recover_at=1.5)])
    world.add(agents["Pinger"]("a", n=10, timeout=0.4), agents["Echo"]("b"))
    return world.run()


def test_same_seed_same_trace_different_seed_different_trace(agents):
    first, again, other = lossy_run(agents, 11), lossy_run(agents, 11), lossy_run(agents, 12)
    assert [str(e) for e in first.trace] == [str(e) for e in again.trace]
    assert first.trace.fingerprint() == again.trace.fingerprint()
    assert first.trace.fingerprint() != other.trace.fingerprint()


def test_agent_rngs_are_independent_of_each_other(agents):
    class Roller(Agent):
        def __init__(self, name):
            super().__init__(name)
            self.rolls = []

        async def run(self):
            self.rolls = [self.rng.random() for _ in range(3)]

    alone, crowded = World(seed=3), World(seed=3)
    a1 = Roller("a")
    alone.add(a1)
    a2 = Roller("a")
    crowded.add(Roller("z"), a2)
    alone.run(), crowded.run()
    assert a1.rolls == a2.rolls


def test_trace_table_has_one_row_per_event(agents):
    result = lossy_run(agents, 1)
    table = result.trace.to_frame()
    assert len(table) == len(result.trace)
    assert set(table["kind"]) >= {"send", "deliver", "drop", "crash", "recover", "timeout", "stop"}
    assert table["time"].is_monotonic_increasing


def test_metrics_on_a_constant_latency_run(agents):
    world = World(latency=0.25)
    world.add(agents["Pinger"]("a", n=4), agents["Echo"]("b"))
    trace = world.run().trace
    assert metrics.messages_by_kind(trace) == {"ping": 4, "ping_ok": 4}
    assert metrics.messages_by_agent(trace) == {"a": {"sent": 4, "received": 4, "dropped": 0},
                                                "b": {"sent": 4, "received": 4, "dropped": 0}}
    assert metrics.makespan(trace) == 2.0
    assert metrics.latency_percentiles(trace) == {"p50": 0.25, "p90": 0.25, "p99": 0.25, "max": 0.25}


def test_busy_time_and_utilisation():
    class Worker(Agent):
        def __init__(self, name, units):
            super().__init__(name)
            self.units = units

        async def run(self):
            for _ in range(self.units):
                await self.work(1)
                await self.sleep(1)

    world = World()
    world.add(Worker("w1", 2), Worker("w2", 1))
    trace = world.run().trace
    assert metrics.busy_time(trace) == {"w1": 2.0, "w2": 1.0}
    assert metrics.makespan(trace) == 3.0
    assert metrics.utilisation(trace) == {"w1": pytest.approx(2 / 3), "w2": pytest.approx(1 / 3)}


def test_latency_percentiles_of_an_empty_trace_are_nan():
    assert all(math.isnan(v) for v in metrics.latency_percentiles(Trace()).values())


# --- checkers, both ways ----------------------------------------------------------

def hand_made(*events, stop="completed"):
    trace = Trace()
    for kind, agent, msg in events:
        trace.record(1.0, kind, agent, message=msg)
    return RunResult(stop_reason=stop, time=1.0, trace=trace)


def test_requests_answered_accepts_a_lossy_run_with_timeouts(agents):
    result = lossy_run(agents, 5)
    assert result.trace.select("timeout")
    assert requests_answered(result).valid


def test_requests_answered_rejects_a_request_left_hanging():
    ask = Message(1, "a", "b", "ping", is_request=True)
    verdict = requests_answered(hand_made(("send", "a", ask)))
    assert not verdict.valid and verdict.evidence[0].message == ask  # events are read back as copies


def test_requests_answered_does_not_judge_requests_open_when_the_run_was_cut_short():
    ask = Message(1, "a", "b", "ping", is_request=True)
    assert requests_answered(hand_made(("send", "a", ask), stop="until")).valid


def test_nothing_delivered_to_crashed_both_ways(agents):
    assert nothing_delivered_to_crashed(lossy_run(agents, 5)).valid
    note = Message(1, "a", "b", "note")
    broken = hand_made(("crash", "b", None), ("deliver", "b", note))
    verdict = nothing_delivered_to_crashed(broken)
    assert not verdict.valid and verdict.evidence[0].kind == "deliver"


def test_no_agent_errors_both_ways(agents):
    assert no_agent_errors(lossy_run(agents, 5)).valid
    broken = hand_made(("error", "a", None))
    assert not no_agent_errors(broken).valid


def test_registered_checkers_join_the_verdict(agents):
    def at_least_ten_messages(result):
        from coordlab import judge
        sends = result.trace.select("send")
        return judge("busy enough", [] if len(sends) >= 10 else sends, "ok", "only {n} messages")

    world = World()
    world.add(agents["Pinger"]("a", n=2), agents["Echo"]("b"))
    world.add_checker(at_least_ten_messages)
    verdict = world.run().verdict()
    assert not verdict.valid and "busy enough" in verdict.explanation
    assert "❌ busy enough: only 4 messages" in str(verdict)


def test_live_agents_are_those_still_in_and_not_crashed_at_the_end():
    from coordlab import Agent, Crash, World

    class Idle(Agent):
        daemon = True

    world = World(faults=[Crash("a", at=1), Crash("b", at=1, recover_at=2)])
    world.add(Idle("a"), Idle("b"), Idle("c"), Idle("d"))
    world.remove("c", at=3)
    result = world.run(until=5)
    assert result.trace.live_agents() == ["b", "d"]  # a crashed for good, c left; b recovered


class _Asker(Agent):
    """Asks ``echo`` ``n`` times, sends it a note (not a request) after each answer, then asks ``mute``,
    who never answers."""

    def __init__(self, name, n):
        super().__init__(name)
        self.n = n

    async def run(self):
        for i in range(self.n):
            await self.request("echo", "ping", i)
            await self.send("echo", "note", i)
        await self.request("mute", "ping")


class _Mute(Agent):
    daemon = True

    async def on_ping(self, msg):
        pass


def test_message_rows_are_the_requests_and_replies_across_stored_batches_and_a_late_hanging_request_is_caught(agents):
    world = World()
    world.add(_Asker("asker", 2_100), agents["Echo"]("echo"), _Mute("mute"))  # 6,301 messages: 2 batches
    result = world.run()
    trace = result.trace
    rows = [row for _, _, _, _, row in trace.scan(["send"])]
    messages = [e.message for e in trace.select("send")]
    assert len(rows) == 6_301 and len(set(rows)) == len(rows)
    assert trace.message_rows("requests") == {row for row, m in zip(rows, messages) if m.is_request}
    assert trace.message_rows("replies") == {row for row, m in zip(rows, messages) if m.in_reply_to is not None}
    assert len(trace.message_rows("requests")) == 2_101 and len(trace.message_rows("replies")) == 2_100
    verdict = requests_answered(result)
    assert result.stop_reason == "deadlock" and not verdict.valid
    assert [e.message.to for e in verdict.evidence] == ["mute"]
    with pytest.raises(ValueError, match="which='notes' is not allowed"):
        trace.message_rows("notes")
