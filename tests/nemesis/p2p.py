"""Peer-to-peer under a random nemesis: broadcast, push-sum and contract net.

Every scenario draws ``Nemesis(seed=seed)`` (horizon 10 s: crashes of any peer, partitions,
loss up to 0.5, duplication, delays, slow peers). Even seeds recover every crash
(``recover=1.0``), odd seeds half of them (``recover=0.5``). Safety is judged on every run;
liveness only where the trace shows every crash recovered (and, for broadcast, the method
repeats itself). What is promised, exactly:

* **broadcast** (8 fully connected peers, flood / push / push-pull by seed, 30 rounds: 20
  after the heal). Safety: a peer is informed at most once, and only by a delivered
  message carrying the rumour from the peer it names (the origin alone by nobody); the
  run's ``informed`` is what the trace says. Liveness: push and push-pull, every crash
  recovered, then every peer is informed (a peer missed for 20 rounds is a violation; its
  chance is below 1e-9 here). Flooding sends once and promises nothing under loss.
* **push-sum** (6 fully connected peers, random values, 40 rounds: 30 after the heal; after
  30 rounds without faults every estimate is within 2e-4 of the mean, worst of 200 seeds). Safety: replaying the
  trace, each peer's pair changes only by the share it gave (half its pair) or a share
  delivered to it and added once; the sum at the peers (crashed ones included) plus the
  shares given and not yet added equals (sum of values, n) exactly, after every change.
  Liveness: every crash recovered, then nothing is left in flight and every estimate ends
  within 0.01 of the true mean.
* **contract net** (4 peers, 8 tasks of 1–5 s, one a second, 10% of runs fail at the
  contractor, 20 attempts per task). Safety: never two standing awards for one task; a
  task is done at most once, by its standing award, after its winner worked on it and said
  ``done``; a contractor works on a task at most once per award it got; every task not
  done is in ``ContractRun.unassigned`` with a reason the trace backs (abandoned, or its
  owner crashed for good). Liveness: every crash recovered, then every task done once.
"""
from __future__ import annotations

from collections import Counter
from fractions import Fraction
from typing import Any

from coordlab import Nemesis
from coordlab.patterns import p2p
from coordlab.patterns.p2p.broadcast import BroadcastRun
from tests.nemesis import Suite

HORIZON = 10.0
ROUNDS = 30
PEERS = 8


def nemesis(seed: int) -> Nemesis:
    return Nemesis(seed=seed, horizon=HORIZON, recover=1.0 if seed % 2 == 0 else 0.5)


def every_crash_recovered(trace) -> bool:
    """Whether every peer that crashed was running again at the end."""
    up: dict[str, bool] = {}
    for event in trace.select(("crash", "recover")):
        up[event.agent] = event.kind == "recover"
    return all(up.values())


# --- broadcast -----------------------------------------------------------------------------
def run_broadcast(seed: int) -> BroadcastRun:
    return p2p.run_broadcast("complete", PEERS, method=p2p.METHODS[seed % 3], rounds=ROUNDS, seed=seed,
                             faults=nemesis(seed))


def rumour_in(message) -> Any:
    """The rumour a delivered message carries (None if it carries none)."""
    if message.kind == "flood":
        return message.body[0]
    return message.body if message.kind in ("push", "pull", "pull_ok") else None


def broadcast_violations(run: BroadcastRun) -> list[str]:
    origin = next(iter(run.graph))
    problems = []
    brought: set[tuple[str, str]] = set()  # (receiver, sender) of a delivered message with the rumour
    informed: dict[str, int] = {}
    for event in run.trace:
        if event.kind == "deliver" and rumour_in(event.message) is not None:
            brought.add((event.agent, event.message.sender))
        elif event.kind == "informed":
            via = event.data["via"]
            informed[event.agent] = informed.get(event.agent, 0) + 1
            if via is None and event.agent != origin:
                problems.append(f"{event.agent} informed at t={event.time:g} by nobody, and is not the origin")
            elif via is not None and (event.agent, via) not in brought:
                problems.append(f"{event.agent} informed via {via} at t={event.time:g} with no rumour delivered")
    problems += [f"{peer} informed {count} times" for peer, count in sorted(informed.items()) if count > 1]
    if sorted(run.informed) != sorted(informed):
        problems.append(f"run.informed {sorted(run.informed)} is not the trace's {sorted(informed)}")
    if run.method != "flood" and every_crash_recovered(run.trace):
        missing = sorted(set(run.graph) - set(informed))
        if missing:
            problems.append(f"{run.method}: every crash recovered, yet {missing} never informed")
    return problems


# --- push-sum ------------------------------------------------------------------------------
AVERAGING_PEERS = 6
AVERAGING_ROUNDS = 40
EPSILON = 0.01


def run_push_sum(seed: int) -> p2p.AveragingRun:
    return p2p.run_push_sum("complete", AVERAGING_PEERS, rounds=AVERAGING_ROUNDS, seed=seed, faults=nemesis(seed))


def push_sum_violations(run: p2p.AveragingRun) -> list[str]:
    problems = []
    held = {name: (Fraction(value), Fraction(1)) for name, value in run.values.items()}
    total = (sum(s for s, _ in held.values()), Fraction(len(held)))
    now = list(total)  # the mass at the peers plus in flight, kept up to date event by event
    given: dict[tuple[str, int], tuple[Fraction, Fraction]] = {}  # (giver, number) -> share, not yet added
    added: set[tuple[str, int]] = set()
    delivered: set[tuple[str, str, int, Fraction, Fraction]] = set()  # (to, from, number, s, w)
    for event in run.trace:
        if event.kind == "deliver" and event.message.kind == "share":
            delivered.add((event.agent, event.message.sender, *event.message.body))
        if event.kind != "mass":
            continue
        peer, data = event.agent, event.data
        s, w = held[peer]
        if "sent" in data:
            share = data["share"]
            if share != (s / 2, w / 2):
                problems.append(f"{peer} gave {share} at t={event.time:g}, not half of its ({s}, {w})")
            given[(peer, data["sent"])] = share
            s, w = s - share[0], w - share[1]
            now = [now[0] + share[0], now[1] + share[1]]  # in flight now
        elif "absorbed" in data:
            key = (data["sender"], data["absorbed"])
            if key in added:
                problems.append(f"{peer} added share {key} twice (t={event.time:g})")
            elif key not in given or (peer, *key, *given[key]) not in delivered:
                problems.append(f"{peer} added share {key} at t={event.time:g}, which was not delivered to it")
            else:
                share = given.pop(key)
                s, w = s + share[0], w + share[1]
                added.add(key)
                now = [now[0] - share[0], now[1] - share[1]]  # no longer in flight
        if (data["s"], data["w"]) != (s, w):
            problems.append(f"{peer} recorded ({data['s']}, {data['w']}) at t={event.time:g}, "
                            f"but its shares make ({s}, {w})")
        old = held[peer]
        held[peer] = (data["s"], data["w"])
        now = [now[0] + data["s"] - old[0], now[1] + data["w"] - old[1]]
        if tuple(now) != total:
            problems.append(f"mass {tuple(now)} at t={event.time:g}, not {total}")
            break
    if every_crash_recovered(run.trace):
        if given:
            problems.append(f"every crash recovered, yet shares {sorted(given)} were never added")
        far = {peer: e for peer, e in p2p.final_estimates(run.trace).items() if abs(e - run.true_mean) > EPSILON}
        if far:
            problems.append(f"every crash recovered, yet estimates {far} are not within {EPSILON} of {run.true_mean}")
    return problems


# --- contract net --------------------------------------------------------------------------
CONTRACTORS = 4
TASKS = 8


def run_contract_net(seed: int) -> p2p.ContractRun:
    tasks = p2p.make_tasks(TASKS, p2p.peer_names(CONTRACTORS), seed)
    return p2p.run_contract_net(CONTRACTORS, tasks, seed=seed, fails=0.1, max_attempts=20, faults=nemesis(seed))


def contract_net_violations(run: p2p.ContractRun) -> list[str]:
    problems = []
    standing: dict[str, tuple[int, str]] = {}
    done: Counter[str] = Counter()
    said_done: set[tuple[str, str, int]] = set()  # (from, task, attempt) delivered to its manager
    worked: set[tuple[str, str]] = set()          # (contractor, task) whose work ended
    awards: Counter[tuple[str, str]] = Counter()  # (contractor, task): distinct awards made to it
    starts: Counter[tuple[str, str]] = Counter()  # (contractor, task): work started on it
    abandoned = set()
    for event in run.trace:
        if event.kind == "deliver" and event.message.kind == "done":
            said_done.add((event.message.sender, *event.message.body))
        elif event.kind in ("work_start", "work_end"):
            (starts if event.kind == "work_start" else worked).update([(event.agent, event.reason)])
        elif event.kind in ("award", "award_failed", "task_done", "task_abandoned"):
            task, attempt = event.data["task"], event.data.get("attempt")
            if event.kind == "award":
                if task in standing:
                    problems.append(f"{task} awarded to {event.data['to']} at t={event.time:g} while the award "
                                    f"to {standing[task][1]} still stood")
                standing[task] = (attempt, event.data["to"])
                awards[(event.data["to"], task)] += 1
            elif event.kind == "award_failed":
                if standing.pop(task, None) != (attempt, event.data["to"]):
                    problems.append(f"{task} attempt {attempt} withdrawn at t={event.time:g} but it did not stand")
            elif event.kind == "task_done":
                by = event.data["by"]
                if standing.pop(task, None) != (attempt, by):
                    problems.append(f"{task} done by {by} (attempt {attempt}) at t={event.time:g}, not its award")
                if (by, task, attempt) not in said_done or (by, task) not in worked:
                    problems.append(f"{task} counted done by {by} at t={event.time:g} without its work and done")
                done[task] += 1
            else:
                abandoned.add(task)
    problems += [f"{task} done {count} times" for task, count in sorted(done.items()) if count > 1]
    problems += [f"{who} worked on {task} {count} times for {awards[(who, task)]} award(s)"
                 for (who, task), count in sorted(starts.items()) if count > awards[(who, task)]]
    live = set(run.trace.live_agents())
    owners = {task.id: task.owner for task in run.tasks}
    missing = sorted(set(owners) - set(done))
    if sorted(run.unassigned) != missing:
        problems.append(f"unassigned {sorted(run.unassigned)} is not the tasks never done {missing}")
    for task in missing:
        if task not in abandoned and owners[task] in live:
            problems.append(f"{task} neither done nor abandoned, and its owner {owners[task]} is alive "
                            f"({run.unassigned.get(task)})")
    if every_crash_recovered(run.trace) and missing:
        problems.append(f"every crash recovered, yet {missing} not done")
    return problems


SUITES = [
    Suite("p2p-broadcast", run_broadcast, broadcast_violations),
    Suite("p2p-push-sum", run_push_sum, push_sum_violations),
    Suite("p2p-contract-net", run_contract_net, contract_net_violations),
]
