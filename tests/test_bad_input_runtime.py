"""The real runtime's bad-input catalogue: each case fails before any cluster starts, naming the argument."""
import math

import pytest

from coordlab import Agent, Crash, Loss
from coordlab.patterns.centralized import run_centralized
from coordlab.patterns.tasks import research_pipeline
from coordlab.runtime import KillWorker, RealWorld, local_cluster, run_real
from coordlab.runtime.measure import Measured, ping_pong, throughput
from tests.bad_input import assert_refused


class Idle(Agent):
    daemon = True


def world_with(*names: str, **options) -> RealWorld:
    world = RealWorld(**options)
    world.add(*(Idle(name) for name in names))
    return world


def late_joiner(**options) -> RealWorld:
    """``a`` from the start, ``b`` joining at t=2."""
    world = world_with("a", **options)
    world.add(Idle("b"), at=2)
    return world


CASES = [
    ("time_scale zero", lambda: RealWorld(time_scale=0), ValueError, "time_scale"),
    ("time_scale text", lambda: RealWorld(time_scale="fast"), TypeError, "time_scale"),
    ("negative seed", lambda: RealWorld(seed=-1), ValueError, "seed"),
    ("a fault the real network cannot act out", lambda: RealWorld(faults=[Loss(0.1)]), ValueError, "faults"),
    ("faults as text", lambda: RealWorld(faults="crash"), TypeError, "faults"),
    ("address without a protocol", lambda: RealWorld(address="localhost:8786"), ValueError, "address"),
    ("placement as a list", lambda: RealWorld(placement=[0, 1]), TypeError, "placement"),
    ("negative worker number", lambda: RealWorld(placement={"a": -1}), ValueError, "placement"),
    ("poll_every zero", lambda: RealWorld(poll_every=0), ValueError, "poll_every"),
    ("max_events zero", lambda: RealWorld(max_events=0), ValueError, "max_events"),
    ("adding a non-agent", lambda: RealWorld().add("a"), TypeError, "agent"),
    ("two agents named alike", lambda: world_with("a", "a"), ValueError, "name"),
    ("joining before the start", lambda: RealWorld().add(Idle("a"), at=-1), ValueError, "at"),
    ("a checker that is not callable", lambda: RealWorld().add_checker(3), TypeError, "checker"),
    ("until zero", lambda: world_with("a").run(until=0), ValueError, "until"),
    ("until infinite", lambda: world_with("a").run(until=math.inf), ValueError, "until"),
    ("no agents", lambda: RealWorld().run(until=1), ValueError, "agents"),
    ("a fault naming a stranger", lambda: world_with("a", faults=[Crash("b", at=1)]).run(until=2), ValueError,
     "fault"),
    ("a crash before its agent joins", lambda: late_joiner(faults=[Crash("b", at=1)]).run(until=3), ValueError,
     "fault"),
    ("placing a stranger", lambda: world_with("a", placement={"b": 0}).run(until=2), ValueError, "placement"),
    ("run_real of something else", lambda: run_real("run"), TypeError, "simulated"),
    ("run_real with a simulated-only fault",
     lambda: run_real(run_centralized(research_pipeline(), seed=1), faults=[Loss(0.5)]), ValueError, "faults"),
    ("no worker processes", lambda: local_cluster(0).__enter__(), ValueError, "workers"),
    ("KillWorker without a name", lambda: KillWorker("", at=1), ValueError, "agent"),
    ("KillWorker before the start", lambda: KillWorker("a", at=-1), ValueError, "at"),
    ("no measured latencies", lambda: Measured([]), ValueError, "values"),
    ("a negative measured latency", lambda: Measured([0.1, -0.1]), ValueError, "values"),
    ("ping_pong of nothing", lambda: ping_pong(n=0), ValueError, "n"),
    ("throughput of nothing", lambda: throughput(n=0), ValueError, "n"),
]


@pytest.mark.parametrize(("call", "error", "argument"), [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_bad_input_is_refused_naming_the_argument(call, error, argument):
    assert_refused(call, error, argument)
