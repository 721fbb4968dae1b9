"""The three hybrids under a random nemesis, judged from their own traces.

Each runs the centralized suite's random layered DAG of two task types on its three workers
of different capabilities and capacities (each task's real work returning its id and inputs),
with the task suites' generous retry policy, under ``Nemesis(seed=seed, spare=<the clients>)``:
crashes of any other agent (leads, the orchestrator, the floor, the director, workers),
partitions, loss up to 0.5, duplication, delays that reorder, slow agents. Even seeds draw
crashes that all recover, odd seeds crashes that recover half the time. The clients stand for
the user, as in the parents' suites.

* ``hybrid teams p2p``: two teams (``[worker-1, worker-2]``, ``[worker-3]``: the second can do
  type b only, so its lead must borrow or lend);
* ``hybrid goals swarm``: the orchestrator, the floor and the three workers;
* ``hybrid groups hierarchy``: two groups under the director, split as the teams are.

What ``violations`` recomputes, from the trace (the checks shared with the threshold suite,
``tests/nemesis/threshold.py``) and each parent suite's own judge where the hybrid keeps the
parent's top unchanged:

* every hybrid: each task settled at most once and only by its owner, with a reason unless
  done; no attempt before its dependencies; right values and inputs; every attempt a worker
  started was handed to it; the run stops with the job's outcome (``no_answer`` only if an
  owner was down for good), completes once every crash recovered, and ends by itself;
* teams: each task settled by the lead whose share it is; a worker talks only to its own lead;
* goals: the centralized suite's judge (journal values, the client's report, no received result
  lost); the orchestrator assigns only to the floor and only the floor grants; every result
  the floor acknowledged is of a task done;
* groups: the hierarchical suite's containment (a reaction or an escalation only in a subtree a
  failure touched) and no result the director handled lost; messages only between a manager
  and a direct report; every result a group lead acknowledged is of a task done.
"""
from __future__ import annotations

import re
from typing import Any

from coordlab.patterns.centralized.protocol import CLIENT, ORCHESTRATOR
from coordlab.patterns.hierarchical.run import HierarchicalRun
from coordlab.patterns.hybrids import (
    FLOOR,
    GoalsSwarmRun,
    TeamsRun,
    run_goals_swarm,
    run_groups_hierarchy,
    run_teams_p2p,
)
from coordlab.world.trace import Event
from tests.nemesis import RETRY, UNTIL, Suite, centralized, hierarchical, settled_once
from tests.nemesis.centralized import RANDOM_DAG_WORKERS, random_dag_tasks
from tests.nemesis.threshold import (
    acknowledged_results_done,
    nemesis,
    right_values,
    started_only_when_granted,
    the_ending,
)

TEAMS = 2
SLOW_STARTS = re.compile(r"Slow\((.+)\) starts")  # a slow spell's first fault event


def run_teams(seed: int) -> TeamsRun:
    clients = [f"client-{i + 1}" for i in range(TEAMS)]
    return run_teams_p2p(random_dag_tasks(seed), RANDOM_DAG_WORKERS, teams=TEAMS, retry=RETRY, seed=seed,
                         faults=nemesis(seed, clients), until=UNTIL)


def run_goals(seed: int) -> GoalsSwarmRun:
    return run_goals_swarm(random_dag_tasks(seed), RANDOM_DAG_WORKERS, retry=RETRY, seed=seed,
                           faults=nemesis(seed, [CLIENT]), until=UNTIL)


def run_groups(seed: int) -> HierarchicalRun:
    return run_groups_hierarchy(random_dag_tasks(seed), RANDOM_DAG_WORKERS, groups=TEAMS, retry=RETRY, seed=seed,
                                faults=nemesis(seed, [CLIENT]), until=UNTIL)


def common(run: Any, tasks: list, owners: list[str], grant_kinds: list[str]) -> tuple[dict[str, str], list[str]]:
    """The checks every hybrid shares; also returns each task's final state."""
    events = list(run.trace)
    state, found = settled_once(events, tasks, owners)
    found += right_values(events, tasks, state)
    found += started_only_when_granted(events, grant_kinds)
    found += the_ending(run, state, owners)
    return state, found


def teams_violations(run: TeamsRun) -> list[str]:
    events = list(run.trace)
    shares = {e.agent: e.message.body.tasks for e in events if e.kind == "send" and e.message.kind == "submit"}
    tasks = [task for share in shares.values() for task in share]  # each client's submit: its share
    state, found = common(run, tasks, list(run.teams), ["assign"])
    owner = {tid: lead for lead, share in run.shares.items() for tid in share}
    found += [f"{e.data['task']} {e.kind} by {e.agent}, not by {owner[e.data['task']]} whose share it is"
              for e in events if e.kind in ("task_done", "task_failed", "task_skipped")
              and e.agent != owner[e.data["task"]]]
    lead_of = {worker: lead for lead, team in run.teams.items() for worker in team}
    found += sorted({f"{e.agent} -> {e.peer}: a worker talks only to its own lead" for e in events
                     if e.kind == "send" and (e.agent in lead_of or e.peer in lead_of)
                     and lead_of.get(e.agent, e.agent) != lead_of.get(e.peer, e.peer)})
    return found


def goals_violations(run: GoalsSwarmRun) -> list[str]:
    events = list(run.trace)
    tasks = centralized.submitted(run)
    state, found = common(run, tasks, [ORCHESTRATOR], ["granted"])
    found += centralized.violations(run)
    found += [f"{e.agent} assigned {e.data['task']} to {e.data['worker']}: only the floor is assigned work"
              for e in events if e.kind == "task_assigned" and e.data["worker"] != FLOOR]
    found += [f"{e.agent} granted {e.data['task']}: only the floor grants" for e in events
              if e.kind == "task_taken" and e.agent != FLOOR]
    found += acknowledged_results_done(run, state, ["done_ok"])
    return sorted(set(found), key=found.index)  # the two judges may say the same thing


def slowed(e: Event) -> list[str]:
    """The agent a slow spell starts at: a group hands out leases, not heartbeat watches, so a
    lease running out on a slowed member is the reaction to a failure (a straggler), by design."""
    slow = SLOW_STARTS.fullmatch(e.reason or "") if e.kind == "fault" else None
    return [slow.group(1)] if slow else []


def groups_violations(run: HierarchicalRun) -> list[str]:
    events = list(run.trace)
    chart = run.chart
    tasks = hierarchical.ordered(run)
    state, found = common(run, tasks, [chart.director], ["granted"])
    lost = sorted(tid for tid in hierarchical.handled_results(run) if state[tid] != "done")
    if lost:
        found.append(f"results the director handled, yet the task not done: {', '.join(lost)}")
    found += hierarchical.contained(run, also_touched=slowed)  # a slow spell touches its agent too
    allowed = {(CLIENT, chart.director), (chart.director, CLIENT)}
    allowed |= {pair for child, boss in chart.parent.items() if boss for pair in ((child, boss), (boss, child))}
    found += sorted({f"{e.agent} -> {e.peer}: skipped a level or went sideways" for e in events
                     if e.kind == "send" and (e.agent, e.peer) not in allowed})
    found += acknowledged_results_done(run, state, ["done_ok"])
    return found


SUITES = [Suite("hybrid teams p2p", run_teams, teams_violations),
          Suite("hybrid goals swarm", run_goals, goals_violations),
          Suite("hybrid groups hierarchy", run_groups, groups_violations)]
