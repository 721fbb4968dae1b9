"""``run_real``: the agents of a simulated pattern run, run again on the real runtime.

    sim = run_centralized(research_pipeline(), workers=3, seed=1)
    real = run_real(sim, address=address)        # a CentralizedRun too, from a real run
    sim.verdict.valid, real.verdict.valid

The simulated run is the blueprint: the pattern's own run function built its agents and its
checkers. ``run_real`` takes fresh instances of those agents (each built by its class with the
same constructor arguments, with an empty ``stable`` disk), joining when they joined, and the
same checkers, runs them in a ``RealWorld``, and turns the real ``RunResult`` into the pattern's
own run type with the pattern's own reading of a trace. No agent, checker or protocol is
copied here: if the pattern changes, its real runs change with it.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from coordlab.patterns.centralized import CLIENT, CentralizedRun
from coordlab.patterns.centralized.run import summarise
from coordlab.patterns.consensus import RaftRun
from coordlab.patterns.consensus.linearizability import history
from coordlab.patterns.p2p.broadcast import BroadcastRun, summarise_broadcast
from coordlab.patterns.run import PatternRun
from coordlab.runtime.world import RealWorld
from coordlab.world import Agent, RunResult
from coordlab.world.checks import generic_checkers


def blueprint(simulated: PatternRun) -> list[tuple[Agent, float]]:
    """Fresh instances of the agents of ``simulated``, each with the time it joined, in the order they joined."""
    result = simulated.result
    joined: dict[str, float] = {}
    for event in result.trace.select("join"):
        joined.setdefault(event.agent, event.time)
    fresh = []
    for name, when in joined.items():
        if name in result.agents:  # agents that left for good are not in the result: nothing to restart
            agent = result.agents[name].restarted()
            agent.stable = {}
            fresh.append((agent, when))
    return fresh


def run_real(simulated: PatternRun, *, address: str | None = None, time_scale: float = 0.1,
             until: float | None = None, faults: Iterable[Any] = (), placement: Mapping[str, int] | None = None,
             poll_every: float = 0.02) -> PatternRun:
    """Run the agents and checkers of ``simulated`` on dask actors in real time; the same run type back.

    ``until`` (model seconds) defaults to three times the simulated run's length plus 5 s: room for
    a slower real run, and a bound on a stuck one. ``faults`` are real faults (``Crash``,
    ``Partition``, ``KillWorker``); ``placement`` puts agents on chosen workers (see ``RealWorld``).
    Run types without a reading of their own come back as a plain ``PatternRun`` (result and verdict).
    """
    if not isinstance(simulated, PatternRun):
        raise TypeError(f"simulated={simulated!r} is not allowed: give the result of a pattern's run function, "
                        "e.g. run_centralized(...) or run_broadcast(...)")
    world = RealWorld(simulated.result.seed or 0, address=address, time_scale=time_scale, faults=faults,
                      placement=placement, poll_every=poll_every)
    for agent, when in blueprint(simulated):
        world.add(agent, at=when)
    for checker in simulated.result.checkers:
        if checker not in generic_checkers:
            world.add_checker(checker)
    result = world.run(until=3 * simulated.result.time + 5 if until is None else until)
    read = READINGS.get(type(simulated))
    return read(simulated, result) if read else PatternRun(result=result, verdict=result.verdict())


def read_centralized(simulated: CentralizedRun, result: RunResult) -> CentralizedRun:
    """The pattern's own ``summarise``, with the simulated run's tasks, durations and critical path."""
    tasks = simulated.result.agents[CLIENT].job.tasks
    return summarise(result, tasks, simulated.durations, simulated.critical_path)


def read_broadcast(simulated: BroadcastRun, result: RunResult) -> BroadcastRun:
    """The broadcast's own reading of a finished run, with the simulated run's overlay, method and period."""
    period = next(iter(simulated.result.agents.values())).period
    return summarise_broadcast(result, simulated.overlay, simulated.method, period)


def read_raft(simulated: RaftRun, result: RunResult) -> RaftRun:
    """The clients' history of operations, read from the real trace."""
    return RaftRun(result=result, verdict=result.verdict(), servers=simulated.servers, clients=simulated.clients,
                   history=history(result.trace))


#: How each run type reads a real result.
READINGS: dict[type, Callable[[Any, RunResult], PatternRun]] = {
    CentralizedRun: read_centralized,
    BroadcastRun: read_broadcast,
    RaftRun: read_raft,
}
