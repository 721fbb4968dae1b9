"""Trace levels: what "full", "messages" and "summary" keep, what they can still answer, and the
clear error for what they cannot."""
import dataclasses

import pytest

from coordlab import Agent, Crash, Partition, Timeout, Uniform, World, metrics
from coordlab.viz.trace_plots import sequence_diagram, timeline, topology
from coordlab.world.trace import LEVELS, MESSAGE_LEVEL_KINDS, WORLD_EVENTS, Trace, TraceLevelError


class Asker(Agent):
    """Asks the server, works on each answer, logs what it got; times out when a request is lost."""

    def __init__(self, name, n=8):
        super().__init__(name)
        self.n = n

    async def run(self):
        for i in range(self.n):
            try:
                reply = await self.request("server", "ask", (self.name, i), timeout=0.4)
                await self.work(self.rng.uniform(0.05, 0.2), label="digest")
                self.log("answered", i=i, body=reply.body)
            except Timeout:
                self.log("gave_up", i=i)


class Server(Agent):
    daemon = True

    async def on_ask(self, msg):
        await self.work(0.05)
        await self.reply(msg, msg.body)


def busy_run(seed=3, **options):
    world = World(seed, latency=Uniform(0.01, 0.3), loss=0.1, duplicate=0.1,
                  faults=[Crash("b", at=1.0, recover_at=1.6), Partition([["c"]], at=2.0, heal_at=2.5)], **options)
    world.add(Server("server"), *(Asker(name) for name in "abc"))
    world.add(Asker("late", n=3), at=0.7)
    return world.run()


# Fingerprints of these runs before trace levels existed (commit 97035f8): the full level must not change them.
FINGERPRINTS_BEFORE = {3: "acb3ad5c5ec98f54", 4: "f6aafea14824980a"}


@pytest.fixture(scope="module")
def runs():
    return {level: busy_run(trace=level) for level in LEVELS}


@pytest.mark.parametrize("seed", sorted(FINGERPRINTS_BEFORE))
def test_the_full_level_is_the_default_and_its_fingerprints_did_not_change(seed):
    result = busy_run(seed)
    assert result.trace.level == "full"
    assert result.trace.fingerprint() == FINGERPRINTS_BEFORE[seed]
    assert busy_run(seed, trace="full").trace.fingerprint() == FINGERPRINTS_BEFORE[seed]


def test_the_scenario_has_every_kind_of_event_a_level_may_drop(runs):
    kinds = {e.kind for e in runs["full"].trace}
    assert {"timeout", "work_start", "work_end", "answered", "gave_up", "crash", "recover", "partition",
            "heal", "drop"} <= kinds


def test_messages_level_keeps_exactly_the_message_and_world_events_in_the_same_order(runs):
    full, messages = runs["full"].trace, runs["messages"].trace
    expected = [e for e in full if e.kind in MESSAGE_LEVEL_KINDS]
    kept = messages.select(MESSAGE_LEVEL_KINDS)
    assert [(e.time, e.kind, e.agent, e.peer, e.message, e.reason) for e in kept] == \
        [(e.time, e.kind, e.agent, e.peer, e.message, e.reason) for e in expected]
    assert [e.seq for e in kept] == list(range(len(kept)))  # seq: position among the kept events
    assert set(MESSAGE_LEVEL_KINDS) < set(WORLD_EVENTS)
    assert not {"timeout", "work_start", "work_end"} & set(MESSAGE_LEVEL_KINDS)


def test_every_level_counts_every_event_and_gives_the_same_stop(runs):
    full = runs["full"]
    for level in ("messages", "summary"):
        assert len(runs[level].trace) == len(full.trace)
        assert (runs[level].stop_reason, runs[level].time) == (full.stop_reason, full.time)


@pytest.mark.parametrize("metric", [metrics.summary, metrics.messages_by_kind, metrics.messages_by_agent,
                                    metrics.busy_time, metrics.makespan, metrics.utilisation,
                                    metrics.latency_percentiles, lambda trace: trace.agents()])
@pytest.mark.parametrize("level", ["messages", "summary"])
def test_counting_metrics_answer_at_every_level_with_the_full_numbers(runs, metric, level):
    assert metric(runs[level].trace) == metric(runs["full"].trace)


def test_counting_metrics_match_an_independent_count_of_the_full_trace(runs):
    trace = runs["full"].trace
    sends = [e for e in trace if e.kind == "send"]
    assert metrics.summary(trace)["sent"] == len(sends) == sum(metrics.messages_by_kind(trace).values())
    assert metrics.makespan(trace) == max(e.time for e in trace if e.kind in ("deliver", "work_end")
                                          or e.kind not in WORLD_EVENTS)
    starts = [e for e in trace if e.kind == "work_start" and e.agent == "a"]
    ends = [e for e in trace if e.kind == "work_end" and e.agent == "a"]
    assert len(starts) == len(ends)  # "a" was never crashed while working, so its busy time is plain
    assert metrics.busy_time(trace)["a"] == pytest.approx(sum(e.time for e in ends) - sum(e.time for e in starts))


@pytest.mark.parametrize("level, ask", [
    ("messages", lambda r: r.trace.select("timeout")),
    ("messages", lambda r: r.trace.select(("deliver", "work_end"))),
    ("messages", lambda r: r.trace.select("answered")),
    ("messages", lambda r: list(r.trace)),
    ("messages", lambda r: r.trace[0]),
    ("messages", lambda r: r.trace.select()),
    ("messages", lambda r: r.trace.to_frame()),
    ("messages", lambda r: r.verdict()),  # "requests answered" needs the timeouts
    ("messages", lambda r: sequence_diagram(r.trace)),  # draws the timeouts
    ("messages", lambda r: timeline(r.trace)),  # draws the work
    ("summary", lambda r: r.trace.select("send")),
    ("summary", lambda r: r.trace.select("crash", agent="b")),
    ("summary", lambda r: r.trace.events[0]),
    ("summary", lambda r: topology(r.trace)),
    ("summary", lambda r: r.verdict()),
])
def test_what_a_level_did_not_keep_raises_naming_the_level(runs, level, ask):
    with pytest.raises(TraceLevelError, match=f"trace='{level}' does not keep .*run the world with trace='full'"):
        ask(runs[level])


def test_what_the_messages_level_kept_still_answers(runs):
    full, messages = runs["full"], runs["messages"]
    assert [dataclasses.replace(e, seq=0) for e in messages.trace.select("drop")] == \
        [dataclasses.replace(e, seq=0) for e in full.trace.select("drop")]
    assert [e.message for e in messages.trace.select("send", agent="a")] == \
        [e.message for e in full.trace.select("send", agent="a")]
    assert topology(messages.trace) is not None


def test_a_lower_level_fingerprint_hashes_what_it_kept(runs):
    messages, summary = runs["messages"].trace, runs["summary"].trace
    only_kept = Trace()
    only_kept.events = [e for e in runs["full"].trace if e.kind in MESSAGE_LEVEL_KINDS]
    assert messages.fingerprint() == only_kept.fingerprint() != runs["full"].trace.fingerprint()
    assert summary.fingerprint() == busy_run(trace="summary").trace.fingerprint()
    assert summary.fingerprint() != busy_run(seed=4, trace="summary").trace.fingerprint()
    assert "level 'summary'" in repr(summary)


def test_a_message_sent_and_delivered_is_stored_once_and_knows_when_it_arrived(runs):
    trace = runs["full"].trace
    delivered = {e.message.id: e.message for e in trace.select("deliver") if not e.message.duplicate}
    for send in trace.select("send"):
        if send.message.id in delivered:
            assert send.message == delivered[send.message.id]
            assert send.message.delivered_at is not None


def test_hand_made_traces_still_work_through_record_and_events():
    trace = Trace()
    trace.record(0.5, "custom", "a", data={"x": 1})
    trace.events.append(dataclasses.replace(trace[0], time=0.75))
    assert [(e.seq, e.time, e.data) for e in trace] == [(0, 0.5, {"x": 1}), (1, 0.75, {"x": 1})]
    assert len(trace.events) == len(trace) == 2 and trace.events[-1].time == 0.75
    trace.events = [trace[1]]
    assert [(e.seq, e.time) for e in trace] == [(0, 0.75)]


@pytest.mark.parametrize("options, error, arg", [
    (dict(trace="verbose"), ValueError, "trace"),
    (dict(trace="Full"), ValueError, "trace"),
    (dict(trace=""), ValueError, "trace"),
    (dict(trace=None), ValueError, "trace"),
    (dict(trace=1), ValueError, "trace"),
    (dict(trace=["full"]), ValueError, "trace"),
    (dict(max_events_per_instant=0), ValueError, "max_events_per_instant"),
    (dict(max_events_per_instant=-5), ValueError, "max_events_per_instant"),
    (dict(max_events_per_instant=1.5), TypeError, "max_events_per_instant"),
    (dict(max_events_per_instant="many"), TypeError, "max_events_per_instant"),
    (dict(max_events_per_instant=None), TypeError, "max_events_per_instant"),
    (dict(max_events_per_instant=True), TypeError, "max_events_per_instant"),
    (dict(max_events=0), ValueError, "max_events"),
    (dict(max_events=-1), ValueError, "max_events"),
    (dict(max_events=2.0), TypeError, "max_events"),
    (dict(max_events="1e6"), TypeError, "max_events"),
    (dict(max_events=True), TypeError, "max_events"),
    (dict(max_step_seconds=0), ValueError, "max_step_seconds"),
    (dict(max_step_seconds=-1), ValueError, "max_step_seconds"),
    (dict(max_step_seconds="1"), TypeError, "max_step_seconds"),
])
def test_bad_input_world_options(options, error, arg):
    with pytest.raises(error, match=f"^{arg}="):
        World(**options)


@pytest.mark.parametrize("level", ["", "FULL", "all", None])
def test_bad_input_trace_level(level):
    with pytest.raises(ValueError, match="^trace="):
        Trace(level)


class Chatter(Agent):
    daemon = True

    def __init__(self, name, agents, seconds):
        super().__init__(name)
        self.agents, self.seconds = agents, seconds

    async def run(self):
        for i in range(self.seconds):
            await self.send(f"a{self.rng.randrange(self.agents)}", "note", i)
            await self.sleep(1)


def long_run(trace="full"):
    # Latencies up to 2.5 s: many messages arrive after the batch holding their send was stored.
    world = World(5, latency=Uniform(0.01, 2.5), loss=0.05, duplicate=0.05, trace=trace)
    world.add(*(Chatter(f"a{i}", 50, 100) for i in range(50)))
    return world.run()


def test_a_long_run_stored_in_many_batches_keeps_its_fingerprint_numbers_and_messages():
    from coordlab.world.trace import _BATCH

    full = long_run()
    assert len(full.trace) > 2 * _BATCH
    assert full.trace.fingerprint() == "33d80c69e8406eb5"  # as before trace levels (commit 97035f8)
    events = list(full.trace)
    assert [str(e) for e in full.trace.select("deliver")] == [str(e) for e in events if e.kind == "deliver"]
    assert [str(full.trace[i]) for i in (0, _BATCH - 1, _BATCH, len(events) - 1)] == \
        [str(events[i]) for i in (0, _BATCH - 1, _BATCH, len(events) - 1)]
    arrived = {e.message.id: e.message for e in events if e.kind == "deliver" and not e.message.duplicate}
    late = [e for e in events if e.kind == "send" and e.message.id in arrived]
    assert all(e.message == arrived[e.message.id] and e.message.delivered_at is not None for e in late)
    for level in ("messages", "summary"):
        lower = long_run(level).trace
        assert metrics.summary(lower) == metrics.summary(full.trace)
        assert metrics.messages_by_agent(lower) == metrics.messages_by_agent(full.trace)
