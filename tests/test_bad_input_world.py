"""The world's bad-input catalogue: each case must fail before running, naming the argument.

Every case is ``(what, call, error type, argument)``: ``call()`` must raise ``error type``
with a message that starts with ``argument=`` (the project's format: argument, value, what
is allowed), or that names the argument in the agent method's own words.
"""
import pytest

from coordlab import (
    Agent,
    Constant,
    Crash,
    Delay,
    Duplicate,
    Exponential,
    Loss,
    Partition,
    Slow,
    Uniform,
    World,
    metrics,
)
from coordlab.viz import sequence_diagram, timeline, topology
from coordlab.world.network import Network
from tests.bad_input import assert_refused


class Idle(Agent):
    daemon = True


def world_with(*names, **options):
    world = World(**options)
    world.add(*(Idle(name) for name in names))
    return world


def run_agent(body):
    """Run one agent whose ``run`` is ``body(agent)``; re-raise what it raised."""

    class Probe(Agent):
        async def run(self):
            await body(self)

    world = World()
    world.add(Probe("probe"), Idle("other"))
    result = world.run()
    if result.errors:
        raise result.errors[0].error
    return result


def ping_trace():
    from tests.conftest import Echo, Pinger

    world = World()
    world.add(Pinger("a", peer="b", n=2), Echo("b"))
    return world.run().trace


TRACE = ping_trace()


def run_with_faults(*faults):
    world = world_with("a", "b", faults=list(faults))
    return world.run()


CASES = [
    # World(...)
    ("seed None", lambda: World(seed=None), TypeError, "seed"),
    ("seed negative", lambda: World(seed=-1), ValueError, "seed"),
    ("seed float", lambda: World(seed=1.5), TypeError, "seed"),
    ("seed string", lambda: World(seed="1"), TypeError, "seed"),
    ("seed bool", lambda: World(seed=True), TypeError, "seed"),
    ("latency negative", lambda: World(latency=-0.1), ValueError, "latency"),
    ("latency string", lambda: World(latency="fast"), TypeError, "latency"),
    ("latency nan", lambda: World(latency=float("nan")), ValueError, "latency"),
    ("latency inf", lambda: World(latency=float("inf")), ValueError, "latency"),
    ("loss above 1", lambda: World(loss=1.5), ValueError, "loss"),
    ("loss negative", lambda: World(loss=-0.1), ValueError, "loss"),
    ("loss string", lambda: World(loss="0.1"), TypeError, "loss"),
    ("duplicate above 1", lambda: World(duplicate=2), ValueError, "duplicate"),
    ("duplicate None", lambda: World(duplicate=None), TypeError, "duplicate"),
    ("max_events zero", lambda: World(max_events=0), ValueError, "max_events"),
    ("max_events float", lambda: World(max_events=1e6), TypeError, "max_events"),
    ("max_step_seconds zero", lambda: World(max_step_seconds=0), ValueError, "max_step_seconds"),
    ("max_step_seconds string", lambda: World(max_step_seconds="10"), TypeError, "max_step_seconds"),
    ("faults a string", lambda: World(faults="Crash"), TypeError, "faults"),
    ("faults a number", lambda: World(faults=3), TypeError, "faults"),
    ("faults holding a class", lambda: World(faults=[Crash]), TypeError, "faults"),
    ("faults holding None", lambda: World(faults=[None]), TypeError, "faults"),
    # building and running
    ("add a class, not an instance", lambda: World().add(Idle), TypeError, "agent"),
    ("add a string", lambda: World().add("a"), TypeError, "agent"),
    ("add twice the same name", lambda: world_with("a").add(Idle("a")), ValueError, "name"),
    ("add at negative time", lambda: World().add(Idle("a"), at=-1), ValueError, "at"),
    ("add at a string time", lambda: World().add(Idle("a"), at="2"), TypeError, "at"),
    ("remove an unknown agent", lambda: world_with("a").remove("ghost", at=1), ValueError, "name"),
    ("remove at negative time", lambda: world_with("a").remove("a", at=-2), ValueError, "at"),
    ("run until zero", lambda: world_with("a").run(until=0), ValueError, "until"),
    ("run until negative", lambda: world_with("a").run(until=-5), ValueError, "until"),
    ("run until string", lambda: world_with("a").run(until="10"), TypeError, "until"),
    ("crash an unknown agent", lambda: world_with("a").crash("ghost"), ValueError, "agent"),
    ("recover an unknown agent", lambda: world_with("a").recover("ghost"), ValueError, "agent"),
    ("checker not callable", lambda: World().add_checker("no lost messages"), TypeError, "checker"),
    # faults
    ("crash at negative time", lambda: Crash("a", at=-1), ValueError, "at"),
    ("crash recovering before it crashes", lambda: Crash("a", at=3, recover_at=2), ValueError, "recover_at"),
    ("crash of a non-name", lambda: Crash(3, at=1), TypeError, "agent"),
    ("crash at a string", lambda: Crash("a", at="1"), TypeError, "at"),
    ("partition of a string", lambda: Partition("ab"), TypeError, "groups"),
    ("partition with no groups", lambda: Partition([]), ValueError, "groups"),
    ("partition with an empty group", lambda: Partition([["a"], []]), ValueError, "groups"),
    ("partition with overlapping groups", lambda: Partition([["a", "b"], ["b"]]), ValueError, "groups"),
    ("partition healing before it starts", lambda: Partition([["a"]], at=2, heal_at=1), ValueError, "heal_at"),
    ("partition of non-names", lambda: Partition([[1, 2]]), TypeError, "groups"),
    ("loss window above 1", lambda: Loss(1.2), ValueError, "p"),
    ("loss window ending before it starts", lambda: Loss(0.5, at=3, until=3), ValueError, "until"),
    ("duplicate window negative", lambda: Duplicate(-0.5), ValueError, "p"),
    ("duplicate window string", lambda: Duplicate("0.5"), TypeError, "p"),
    ("delay negative", lambda: Delay(-1), ValueError, "latency"),
    ("delay string", lambda: Delay("slow"), TypeError, "latency"),
    ("slow factor zero", lambda: Slow("a", factor=0), ValueError, "factor"),
    ("slow factor string", lambda: Slow("a", factor="4"), TypeError, "factor"),
    ("slow of a non-name", lambda: Slow(None, factor=2), TypeError, "agent"),
    ("fault naming a missing agent", lambda: run_with_faults(Crash("ghost", at=1)), ValueError, "fault"),
    ("partition naming a missing agent", lambda: run_with_faults(Partition([["ghost"]])), ValueError, "fault"),
    # latencies and the network
    ("constant negative", lambda: Constant(-1), ValueError, "seconds"),
    ("uniform upside down", lambda: Uniform(2, 1), ValueError, "high"),
    ("uniform negative", lambda: Uniform(-1, 1), ValueError, "low"),
    ("exponential mean zero", lambda: Exponential(0), ValueError, "mean"),
    ("exponential mean string", lambda: Exponential("1"), TypeError, "mean"),
    ("drawn latency negative", lambda: Network(latency=lambda rng: -1.0).latency(None), ValueError, "latency"),
    ("link latency negative", lambda: Network().set_link("a", "b", -3), ValueError, "latency"),
    # the Agent API, called by an agent
    ("send to an unknown agent", lambda: run_agent(lambda a: a.send("ghost", "hi")), ValueError, "to"),
    ("send a non-string kind", lambda: run_agent(lambda a: a.send("other", 3)), ValueError, "kind"),
    ("sleep negative", lambda: run_agent(lambda a: a.sleep(-1)), ValueError, "seconds"),
    ("sleep a string", lambda: run_agent(lambda a: a.sleep("1")), TypeError, "seconds"),
    ("work negative", lambda: run_agent(lambda a: a.work(-2)), ValueError, "seconds"),
    ("request with a negative timeout", lambda: run_agent(lambda a: a.request("other", "q", timeout=-1)),
     ValueError, "timeout"),
    ("receive with a negative timeout", lambda: run_agent(lambda a: a.receive(timeout=-1)), ValueError, "timeout"),
    ("agent named with a number", lambda: Idle(7), ValueError, "name"),
    ("agent named with an empty string", lambda: Idle(""), ValueError, "name"),
    # metrics
    ("percentiles above 100", lambda: metrics.latency_percentiles(world_with("a").run().trace, (50, 150)),
     ValueError, "percentiles"),
    # pictures of a trace
    ("sequence diagram of an unknown agent", lambda: sequence_diagram(TRACE, ["a", "ghost"]), ValueError, "agents"),
    ("sequence diagram of a string of agents", lambda: sequence_diagram(TRACE, "ab"), TypeError, "agents"),
    ("sequence diagram of no messages", lambda: sequence_diagram(TRACE, max_messages=0), ValueError, "max_messages"),
    ("timeline of an unknown agent", lambda: timeline(TRACE, ["ghost"]), ValueError, "agents"),
    ("topology with an unknown layout", lambda: topology(TRACE, layout="spring"), ValueError, "layout"),
]


@pytest.mark.parametrize("what, call, error, argument", CASES, ids=[case[0] for case in CASES])
def test_bad_input_fails_first_naming_the_argument(what, call, error, argument):
    assert_refused(call, error, argument)


def test_the_catalogue_is_big_enough():
    assert len(CASES) >= 70
