"""One run, one tidy row; and the coordination report any task run can print.

    row("swarm", workload(32, 8), faults=[Crash("p3", at=2.0)])
    print(coordination_report(run))

Every number is read from the run's trace (through ``coordlab.metrics`` where it has the
reading), the same way for every pattern, so the rows of different patterns compare.
Wall-clock time is never in a row: it differs from one machine and one run to the next,
so it is measured in ``benchmarks/`` only.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from coordlab import metrics
from coordlab.compare.contenders import contender
from coordlab.compare.workload import Workload
from coordlab.patterns.p2p import ContractRun
from coordlab.patterns.run import PatternRun
from coordlab.patterns.tasks import Task, TaskRun, task_list
from coordlab.world import Faults, validate


def task_times(run: PatternRun) -> pd.DataFrame:
    """One row per task: ``task``, ``done`` (bool), ``start`` and ``end`` of the attempt that counted.

    A task run's own table (``run.tasks``) where there is one; for contract net, which keeps
    no such table, its ``task_done`` events and its winners' ``work_start`` events.
    """
    if isinstance(run, TaskRun):
        table = run.tasks
        return pd.DataFrame({"task": table["task"], "done": table["state"] == "done",
                             "start": table["start"], "end": table["end"]})
    if isinstance(run, ContractRun):
        started = {(e.agent, e.reason): e.time for e in run.trace.select("work_start")}
        done = {e.data["task"]: (started.get((e.data["by"], e.data["task"]), math.nan), e.time)
                for e in run.trace.select("task_done")}
        rows = [{"task": t.id, "done": t.id in done, "start": done.get(t.id, (math.nan,))[0],
                 "end": done.get(t.id, (math.nan, math.nan))[1]} for t in run.tasks]
        return pd.DataFrame(rows, columns=["task", "done", "start", "end"])
    raise TypeError(f"run={run!r} is not allowed: give a task run (a pattern's run of tasks, e.g. from "
                    "run_centralized) or a contract-net run")


def finished_at(run: PatternRun) -> float:
    """The comparison's makespan: when the last task was done (NaN if none was).

    Not ``metrics.makespan``, the time of the last event of any kind: heartbeats and a Raft
    cluster's keep-alives go on after the work is over, and differ between patterns.
    """
    ends = task_times(run).query("done")["end"]
    return float(ends.max()) if len(ends) else math.nan


def messages_handled(run: PatternRun) -> dict[str, int]:
    """Per agent: messages it sent plus messages delivered to it."""
    return {agent: counts.get("sent", 0) + counts.get("received", 0)
            for agent, counts in metrics.messages_by_agent(run.trace).items()}


def busiest(run: PatternRun) -> tuple[str, int]:
    """The agent that handled the most messages (ties: the first name in sorted order), and how many."""
    handled = messages_handled(run)
    if not handled:
        return "", 0
    name = min(handled, key=lambda agent: (-handled[agent], agent))
    return name, handled[name]


def row(pattern: str, load: Workload, *, seed: int | None = None, faults: Faults = (), **options: Any) -> dict:
    """Run ``load`` with ``pattern`` and measure it: one row of the comparison.

    Columns: ``pattern``, ``agents`` (workers), ``tasks``, ``seed`` (the run's; default the
    workload's), ``makespan`` (``finished_at``), ``messages`` (all sent), ``busiest`` and
    ``busiest messages`` (``busiest``), ``completion`` (tasks done / tasks), ``stop_reason`` and
    ``valid`` (the run's verdict). ``options`` go to the pattern's adapter (e.g. ``depth`` for
    the hierarchy).
    """
    if not isinstance(load, Workload):
        raise TypeError(f"load={load!r} is not allowed: give a Workload, e.g. workload(tasks=32, agents=8)")
    seed = load.seed if seed is None else validate.seed(seed)
    chosen = contender(pattern)
    if unknown := sorted(set(options) - set(chosen.options())):
        allowed = f"it takes {', '.join(map(repr, chosen.options()))}" if chosen.options() else "it takes no options"
        given = ", ".join(f"{name}={options[name]!r}" for name in unknown)
        raise TypeError(f"{given} {'is' if len(unknown) == 1 else 'are'} not allowed for pattern={pattern!r}: "
                        f"{allowed}")
    run = chosen.run(load, seed=seed, faults=faults, **options)
    return measure(pattern, load, seed, run)


def measure(pattern: str, load: Workload, seed: int, run: PatternRun) -> dict:
    """The row of a finished ``run`` (see ``row``)."""
    name, handled = busiest(run)
    return {"pattern": pattern, "agents": len(load.workers), "tasks": len(load.tasks), "seed": seed,
            "makespan": finished_at(run), "messages": run.trace.tally().events.get("send", 0),
            "busiest": name, "busiest messages": handled,
            "completion": float(task_times(run)["done"].mean()), "stop_reason": run.stop_reason,
            "valid": bool(run.verdict)}


# --- the coordination report ------------------------------------------------------------------
@dataclass(frozen=True, repr=False)
class CoordinationReport:
    """What coordinating cost a run, from its trace.

    * ``messages_per_task``: messages sent / tasks: the overhead each unit of work carries;
    * ``busiest`` / ``busiest_messages``: the agent that handled the most messages (sent + received);
    * ``agents``: per agent, its role (``worker`` if it worked on a task, else ``coordinator``; a
      client that stands for the user is ``client``), messages sent and received, ``busy`` and
      ``idle`` seconds and ``utilisation``, over the whole run (``metrics.makespan``: until its
      last event, which may come after the last task, e.g. a coordinator still catching up);
    * ``task_wait``: mean seconds a task waited between being ready (its dependencies done, or
      the first task starting) and starting: the queue in front of the coordination;
    * ``coordinator_utilisation``: the busiest coordinator's share of time spent handling
      messages; near 1 means messages queue up in front of it.
    """

    tasks: int
    makespan: float
    messages_per_task: float
    busiest: str
    busiest_messages: int
    agents: pd.DataFrame
    task_wait: float
    coordinator_utilisation: float

    def __str__(self) -> str:
        workers = self.agents[self.agents["role"] == "worker"]
        return "\n".join([
            f"{self.tasks} tasks, the last done at {self.makespan:.2f} s, "
            f"{self.messages_per_task:.1f} messages per task",
            f"busiest agent: {self.busiest} ({self.busiest_messages} messages)",
            f"workers idle {workers['idle'].mean():.2f} s on average, busy {workers['utilisation'].mean():.0%} "
            "of the run",
            f"tasks waited {self.task_wait:.3f} s on average between ready and start",
            f"busiest coordinator busy {self.coordinator_utilisation:.1%} of the run",
        ])

    def __repr__(self) -> str:
        return f"<CoordinationReport\n{self}>"


def coordination_report(run: PatternRun, tasks: Workload | Sequence[Task] = ()) -> CoordinationReport:
    """The coordination report of any task run (every contender's, and ``run_centralized``'s own).

    ``tasks`` (the run's tasks, or its workload) tell each task's dependencies, for ``task_wait``;
    without them every task counts as ready when the first one started.
    """
    tasks = tasks.tasks if isinstance(tasks, Workload) else task_list(tasks)
    times = task_times(run)
    span = finished_at(run)
    length = metrics.makespan(run.trace)
    ids = set(times["task"])
    workers = {e.agent for e in run.trace.select("work_end") if e.reason in ids}
    counts = metrics.messages_by_agent(run.trace)
    busy = metrics.busy_time(run.trace)
    rows = []
    for agent in sorted(counts.keys() | busy.keys()):
        role = "worker" if agent in workers else "client" if agent == "client" else "coordinator"
        seconds = busy.get(agent, 0.0)
        rows.append({"agent": agent, "role": role, "sent": counts.get(agent, {}).get("sent", 0),
                     "received": counts.get(agent, {}).get("received", 0), "busy": seconds,
                     "idle": length - seconds, "utilisation": seconds / length if length else math.nan})
    agents = pd.DataFrame(rows, columns=["agent", "role", "sent", "received", "busy", "idle", "utilisation"])
    coordinators = agents[agents["role"] == "coordinator"]
    name, handled = busiest(run)
    return CoordinationReport(
        tasks=len(times), makespan=span,
        messages_per_task=run.trace.tally().events.get("send", 0) / max(1, len(times)),
        busiest=name, busiest_messages=handled, agents=agents, task_wait=mean_task_wait(times, tasks),
        coordinator_utilisation=float(coordinators["utilisation"].max()) if len(coordinators) else 0.0)


def mean_task_wait(times: pd.DataFrame, tasks: Sequence[Task]) -> float:
    """Mean of start − ready over the tasks done, where ready is when its last dependency in
    ``tasks`` was done (or, without dependencies, when the first task of the run started)."""
    done = times[times["done"]].set_index("task")
    if done.empty:
        return math.nan
    depends = {task.id: task.depends_on for task in tasks}
    first = float(done["start"].min())
    waits = [start - max([first, *(done["end"].get(dep, math.nan) for dep in depends.get(task, ()))])
             for task, start in done["start"].items()]
    return float(sum(waits) / len(waits))
