"""What each peer-to-peer protocol promises, as checkers that read a run's trace.

Peers only ever know what reached them, so each promise is about the end of the run, judged
from the outside: discovery, that every live peer came to know every other; broadcast,
that every live peer still connected to the rumour got it; push-sum, that every estimate
ended near the mean; contract net, that every task was done exactly once. A crashed or
departed peer owes nothing: none of these checkers blames it.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import networkx as nx

from coordlab.patterns.p2p.overlay import Explicit, Overlay
from coordlab.patterns.p2p.peer import view_sizes
from coordlab.world import Checker, RunResult, Trace, Verdict, judge, validate

if TYPE_CHECKING:  # contract_net runs this module's checker: importing it here at run time would be circular
    from coordlab.patterns.p2p.contract_net import ContractTask


# --- discovery ---------------------------------------------------------------------------
def views_complete(result: RunResult) -> Verdict:
    """Checker: at the end, every live peer knows as many peers as there are other live peers.

    A view holds only peers that joined, and drops a peer that said ``bye``, so a view of
    that size is every other live peer (peers that crashed without a word are not live, but
    may still be known: then the count differs, and the checker says so).
    """
    live = result.trace.live_agents()
    sizes = view_sizes(result.trace)
    short = {name for name in live if sizes[name] != len(live) - 1}
    last_change = {e.agent: e for e in result.trace.select(("join", "view")) if e.agent in short}
    return judge("every live peer knows every other", sorted(last_change.values(), key=lambda e: e.seq),
                 f"all {len(live)} live peers know the {len(live) - 1} others",
                 "{n} live peer(s) ended knowing a different number of peers than the "
                 f"{len(live) - 1} others (their last view change below)")


# --- broadcast ---------------------------------------------------------------------------
def should_be_informed(trace: Trace, overlay: Overlay, informed: set[str]) -> set[str]:
    """Live peers connected (through live peers) to a live peer in ``informed``."""
    return {name for part in overlay.parts(trace.live_agents()) if not part.isdisjoint(informed) for name in part}


def everyone_informed(graph: nx.Graph | Overlay) -> Checker:
    """A checker: every live peer connected to the rumour (in ``graph``, a networkx graph or a
    run's overlay, newcomers' links included) has received it."""
    if not isinstance(graph, (nx.Graph, Overlay)):
        raise TypeError(f"graph={graph!r} is not allowed: give the networkx Graph the rumour spread over")
    overlay = Explicit(graph) if isinstance(graph, nx.Graph) else graph

    def every_live_connected_peer_informed(result: RunResult) -> Verdict:
        trace = result.trace  # (read as columns: 16,384 peers make 32,768 of these events)
        informed = {agent for _, _, _, agent, _ in trace.scan(["informed"])}
        missing = sorted(should_be_informed(trace, overlay, informed) - informed)
        joined = {agent: position for position, _, _, agent, _ in trace.scan(["join"])}
        return judge("every live connected peer informed", [trace.event_at(joined[name]) for name in missing],
                     f"all {len(informed)} informed; every live peer connected to them has the rumour",
                     "{n} live connected peer(s) never got the rumour (their join events below)")

    return every_live_connected_peer_informed


# --- averaging ---------------------------------------------------------------------------
def epsilon_value(epsilon: object) -> float:
    """``epsilon`` as a float > 0: how far from the true mean an estimate may be."""
    if validate.number("epsilon", epsilon) <= 0:
        raise ValueError(f"epsilon={epsilon!r} is not allowed: epsilon must be > 0")
    return float(epsilon)


def estimates_within(epsilon: float, true_mean: float) -> Checker:
    """A checker: every live peer's final estimate is within ``epsilon`` of ``true_mean``.

    A peer that crashed and recovered is live again (its pair was kept in ``stable``) and is judged.
    """
    epsilon = epsilon_value(epsilon)
    true_mean = validate.number("true_mean", true_mean)

    def every_estimate_close(result: RunResult) -> Verdict:
        trace = result.trace
        last = {agent: position for position, _, _, agent, _ in trace.scan(["mass"])}
        live = set(trace.live_agents())
        offending = [trace.event_at(position) for name, position in last.items()
                     if name in live and abs(trace.data_at(position)["estimate"] - true_mean) > epsilon]
        return judge(f"every estimate within {epsilon:g} of the mean", offending,
                     f"all {len(last)} estimates are within {epsilon:g} of {true_mean:g}",
                     "{n} peer(s) ended further than " + f"{epsilon:g} from {true_mean:g}")

    return every_estimate_close


# --- contract net ------------------------------------------------------------------------
def tasks_awarded_once_and_done(tasks: Sequence[ContractTask]) -> Checker:
    """A checker: every task done exactly once, and every award but the last withdrawn after a failure."""

    def every_task_awarded_once_and_done(result: RunResult) -> Verdict:
        offending = []
        for task in tasks:
            events = [e for e in result.trace.select(("announce", "award", "award_failed", "task_done"))
                      if e.data["task"] == task.id]
            done = [e for e in events if e.kind == "task_done"]
            awards = [e for e in events if e.kind == "award"]
            withdrawn = [e for e in events if e.kind == "award_failed"]
            if len(done) != 1:
                offending.extend(done or [e for e in events if e.kind == "announce"][:1]
                                 or result.trace.select(("join", "crash", "leave"), agent=task.owner)[-1:])
            elif len(awards) != len(withdrawn) + 1:
                offending.extend(awards)
        # Several orphaned tasks point at the same crash of their owner: show it once.
        unique = sorted({e.seq: e for e in offending}.values(), key=lambda e: e.seq)
        return judge("every task awarded once and done", unique,
                     f"all {len(tasks)} tasks done exactly once, each by its one standing award",
                     "{n} event(s) show a task not done (its announcement, or what happened to its owner), "
                     "done twice, or awarded twice at once")

    return every_task_awarded_once_and_done
