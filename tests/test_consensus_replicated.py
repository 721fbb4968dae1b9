"""The replicated orchestrator: the plain orchestrator's job on a Raft log, surviving the loss of its leader.

As in the Raft tests, "kill the leader" is two runs of the same seed: the first, stopped at t,
says who leads; the second crashes that replica at t. Each run is judged by Raft's checkers
on the replicas and by the plain orchestrator's task checkers on the agreed decisions.
"""
from __future__ import annotations

import math

from coordlab.patterns.centralized import run_centralized
from coordlab.patterns.consensus.protocol import RAFT_PROTOCOL
from coordlab.patterns.consensus.replicated import (
    REPLICATED_PROTOCOL,
    Accepted,
    JobState,
    OrchestratorReplica,
    ReplicatedRun,
    cost_of_replication,
    decisions_trace,
    run_replicated,
)
from coordlab.patterns.consensus.scenarios import leader_at
from coordlab.patterns.tasks import layered_tasks, research_pipeline
from coordlab.world import Crash, Duplicate, Slow

PIPELINE = research_pipeline(3)
LAYERED = layered_tasks(30, 5, seed=0)


def failed_checks(run: ReplicatedRun) -> set[str]:
    return {part.name for part in run.verdict.parts if not part}


def assert_every_task_done_once(run: ReplicatedRun, tasks) -> None:
    assert run.stop_reason == "completed", run
    assert run.verdict, str(run.verdict)
    assert run.count("done") == len(tasks)
    done = [e.data["task"] for e in decisions_trace(run.trace).select("task_done")]
    assert sorted(done) == sorted(t.id for t in tasks)  # each task once in the agreed log


def decisions(run: ReplicatedRun) -> dict[int, object]:
    """The agreed log: each index's decision, as first applied."""
    log: dict[int, object] = {}
    for e in run.trace.select("apply"):
        log.setdefault(e.data["index"], e.data["command"])
    return log


# --- a job on the replicas ---------------------------------------------------------------------
def test_every_replica_applies_every_decision():
    run = run_replicated(PIPELINE, workers=3, replicas=3, seed=1)
    assert_every_task_done_once(run, PIPELINE)
    log = decisions(run)
    by_replica = {name: [e.data["command"] for e in run.trace.select("apply", agent=name)] for name in run.replicas}
    # The leader applied everything; followers a prefix (the last commit reaches them with the next heartbeat).
    longest = max(by_replica.values(), key=len)
    assert longest == [log[i] for i in sorted(log)]
    assert all(applied == longest[:len(applied)] and len(applied) >= len(longest) - 2
               for applied in by_replica.values())
    assert sum(isinstance(d, Accepted) for d in log.values()) == len(PIPELINE)
    assert not run.trace.select("task_done")  # the replicas narrate decisions in their apply events only
    assert "every kind sent is declared" not in failed_checks(run)


def test_a_new_leader_finishes_the_job():
    probe = run_replicated(PIPELINE, seed=1, until=3.0)
    first = leader_at(probe, 3.0)
    assert first in ("s1", "s2", "s3")
    run = run_replicated(PIPELINE, seed=1, faults=[Crash(first, at=3.0)])
    assert_every_task_done_once(run, PIPELINE)
    took_over = run.trace.select("took_over")
    assert [e.agent for e in took_over][0] == first and took_over[-1].agent != first
    assert took_over[-1].data["settled"] >= 3  # the new leader knew what was done …
    assert took_over[-1].data["outstanding"] >= 1  # … and what was outstanding
    assert run.recoveries and run.recoveries[0] < 1.5  # an election timeout or two, not a restart
    # The named shortcut is the same run.
    same = run_replicated(PIPELINE, seed=1, kill_leader_at=3.0)
    assert same.trace.fingerprint() == run.trace.fingerprint()


def test_five_replicas_survive_two_leader_crashes():
    first = leader_at(run_replicated(LAYERED, replicas=5, seed=2, until=3.0), 3.0)
    crash = Crash(first, at=3.0)
    second = leader_at(run_replicated(LAYERED, replicas=5, seed=2, faults=[crash], until=7.0), 7.0)
    assert second not in (None, first)
    run = run_replicated(LAYERED, replicas=5, seed=2, faults=[crash, Crash(second, at=7.0)])
    assert_every_task_done_once(run, LAYERED)
    assert len(run.recoveries) == 2 and all(r < 1.5 for r in run.recoveries)


def test_where_the_plain_orchestrator_ends_with_no_answer_the_replicated_one_finishes():
    for tasks in (PIPELINE, LAYERED):
        plain = run_centralized(tasks, workers=3, seed=0, faults=[Crash("orchestrator", at=2.0)])
        assert plain.stop_reason == "no_answer" and not plain.verdict
        replicated = run_replicated(tasks, workers=3, seed=0, kill_leader_at=3.0)  # 2 s after its submit
        assert_every_task_done_once(replicated, tasks)


def test_a_leader_cut_off_from_the_majority_steps_down_and_the_client_gets_no_answer():
    leader = leader_at(run_replicated(PIPELINE, seed=1, until=2.5), 2.5)
    followers = [Crash(name, at=2.5) for name in ("s1", "s2", "s3") if name != leader]
    run = run_replicated(PIPELINE, seed=1, faults=followers, until=120)
    assert run.stop_reason == "no_answer"
    lost = run.trace.select("lost_quorum")
    assert [e.agent for e in lost][:1] == [leader] and 2.5 < lost[0].time <= 3.5  # within two election timeouts
    not_leader = [e for e in run.trace.select("send", agent=leader) if e.message.kind == "not_leader"]
    assert not_leader and all(e.time > lost[0].time for e in not_leader)  # it stopped saying "running"
    # Nothing unsafe happened: the job could not finish, and results that came in could not be committed.
    assert failed_checks(run) == {"every task settled", "no result lost"}


# --- results: de-duplicated by (task, attempt), the first one wins ------------------------------
def test_duplicated_messages_put_each_result_in_the_log_once():
    run = run_replicated(PIPELINE, seed=3, faults=[Duplicate(0.5)])
    assert_every_task_done_once(run, PIPELINE)
    assert [e for e in run.trace.select("deliver") if e.message.duplicate and e.message.kind == "result"]
    assert sum(isinstance(d, Accepted) for d in decisions(run).values()) == len(PIPELINE)


SLOW_WORKER = [Slow("worker-1", factor=5.0, at=0.0)]


def test_a_late_result_of_a_timed_out_attempt_is_not_accepted_again():
    run = run_replicated(PIPELINE, seed=1, faults=SLOW_WORKER)
    assert_every_task_done_once(run, PIPELINE)
    results = [e.data["task"] for e in run.trace.select("task_end") if e.data["ok"]]
    assert len(results) > len(set(results))  # some task was computed twice (its first attempt timed out) …
    assert sum(isinstance(d, Accepted) for d in decisions(run).values()) == len(PIPELINE)  # … and accepted once


class ProposesEveryResult(OrchestratorReplica):
    """Leaves de-duplication to the state machine: every result a worker sends goes into the log."""

    async def on_result(self, msg) -> None:
        if self.leads():
            await self.propose(Accepted(msg.body.task, msg.body.attempt, msg.sender, msg.body.value))


class CountsEveryResult(JobState):
    """Broken: a result for a task already done settles it again (no de-duplication when applied)."""

    def take(self, decision) -> bool:
        if isinstance(decision, Accepted) and self.graph.is_settled(decision.task):
            self.narrate("task_done", task=decision.task, worker=decision.worker, attempt=decision.attempt)
            return True
        return super().take(decision)


class CountsTwice(ProposesEveryResult):
    state_machine = CountsEveryResult


def test_applying_a_decision_is_what_deduplicates_results():
    run = run_replicated(PIPELINE, seed=1, faults=SLOW_WORKER, replica=ProposesEveryResult)
    assert_every_task_done_once(run, PIPELINE)
    ignored = [e for e in run.trace.select("apply") if isinstance(e.data["command"], Accepted) and not e.data["fresh"]]
    assert ignored and {e.agent for e in ignored} == set(run.replicas)  # every replica ignored the same entries


def test_the_task_checkers_catch_a_result_counted_twice():
    run = run_replicated(PIPELINE, seed=1, faults=SLOW_WORKER, replica=CountsTwice)
    assert failed_checks(run) == {"every task settled"}  # Raft's guarantees held: the bug is in the state machine
    assert "settled more than once" in next(p for p in run.verdict.parts if not p).explanation


# --- cost ----------------------------------------------------------------------------------------
def test_the_cost_of_replication():
    table = cost_of_replication(replicas=(3,))
    rows = {(r["workload"], r["orchestrator"], r["fault"]): r for r in table.to_dict("records")}
    for workload in ("research pipeline", "layered DAG"):
        plain, replicated = rows[(workload, "plain", "none")], rows[(workload, "replicated (3)", "none")]
        assert plain["outcome"] == replicated["outcome"] == "completed"
        assert replicated["messages"] > 3 * plain["messages"]  # every decision is replicated, and heartbeats flow
        assert replicated["messages"] - replicated["replication messages"] < 2 * plain["messages"]
        assert replicated["job time"] >= plain["job time"]  # committing each decision first costs time too
        assert rows[(workload, "plain", "crash for good")]["outcome"] == "no_answer"
        lost_leader = rows[(workload, "replicated (3)", "leader crashes for good")]
        restarted = rows[(workload, "plain", "crash, restart after 3 s")]
        assert lost_leader["outcome"] == restarted["outcome"] == "completed"
        assert lost_leader["time to recover"] < 1.5 < restarted["time to recover"] == 3.0  # an election, not a restart
    assert list(table.columns) == ["workload", "orchestrator", "fault", "outcome", "tasks done", "job time",
                                   "messages", "replication messages", "time to recover"]


def test_metrics_describe_and_determinism():
    run = run_replicated(PIPELINE, seed=4)
    again = run_replicated(PIPELINE, seed=4)
    assert run.trace.fingerprint() == again.trace.fingerprint()
    assert run_replicated(PIPELINE, seed=5).trace.fingerprint() != run.trace.fingerprint()
    metrics = run.metrics
    assert metrics["tasks done"] == 7 and metrics["leaders"] == 1 and math.isnan(metrics["time to recover"])
    assert metrics["messages"] == len(run.trace.select("send"))
    assert metrics["job time"] < metrics["makespan"]  # the job starts once the cluster is up
    assert repr(run).startswith("<ReplicatedRun 3 replicas; stop_reason='completed'")


def test_the_protocol_adds_only_new_kinds():
    kinds = [row.kind for row in REPLICATED_PROTOCOL]
    assert len(set(kinds)) == len(kinds) and not set(kinds) & {row.kind for row in RAFT_PROTOCOL}
    run = run_replicated(PIPELINE, seed=1, kill_leader_at=3.0)
    sent = {e.message.kind for e in run.trace.select("send")}
    assert sent <= set(kinds) | {row.kind for row in RAFT_PROTOCOL}
    assert {"submit", "submit_ok", "assign", "result", "register", "not_leader"} <= sent


def test_the_nemesis_suite_judges_both_ways():
    from tests.nemesis.centralized import RANDOM_DAG_WORKERS, random_dag_tasks
    from tests.nemesis.consensus_replicated import violations

    tasks, slow = random_dag_tasks(1), [Slow("worker-1", factor=5.0, at=0.0)]
    assert violations(run_replicated(tasks, RANDOM_DAG_WORKERS, seed=1, faults=slow)) == []
    broken = violations(run_replicated(tasks, RANDOM_DAG_WORKERS, seed=1, faults=slow, replica=CountsTwice))
    assert any("settled 2 times" in v for v in broken), broken
