"""Raft and its key-value store, tested the way MIT 6.5840's Raft lab grades (parts 2A, 2B, 2C).

The world is deterministic, so "find the leader, then cut it off" is two runs: the first,
stopped at time t, says who leads; the second, with the same seed, is the same run up to t
and then applies a fault aimed at that leader. Some scenarios start from persistent states
written into ``stable`` (the paper's Figure 8, a stale long log) instead of waiting for chance.
Each test asserts its message budget: at most 2(n-1) server messages per agreement and per
heartbeat, so a correct but wasteful Raft fails too.
"""
from __future__ import annotations

import math

import pytest

from coordlab.patterns.consensus.protocol import Command
from coordlab.patterns.consensus.raft import LEADER, RaftServer
from coordlab.patterns.consensus.raft_checks import replay_logs
from coordlab.patterns.consensus.raft_run import ALL_DONE, SERVER_KINDS, RaftRun, run_raft
from coordlab.patterns.consensus.scenarios import (
    CountsOldTerms,
    figure_8,
    leader_at,
)
from coordlab.world import Crash, Duplicate, Loss, Nemesis, Partition, Uniform

HEARTBEAT = 0.1


# --- the tester's words (the broken servers and scenarios are in consensus.scenarios) ------------
def server_messages(run: RaftRun, start: float = 0.0, end: float = math.inf) -> int:
    return sum(1 for e in run.trace.select("send") if e.message.kind in SERVER_KINDS and start <= e.time < end)


def budget(servers: int, agreements: int, seconds: float) -> float:
    """2(n-1) messages per agreement and per heartbeat round, and one round's worth to spare."""
    return 2 * (servers - 1) * (agreements + seconds / HEARTBEAT + 1)


def applied(run: RaftRun) -> dict[str, list[Command]]:
    """Each server's applied commands, in index order, from its latest incarnation's apply events."""
    out: dict[str, dict[int, Command]] = {}
    for e in run.trace.select("apply"):
        out.setdefault(e.agent, {})[e.data["index"]] = e.data["command"]
    return {name: [commands[i] for i in sorted(commands)] for name, commands in out.items()}


def assert_good(run: RaftRun) -> None:
    assert run.stop_reason == ALL_DONE, run
    assert run.verdict, str(run.verdict)
    assert run.completed == len(run.history)


# --- 2A: leader election -----------------------------------------------------------------------
def test_initial_election():
    run = run_raft(servers=3, clients=0, seed=1, until=5)
    leaders = run.trace.select("leader")
    assert len(leaders) == 1 and leaders[0].time < 2.0, leaders  # one leader, soon
    assert len(run.trace.select("election")) == 1  # and no needless election after it
    assert run.stop_reason == "until" and run.verdict, str(run.verdict)
    assert server_messages(run, 2, 5) <= budget(3, 0, 3)  # idle: heartbeats only


def test_reelection_after_the_leader_is_cut_off():
    first = leader_at(run_raft(servers=3, clients=0, seed=2, until=2), 2)
    cut_off = Partition([[first]], at=2, heal_at=4)
    run = run_raft(servers=3, clients=0, seed=2, until=10, faults=[cut_off])
    second = leader_at(run, 4)
    assert second not in (None, first)  # the two others elect a new leader
    # The old leader rejoins: it learns the new term, and one leader remains.
    assert leader_at(run, 6) == second and not [e for e in run.trace.select("leader") if 4 < e.time <= 6]
    # Now cut off the leader and one more: no majority, no leader; heal, and there is one again.
    other = next(name for name in run.servers if name not in (first, second))
    run = run_raft(servers=3, clients=0, seed=2, until=12,
                   faults=[cut_off, Partition([[second], [other]], at=6, heal_at=9)])
    assert not [e for e in run.trace.select("leader") if 6 < e.time < 9]
    assert [e for e in run.trace.select("leader") if 9 <= e.time < 12]
    assert run.verdict, str(run.verdict)


# --- 2B: log replication --------------------------------------------------------------------
def test_agreement_within_its_message_budget():
    run = run_raft(servers=5, clients=1, operations=10, seed=3, start_at=2.0)
    assert_good(run)
    start, end = run.history[0].invoked, run.history[-1].returned
    assert server_messages(run, start, end) <= budget(5, 10, end - start)
    logs = sorted(applied(run).values(), key=len)
    # The leader applied all 10; followers learn the last commit with the next heartbeat, after the run ended.
    assert len(logs[-1]) == 10 and len(logs) == 5 and all(log == logs[-1][:len(log)] for log in logs)


def test_no_agreement_without_a_majority():
    leader = leader_at(run_raft(servers=5, clients=0, seed=4, until=2), 2)
    followers = [[name] for name in ("s1", "s2", "s3", "s4", "s5") if name != leader][:3]
    run = run_raft(servers=5, clients=1, operations=3, seed=4, start_at=2.0,
                   faults=[Partition(followers, at=2, heal_at=5)])
    assert not [e for e in run.trace.select("commit") if e.time < 5]  # leader + 1 follower: no commit
    assert [e for e in run.trace.select("entries") if e.agent == leader and e.time < 5]  # yet it took the command
    assert_good(run)  # and once the partition heals, every operation completes


def test_a_partitioned_leader_rejoins():
    leader = leader_at(run_raft(servers=3, clients=2, operations=6, think=0.5, seed=5, until=1), 1)
    # The old leader keeps c2 with it: it takes c2's commands but cannot commit them.
    run = run_raft(servers=3, clients=2, operations=6, think=0.5, seed=5,
                   faults=[Partition([[leader, "c2"]], at=1, heal_at=4)])
    assert_good(run)
    stranded = [e for e in run.trace.select("entries") if e.agent == leader and 1 < e.time < 4]
    replaced = [e for e in run.trace.select("entries") if e.agent == leader and e.time >= 4
                and e.data["start"] <= max(s.data["start"] for s in stranded)]
    assert stranded and replaced  # it wrote entries alone, and they were overwritten after it rejoined
    logs = applied(run)
    assert all(commands == logs[leader] for commands in logs.values())


def fast_backup(server: type[RaftServer] = RaftServer) -> tuple[RaftRun, int, int]:
    """6.5840's TestBackup: a leader cut off with one follower piles up entries nobody else has.

    The three others elect a leader and commit c1's operations. When the partition heals,
    that leader crashes, so the next one starts with ``next_index`` at the end of its long log,
    far past where the stranded pair's logs diverge. Returns the run, how long the old
    leader's log was when the partition healed, and how many times the pair refused entries.
    """
    options = dict(servers=5, clients=2, operations=30, seed=6, client_timeout=0.2, server=server)
    leader = leader_at(run_raft(**options, until=1), 1)
    buddy = next(name for name in ("s1", "s2", "s3", "s4", "s5") if name != leader)
    stranded = Partition([[leader, buddy, "c2"]], at=1, heal_at=8)
    successor = leader_at(run_raft(**options, faults=[stranded], until=8), 8)
    run = run_raft(**options, faults=[stranded, Crash(successor, at=8, recover_at=9)])
    divergent = 0
    for event, log in replay_logs(run.trace):
        if event.time < 8 and event.agent == leader:
            divergent = len(log)
    refusals = [e for e in run.trace.select("send") if e.time >= 8 and e.agent in (leader, buddy)
                and e.message.kind == "append_entries_ok" and not e.message.body.success]
    return run, divergent, len(refusals)


class BacksUpOneByOne(RaftServer):
    """Ignores the conflict hints: after each refusal, tries one entry earlier (correct, but slow)."""

    async def on_append_entries_ok(self, msg) -> None:
        if msg.body.success or msg.body.term != self.term or self.role != LEADER:
            await super().on_append_entries_ok(msg)
            return
        self.next_index[msg.sender] = max(self.match_index[msg.sender] + 1, self.next_index[msg.sender] - 1)
        await self.send_entries(msg.sender)


def test_fast_backup_over_a_long_divergent_log():
    run, divergent, refusals = fast_backup()
    assert_good(run)
    assert divergent >= 20  # a long log of entries nobody else has …
    assert 1 <= refusals <= 4  # … skipped a term at a time, not an entry at a time
    slow, _, one_by_one = fast_backup(BacksUpOneByOne)
    assert_good(slow)
    assert one_by_one >= 15  # the budget is what tells the two apart


# --- 2C: persistence, Figure 8, unreliable networks ---------------------------------------------
def test_persistence_crash_and_restart_all():
    everyone = [Crash(name, at=3, recover_at=4) for name in ("s1", "s2", "s3")]
    run = run_raft(servers=3, clients=1, operations=8, think=0.5, seed=7, faults=everyone)
    assert_good(run)
    restored = run.trace.select("restore")
    assert len(restored) == 3 and all(e.data["entries"] for e in restored)  # each read back its log
    before = max(e.data["term"] for e in run.trace.select("leader") if e.time < 3)
    assert min(e.data["term"] for e in run.trace.select("leader") if e.time > 4) > before
    assert {e.agent for e in run.trace.select("apply") if e.time > 4} == {"s1", "s2", "s3"}


def test_figure_8():
    run = figure_8(RaftServer)
    assert_good(run)
    assert not [e for e in run.trace.select("commit") if e.time < 1.3]  # s1 did not commit b in term 4
    assert [e.data["command"].value for e in run.trace.select("apply") if e.data["index"] == 2] == ["c"] * 5


def test_figure_8_broken_by_counting_old_terms():
    run = figure_8(CountsOldTerms)
    failed = {part.name for part in run.verdict.parts if not part}
    assert {"leader completeness", "state-machine safety"} <= failed


def test_unreliable_agreement():
    run = run_raft(servers=5, clients=4, operations=10, seed=8, loss=0.1, latency=Uniform(0.001, 0.05))
    assert_good(run)
    reordered = sum(1 for e in run.trace.select("deliver") if e.message.sent_at + 0.03 < e.time)
    assert reordered and run.trace.select("drop")
    start, end = run.history[0].invoked, max(op.returned for op in run.history)
    assert server_messages(run, start, end) <= 1.5 * budget(5, 40, end - start)  # room for retransmissions


@pytest.mark.parametrize("seed", range(4))
def test_figure_8_unreliable(seed):
    nemesis = Nemesis(seed=seed, horizon=15, crashes=6, partitions=3, windows=3, max_loss=0.3, max_delay=0.2,
                      spare=("c1", "c2", "c3"))
    run = run_raft(servers=5, clients=3, operations=10, think=0.3, seed=seed, faults=[nemesis, Loss(0.1)],
                   until=60)
    assert_good(run)


def test_duplicated_commands_apply_once():
    run = run_raft(servers=3, clients=2, operations=10, seed=9, faults=[Duplicate(0.5)], client_timeout=0.05)
    assert_good(run)
    retries = [e for e in run.trace.select("apply") if not e.data["fresh"]]
    assert retries  # commands did reach the log twice, and the store ignored the second copies


def test_same_seed_same_run():
    faults = Nemesis(seed=11, spare=("c1", "c2"))
    one, two = (run_raft(seed=11, think=0.5, faults=faults) for _ in range(2))
    assert one.trace.fingerprint() == two.trace.fingerprint()
    assert run_raft(seed=12, think=0.5, faults=faults).trace.fingerprint() != one.trace.fingerprint()


def test_metrics_and_describe():
    run = run_raft(servers=3, clients=1, operations=4, seed=1)
    assert run.metrics["completed"] == 4 and run.metrics["leaders"] >= 1
    assert run.metrics["messages"] == len(run.trace.select("send"))
    assert "3 servers, 1 clients: 4/4 operations done" in repr(run)
