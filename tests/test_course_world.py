"""Every notebook-01 exercise check accepts the solution and rejects the stub and wrong answers."""
from coordlab import Agent, Crash, Loss, Partition, Timeout
from coordlab.course import check_partition_schedule, check_persistent_pinger, check_timeout_choice


class RetryingPinger(Agent):
    """The solution: one ping at a time, retried after a timeout, until five replies."""

    def __init__(self, name, peer):
        super().__init__(name)
        self.peer, self.replies = peer, []

    async def run(self):
        while len(self.replies) < 5:
            try:
                self.replies.append(await self.request(self.peer, "ping", timeout=0.5))
            except Timeout:
                pass


class TrustingPinger(RetryingPinger):
    """Wrong: no timeout, so the first lost ping waits forever."""

    async def run(self):
        while len(self.replies) < 5:
            self.replies.append(await self.request(self.peer, "ping"))


class FloodingPinger(RetryingPinger):
    """Wrong: fires 100 pings at once and counts what comes back."""

    async def run(self):
        for i in range(100):
            await self.send(self.peer, "ping", i)
        for _ in range(5):
            await self.receive(kind="ping_ok")


class StubPinger(RetryingPinger):
    async def run(self):
        raise NotImplementedError("Your answer goes here: replace this line.")


def test_pinger_check(capsys):
    assert check_persistent_pinger(RetryingPinger).passed
    assert "✅" in capsys.readouterr().out
    trusting = check_persistent_pinger(TrustingPinger)
    assert not trusting and "waited forever" in trusting.message
    flooding = check_persistent_pinger(FloodingPinger)
    assert not flooding and "sent 100 pings" in flooding.message
    stub = check_persistent_pinger(StubPinger)
    assert not stub and "not solved yet" in stub.message
    assert "❌" in capsys.readouterr().out


def stub():
    raise NotImplementedError("Your answer goes here: replace this line.")


def test_partition_check():
    assert check_partition_schedule(lambda: [Partition([["b"]], at=2, heal_at=4)]).passed
    crash = check_partition_schedule(lambda: [Crash("b", at=2, recover_at=4)])
    assert not crash and "crashed" in crash.message
    loss = check_partition_schedule(lambda: [Loss(1.0, at=2, until=4)])
    assert not loss and "c missed notes too" in loss.message
    late = check_partition_schedule(lambda: [Partition([["b"]], at=2.5, heal_at=4)])
    assert not late and "not at [2.0, 2.5, 3.0, 3.5]" in late.message
    assert not check_partition_schedule(stub)


def test_timeout_check():
    assert check_timeout_choice(lambda: 1.2).passed
    one_way = check_timeout_choice(lambda: 0.5)
    assert not one_way and "gave up although nothing was lost" in one_way.message
    forgot_work = check_timeout_choice(lambda: 1.0)
    assert not forgot_work
    generous = check_timeout_choice(lambda: 5)
    assert not generous and "longer than it has to" in generous.message
    assert not check_timeout_choice(lambda: "1.2")
    assert not check_timeout_choice(stub)


def test_a_learner_bug_is_reported_not_raised():
    def buggy():
        return [Partition(["b"], at=2, heal_at=1)]

    result = check_partition_schedule(buggy)
    assert not result and "raised ValueError" in result.message
