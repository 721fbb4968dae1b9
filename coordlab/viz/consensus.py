"""Pictures of consensus: quorums, Raft runs you can scrub, voting rules, juries, and the sweeps.

* ``quorums`` — n servers on a circle and two quorums of the same size: majorities always
  share a server, smaller quorums can miss each other (the whole idea of the chapter).
* ``server_states`` / ``cluster_at`` — each Raft server's role, term, log and commit index,
  replayed from a run's trace (what the pictures below draw).
* ``raft_timeline`` — per server over time: role and term, log length and commit index, crashes.
* ``raft_view`` — the cluster at one moment: each server's role and term, and its log as
  boxes coloured by term, the committed part solid (RaftScope's picture, from the trace).
* ``raft_scrubber`` — the timeline and the view under a time slider, with controls to crash
  or restart a server and to spread or align election timers; they re-run the (deterministic)
  simulation through the function the notebook hands in.
* ``rule_scores`` / ``profile_editor`` — each voting rule's scores and winner on a profile,
  and a widget to edit how many voters cast each ranking.
* ``generals_outcomes`` — the Byzantine generals' outcome tables as grids: one cell per run
  (traitor × strategy), coloured by which of IC1 and IC2 it broke.
* ``jury_curves``, ``election_time_vs_spread``, ``raft_under_loss``, ``om_message_growth`` — the Measure sweeps.

Every picture draws what runs left behind; the scrubber's re-runs happen in the function it
is given, never here. Widgets also show a static figure for their default values, so a notebook
executed headless still has a picture.
"""
from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

from coordlab.patterns.consensus.protocol import Entry
from coordlab.patterns.consensus.raft import CANDIDATE, FOLLOWER, LEADER
from coordlab.patterns.consensus.raft_run import SERVER_KINDS, RaftRun
from coordlab.patterns.consensus.voting import RANKED_RULES, Profile, elect
from coordlab.viz.explore import explore
from coordlab.viz.tasks import require_columns, sweep_lines
from coordlab.world import validate
from coordlab.world.trace import Trace

DOWN = "down"
ROLE_COLOURS = {FOLLOWER: "#d9d9d9", CANDIDATE: "#ffbf00", LEADER: "#1b7837", DOWN: "#d62728"}
#: Softer colours than the roles', so a log entry's term is not mistaken for a role.
TERM_COLOURS = plt.get_cmap("Set2").colors
ONLY_A, ONLY_B, BOTH, NEITHER = "#6baed6", "#fdae6b", "#756bb1", "#f0f0f0"


def term_colour(term: int) -> tuple[float, float, float]:
    """One colour per term (they repeat after eight terms)."""
    return TERM_COLOURS[(term - 1) % len(TERM_COLOURS)]


# --- the idea: any two majorities intersect ------------------------------------------------------
def quorums(n: int, sizes: Sequence[int] | None = None, *, title: str | None = None) -> Figure:
    """For each quorum size q: n servers on a circle, the first q (from the top, clockwise) as one
    quorum, the last q as another, and the servers in both.

    Two quorums of q among n share at least 2q − n servers (if that is positive), and the
    picture shows a pair that shares exactly that many: with q a majority they always share
    one, with q at most n/2 two of them can be disjoint. Default sizes: the majority and one less.
    """
    n = validate.count("n", n, maximum=25)
    majority = n // 2 + 1
    sizes = [majority, majority - 1] if sizes is None else sizes
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence) or not sizes:
        raise TypeError(f"sizes={sizes!r} is not allowed: give a list of quorum sizes, e.g. [3, 2]")
    sizes = [validate.count(f"sizes[{i}]", q, maximum=n) for i, q in enumerate(sizes)]
    angles = np.pi / 2 - 2 * np.pi * np.arange(n) / n
    fig, axes = plt.subplots(1, len(sizes), figsize=(3.3 * len(sizes), 4.0), squeeze=False)
    for ax, q in zip(axes[0], sizes):
        first, second = set(range(q)), set(range(n - q, n))  # they share exactly max(0, 2q - n)
        colours = [BOTH if i in first and i in second else ONLY_A if i in first else ONLY_B if i in second
                   else NEITHER for i in range(n)]
        ax.scatter(np.cos(angles), np.sin(angles), s=900, c=colours, edgecolors="#555555", zorder=2)
        for i, angle in enumerate(angles):
            ax.text(np.cos(angle), np.sin(angle), f"s{i + 1}", ha="center", va="center", fontsize=9, zorder=3)
        shared = len(first & second)
        verdict = "always share a server" if 2 * q > n else "can be disjoint"
        ax.set_title(f"n={n}, quorum q={q}: {shared} shared\nany two quorums {verdict}", fontsize=9)
        ax.set_xlim(-1.4, 1.4)
        ax.set_ylim(-1.3, 1.3)
        ax.set_aspect("equal")
        ax.axis("off")
    handles = [Patch(facecolor=c, edgecolor="#555555") for c in (ONLY_A, ONLY_B, BOTH)]
    fig.legend(handles, ["first quorum only", "second quorum only", "in both"], loc="lower center", ncols=3,
               frameon=False, fontsize=8)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    plt.close(fig)
    return fig


# --- Raft runs, replayed from the trace ------------------------------------------------------------
@dataclass(frozen=True)
class ServerState:
    """One Raft server as the trace shows it: role (or ``"down"``), term, log and commit index."""

    role: str
    term: int
    log: tuple[Entry, ...]
    commit_index: int


def server_states(trace: Trace, servers: Sequence[str]) -> list[tuple[float, str, ServerState]]:
    """Every change of a server's state, in trace order, as ``(time, server, state after it)``.

    Replayed from what the servers log (``restore``, ``election``, ``leader``, ``entries``,
    ``commit``), the world's ``crash`` and ``recover``, and the Raft messages delivered: a
    message of a higher term makes a server a follower of that term (Figure 2, all servers), and
    a candidate that hears the leader of its own term gives way (section 5.2). A crash keeps the
    term and the log (they are in ``stable``) and loses the commit index.
    """
    if not isinstance(trace, Trace):
        raise TypeError(f"trace={trace!r} is not allowed: give a run's trace (run.trace)")
    state = {name: ServerState(FOLLOWER, 0, (), 0) for name in servers}
    changes = [(0.0, name, state[name]) for name in servers]
    for e in trace:
        now = state.get(e.agent)
        if now is None:
            continue
        new = now
        if e.kind == "restore":
            new = replace(now, term=e.data["term"], log=tuple(e.data["entries"]))
        elif e.kind == "election":
            new = replace(now, role=CANDIDATE, term=e.data["term"])
        elif e.kind == "leader":
            new = replace(now, role=LEADER)
        elif e.kind == "entries":
            new = replace(now, log=now.log[:e.data["start"] - 1] + tuple(e.data["entries"]))
        elif e.kind == "commit":
            new = replace(now, commit_index=e.data["index"])
        elif e.kind == "crash":
            new = replace(now, role=DOWN, commit_index=0)
        elif e.kind == "recover":
            new = replace(now, role=FOLLOWER)
        elif e.kind == "deliver" and e.message.kind in SERVER_KINDS and now.role != DOWN:
            term = e.message.body.term
            if term > now.term:
                new = replace(now, role=FOLLOWER, term=term)
            elif term == now.term and now.role == CANDIDATE and e.message.kind == "append_entries":
                new = replace(now, role=FOLLOWER)
        if new != now:
            state[e.agent] = new
            changes.append((e.time, e.agent, new))
    return changes


def cluster_at(trace: Trace, servers: Sequence[str], t: float) -> dict[str, ServerState]:
    """Each server's state at time ``t`` (after everything that happened at ``t``)."""
    validate.number("t", t, minimum=0)
    state: dict[str, ServerState] = {}
    for time, name, now in server_states(trace, servers):
        if time > t:
            break
        state[name] = now
    return state


def _checked_run(run: object) -> RaftRun:
    if not isinstance(run, RaftRun):
        raise TypeError(f"run={run!r} is not allowed: give the RaftRun that run_raft (or a scenario) returned")
    return run


def _end(run: RaftRun) -> float:
    return max(run.result.time, max((e.time for e in run.trace), default=0.0)) or 1.0


def _draw_timeline(run: RaftRun, roles_ax, logs_ax, t: float | None = None) -> None:
    changes = server_states(run.trace, run.servers)
    end = _end(run)
    row = {name: i for i, name in enumerate(run.servers)}
    spans: dict[str, list[tuple[float, ServerState]]] = {name: [] for name in run.servers}
    for time, name, state in changes:
        if spans[name] and spans[name][-1][0] == time:
            spans[name].pop()  # several changes at one instant: draw where it ended up
        spans[name].append((time, state))
    for name, steps in spans.items():
        times = [time for time, _ in steps] + [end]
        for (start, state), stop in zip(steps, times[1:]):
            roles_ax.broken_barh([(start, stop - start)], (row[name] - 0.35, 0.7), color=ROLE_COLOURS[state.role],
                                 hatch="//" if state.role == DOWN else None, alpha=0.8 if state.role == DOWN else 1)
        terms = [(time, state.term) for time, state in steps if state.role != DOWN]
        shown = [(time, term) for i, (time, term) in enumerate(terms) if i == 0 or term != terms[i - 1][1]]
        for time, term in shown:
            roles_ax.text(time + 0.01 * end, row[name], str(term), fontsize=7, va="center")
        lengths = [(time, len(state.log)) for time, state in steps]
        commits = [(time, state.commit_index) for time, state in steps]
        line, = logs_ax.step([x for x, _ in lengths] + [end], [y for _, y in lengths] + [lengths[-1][1]],
                             where="post", label=f"{name} log")
        logs_ax.step([x for x, _ in commits] + [end], [y for _, y in commits] + [commits[-1][1]], where="post",
                     ls="--", color=line.get_color(), alpha=0.8)
    roles_ax.set_yticks(list(row.values()), list(row))
    roles_ax.set_ylim(len(row) - 0.5, -0.5)
    roles_ax.set_xlim(0, end)
    roles_ax.set_title("role (numbers: term)", fontsize=9, loc="left")
    roles_ax.legend([Patch(color=c) for c in ROLE_COLOURS.values()], list(ROLE_COLOURS), ncols=4, fontsize=7,
                    loc="lower right", bbox_to_anchor=(1.0, 1.0), frameon=False)
    logs_ax.set_xlim(0, end)
    logs_ax.set_xlabel("simulated time (s)")
    logs_ax.set_ylabel("entries")
    logs_ax.set_title("log length (solid) and commit index (dashed)", fontsize=9, loc="left")
    logs_ax.legend(fontsize=7, ncols=len(row), loc="upper left")
    logs_ax.grid(alpha=0.3)
    if t is not None:
        for ax in (roles_ax, logs_ax):
            ax.axvline(t, color="black", lw=1.2)


def raft_timeline(run: RaftRun, *, title: str | None = None) -> Figure:
    """Per server over the whole run: its role (coloured) and term, then its log length and commit index."""
    run = _checked_run(run)
    fig, (roles_ax, logs_ax) = plt.subplots(2, 1, figsize=(9, 1.2 + 0.45 * len(run.servers) + 2.4), sharex=True,
                                            gridspec_kw={"height_ratios": [len(run.servers), 5]})
    _draw_timeline(run, roles_ax, logs_ax)
    fig.suptitle(title or "Raft: who led when, and how the logs grew", fontsize=10)
    fig.tight_layout()
    plt.close(fig)
    return fig


def _draw_view(run: RaftRun, ax, t: float) -> None:
    state = cluster_at(run.trace, run.servers, t)
    longest = max((len(s.log) for s in state.values()), default=0)
    width = max(longest, 4)
    for row, name in enumerate(run.servers):
        now = state[name]
        ax.text(-0.3, row, f"{name}  {now.role}\nterm {now.term}", ha="right", va="center", fontsize=8,
                color="white" if now.role in (LEADER, DOWN) else "black",
                bbox=dict(boxstyle="round,pad=0.3", fc=ROLE_COLOURS[now.role], ec="none"))
        for index, entry in enumerate(now.log, start=1):
            committed = index <= now.commit_index
            ax.add_patch(Rectangle((index - 1, row - 0.35), 0.92, 0.7, facecolor=term_colour(entry.term),
                                   alpha=1.0 if committed else 0.35, edgecolor="black",
                                   linewidth=1.6 if committed else 0.5, linestyle="-" if committed else "--"))
            if longest <= 30:
                ax.text(index - 0.54, row, str(entry.term), ha="center", va="center", fontsize=7)
        if now.commit_index:
            ax.plot([now.commit_index - 0.04] * 2, [row - 0.45, row + 0.45], color="black", lw=2)
    ax.set_xlim(-0.2, width + 0.2)
    ax.set_ylim(len(run.servers) - 0.4, -0.6)
    ax.set_xticks([i - 0.54 for i in range(1, width + 1)] if width <= 30 else [])
    ax.set_xticklabels([str(i) for i in range(1, width + 1)] if width <= 30 else [], fontsize=7)
    ax.set_yticks([])
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.set_xlabel("log index (box: an entry, number and colour: its term; solid, up to the bar: committed)",
                  fontsize=8)
    flying = sum(1 for e in run.trace.select("send") if e.message.kind in SERVER_KINDS and e.time <= t
                 and _arrives_after(run.trace, e.message.id, t))
    ax.set_title(f"the cluster at t = {t:.2f} s  ({flying} server messages in flight)", fontsize=9, loc="left")


@functools.lru_cache(maxsize=8)
def _fates(trace: Trace) -> dict[int, float]:
    """When each message was delivered or dropped, by message id."""
    return {e.message.id: e.time for e in trace.select(("deliver", "drop")) if e.message is not None}


def _arrives_after(trace: Trace, message_id: int, t: float) -> bool:
    return _fates(trace).get(message_id, math.inf) > t


def raft_view(run: RaftRun, t: float, *, title: str | None = None) -> Figure:
    """The cluster at time ``t``: each server's role and term, and its log coloured by term, committed part solid."""
    run = _checked_run(run)
    validate.number("t", t, minimum=0)
    longest = max((len(s.log) for s in cluster_at(run.trace, run.servers, t).values()), default=0)
    fig, ax = plt.subplots(figsize=(min(12.0, 3.0 + 0.4 * max(longest, 4)), 0.6 * len(run.servers) + 1.3))
    _draw_view(run, ax, t)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    plt.close(fig)
    return fig


def scrub_figure(run: RaftRun, t: float, *, title: str | None = None) -> Figure:
    """The scrubber's picture: the whole run's timeline with a line at ``t``, and the cluster at ``t`` below."""
    run = _checked_run(run)
    validate.number("t", t, minimum=0)
    n = len(run.servers)
    fig, (roles_ax, logs_ax, view_ax) = plt.subplots(3, 1, figsize=(10, 0.45 * n + 2.2 + 0.6 * n + 1.6),
                                                     gridspec_kw={"height_ratios": [n, 3.5, n + 1]})
    _draw_timeline(run, roles_ax, logs_ax, t)
    _draw_view(run, view_ax, t)
    fig.suptitle(title or run.describe(), fontsize=9)
    fig.tight_layout()
    plt.close(fig)
    return fig


Simulate = Callable[..., RaftRun]


RESTARTS = [("never", None), ("after 1 s", 1.0), ("after 2 s", 2.0)]
TIMERS = [("spread 0–0.5 s", 0.5), ("spread 0–0.02 s", 0.02), ("aligned (no spread)", 0.0)]


def raft_scrubber(simulate: Simulate, servers: Sequence[str], *, horizon: float = 6.0, t: float = 2.5,
                  crash: str | None = None, at: float = 2.0, restart_after: float | None = None,
                  spread: float = 0.5) -> None:
    """A Raft run you can scrub, crash and replay, as RaftScope does.

    ``simulate(crash, at, restart_after, spread=...)`` returns the run for those settings
    (``coordlab.patterns.consensus.scenarios.demo`` does): ``crash`` is a server's name,
    ``"leader"`` or None; the server crashes at ``at`` and restarts ``restart_after`` seconds
    later (None: never); ``spread`` is the random part of the election timeouts (0: aligned).
    The time slider only moves through the finished run; the other controls re-run it (same
    seed, so the same run up to the crash). ``crash``, ``at``, ``restart_after`` and ``spread`` are
    the controls' first values; headless, the figure for them is what the notebook shows.
    """
    if not callable(simulate):
        raise TypeError(f"simulate={simulate!r} is not allowed: give a function that returns a RaftRun, "
                        "e.g. coordlab.patterns.consensus.scenarios.demo")
    if isinstance(servers, str) or not isinstance(servers, Sequence) or not servers:
        raise TypeError(f"servers={servers!r} is not allowed: give the list of server names")
    horizon = validate.number("horizon", horizon)
    if horizon <= 0:
        raise ValueError(f"horizon={horizon!r} is not allowed: horizon must be > 0 seconds")
    if not 0 <= validate.number("t", t) <= horizon:
        raise ValueError(f"t={t!r} is not allowed: t must be between 0 and horizon={horizon!r}")
    crashable = [("nobody", None), ("the leader", "leader"), *[(name, name) for name in servers]]
    validate.one_of("crash", crash, [value for _, value in crashable])
    if not 0.5 <= validate.number("at", at) <= horizon:
        raise ValueError(f"at={at!r} is not allowed: at must be between 0.5 and horizon={horizon!r}")
    validate.one_of("restart_after", restart_after, [value for _, value in RESTARTS])
    validate.one_of("spread", spread, [value for _, value in TIMERS])

    @functools.lru_cache(maxsize=16)
    def run_for(crash: str | None, at: float, restart_after: float | None, spread: float) -> RaftRun:
        return simulate(crash, at, restart_after, spread=spread)

    def draw(t: float, crash: str | None, at: float, restart_after: float | None, spread: float) -> Figure:
        return scrub_figure(run_for(crash, at, restart_after, spread), t)

    explore(draw,
            t=widgets.FloatSlider(value=t, min=0.0, max=horizon, step=0.05, description="time",
                                  continuous_update=False),
            crash=widgets.Dropdown(options=crashable, value=crash, description="crash"),
            at=widgets.FloatSlider(value=at, min=0.5, max=horizon, step=0.5, description="at (s)"),
            restart_after=widgets.Dropdown(options=RESTARTS, value=restart_after, description="restart"),
            spread=widgets.Dropdown(options=TIMERS, value=spread, description="timers"))


# --- voting rules ---------------------------------------------------------------------------------
def rule_scores(profile: Profile, *, title: str | None = None) -> Figure:
    """One panel per ranked rule: each candidate's score, the winner's bar dark (IRV: its last round)."""
    if not isinstance(profile, Profile):
        raise TypeError(f"profile={profile!r} is not allowed: give a Profile of ranked ballots")
    fig, axes = plt.subplots(1, len(RANKED_RULES), figsize=(2.6 * len(RANKED_RULES), 2.8), squeeze=False)
    for ax, rule in zip(axes[0], RANKED_RULES):
        outcome = elect(profile, rule)
        names = list(profile.candidates)
        scores = [outcome.scores.get(name, 0) for name in names]
        ax.bar(names, scores, color=["#08519c" if name == outcome.winner else "#9ecae1" for name in names])
        note = " (tie broken)" if outcome.tie_broken else ""
        ax.set_title(f"{rule}: {outcome.winner}{note}", fontsize=9)
        ax.tick_params(labelsize=8)
    axes[0][0].set_ylabel("score", fontsize=8)
    fig.suptitle(title or f"{len(profile)} voters: each rule's scores and winner", fontsize=10)
    fig.tight_layout()
    plt.close(fig)
    return fig


def profile_editor(profile: Profile) -> None:
    """Edit how many voters cast each ranking of ``profile``'s candidates and watch each rule's winner.

    Every ranking of the (at most four) candidates gets a box, starting from ``profile``'s counts.
    """
    if not isinstance(profile, Profile):
        raise TypeError(f"profile={profile!r} is not allowed: give a Profile of ranked ballots")
    if len(profile.candidates) > 4:
        raise ValueError(f"profile={profile!r} is not allowed: the editor takes at most 4 candidates "
                         f"(24 rankings); this one has {len(profile.candidates)}")
    counts = profile.counts()
    rankings = [">".join(order) for order in itertools.permutations(profile.candidates)]

    def draw(**edited: int) -> Figure:
        cast = {ranking: voters for ranking, voters in edited.items() if voters > 0}
        if not cast:
            fig, ax = plt.subplots(figsize=(6, 1.5))
            ax.text(0.5, 0.5, "no ballots: give at least one ranking a voter", ha="center", va="center")
            ax.axis("off")
            plt.close(fig)
            return fig
        return rule_scores(Profile(cast))

    explore(draw, **{ranking: widgets.BoundedIntText(value=counts.get(ranking, 0), min=0, max=99,
                                                     description=ranking, layout=widgets.Layout(width="150px"))
                     for ranking in rankings})


# --- the Measure sweeps ---------------------------------------------------------------------------
def jury_curves(table: pd.DataFrame, *, title: str | None = None) -> Figure:
    """Majority accuracy against jury size n, one line per correlation rho: the formula as a line,
    the measurement as dots with ±2 standard errors; Condorcet's independent promise dashed.

    ``table`` is ``coordlab.patterns.consensus.jury.accuracy_table``'s (columns n, rho, measured,
    exact, independent, se).
    """
    require_columns(table, n="n", rho="rho", measured="measured", exact="exact", independent="independent", se="se")
    fig, ax = plt.subplots(figsize=(6.5, 4))
    for rho, rows in table.groupby("rho"):
        line, = ax.plot(rows["n"], rows["exact"], label=f"rho = {rho:g} (formula)")
        ax.errorbar(rows["n"], rows["measured"], yerr=2 * rows["se"], fmt="o", ms=4, capsize=2,
                    color=line.get_color())
    promise = table.drop_duplicates("n").sort_values("n")
    ax.plot(promise["n"], promise["independent"], "k--", lw=1, label="independent agents (Condorcet)")
    ax.set_xlabel("jury size n")
    ax.set_ylabel("P(majority is right)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title(title or "Asking more agents helps only if they judge independently", fontsize=10)
    fig.tight_layout()
    plt.close(fig)
    return fig


def election_time_vs_spread(frame: pd.DataFrame, *, title: str | None = None) -> Figure:
    """Time to the first leader and split votes against the random spread of the election timeouts.

    ``frame`` has one row per run with columns spread, ``time to leader`` (NaN: no leader by the
    end of the run) and ``split votes`` (elections that ended without a leader). Lines are means
    over seeds with their min–max band; the runs with no leader are counted in the title.
    """
    require_columns(frame, x="spread", time="time to leader", splits="split votes")
    fig, (time_ax, split_ax) = plt.subplots(1, 2, figsize=(10, 3.8))
    sweep_lines(frame, "spread", "time to leader", ax=time_ax, label="time to the first leader")
    sweep_lines(frame, "spread", "split votes", ax=split_ax, label="split votes")
    for ax in (time_ax, split_ax):
        ax.set_xscale("symlog", linthresh=0.01)
        ax.set_xlabel("timeout spread (s, symlog scale)")
    time_ax.set_ylabel("seconds (runs that elected one)")
    split_ax.set_ylabel("elections without a leader, per run")
    never = int(frame["time to leader"].isna().sum())
    fig.suptitle(title or f"Randomised timeouts break split votes ({never} of {len(frame)} runs elected no leader)",
                 fontsize=10)
    fig.tight_layout()
    plt.close(fig)
    return fig


def raft_under_loss(frame: pd.DataFrame, *, title: str | None = None) -> Figure:
    """Operations per simulated second, and operation latency (median and 95th percentile), against loss.

    ``frame`` has one row per run with columns loss, ``operations per second``, ``median latency``
    and ``p95 latency``.
    """
    require_columns(frame, x="loss", throughput="operations per second", median="median latency",
                    p95="p95 latency")
    fig, (rate_ax, latency_ax) = plt.subplots(1, 2, figsize=(10, 3.8))
    sweep_lines(frame, "loss", "operations per second", ax=rate_ax, label="operations per second")
    sweep_lines(frame, "loss", "median latency", ax=latency_ax, label="median")
    sweep_lines(frame, "loss", "p95 latency", ax=latency_ax, label="95th percentile")
    latency_ax.set_ylabel("latency (s)")
    latency_ax.legend(fontsize=8)
    for ax in (rate_ax, latency_ax):
        ax.set_xlabel("message loss probability")
    fig.suptitle(title or "Raft under loss: every lost message costs a retry", fontsize=10)
    fig.tight_layout()
    plt.close(fig)
    return fig


# --- the Byzantine generals -----------------------------------------------------------------------
HELD, IC2_BROKEN, IC1_BROKEN, BOTH_BROKEN = "#a1d99b", "#fdae6b", "#e6550d", "#a63603"


def generals_outcomes(tables: dict[str, pd.DataFrame], *, title: str | None = None) -> Figure:
    """One grid per ``outcome_table``: a row per choice of traitors, a column per strategy, a cell per run,
    coloured by which of IC1 and IC2 it broke (green: both held).

    ``tables`` maps a panel's title (e.g. "OM(1), 3 generals") to a table with columns traitors,
    strategies, IC1 and IC2, as ``coordlab.patterns.consensus.outcome_table`` returns.
    """
    if not isinstance(tables, dict) or not tables:
        raise TypeError(f"tables={tables!r} is not allowed: give a dict from a panel title to an outcome_table")
    for table in tables.values():
        require_columns(table, traitors="traitors", strategies="strategies", ic1="IC1", ic2="IC2")
    fig, axes = plt.subplots(len(tables), 1, squeeze=False,
                             figsize=(9, sum(0.45 * table["traitors"].nunique() + 1.4 for table in tables.values())),
                             gridspec_kw={"height_ratios": [table["traitors"].nunique() + 2
                                                            for table in tables.values()]})
    for ax, (name, table) in zip(axes[:, 0], tables.items()):
        rows, columns = list(dict.fromkeys(table["traitors"])), list(dict.fromkeys(table["strategies"]))
        for _, run in table.iterrows():
            colour = {(True, True): HELD, (True, False): IC2_BROKEN, (False, True): IC1_BROKEN,
                      (False, False): BOTH_BROKEN}[(bool(run["IC1"]), bool(run["IC2"]))]
            x, y = columns.index(run["strategies"]), rows.index(run["traitors"])
            ax.add_patch(Rectangle((x - 0.45, y - 0.4), 0.9, 0.8, facecolor=colour, edgecolor="white"))
        broken = int((~(table["IC1"] & table["IC2"])).sum())
        ax.set_xlim(-0.5, len(columns) - 0.5)
        ax.set_ylim(len(rows) - 0.5, -0.5)
        ax.set_xticks(range(len(columns)), [label.replace("(", "\n(", 1) for label in columns], fontsize=7)
        ax.set_yticks(range(len(rows)), [f"traitor {label}" for label in rows], fontsize=8)
        ax.tick_params(length=0)
        for side in ax.spines.values():
            side.set_visible(False)
        ax.set_title(f"{name}: {broken} of {len(table)} runs break IC1 or IC2", fontsize=9, loc="left")
    legend = [Patch(color=HELD, label="IC1 and IC2 hold"), Patch(color=IC2_BROKEN, label="IC2 broken"),
              Patch(color=IC1_BROKEN, label="IC1 broken"), Patch(color=BOTH_BROKEN, label="both broken")]
    fig.legend(handles=legend, loc="upper right", ncols=4, fontsize=8, frameon=False)
    fig.suptitle(title or "One traitor, every position and strategy", fontsize=10, x=0.02, ha="left")
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    plt.close(fig)
    return fig


def om_message_growth(table: pd.DataFrame, *, title: str | None = None) -> Figure:
    """Messages OM(m) sent against the number of generals n, on log axes, one colour per m: the measured
    counts as dots, the exact count as a line, n^(m+1) dashed.

    ``table`` is ``coordlab.patterns.consensus.message_counts``'s (columns n, m, messages, exact, n^(m+1)).
    """
    require_columns(table, n="n", m="m", messages="messages", exact="exact", bound="n^(m+1)")
    fig, ax = plt.subplots(figsize=(6.5, 4))
    for m, rows in table.sort_values("n").groupby("m"):
        line, = ax.plot(rows["n"], rows["exact"], label=f"OM({m}): exact count")
        ax.plot(rows["n"], rows["messages"], "o", color=line.get_color(), ms=5)
        ax.plot(rows["n"], rows["n^(m+1)"], "--", color=line.get_color(), lw=1, label=f"n^{m + 1}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks(sorted(set(table["n"])), [str(n) for n in sorted(set(table["n"]))])
    ax.set_xlabel("generals n (log scale)")
    ax.set_ylabel("messages (log scale; dots: measured)")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    ax.set_title(title or "OM(m) sends about n^(m+1) messages: one more traitor, one more power of n", fontsize=10)
    fig.tight_layout()
    plt.close(fig)
    return fig
