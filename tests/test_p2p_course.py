"""Every notebook-03 exercise check accepts the solution and rejects the stub and wrong answers."""
import math

from coordlab.course.p2p import check_bidder, check_push_pull, check_round_prediction
from coordlab.patterns.p2p import RumourPeer


class PushPullPeer(RumourPeer):
    """The solution: every round every peer calls one neighbour; they swap what they knew as the round began."""

    async def every_round(self, number):
        for name in self.pick(1):
            await self.send(name, "pull", self.knew_before(number))

    async def on_pull(self, msg):
        if msg.body is not None:
            self.learn(msg.body, via=msg.sender)
        elif (rumour := self.knew_before(math.floor(msg.sent_at / self.period))) is not None:
            await self.send(msg.sender, "pull_ok", rumour)

    async def on_pull_ok(self, msg):
        self.learn(msg.body, via=msg.sender)


class SameRoundPeer(PushPullPeer):
    """Wrong: passes on news of this very round, so a rumour can travel two hops in one round."""

    async def every_round(self, number):
        for name in self.pick(1):
            await self.send(name, "pull", self.rumour)

    async def on_pull(self, msg):
        if msg.body is not None:
            self.learn(msg.body, via=msg.sender)
        elif self.rumour is not None:
            await self.send(msg.sender, "pull_ok", self.rumour)


class PushOnlyPeer(RumourPeer):
    """Wrong: only the informed talk, so the last few peers wait for luck."""

    async def every_round(self, number):
        if self.rumour is not None:
            for name in self.pick(1):
                await self.send(name, "push", self.rumour)

    async def on_push(self, msg):
        self.learn(msg.body, via=msg.sender)


class ShoutingPeer(PushOnlyPeer):
    """Wrong: fast, but by pushing to four neighbours a round."""

    async def every_round(self, number):
        if self.rumour is not None:
            for name in self.pick(4):
                await self.send(name, "push", self.rumour)


class SilentPeer(PushPullPeer):
    """Wrong: keeps the rumour it pulls without calling learn, so nothing says it learnt it."""

    async def on_pull_ok(self, msg):
        self.stable["rumour"] = msg.body


class StubPeer(RumourPeer):
    async def every_round(self, number):
        raise NotImplementedError("Your answer goes here: replace this line.")


def stub(*args):
    raise NotImplementedError("Your answer goes here: replace this line.")


def test_push_pull_check(capsys):
    assert check_push_pull(PushPullPeer).passed
    assert "✅" in capsys.readouterr().out
    push = check_push_pull(PushOnlyPeer)
    assert not push and "rounds on average" in push.message
    shouting = check_push_pull(ShoutingPeer)
    assert not shouting and "messages (more than 2 × 64)" in shouting.message
    same_round = check_push_pull(SameRoundPeer)
    assert not same_round and "learnt in that same round" in same_round.message
    assert "knew_before" in same_round.hint
    silent = check_push_pull(SilentPeer)
    assert not silent and "never learnt the rumour" in silent.message
    assert not check_push_pull(object)
    stubbed = check_push_pull(StubPeer)
    assert not stubbed and "not solved yet" in stubbed.message
    assert "❌" in capsys.readouterr().out


def test_bidder_check():
    assert check_bidder(lambda me, task: me.queued + task.work / me.speed).passed
    constant = check_bidder(lambda me, task: 1.0)
    assert not constant and "awards were withdrawn" in constant.message
    ignores_queue = check_bidder(lambda me, task: task.work / me.speed)
    assert not ignores_queue
    ignores_task = check_bidder(lambda me, task: me.queued)
    assert not ignores_task
    assert not check_bidder(stub)


def test_bidder_check_wants_honest_promises_not_padded_or_shaved_ones():
    padded = check_bidder(lambda me, task: me.queued + task.work / me.speed + 1)
    assert not padded and "s early (against its bid)" in padded.message
    shaved = check_bidder(lambda me, task: max(0.1, me.queued + task.work / me.speed - 0.5))
    assert not shaved and "s late (against its bid)" in shaved.message
    no_speed = check_bidder(lambda me, task: me.queued + task.work)
    assert not no_speed


def test_round_prediction_check():
    assert check_round_prediction(lambda n: math.log2(n) + math.log(n)).passed
    doubling_only = check_round_prediction(lambda n: math.log2(n))
    assert not doubling_only and "n=16: predicted 4.0" in doubling_only.message
    assert not check_round_prediction(lambda n: math.log(n, 3))
    assert not check_round_prediction(lambda n: "twelve")
    assert not check_round_prediction(stub)
