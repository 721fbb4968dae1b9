"""One Byzantine server in Raft: each lie breaks a named guarantee; silence and replays break none.

Raft tolerates servers that crash, not servers that lie. Each run of ``LIES`` is run twice,
with the traitor and without it (every server honest): the check the lie breaks must fail in
the first and every check must pass in the second.
"""
from __future__ import annotations

import pytest

from coordlab.patterns.consensus.naive import (
    LIES,
    ForgeEntries,
    byzantine_raft,
    claim_longest_log,
    grant_every_vote,
    what_a_traitor_breaks,
)
from coordlab.patterns.consensus.protocol import AppendEntries, Command, Entry, RequestVote, VoteReply
from coordlab.patterns.consensus.raft_run import ALL_DONE

BREAKS = {
    "grants every vote": {"election safety"},
    "claims an up-to-date log": {"leader completeness", "state-machine safety"},
    "forges the entries it sends": {"log matching", "state-machine safety"},
    "replays old messages": set(),
    "falls silent": set(),
}


def failed(run) -> set[str]:
    return {part.name for part in run.verdict.parts if not part}


@pytest.mark.parametrize("lie", sorted(LIES))
def test_each_lie_breaks_its_guarantee_and_the_honest_run_is_valid(lie):
    with_traitor = byzantine_raft(lie)
    assert failed(with_traitor) == BREAKS[lie], str(with_traitor.verdict)
    assert with_traitor.result.trace.select("fault")  # the traitor's messages were rewritten
    honest = byzantine_raft(lie, traitor=False)
    assert honest.stop_reason == ALL_DONE and honest.verdict, str(honest.verdict)


def test_two_leaders_in_one_term_with_a_vote_for_each():
    run = byzantine_raft("grants every vote")
    leaders = [e for e in run.trace.select("leader") if e.data["term"] == 1]
    assert sorted(e.agent for e in leaders) == ["s1", "s2"]
    lies = [e for e in run.trace.select("send", agent="s3") if e.message.kind == "request_vote_ok"
            and e.message.body.term == 1]
    assert len(lies) == 2 and all(e.message.body.granted for e in lies)


def test_a_stale_traitor_elected_on_a_lie_overwrites_committed_entries():
    run = byzantine_raft("claims an up-to-date log")
    elected = [e for e in run.trace.select("leader") if e.agent == "s3"]
    assert elected and elected[0].time > 3.0  # after the partition healed
    before = [e for e in run.trace.select("commit") if e.time < 3.0]
    assert before  # the honest pair had committed entries the traitor never stored


def test_the_lies_change_only_what_they_lie_about():
    vote = VoteReply(3, False)
    ask = RequestVote(3, "s1", 2, 1)
    entry = Entry(2, Command("c1", 1, "append", "x", "c1.1;"))
    append = AppendEntries(3, "s1", 0, 0, (entry,), 0)
    assert grant_every_vote(vote) == VoteReply(3, True) and grant_every_vote(ask) is ask
    assert claim_longest_log(ask).last_log_term == 3 and claim_longest_log(ask).last_log_index > 10**6
    assert claim_longest_log(vote) is vote
    forge = ForgeEntries("s2")
    [(to, kind, body)] = forge("s2", "append_entries", append, None, ())
    assert (to, kind) == ("s2", "append_entries") and body.entries[0].command.value == "forged"
    assert body.entries[0].term == 2  # same index and term, another command: what log matching forbids
    assert forge("s3", "append_entries", append, None, ()) == [("s3", "append_entries", append)]


def test_what_a_traitor_breaks_table():
    table = what_a_traitor_breaks()
    assert list(table.index) == list(LIES)
    assert (table["without the traitor"] == "none").all()
    assert table.loc["grants every vote", "checks failed"] == "election safety"
    assert table.loc["falls silent", "checks failed"] == "none"
