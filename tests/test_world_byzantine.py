"""Byzantine agents: the world rewrites what a traitor sends, as its strategy says, and nothing else."""
import pytest

from coordlab import Agent, Byzantine, World
from coordlab.world.byzantine import Equivocate, Lie, Replay, Silent


class General(Agent):
    """Sends its order to each lieutenant, one after another."""

    def __init__(self, name, lieutenants, order="attack"):
        super().__init__(name)
        self.lieutenants, self.order = lieutenants, order

    async def run(self):
        for name in self.lieutenants:
            await self.send(name, "order", self.order)
            await self.sleep(1)


class Lieutenant(Agent):
    daemon = True

    def __init__(self, name):
        super().__init__(name)
        self.heard = []

    async def on_order(self, msg):
        self.heard.append(msg.body)


def orders_heard(strategy, at=0.0, until=None, seed=0):
    names = ["l1", "l2", "l3", "l4"]
    world = World(seed=seed, faults=[Byzantine("general", strategy, at=at, until=until)] if strategy else [])
    world.add(General("general", names), *(Lieutenant(name) for name in names))
    result = world.run()
    return {name: result.agents[name].heard for name in names}, result


def test_an_honest_general_is_heard_by_everyone():
    heard, _ = orders_heard(None)
    assert heard == {name: ["attack"] for name in ("l1", "l2", "l3", "l4")}


def test_a_liar_changes_every_body_and_the_trace_says_how():
    heard, result = orders_heard(Lie(lambda order: "retreat"))
    assert heard == {name: ["retreat"] for name in ("l1", "l2", "l3", "l4")}
    tampered = [e for e in result.trace.select("fault") if e.agent == "general"]
    assert len(tampered) == 4 and "'attack' to l1 into [('l1', 'order', 'retreat')]" in tampered[0].reason


def test_an_equivocator_tells_successive_peers_different_things():
    heard, _ = orders_heard(Equivocate(["attack", "retreat"]))
    assert heard == {"l1": ["attack"], "l2": ["retreat"], "l3": ["attack"], "l4": ["retreat"]}


def test_a_silent_traitor_sends_nothing_but_its_code_runs_on():
    heard, result = orders_heard(Silent())
    assert heard == {name: [] for name in ("l1", "l2", "l3", "l4")}
    assert result.trace.select("send") == [] and result.stop_reason == "completed"


def test_a_replayer_sends_each_message_and_an_older_one_again():
    class Counting(General):
        async def run(self):
            for i in range(4):
                await self.send("l1", "order", i)
                await self.sleep(1)

    world = World(seed=3, faults=[Byzantine("general", Replay())])
    world.add(Counting("general", []), Lieutenant("l1"))
    heard = world.run().agents["l1"].heard
    assert heard[0] == 0 and len(heard) == 7  # 4 messages, plus one stale copy after each but the first
    for index in (1, 3, 5):
        assert heard[index + 1] < heard[index]  # the replayed one is older news


def test_the_traitor_acts_only_inside_its_window():
    heard, _ = orders_heard(Lie(lambda order: "retreat"), at=0.5, until=2.5)
    assert heard == {"l1": ["attack"], "l2": ["retreat"], "l3": ["retreat"], "l4": ["attack"]}


def test_a_traitor_replays_the_same_run_from_the_same_seed():
    first = orders_heard(Replay(), seed=4)[1].trace.fingerprint()
    assert first == orders_heard(Replay(), seed=4)[1].trace.fingerprint()


@pytest.mark.parametrize("call, error, argument", [
    (lambda: Byzantine("general", "lie"), TypeError, "strategy"),
    (lambda: Byzantine(3, Silent()), TypeError, "agent"),
    (lambda: Byzantine("general", Silent(), at=-1), ValueError, "at"),
    (lambda: Lie("retreat"), TypeError, "change"),
    (lambda: Equivocate(["attack"]), ValueError, "values"),
    (lambda: Equivocate("attack"), ValueError, "values"),
])
def test_bad_traitors_are_refused_naming_the_argument(call, error, argument):
    from tests.bad_input import assert_refused

    assert_refused(call, error, argument)
