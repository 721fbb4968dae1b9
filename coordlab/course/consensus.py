"""Exercise checks for notebook 06, consensus.

Each check runs the learner's function on fixed cases (voting profiles, Raft scenarios, every
small cluster), prints ✅ or ❌ with a hint, and never raises. Where a wrong answer would make a
system unsafe, the ❌ shows the run that proves it: the checker that broke and its evidence.
"""
from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Mapping
from numbers import Real

from coordlab.course.report import CheckResult, exercise_check, failed, not_given, passed
from coordlab.patterns.consensus.generals import outcome_table
from coordlab.patterns.consensus.protocol import RequestVote
from coordlab.patterns.consensus.raft import RaftServer
from coordlab.patterns.consensus.raft_run import ALL_DONE, RaftRun, run_raft
from coordlab.patterns.consensus.scenarios import short_log_same_term, stale_long_log
from coordlab.patterns.consensus.voting import PARADOXES, Profile, borda, random_profile
from coordlab.world import Nemesis

BORDA = "Exercise 1 — the Borda count"
VOTE = "Exercise 2 — Raft's vote-granting rule"
QUORUM = "Exercise 3 — the quorum size"
GENERALS = "Exercise 4 — how many generals for f traitors"


# --- Exercise 1: the Borda count ------------------------------------------------------------------
def borda_profiles() -> dict[str, Profile]:
    """The paradox profiles and a few random ones, 3 to 5 candidates."""
    randoms = {f"random {m} candidates, seed {seed}": random_profile(m, 9, seed=seed)
               for m, seed in ((3, 1), (4, 2), (5, 3))}
    return {**PARADOXES, **randoms}


@exercise_check(BORDA)
def check_borda(borda_scores: Callable[[list[tuple[str, ...]]], Mapping[str, float]]) -> CheckResult:
    """``borda_scores(ballots)`` must give every candidate its Borda points on each test profile."""
    if (wrong := not_given(BORDA, "borda_scores", borda_scores)) is not None:
        return wrong
    for name, profile in borda_profiles().items():
        yours = borda_scores([tuple(ranking) for ranking in profile.ballots])
        if not isinstance(yours, Mapping):
            return failed(BORDA, f"borda_scores returned {yours!r}, not a dict of candidate -> points",
                          "build a dict such as {'a': 6, 'b': 9, 'c': 6}")
        right = borda(profile).scores
        if unknown := sorted(set(map(str, yours)) - set(right)):
            return failed(BORDA, f"on the profile {name!r} you scored {', '.join(unknown)}, not a candidate "
                          f"(the candidates are {', '.join(right)})", "key the dict by candidate name")
        got = {candidate: yours.get(candidate, 0) for candidate in right}
        if got != right:
            m, n = len(right), len(profile)
            return failed(BORDA, f"on the profile {name!r} ({profile.counts()}) you gave {got}; "
                          f"the Borda count is {right}", _borda_hint(got, right, m, n))
    return passed(BORDA, f"the right scores on all {len(borda_profiles())} profiles, the Condorcet cycle and "
                  "the spoiler included")


def _borda_hint(got: Mapping[str, float], right: Mapping[str, float], m: int, n: int) -> str:
    if all(isinstance(v, Real) for v in got.values()) and all(got[c] == right[c] + n for c in right):
        return f"every score is {n} too high (one point per voter): a last place earns 0, a first place {m - 1}"
    if all(isinstance(v, Real) for v in got.values()) and all(got[c] == n * (m - 1) - right[c] for c in right):
        return "the scores are upside down: a first place earns the most points (m - 1), a last place 0"
    return f"with m = {m} candidates a ranking gives m - 1 points to its first, m - 2 to its second, …, 0 to its last"


# --- Exercise 2: Raft's vote-granting rule --------------------------------------------------------
VoteRule = Callable[[int, int, int, int], bool]
#: Raft scenarios that break a wrong rule, built so that the wrong vote decides the election.
VOTE_SCENARIOS = {"a stale long log": stale_long_log, "a short log of the same term": short_log_same_term}
#: Seeds of the small nemesis sample each rule also runs.
NEMESIS_SEEDS = range(6)


def server_with(rule: VoteRule) -> type[RaftServer]:
    """A RaftServer that grants its vote with ``rule`` in place of section 5.4.1's comparison."""

    class LearnerServer(RaftServer):
        def log_up_to_date(self, ask: RequestVote) -> bool:
            granted = rule(ask.last_log_term, ask.last_log_index, self.term_at(self.last_index), self.last_index)
            if not isinstance(granted, bool):
                raise TypeError(f"your rule returned {granted!r}: return True or False")
            return granted

    return LearnerServer


def _broken(run: RaftRun) -> str | None:
    """What went wrong in a run: the first checker that failed with its first evidence, or a stall."""
    if run.result.errors:
        raise run.result.errors[0].error  # the learner's rule raised inside a server: report it (or "not solved")
    for part in run.verdict.parts:
        if not part:
            evidence = f" (first: {part.evidence[0]})" if part.evidence else ""
            return f"{part.name}: {part.explanation}{evidence}"
    if run.stop_reason != ALL_DONE:
        return (f"the client's operations never all completed (the run ended with {run.stop_reason!r}, "
                f"{run.completed} of {len(run.history)} done): no leader could be elected")
    return None


def _vote_hint(rule: VoteRule) -> str:
    """Which mistake ``rule`` makes, found by asking it about telling pairs of logs."""
    if rule(1, 1, 2, 2):
        return ("you voted for a log that is shorter AND older than yours (last term 1 against your 2): "
                "the terms are compared the wrong way round; a LATER last term is more up to date")
    if rule(1, 3, 2, 2):
        return ("you voted for a log that is longer but older: its last entry has term 1, yours term 2. "
                "Compare the last entries' terms first; the later term is more up to date, whatever the length")
    if not rule(2, 2, 1, 3):
        return ("you refused a log whose last entry has a LATER term (2) than yours (1): a later last term "
                "is more up to date, even if the log is shorter")
    if rule(2, 1, 2, 2):
        return ("you voted for a log with the same last term as yours but fewer entries: "
                "when the last terms are equal, the longer log is more up to date")
    if not rule(2, 2, 2, 2):
        return "you refused a log exactly like yours: 'at least as up to date' includes equal"
    return "Raft section 5.4.1: compare the last entries' terms; if they are equal, the longer log wins"


@exercise_check(VOTE)
def check_vote_rule(up_to_date: VoteRule) -> CheckResult:
    """Plug ``up_to_date(candidate_term, candidate_index, my_term, my_index)`` into every server,
    run the scenarios that a wrong rule turns into a safety violation, then a small nemesis sample."""
    if (wrong := not_given(VOTE, "up_to_date", up_to_date)) is not None:
        return wrong
    server = server_with(up_to_date)
    for name, scenario in VOTE_SCENARIOS.items():
        if (broken := _broken(scenario(server))) is not None:
            return failed(VOTE, f"with your rule in every server, the scenario {name!r} breaks Raft: {broken}",
                          _vote_hint(up_to_date))
    for seed in NEMESIS_SEEDS:
        nemesis = Nemesis(seed=seed, spare=("c1", "c2"))
        run = run_raft(servers=5, clients=2, operations=10, seed=seed, think=0.8, faults=nemesis,
                       until=nemesis.heal_time + 30, server=server)
        if (broken := _broken(run)) is not None:
            return failed(VOTE, f"under the nemesis (seed {seed}) your rule breaks Raft: {broken}",
                          _vote_hint(up_to_date))
    return passed(VOTE, f"the {len(VOTE_SCENARIOS)} scenarios and {len(NEMESIS_SEEDS)} nemesis runs kept every "
                  "Raft safety property, and every operation completed")


# --- Exercise 3: the quorum size ------------------------------------------------------------------
#: Every cluster size the check tries, with every number of crashes from 0 to n - 1.
QUORUM_SIZES = range(1, 10)


@functools.cache
def disjoint_quorums(n: int, q: int) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """Two quorums of ``q`` among servers s1 … sn that share no server, found by trying every pair; or None."""
    names = [f"s{i}" for i in range(1, n + 1)]
    groups = list(itertools.combinations(names, q))
    for first, second in itertools.product(groups, repeat=2):
        if not set(first) & set(second):
            return first, second
    return None


@exercise_check(QUORUM)
def check_quorum(quorum_size: Callable[[int, int], int | None]) -> CheckResult:
    """``quorum_size(n, f)`` must be the smallest quorum that any two quorums share a server of and
    that the n - f servers still up can form; None when there is none. Tried for n = 1 … 9, f < n."""
    if (wrong := not_given(QUORUM, "quorum_size", quorum_size)) is not None:
        return wrong
    for n in QUORUM_SIZES:
        for f in range(n):
            q = quorum_size(n, f)
            smallest = next((size for size in range(1, n - f + 1) if disjoint_quorums(n, size) is None), None)
            case = f"n={n}, f={f}"
            if q is None:
                if smallest is not None:
                    return failed(QUORUM, f"{case}: you said no quorum works, but {smallest} does: any two "
                                  f"quorums of {smallest} share a server, and {n - f} servers are still up",
                                  "return None only when n < 2f + 1")
                continue
            if isinstance(q, bool) or not isinstance(q, int) or not 1 <= q <= n:
                return failed(QUORUM, f"{case}: quorum_size returned {q!r}; give a number of servers "
                              f"from 1 to {n}, or None", "a quorum is a count of servers")
            if (pair := disjoint_quorums(n, q)) is not None:
                first, second = pair
                return failed(QUORUM, f"{case}: two quorums of {q}, {{{', '.join(first)}}} and "
                              f"{{{', '.join(second)}}}, share no server: each could elect its own leader "
                              "(split brain)", "any two quorums must overlap: 2q > n")
            if q > n - f:
                return failed(QUORUM, f"{case}: with {f} server(s) down only {n - f} are up, fewer than your "
                              f"quorum of {q}: the cluster could never decide again",
                              "the quorum must also fit among the n - f servers still up; if no size is both "
                              "> n/2 and <= n - f, return None")
            if q != smallest:
                return failed(QUORUM, f"{case}: {q} is safe and live, but {smallest} is too, and a smaller "
                              "quorum answers as soon as fewer servers have replied",
                              "the smallest q with 2q > n")
    return passed(QUORUM, f"the smallest safe quorum, or None, for every n from {QUORUM_SIZES[0]} to "
                  f"{QUORUM_SIZES[-1]} and every f < n: a majority, n // 2 + 1, whenever n >= 2f + 1")


# --- Exercise 4: how many generals ----------------------------------------------------------------
def by_formula(f: int, n: int) -> str | None:
    """Lamport, Shostak & Pease (1982): with oral messages, agreement despite f traitors needs n > 3f."""
    if n >= 3 * f + 1:
        return None
    return (f"{n} generals cannot tolerate {f} traitor(s): with oral messages agreement needs more than "
            f"3f = {3 * f} generals (Lamport, Shostak & Pease 1982)")


def by_om(f: int, n: int) -> str | None:
    """Run OM(f) on the world with every choice of f traitors and every strategy (for f = 1, where that is quick)."""
    if f != 1 or n < 3:
        return None  # f = 0 needs no protocol; OM(1) needs 3 generals; beyond f = 1 trying all takes too long
    table = outcome_table(n, f, traitor_count=f)
    broken = table[~(table["IC1"] & table["IC2"])]
    if broken.empty:
        return None
    row = broken.iloc[0]
    return (f"OM({f}) with {n} generals fails when {row['traitors']} plays {row['strategies']} "
            f"({row['decisions']})")


#: Each confirmation answers ``(f, n)`` with why n generals cannot tolerate f traitors, or None if it
#: finds no reason. An answer must pass all of them, and one general fewer must fail one.
CONFIRMATIONS: tuple[Callable[[int, int], str | None], ...] = (by_formula, by_om)
TRAITORS = range(0, 5)


@exercise_check(GENERALS)
def check_generals(min_generals: Callable[[int], int]) -> CheckResult:
    """``min_generals(f)`` must be the fewest generals that reach agreement despite f traitors, f = 0 … 4."""
    if (wrong := not_given(GENERALS, "min_generals", min_generals)) is not None:
        return wrong
    answers = []
    for f in TRAITORS:
        n = min_generals(f)
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            return failed(GENERALS, f"min_generals({f}) returned {n!r}, not a number of generals",
                          "return an int >= 1")
        for confirm in CONFIRMATIONS:
            if (reason := confirm(f, n)) is not None:
                return failed(GENERALS, f"min_generals({f}) = {n}: {reason}", _generals_hint(f, n))
        if n > 1 and all(confirm(f, n - 1) is None for confirm in CONFIRMATIONS):
            return failed(GENERALS, f"min_generals({f}) = {n}, but {n - 1} general(s) already tolerate {f} "
                          "traitor(s)", "the fewest: one general fewer must fail")
        answers.append(f"f={f}: {n}")
    return passed(GENERALS, "; ".join(answers) + " — one traitor needs four generals, not three")


def _generals_hint(f: int, n: int) -> str:
    if n == 2 * f + 1:
        return ("2f + 1 is enough against crashes (a majority outvotes the silent), not against liars: a traitor "
                "tells different generals different things, and a loyal general cannot tell who lied")
    return ("with 3 generals and 1 traitor, a loyal lieutenant hears 'attack' from one and 'retreat' reported "
            "by the other and cannot tell which one lies; scale that up")
