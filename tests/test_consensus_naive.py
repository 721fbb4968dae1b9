"""The textbook pitfalls, for "Break": split brain, and a tallier that counts duplicated ballots.

Each pitfall is run on the world and must fail the checkers that name it, while the same run
with the real algorithm passes them.
"""
from __future__ import annotations

from coordlab.patterns.consensus import ballots, naive
from coordlab.patterns.consensus.naive import SplitBrainServer, split_brain
from coordlab.patterns.consensus.protocol import RAFT_PROTOCOL
from coordlab.patterns.consensus.raft import RaftServer
from coordlab.patterns.consensus.raft_run import ALL_DONE
from coordlab.patterns.consensus.voting import Profile
from coordlab.patterns.protocol import kinds_declared


def failed(run) -> dict[str, object]:
    return {part.name: part for part in run.verdict.parts if not part}


def test_split_brain_two_leaders_commit_different_entries():
    run = split_brain(SplitBrainServer)
    broken = failed(run)
    assert {"election safety", "state-machine safety", "linearizable"} <= set(broken)
    # Both sides elected a leader of term 1, while the partition lasted.
    leaders = [e for e in run.trace.select("leader") if e.data["term"] == 1]
    assert len({e.agent for e in leaders}) == 2
    assert broken["election safety"].evidence[0].data["term"] == 1
    # The evidence names the conflicting entries: an index applied as two different commands.
    conflicts = broken["state-machine safety"].evidence
    first: dict[int, object] = {}
    for e in run.trace.select("apply"):
        first.setdefault(e.data["index"], e.data["command"])
    assert conflicts and all(e.data["command"] != first[e.data["index"]] for e in conflicts)
    # Both sides committed while cut off from each other.
    during = {e.agent for e in run.trace.select("commit") if 1.0 < e.time < 4.0}
    assert len(during) >= 4


def test_raft_under_the_same_partition_keeps_one_brain():
    run = split_brain(RaftServer)
    assert run.stop_reason == ALL_DONE and run.verdict, str(run.verdict)
    assert kinds_declared(RAFT_PROTOCOL)(run.result)
    cut_off = {e.agent for e in run.trace.select("entries") if 1.0 < e.time < 4.0} - \
        {e.agent for e in run.trace.select("commit") if 1.0 < e.time < 4.0}
    assert cut_off  # the cut-off side stored client commands but committed none of them


def test_the_naive_tallier_is_the_ballots_one_and_counts_a_duplicate_twice():
    assert naive.NaiveTallier is ballots.NaiveTallier  # re-exported, not copied
    profile = Profile([("a", "b"), ("b", "a"), ("b", "a")])
    honest = ballots.run_election(profile, duplicate=1.0, seed=1)
    tallied = ballots.run_election(profile, duplicate=1.0, seed=1, tallier="naive")
    assert honest.verdict and len(honest.counted) == 3
    assert len(tallied.counted) > 3 and not tallied.verdict
