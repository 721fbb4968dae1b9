"""What an election on the network promises, recomputed from the trace.

The tallier's own word is not evidence: each checker compares what it *claims* (its
``counted`` and ``decision`` events) with what the network *delivered* to it (its
``deliver`` events, which the world records, not the tallier).

* **each voter counted at most once; a decision only with a quorum**: no voter has two
  ``counted`` events before the decision, each counted voter's ballot really reached the
  tallier, the decision says it used as many ballots as distinct voters were counted, at
  least ``quorum`` of them, and there is at most one decision;
* **the recount agrees**: the rule applied to the delivered ballots of the counted voters, one
  each, elects the winner the tallier announced.
"""
from __future__ import annotations

from collections import Counter

from coordlab.patterns.consensus.voting import ApprovalProfile, Profile, elect, profile_like
from coordlab.world import Checker, Event, RunResult, Verdict, judge


def _claims(result: RunResult, tallier: str) -> tuple[Event | None, list[Event], dict[str, Event]]:
    """The first decision, the ``counted`` events before it, and each voter's first delivered ballot."""
    decisions = result.trace.select("decision", agent=tallier)
    decision = decisions[0] if decisions else None
    end = decision.seq if decision is not None else len(result.trace)
    counted = [e for e in result.trace.select("counted", agent=tallier) if e.seq < end]
    delivered: dict[str, Event] = {}
    for event in result.trace.select("deliver", agent=tallier):
        if event.message.kind == "ballot" and event.seq < end:
            delivered.setdefault(event.message.sender, event)
    return decision, counted, delivered


def election_checkers(like: Profile | ApprovalProfile, *, rule: str, quorum: int,
                      tallier: str = "tallier") -> list[Checker]:
    """The two checkers of an election held by ``tallier`` under ``rule`` with ``quorum``."""

    def each_voter_once_and_quorum(result: RunResult) -> Verdict:
        decision, counted, delivered = _claims(result, tallier)
        times = Counter(e.data["voter"] for e in counted)
        offending = [e for e in counted if times[e.data["voter"]] > 1]
        offending += [e for e in counted if e.data["voter"] not in delivered]  # a phantom ballot
        offending += result.trace.select("decision", agent=tallier)[1:]  # a second decision
        if decision is not None and (decision.data["ballots"] != len(times) or len(times) < quorum):
            offending.append(decision)
        ok = (f"a decision with {len(times)} voters counted once each (quorum {quorum})" if decision
              else f"no decision, and {len(times)} voter(s) counted once each")
        return judge("each voter counted at most once; a decision only with a quorum",
                     sorted(offending, key=lambda e: e.seq), ok,
                     "{n} event(s) count a voter twice, count a ballot that never arrived, or decide "
                     f"without {quorum} distinct voters")

    def recount_agrees(result: RunResult) -> Verdict:
        decision, counted, delivered = _claims(result, tallier)
        if decision is None:
            return Verdict("the recount agrees", True, "no decision to recount")
        voters = [voter for voter in dict.fromkeys(e.data["voter"] for e in counted) if voter in delivered]
        if not voters:
            return judge("the recount agrees", [decision], "", "a decision without a single delivered ballot")
        recount = elect(profile_like(like, [delivered[voter].message.body for voter in voters]), rule)
        return judge("the recount agrees", [] if recount.winner == decision.data["winner"] else [decision],
                     f"one ballot per counted voter elects {recount.winner} too",
                     f"one ballot per counted voter elects {recount.winner}, not {decision.data['winner']}")

    return [each_voter_once_and_quorum, recount_agrees]
