"""Voting rules: how a group turns many rankings into one choice, and where that goes wrong.

A *profile* is every voter's ballot. On a ranked profile each ballot ranks every candidate
(``"a>b>c"``: a first, c last); on an approval profile each ballot is the set of candidates
the voter accepts. The rules here are the classic ones:

* **plurality**: most first places wins;
* **Borda**: a candidate gets m-1 points for each first place, m-2 for each second, …, 0 for last;
* **instant-runoff** (IRV): a candidate with more than half of the first places wins; otherwise the
  one with the fewest first places is eliminated and its ballots go to their next choice;
* **Copeland**: each pairwise contest won counts 1 (a tie ½); most wins overall wins. The
  *Condorcet winner*, when there is one, beats every other candidate head to head, and Copeland
  always elects it;
* **approval**: most approvals wins.

Ties are broken the same way everywhere, so every result can be replayed: among tied
candidates the one first in alphabetical order wins, and IRV eliminates the one last in
alphabetical order. Every result says how the winner was reached (scores, rounds, the tie).

No rule is right on every profile (Arrow 1951): the named profiles at the end reproduce a
Condorcet cycle, plurality and Borda disagreeing, and a spoiler changing the winner.
"""
from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from coordlab.world import validate

Ranking = tuple[str, ...]


def _ranking(text_or_names: object, profile_text: str) -> Ranking:
    """One ranked ballot as a tuple of names: ``"a>b>c"`` or ``("a", "b", "c")``."""
    names = text_or_names.split(">") if isinstance(text_or_names, str) else text_or_names
    if not isinstance(names, Iterable):
        raise TypeError(f"ballots={profile_text} is not allowed: {text_or_names!r} is not a ranking; "
                        "write a ranking as 'a>b>c' or ('a', 'b', 'c')")
    ranking = tuple(name.strip() if isinstance(name, str) else name for name in names)
    if not ranking or not all(isinstance(name, str) and name for name in ranking):
        raise ValueError(f"ballots={profile_text} is not allowed: {text_or_names!r} is not a ranking of "
                         "candidate names (non-empty strings)")
    if len(set(ranking)) != len(ranking):
        raise ValueError(f"ballots={profile_text} is not allowed: {text_or_names!r} ranks a candidate twice")
    return ranking


def _expanded(ballots: object, argument: str = "ballots") -> list[tuple[object, int]]:
    """``ballots`` as (ballot, how many voters cast it): a list is one voter each, a mapping gives counts."""
    if isinstance(ballots, Mapping):
        pairs = list(ballots.items())
        for ballot, voters in pairs:
            validate.count(f"{argument}[{ballot!r}]", voters)
        return pairs
    if isinstance(ballots, (str, bytes)) or not isinstance(ballots, Iterable):
        raise TypeError(f"{argument}={ballots!r} is not allowed: give a list of ballots, or a dict "
                        "{ballot: number of voters}")
    return [(ballot, 1) for ballot in ballots]


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "…"


class Profile:
    """Ranked ballots: every ballot ranks the same candidates, each exactly once.

    ``Profile(["a>b>c", "b>c>a"])`` is one voter per ranking; ``Profile({"a>b>c": 4, "b>a>c": 3})``
    gives how many voters cast each. ``candidates`` (sorted) and ``ballots`` (one per voter, in
    the order given) are read-only.
    """

    def __init__(self, ballots: Iterable[object] | Mapping[object, int]) -> None:
        text = _short(ballots)
        expanded = [(_ranking(ballot, text), voters) for ballot, voters in _expanded(ballots)]
        if not expanded:
            raise ValueError(f"ballots={text} is not allowed: a profile needs at least one ballot")
        first = expanded[0][0]
        for ranking, _ in expanded:
            if set(ranking) != set(first):
                raise ValueError(f"ballots={text} is not allowed: every ballot must rank the same candidates; "
                                 f"{'>'.join(ranking)} ranks {sorted(ranking)}, {'>'.join(first)} ranks "
                                 f"{sorted(first)}")
        self.candidates: tuple[str, ...] = tuple(sorted(first))
        self.ballots: tuple[Ranking, ...] = tuple(ranking for ranking, voters in expanded for _ in range(voters))

    def counts(self) -> dict[str, int]:
        """How many voters cast each ranking, as ``{"a>b>c": 4, …}`` (first cast first)."""
        return {">".join(ranking): voters for ranking, voters in Counter(self.ballots).items()}

    def prefers(self, a: str, b: str) -> int:
        """How many voters rank ``a`` above ``b``."""
        return sum(1 for ranking in self.ballots if ranking.index(a) < ranking.index(b))

    def head_to_head(self) -> pd.DataFrame:
        """Row a, column b: how many voters prefer a to b (the diagonal is empty)."""
        return pd.DataFrame({b: {a: (self.prefers(a, b) if a != b else None) for a in self.candidates}
                             for b in self.candidates}, index=list(self.candidates)).astype("Int64")

    def __len__(self) -> int:
        return len(self.ballots)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Profile) and self.ballots == other.ballots

    def __hash__(self) -> int:
        return hash(self.ballots)

    def __repr__(self) -> str:
        return f"Profile({self.counts()!r})"


class ApprovalProfile:
    """Approval ballots: each ballot is the candidates one voter approves (possibly none).

    ``ApprovalProfile(["a,b", "b", ""], candidates="abc")``; a ballot may also be a list of
    names. ``candidates`` defaults to every name approved at least once.
    """

    def __init__(self, ballots: Iterable[object] | Mapping[object, int],
                 candidates: Iterable[str] | None = None) -> None:
        text = _short(ballots)
        expanded = [(self._approved(ballot, text), voters) for ballot, voters in _expanded(ballots)]
        if not expanded:
            raise ValueError(f"ballots={text} is not allowed: a profile needs at least one ballot")
        named = set().union(*(approved for approved, _ in expanded))
        if candidates is None:
            if not named:
                raise ValueError(f"ballots={text} is not allowed: nobody approves anyone; pass candidates=")
            candidates = named
        listed = list(candidates)
        if not listed or not all(isinstance(name, str) and name for name in listed):
            raise ValueError(f"candidates={candidates!r} is not allowed: give candidate names (non-empty strings)")
        if unknown := sorted(named - set(listed)):
            raise ValueError(f"ballots={text} is not allowed: {', '.join(unknown)} approved but not among "
                             f"the candidates ({', '.join(sorted(listed))})")
        self.candidates: tuple[str, ...] = tuple(sorted(set(listed)))
        self.ballots: tuple[tuple[str, ...], ...] = tuple(approved for approved, voters in expanded
                                                          for _ in range(voters))

    @staticmethod
    def _approved(ballot: object, text: str) -> tuple[str, ...]:
        names = [name.strip() for name in ballot.split(",") if name.strip()] if isinstance(ballot, str) else ballot
        if isinstance(names, Iterable):
            names = list(names)
            if all(isinstance(name, str) and name for name in names) and len(set(names)) == len(names):
                return tuple(sorted(names))
        raise ValueError(f"ballots={text} is not allowed: {ballot!r} is not a set of approved candidates; "
                         "write it as 'a,b' or ['a', 'b'], each name once")

    def __len__(self) -> int:
        return len(self.ballots)

    def __repr__(self) -> str:
        counts = Counter(",".join(approved) for approved in self.ballots)
        return f"ApprovalProfile({dict(counts)!r}, candidates={self.candidates!r})"


def approve_top(profile: Profile, k: int) -> ApprovalProfile:
    """Each voter approves their ``k`` favourite candidates: an approval profile from a ranked one."""
    if not isinstance(profile, Profile):
        raise TypeError(f"profile={profile!r} is not allowed: give a Profile of ranked ballots")
    k = validate.count("k", k, maximum=len(profile.candidates))
    return ApprovalProfile([ranking[:k] for ranking in profile.ballots], candidates=profile.candidates)


# --- results ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Round:
    """One instant-runoff round: the first places each remaining candidate got, and who went out.

    ``tied_last`` lists the candidates level at the bottom when the alphabetical tie-break chose
    whom to eliminate (empty otherwise).
    """

    scores: dict[str, int]
    eliminated: str | None
    tied_last: tuple[str, ...] = ()


@dataclass(frozen=True)
class Outcome:
    """Who won under ``rule``, and how.

    ``scores`` are the rule's final scores (for IRV, the last round's first places);
    ``tied`` lists the candidates level at the top before the alphabetical tie-break (one name
    when there was no tie); ``rounds`` is IRV's rounds; ``condorcet_winner`` is set by Copeland
    (None when a cycle leaves no candidate beating all others).
    """

    rule: str
    winner: str
    scores: dict[str, float]
    tied: tuple[str, ...]
    rounds: tuple[Round, ...] = ()
    condorcet_winner: str | None = field(default=None)

    @property
    def tie_broken(self) -> bool:
        """True when the winner was chosen among tied candidates by the alphabetical tie-break."""
        return len(self.tied) > 1

    def how(self) -> str:
        """One line saying how the winner was reached."""
        scores = ", ".join(f"{name} {score:g}" for name, score in sorted(self.scores.items(), key=lambda s: -s[1]))
        line = f"{self.rule}: {self.winner} wins ({scores})"
        if self.rounds:
            out = [r.eliminated for r in self.rounds if r.eliminated is not None]
            line += f" after {len(self.rounds)} round(s), eliminated in order: {', '.join(out) or 'none'}"
            for r in self.rounds:
                if r.tied_last:
                    line += f"; {r.eliminated} eliminated from a tie for last ({', '.join(r.tied_last)})"
        if self.tie_broken:
            line += f"; tie between {', '.join(self.tied)} broken alphabetically"
        if self.rule == "copeland":
            line += f"; Condorcet winner: {self.condorcet_winner}"
        return line


def _best(rule: str, scores: dict[str, float], **extra: object) -> Outcome:
    """The outcome that elects the highest score, breaking a tie alphabetically."""
    top = max(scores.values())
    tied = tuple(sorted(name for name, score in scores.items() if score == top))
    return Outcome(rule, tied[0], dict(sorted(scores.items())), tied, **extra)


def _ranked(profile: object) -> Profile:
    if not isinstance(profile, Profile):
        raise TypeError(f"profile={_short(profile)} is not allowed: this rule needs a Profile of ranked ballots"
                        + (" (an ApprovalProfile goes with rule 'approval')"
                           if isinstance(profile, ApprovalProfile) else ""))
    return profile


# --- the rules ----------------------------------------------------------------------------
def plurality(profile: Profile) -> Outcome:
    """Most first places wins."""
    profile = _ranked(profile)
    firsts = Counter(ranking[0] for ranking in profile.ballots)
    return _best("plurality", {name: firsts[name] for name in profile.candidates})


def borda(profile: Profile) -> Outcome:
    """Borda count: m-1 points for a first place, m-2 for a second, …, 0 for the last."""
    profile = _ranked(profile)
    m = len(profile.candidates)
    points = dict.fromkeys(profile.candidates, 0)
    for ranking in profile.ballots:
        for position, name in enumerate(ranking):
            points[name] += m - 1 - position
    return _best("borda", points)


def instant_runoff(profile: Profile) -> Outcome:
    """Instant-runoff: eliminate the fewest first places until someone has more than half.

    Each round counts every ballot for its highest-ranked remaining candidate. A tie for the
    fewest eliminates the candidate last in alphabetical order.
    """
    profile = _ranked(profile)
    remaining = list(profile.candidates)
    rounds: list[Round] = []
    while True:
        firsts = Counter(next(name for name in ranking if name in remaining) for ranking in profile.ballots)
        scores = {name: firsts[name] for name in remaining}
        leader = max(scores.values())
        if leader * 2 > len(profile) or len(remaining) == 1:
            rounds.append(Round(scores, None))
            return _best("instant-runoff", scores, rounds=tuple(rounds))
        fewest = min(scores.values())
        last = tuple(sorted(name for name, score in scores.items() if score == fewest))
        out = last[-1]
        rounds.append(Round(scores, out, last if len(last) > 1 else ()))
        remaining.remove(out)


def condorcet_winner(profile: Profile) -> str | None:
    """The candidate a majority prefers to each other candidate, head to head; None if there is none."""
    profile = _ranked(profile)
    for a in profile.candidates:
        if all(2 * profile.prefers(a, b) > len(profile) for b in profile.candidates if b != a):
            return a
    return None


def copeland(profile: Profile) -> Outcome:
    """Copeland: 1 point for each head-to-head contest won, ½ for a tie; also names the Condorcet winner."""
    profile = _ranked(profile)
    points = dict.fromkeys(profile.candidates, 0.0)
    for a in profile.candidates:
        for b in profile.candidates:
            if a < b:
                margin = profile.prefers(a, b) - profile.prefers(b, a)
                points[a] += 1.0 if margin > 0 else 0.5 if margin == 0 else 0.0
                points[b] += 1.0 if margin < 0 else 0.5 if margin == 0 else 0.0
    return _best("copeland", points, condorcet_winner=condorcet_winner(profile))


def approval(profile: ApprovalProfile) -> Outcome:
    """Most approvals wins."""
    if not isinstance(profile, ApprovalProfile):
        raise TypeError(f"profile={_short(profile)} is not allowed: rule 'approval' needs an ApprovalProfile "
                        "(approve_top(profile, k) makes one from ranked ballots)")
    approvals = Counter(name for approved in profile.ballots for name in approved)
    return _best("approval", {name: approvals[name] for name in profile.candidates})


RANKED_RULES: dict[str, Callable[[Profile], Outcome]] = {
    "plurality": plurality, "borda": borda, "instant-runoff": instant_runoff, "copeland": copeland,
}
RULES: dict[str, Callable[..., Outcome]] = {**RANKED_RULES, "approval": approval}


def elect(profile: Profile | ApprovalProfile, rule: str) -> Outcome:
    """The winner of ``profile`` under ``rule`` (a name from ``RULES``)."""
    return RULES[validate.one_of("rule", rule, RULES)](profile)


def compare_rules(profile: Profile) -> pd.DataFrame:
    """Each ranked rule's winner on one profile, with how it was reached: one row per rule."""
    outcomes = [elect(_ranked(profile), rule) for rule in RANKED_RULES]
    return pd.DataFrame([{"rule": o.rule, "winner": o.winner, "tie broken": o.tie_broken, "how": o.how()}
                         for o in outcomes]).set_index("rule")


# --- profiles to play with ----------------------------------------------------------------
def without(profile: Profile, *candidates: str) -> Profile:
    """The same voters with ``candidates`` removed from every ballot (the others keep their order)."""
    profile = _ranked(profile)
    for name in candidates:
        validate.one_of("candidate", name, profile.candidates)
    if len(set(candidates)) >= len(profile.candidates):
        raise ValueError(f"candidates={candidates!r} is not allowed: at least one candidate must remain")
    return Profile([tuple(name for name in ranking if name not in candidates) for ranking in profile.ballots])


def spoiler_effect(profile: Profile, rule: str, spoiler: str) -> tuple[str, str]:
    """(winner with ``spoiler`` running, winner without it): a spoiler when the two differ."""
    return elect(profile, rule).winner, elect(without(profile, spoiler), rule).winner


def random_profile(candidates: Sequence[str] | int, voters: int, *, seed: int) -> Profile:
    """Impartial culture: each voter's ranking drawn uniformly at random (``candidates``: names or how many)."""
    seed = validate.seed(seed)
    if isinstance(candidates, int) and not isinstance(candidates, bool):
        names = [chr(ord("a") + i) for i in range(validate.count("candidates", candidates, maximum=26))]
    else:
        names = sorted(_ranking(candidates, _short(candidates)))
    rng = random.Random(f"profile/{seed}")
    return Profile([tuple(rng.sample(names, len(names))) for _ in range(validate.count("voters", voters))])


#: Three voters, three rankings in a circle: a majority prefers a to b, b to c, and c to a, so
#: there is no Condorcet winner and every rule must break a tie (Condorcet 1785).
CONDORCET_CYCLE = Profile({"a>b>c": 1, "b>c>a": 1, "c>a>b": 1})
#: Plurality elects a (3 first places), Borda elects b (9 points to 6 and 6): b is everyone's
#: first or second choice, a is last for four of seven voters.
PLURALITY_VS_BORDA = Profile({"a>b>c": 3, "b>c>a": 2, "c>b>a": 2})
#: Under plurality a wins (4 to 3 to 2); drop s, whose voters prefer b, and b wins 5 to 4:
#: s cannot win, yet whether s runs decides between a and b.
SPOILER = Profile({"a>b>s": 4, "b>s>a": 3, "s>b>a": 2})
PARADOXES: dict[str, Profile] = {
    "condorcet cycle": CONDORCET_CYCLE, "plurality vs borda": PLURALITY_VS_BORDA, "spoiler": SPOILER,
}


def profile_like(like: Profile | ApprovalProfile, ballots: Iterable[object]) -> Profile | ApprovalProfile:
    """A profile of the same kind (and, for approval, the same candidates) as ``like``, from ``ballots``.

    What a tallier does with the ballots that reached it: count them as the electorate's profile.
    """
    if isinstance(like, ApprovalProfile):
        return ApprovalProfile(list(ballots), candidates=like.candidates)
    return Profile(list(ballots))
