"""Messages: send, request/reply, receive filters, publish, and what the network does to them."""
import pytest

from coordlab import Agent, Constant, Exponential, Timeout, Uniform, World


def test_request_gets_the_reply_with_ids_linking_them(agents):
    pinger = agents["Pinger"]("a", n=3)
    world = World(latency=0.1)
    world.add(pinger, agents["Echo"]("b"))
    result = world.run()
    assert [body for _, body in pinger.answers] == [0, 1, 2]
    assert [round(t, 9) for t, _ in pinger.answers] == [0.2, 0.4, 0.6]
    replies = [e.message for e in result.trace.select("deliver", agent="a")]
    requests = [e.message for e in result.trace.select("send", agent="a")]
    assert [r.in_reply_to for r in replies] == [q.id for q in requests]
    assert all(r.kind == "ping_ok" and r.conversation == q.conversation for r, q in zip(replies, requests))


def test_request_times_out_and_the_timeout_is_traced(agents):
    class Silent(Agent):
        daemon = True

        async def on_ping(self, msg):
            pass

    class Asker(Agent):
        async def run(self):
            try:
                await self.request("b", "ping", timeout=2)
            except Timeout as exc:
                self.log("gave_up", why=str(exc))

    world = World(latency=0.1)
    world.add(Asker("a"), Silent("b"))
    result = world.run()
    [timeout] = result.trace.select("timeout")
    assert timeout.time == 2 and timeout.agent == "a" and timeout.data["request"] == 1
    assert "a reply to ping #1 from b" in result.trace.select("gave_up")[0].data["why"]
    assert result.verdict().valid


def test_receive_filters_leave_other_messages_waiting():
    class Picky(Agent):
        def __init__(self, name):
            super().__init__(name)
            self.order = []

        async def run(self):
            await self.sleep(1)  # everything has arrived by now
            for wanted in ("c", "a", "b"):
                msg = await self.receive(kind="note", sender=wanted)
                self.order.append(msg.sender)
            msg = await self.receive(match=lambda m: m.body == "x")
            self.order.append(msg.kind)

    class Sender(Agent):
        def __init__(self, name, kind, body):
            super().__init__(name)
            self.kind, self.body = kind, body

        async def run(self):
            await self.send("p", self.kind, self.body)

    picky = Picky("p")
    world = World(latency=0.1)
    world.add(picky, Sender("a", "note", 1), Sender("b", "note", 2), Sender("c", "note", 3),
              Sender("d", "other", "x"))
    assert world.run().stop_reason == "completed"
    assert picky.order == ["c", "a", "b", "other"]


def test_receive_timeout_raises(agents):
    class Waiter(Agent):
        async def run(self):
            with pytest.raises(Timeout):
                await self.receive(kind="never", timeout=3)
            self.log("done")

    world = World()
    world.add(Waiter("w"))
    result = world.run()
    assert result.trace.select("done")[0].time == 3


def test_publish_reaches_every_subscriber_but_the_publisher(agents):
    class Subscriber(agents["Collector"]):
        async def run(self):
            self.subscribe("news")
            await super().run()

    class Publisher(Agent):
        async def run(self):
            self.subscribe("news")
            await self.sleep(1)
            await self.publish("news", "headline", "hello")

    subs = [Subscriber(f"s{i}") for i in range(3)]
    world = World()
    world.add(Publisher("p"), *subs)
    world.run()
    assert [[(m.body, m.topic) for _, m in s.got] for s in subs] == [[("hello", "news")]] * 3


def test_unhandled_kinds_are_traced_not_silently_dropped(agents):
    class OnlyPings(Agent):
        daemon = True

        async def on_ping(self, msg):
            self.log("pinged")

    world = World()
    world.add(OnlyPings("b"), agents["Burst"]("a", n=1, kind="pnig"))
    result = world.run()
    [unhandled] = result.trace.select("unhandled")
    assert unhandled.message.kind == "pnig" and unhandled.agent == "b"


def test_loss_drops_about_the_given_fraction(agents):
    collector = agents["Collector"]("b")
    world = World(seed=7, loss=0.3)
    world.add(agents["Burst"]("a", n=4000), collector)
    result = world.run()
    drops = result.trace.select("drop")
    assert {e.reason for e in drops} == {"loss"}
    assert len(drops) + len(collector.got) == 4000
    assert 0.27 < len(drops) / 4000 < 0.33  # binomial sd is 0.007: a 4-sigma band


def test_duplicates_keep_the_original_id(agents):
    collector = agents["Collector"]("b")
    world = World(seed=2, duplicate=0.5)
    world.add(agents["Burst"]("a", n=400), collector)
    world.run()
    ids = [m.id for _, m in collector.got]
    copies = [m for _, m in collector.got if m.duplicate]
    assert 150 < len(copies) < 250
    assert len(set(ids)) == 400 and len(ids) == 400 + len(copies)


def test_random_latency_reorders_constant_latency_does_not(agents):
    def arrival_order(latency):
        collector = agents["Collector"]("b")
        world = World(seed=1, latency=latency)
        world.add(agents["Burst"]("a", n=30), collector)
        world.run()
        return [m.body for _, m in collector.got]

    assert arrival_order(Constant(0.2)) == list(range(30))
    assert arrival_order(Uniform(0.0, 1.0)) != list(range(30))
    assert sorted(arrival_order(Exponential(0.3))) == list(range(30))


def test_per_link_latency_overrides_the_default(agents):
    world = World(latency=0.1)
    world.network.set_link("a", "b", 2.0)
    collector = agents["Collector"]("b")
    world.add(agents["Burst"]("a", n=1), collector)
    world.run()
    assert collector.got[0][0] == 2.0


def test_callable_latency_uses_the_world_rng(agents):
    def draws(seed):
        collector = agents["Collector"]("b")
        world = World(seed=seed, latency=lambda rng: rng.choice([0.1, 0.2, 0.3]))
        world.add(agents["Burst"]("a", n=20), collector)
        world.run()
        return [t for t, _ in collector.got]

    assert draws(5) == draws(5)
    assert set(draws(5)) <= {0.1, 0.2, 0.3}
    assert draws(5) != draws(6)
