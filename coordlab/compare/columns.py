"""The seed document's four columns, measured: scalability, complexity, fault tolerance, predictability.

Each column is a function that returns a DataFrame and says in its docstring exactly what
it measures. The runs go through ``coordlab.experiments.sweep``, so a big sweep can run on
dask.distributed (``engine="dask"``) and be kept in a file (``cache=``) that a notebook
re-renders from without recomputing.
"""
from __future__ import annotations

import inspect
import math
import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from coordlab.compare.contenders import PATTERNS, contender
from coordlab.compare.rows import row
from coordlab.compare.workload import workload
from coordlab.experiments import random_crashes, sweep
from coordlab.patterns.centralized import PROTOCOL as CENTRALIZED_PROTOCOL
from coordlab.patterns.centralized import run_centralized
from coordlab.patterns.centralized.orchestrator import Client, Orchestrator
from coordlab.patterns.centralized.workers import Worker
from coordlab.patterns.consensus import run_replicated
from coordlab.patterns.consensus.protocol import RAFT_PROTOCOL, REPLICATED_PROTOCOL
from coordlab.patterns.consensus.replicated import OrchestratorReplica, ReplicatedClient
from coordlab.patterns.hierarchical import run_hierarchical
from coordlab.patterns.hierarchical.director import Client as HierarchicalClient
from coordlab.patterns.hierarchical.director import Director
from coordlab.patterns.hierarchical.lead import Lead
from coordlab.patterns.hierarchical.protocol import PROTOCOL as HIERARCHICAL_PROTOCOL
from coordlab.patterns.p2p import PROTOCOL as P2P_PROTOCOL
from coordlab.patterns.p2p import run_contract_net
from coordlab.patterns.p2p.contract_net import ContractPeer
from coordlab.patterns.swarm import BOARD_PROTOCOL, run_threshold
from coordlab.patterns.swarm.threshold import Board, ThresholdWorker
from coordlab.world import Agent, Crash, Nemesis, validate

#: Tasks per agent in every measured workload: the work grows with the agents (weak scaling),
#: so a pattern that scales keeps its makespan flat.
TASKS_PER_AGENT = 2
FAULTS = ("none", "crashes", "partitions", "busiest")
#: When the busiest agent crashes, as a share of the ideal makespan (``fault="busiest"``).
BUSIEST_AT = 0.25
SIZES = (8, 32, 128, 512, 1024)
RATES = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5)


def measured_run(pattern: str, agents: int, fault: str = "none", rate: float = 0.0, *, seed: int) -> dict[str, Any]:
    """One row of every sweep: ``pattern`` on ``workload(TASKS_PER_AGENT * agents, agents, seed=seed)``.

    ``fault`` is ``"none"``; ``"crashes"``: each agent, workers and coordinators alike, crashes
    for good with probability ``rate``, at a uniform time within the workload's ideal
    makespan (``experiments.random_crashes``); ``"partitions"``: a ``Nemesis`` drawing two
    partitions (nothing else) that heal within the ideal makespan, sparing the client; or
    ``"busiest"``: the agent that handles the most messages in the same run without faults
    crashes for good at ``BUSIEST_AT`` of the ideal makespan (a single point of failure, if
    the pattern has one).
    """
    validate.one_of("fault", fault, FAULTS)
    load = workload(TASKS_PER_AGENT * agents, agents, seed=seed)
    horizon = max(1.0, load.ideal_makespan)
    if fault == "crashes":
        faults = random_crashes(contender(pattern).agents(load), rate, within=horizon, seed=seed)
    elif fault == "partitions":
        faults = Nemesis(seed=seed, horizon=horizon, crashes=0, partitions=2, windows=0, slows=0, spare=("client",))
    elif fault == "busiest":
        faults = [Crash(row(pattern, load, seed=seed)["busiest"], at=BUSIEST_AT * horizon)]
    else:
        faults = []
    return {key: value for key, value in row(pattern, load, seed=seed, faults=faults).items()
            if key not in ("pattern", "agents", "seed")} | {"ideal makespan": load.ideal_makespan}


def _sweep(grid: dict[str, list], seeds: Sequence[int], **engine: Any) -> pd.DataFrame:
    return sweep(measured_run, grid, seeds, **engine)


# --- scalability ---------------------------------------------------------------------------------
def scalability(sizes: Sequence[int] = SIZES, seeds: Sequence[int] = (0,), patterns: Sequence[str] = PATTERNS,
                **engine: Any) -> pd.DataFrame:
    """How each pattern's cost grows with the number of agents: one row per pattern, size and seed.

    Each run is ``measured_run`` without faults: ``TASKS_PER_AGENT`` tasks per agent, so
    a pattern that scales perfectly keeps its ``makespan`` flat, and ``busiest messages``
    (sent + received by the most loaded agent) says where the load concentrates. ``engine``
    goes to ``experiments.sweep`` (``progress``, ``engine``, ``cache``: one file per pattern,
    suffixed with its name).
    ``exponents`` fits the growth.
    """
    frames = []
    for pattern in patterns:
        frames.append(_sweep({"pattern": [pattern], "agents": list(sizes)}, seeds,
                             **_cache_for(engine, pattern.replace("-", "_"))))
    return pd.concat(frames, ignore_index=True)


def exponents(frame: pd.DataFrame) -> pd.DataFrame:
    """Fitted log-log exponents of ``scalability``: ``value ≈ c · agents^k``, per pattern.

    ``makespan k`` and ``busiest k`` are least-squares slopes of log(value) on log(agents)
    over the sizes where every run completed every task (k = 0: flat; k = 1: grows in
    proportion to the agents). ``largest completed`` is the biggest such size, and
    ``all sizes completed`` says whether the pattern finished the job at every size tried.
    """
    sizes = set(frame["agents"])
    rows = []
    for pattern, runs in frame.groupby("pattern", sort=False):
        means = runs.groupby("agents")[["makespan", "busiest messages", "completion"]].mean()
        ok = means[means["completion"] == 1.0]
        rows.append({"pattern": pattern, "makespan k": _slope(ok.index, ok["makespan"]),
                     "busiest k": _slope(ok.index, ok["busiest messages"]),
                     "largest completed": int(ok.index.max()) if len(ok) else 0,
                     "all sizes completed": set(ok.index) == sizes})
    return pd.DataFrame(rows).set_index("pattern")


def _slope(x: Sequence[float], y: Sequence[float]) -> float:
    if len(x) < 2:
        return math.nan
    return float(np.polyfit(np.log(np.asarray(x, dtype=float)), np.log(np.asarray(y, dtype=float)), 1)[0])


def crossover(frame: pd.DataFrame, challenger: str = "swarm", incumbent: str = "centralized",
              column: str = "makespan") -> float:
    """The smallest size from which on ``challenger`` does at least as well as ``incumbent`` on ``column``
    at every larger size measured (mean over seeds; a run that did not complete every task does
    not count as doing well); ``inf`` if it does not at the largest size measured."""
    for name, pattern in (("challenger", challenger), ("incumbent", incumbent)):
        validate.one_of(name, pattern, sorted(set(frame["pattern"])))
    means = frame.groupby(["pattern", "agents"])[[column, "completion"]].mean()
    found = math.inf
    both = set(frame.loc[frame["pattern"] == challenger, "agents"]) & set(frame.loc[frame["pattern"] == incumbent,
                                                                                   "agents"])
    for size in sorted(both, reverse=True):
        mine, theirs = means.loc[(challenger, size)], means.loc[(incumbent, size)]
        if not (mine["completion"] == 1.0 and (theirs["completion"] < 1.0 or mine[column] <= theirs[column])):
            break
        found = float(size)
    return found


# --- complexity ----------------------------------------------------------------------------------
#: What each pattern asks its user to understand: its protocol, the classes of the agents its
#: run starts (every agent of the run is an instance of one of them), and its run function
#: (whose options are the knobs).
PARTS: dict[str, dict[str, Any]] = {
    "centralized": {"protocol": CENTRALIZED_PROTOCOL, "agents": (Client, Orchestrator, Worker),
                    "run": run_centralized},
    "peer-to-peer": {"protocol": [k for k in P2P_PROTOCOL if k.part == "contract net"], "agents": (ContractPeer,),
                     "run": run_contract_net},
    "hierarchical": {"protocol": HIERARCHICAL_PROTOCOL, "agents": (HierarchicalClient, Director, Lead, Worker),
                     "run": run_hierarchical},
    "consensus": {"protocol": [*RAFT_PROTOCOL, *REPLICATED_PROTOCOL],
                  "agents": (ReplicatedClient, OrchestratorReplica, Worker), "run": run_replicated},
    "swarm": {"protocol": BOARD_PROTOCOL, "agents": (Board, ThresholdWorker), "run": run_threshold},
}
#: Run options that are not knobs of the pattern: its input (tasks, workers and who owns what),
#: the seed, the simulated world (network, the modelled cost of handling a message, when the
#: client submits), fault injection and guards, and the hooks for breaking it on purpose.
NOT_KNOBS = frozenset({"tasks", "workers", "peers", "projects", "speeds", "managers", "seed", "latency", "loss",
                       "duplicate", "service_time", "submit_at", "faults", "until", "max_events", "fails",
                       "kill_leader_at", "replica"})


def knobs(run: Any) -> list[str]:
    """The options of a run function a user must choose: its keyword parameters but ``NOT_KNOBS``."""
    return [name for name, parameter in inspect.signature(run).parameters.items()
            if parameter.default is not inspect.Parameter.empty and name not in NOT_KNOBS]


def code_lines(source: Any) -> int:
    """Lines of a module's or a class's source that are neither blank nor only a comment (docstrings
    count: they are read)."""
    return sum(1 for line in inspect.getsource(source).splitlines() if line.strip() and not
               line.strip().startswith("#"))


def agent_classes(agents: Sequence[type[Agent]]) -> list[type[Agent]]:
    """``agents`` and the classes they inherit from, up to (not including) the world's ``Agent``:
    the code that says how the agents behave (``ContractPeer`` brings ``Peer``, ``Lead`` and
    ``Director`` bring ``Manager``, the replica brings ``RaftServer``). Each class once."""
    found: list[type[Agent]] = []
    for cls in agents:
        found.extend(base for base in cls.__mro__ if issubclass(base, Agent) and base is not Agent
                     and base not in found)
    return found


def agent_lines(agents: Sequence[type[Agent]]) -> int:
    """``code_lines`` of every class in ``agent_classes(agents)``."""
    return sum(code_lines(cls) for cls in agent_classes(agents))


def complexity(patterns: Sequence[str] = PATTERNS) -> pd.DataFrame:
    """How much a user must learn to use each pattern, measured from its code and protocol.

    ``message kinds``: rows of the protocol it runs (contract net's part of p2p's; Raft's
    and the replicated orchestrator's for consensus). ``agent lines``: non-blank, non-comment
    lines of the classes of the agents its run starts and of the pattern classes they inherit
    from (``PARTS``, ``agent_lines``). The same role is counted for every pattern: the agents'
    own code, read with ``inspect``; not the run function, the checkers, the run's result
    class or the module-level helpers and data classes the agents call (e.g. the swarm's
    vectorised rule, the replicated orchestrator's job state). ``knobs``: options of its run
    function a user must choose (``knobs``). ``score``: the mean of the three, each divided by
    its largest value over the patterns (1 = the most of everything).
    """
    rows = []
    for pattern in patterns:
        parts = PARTS[contender(pattern).name]
        rows.append({"pattern": pattern, "message kinds": len(parts["protocol"]),
                     "agent lines": agent_lines(parts["agents"]),
                     "knobs": len(knobs(parts["run"])), "knob names": ", ".join(knobs(parts["run"]))})
    frame = pd.DataFrame(rows).set_index("pattern")
    measures = frame[["message kinds", "agent lines", "knobs"]]
    frame["score"] = (measures / measures.max()).mean(axis=1)
    return frame


# --- fault tolerance -----------------------------------------------------------------------------
def fault_tolerance(agents: int = 16, rates: Sequence[float] = RATES, seeds: Sequence[int] = range(5),
                    patterns: Sequence[str] = PATTERNS, **engine: Any) -> pd.DataFrame:
    """How much of the job each pattern finishes, correctly, when agents fail: one row per run.

    Under random crashes at each of ``rates`` (every agent, coordinators included, crashes for
    good with that probability, within the ideal makespan), under Nemesis partitions, and when
    the busiest agent crashes (``measured_run``'s ``fault``; ``rate`` 0 in those rows);
    ``completion`` is the share of tasks done and ``valid`` the run's verdict (no task done
    twice, no result lost, dependencies respected, …). A task that only crashed workers could
    do cannot be done by any pattern: the same workload and seed crash the same workers
    whatever the pattern, so the comparison stays fair.
    """
    crashes = _sweep({"pattern": list(patterns), "agents": [agents], "fault": ["crashes"], "rate": list(rates)},
                     seeds, **engine)
    parted = _sweep({"pattern": list(patterns), "agents": [agents], "fault": ["partitions"], "rate": [0.0]},
                    seeds, **_cache_for(engine, "partitions"))
    busiest = _sweep({"pattern": list(patterns), "agents": [agents], "fault": ["busiest"], "rate": [0.0]},
                     seeds, **_cache_for(engine, "busiest"))
    return pd.concat([crashes, parted, busiest], ignore_index=True)


def _cache_for(engine: dict[str, Any], suffix: str) -> dict[str, Any]:
    """``engine`` with its cache file (if any) suffixed: one file per sweep of a column."""
    if engine.get("cache") is None:
        return engine
    root, ext = os.path.splitext(os.fspath(engine["cache"]))
    return {**engine, "cache": f"{root}_{suffix}{ext}"}


def fault_summary(frame: pd.DataFrame) -> pd.DataFrame:
    """``fault_tolerance`` per pattern: what it got done, correctly, under each fault.

    ``crash <rate>``, ``partitions`` and ``busiest crashed``: mean completion under that fault
    (the share of tasks done, whatever the verdict). ``busiest crashed, valid``: the same with
    the busiest agent crashed, counting only runs whose verdict was valid (what ``recommend``
    reads for surviving a coordinator's loss). ``valid share``: the share of all its runs
    whose verdict was valid. ``score``: over the same conditions (each crash rate, partitions,
    the busiest agent crashed), the mean of completion × valid per run, so a run whose verdict
    is invalid (a task done twice, a result lost, …) counts as nothing done: work that cannot
    be trusted is not fault tolerance. Each condition weighs the same.
    """
    valid_work = frame.assign(score=frame["completion"] * frame["valid"].astype(float))
    crashes = frame[frame["fault"] == "crashes"].pivot_table(index="pattern", columns="rate", values="completion",
                                                              sort=False)
    crashes.columns = [f"crash {rate:.0%}" for rate in crashes.columns]
    others = {fault: frame[frame["fault"] == fault].groupby("pattern", sort=False)["completion"].mean()
              for fault in ("partitions", "busiest")}
    summary = crashes.assign(partitions=others["partitions"], **{"busiest crashed": others["busiest"]})
    summary["busiest crashed, valid"] = valid_work[valid_work["fault"] == "busiest"].groupby(
        "pattern", sort=False)["score"].mean()
    summary["valid share"] = frame.groupby("pattern", sort=False)["valid"].mean()
    summary["score"] = valid_work.groupby(["pattern", "fault", "rate"], sort=False)["score"].mean().groupby(
        level="pattern", sort=False).mean()
    return summary


# --- predictability ------------------------------------------------------------------------------
def predictability(agents: int = 16, seeds: Sequence[int] = range(10), crash_rate: float = 0.2,
                   patterns: Sequence[str] = PATTERNS, **engine: Any) -> pd.DataFrame:
    """How much each pattern's result varies from one seed to the next: one row per pattern.

    Each seed draws a fresh workload of the same size and runs it. ``makespan cv``: the
    coefficient of variation (standard deviation / mean) of makespan ÷ ideal makespan without
    faults (dividing by the ideal takes out the workload's own variation, leaving the
    pattern's). ``completion spread``: the standard deviation of completion under random
    crashes at ``crash_rate``. ``outcomes``: how many different stop reasons the seeds ended
    with, faults or not. ``score``: makespan cv + completion spread (lower is more predictable).
    """
    validate.probability("crash_rate", crash_rate)
    clean = _sweep({"pattern": list(patterns), "agents": [agents]}, seeds, **engine)
    crashed = _sweep({"pattern": list(patterns), "agents": [agents], "fault": ["crashes"], "rate": [crash_rate]},
                     seeds, **_cache_for(engine, "crashes"))
    rows = []
    for pattern in patterns:
        ratio = clean[clean["pattern"] == pattern].eval("makespan / `ideal makespan`")
        faulty = crashed[crashed["pattern"] == pattern]
        both = pd.concat([clean[clean["pattern"] == pattern], faulty])
        cv = float(ratio.std(ddof=0) / ratio.mean())
        spread = float(faulty["completion"].std(ddof=0))
        rows.append({"pattern": pattern, "makespan cv": cv, "completion spread": spread,
                     "outcomes": both["stop_reason"].nunique(), "score": cv + spread})
    return pd.DataFrame(rows).set_index("pattern")
