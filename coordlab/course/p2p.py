"""Exercise checks for notebook 03, peer-to-peer coordination.

Each check runs the learner's code in small seeded worlds, judges the runs from their
traces, and prints ✅ or ❌ with a hint. It never raises.
"""
from __future__ import annotations

import functools
import math
import statistics
from collections import Counter
from collections.abc import Callable

from coordlab.course.report import CheckResult, exercise_check, failed, not_given, passed
from coordlab.patterns.p2p import (
    BroadcastRun,
    RumourPeer,
    Strategy,
    promise_lateness,
    push_pull_rounds,
    push_rounds,
    run_broadcast,
    run_contract_net,
)

PUSH_PULL = "Exercise 1 — push-pull gossip"
BIDDER = "Exercise 2 — a contract-net bidder"
PREDICTION = "Exercise 3 — predict the rounds of push gossip"

GOSSIP_PEERS = 64
GOSSIP_SEEDS = range(8)
GOSSIP_PERIOD = 1.0  # seconds per round
#: Push-pull on 64 peers should finish within this many rounds on average (theory + 1).
PUSH_PULL_LIMIT = push_pull_rounds(GOSSIP_PEERS) + 1


@exercise_check(PUSH_PULL)
def check_push_pull(peer_class: type[RumourPeer]) -> CheckResult:
    """Spread a rumour over 64 fully connected peers with 8 seeds: everyone must learn it,
    within log3(n) + ln ln(n) + 1 rounds on average, with at most 2n messages per round."""
    if not (isinstance(peer_class, type) and issubclass(peer_class, RumourPeer)):
        return failed(PUSH_PULL, f"{peer_class!r} is not a RumourPeer subclass",
                      "write `class PushPullPeer(RumourPeer):` with every_round and the handlers")
    rounds = []
    for seed in GOSSIP_SEEDS:
        run = run_broadcast("complete", GOSSIP_PEERS, method=peer_class, seed=seed, period=GOSSIP_PERIOD)
        if run.result.errors:
            raise run.result.errors[0].error
        if run.rounds is None:
            missing = GOSSIP_PEERS - len(run.informed)
            return failed(PUSH_PULL, f"with seed {seed}, {missing} of {GOSSIP_PEERS} peers never learnt the rumour",
                          "call self.learn(rumour, via=sender) whenever a message brings the rumour")
        busiest, sent = max(Counter(math.floor(e.time) for e in run.trace.select("send")).items(),
                            key=lambda item: item[1])
        if sent > 2 * GOSSIP_PEERS:
            return failed(PUSH_PULL, f"with seed {seed}, round {busiest} used {sent} messages "
                          f"(more than 2 × {GOSSIP_PEERS})",
                          "push-pull contacts ONE random neighbour per round, and answers each contact at most once")
        if (early := same_round_news(run)) is not None:
            return failed(PUSH_PULL, f"with seed {seed}, {early}",
                          "in the theory's rounds every call of round k uses what the peer knew when round k "
                          "began: send self.knew_before(number), and answer a pull with "
                          "self.knew_before(math.floor(msg.sent_at / self.period))")
        rounds.append(run.rounds)
    mean = statistics.mean(rounds)
    if mean > PUSH_PULL_LIMIT:
        return failed(PUSH_PULL, f"everyone learnt it, but after {mean:.1f} rounds on average; "
                      f"push-pull needs about {push_pull_rounds(GOSSIP_PEERS):.1f}",
                      "peers that lack the rumour must ask for it too (the pull half), not only wait to be told")
    return passed(PUSH_PULL, f"all {GOSSIP_PEERS} peers informed in every seed, after {mean:.1f} rounds on "
                  f"average (theory: {push_pull_rounds(GOSSIP_PEERS):.1f}; "
                  f"push alone: {push_rounds(GOSSIP_PEERS):.1f})")


def same_round_news(run: BroadcastRun, period: float = GOSSIP_PERIOD) -> str | None:
    """The first message that carried the rumour in the round its sender learnt it, if any."""
    learnt = {e.agent: e.data["round"] for e in run.trace.select("informed")}
    for e in run.trace.select("send"):
        if e.message.kind in ("pull", "pull_ok") and e.message.body is not None:
            sent_in = math.floor(e.time / period)
            if learnt.get(e.agent, sent_in) >= sent_in:
                return (f"{e.agent} passed the rumour on at t={e.time:g} ({e.message.kind}), "
                        f"learnt in that same round {sent_in}")
    return None


CONTRACT_SEEDS = range(3)
#: A promise is kept if the work ends no earlier than this before it, and no later than
#: the call's deadline (0.5 s: an idle winner cannot start before the award) plus this.
PROMISE_SLACK = 0.1
CALL_DEADLINE = 0.5


@exercise_check(BIDDER)
def check_bidder(strategy: Strategy) -> CheckResult:
    """Run contract net (20 tasks, 5 peers of speeds 1, 1, 2, 0.5, 1) with 3 seeds: every task
    done exactly once, and every winning bid an honest promise of when the work would end."""
    if (wrong := not_given(BIDDER, "strategy", strategy)) is not None:
        return wrong
    for seed in CONTRACT_SEEDS:
        run = run_contract_net(5, seed=seed, strategy=strategy)
        if run.result.errors:
            raise run.result.errors[0].error
        if not run.verdict:
            late = len(run.trace.select("award_failed"))
            return failed(BIDDER, f"with seed {seed}, {len(run.allocation)} of {len(run.tasks)} tasks were done "
                          f"and {late} awards were withdrawn because the winner missed its promise",
                          "a bid is a promise: the seconds until you would finish THIS task, counting the work "
                          "already queued (me.queued) and your speed")
        for task, lateness in sorted(promise_lateness(run.trace).items()):
            if not -PROMISE_SLACK <= lateness <= CALL_DEADLINE + PROMISE_SLACK:
                how = f"{-lateness:.1f} s early" if lateness < 0 else f"{lateness:.1f} s late"
                return failed(BIDDER, f"with seed {seed}, task {task} was finished {how} (against its bid)",
                              "bid exactly the seconds until you would finish: too high and slower peers win "
                              "the work, too low and you break your word")
    return passed(BIDDER, f"every task done exactly once in all {len(CONTRACT_SEEDS)} seeds, "
                  "and every winner finished when it promised")


PREDICTION_SIZES = (16, 64, 128)
PREDICTION_SEEDS = range(10)
#: How far (in rounds) a prediction may be from the simulated mean.
PREDICTION_TOLERANCE = 1.5


@functools.cache
def simulated_push_rounds(n: int) -> float:
    """Mean rounds for push gossip (fan-out 1) on a complete graph of n peers, over 10 seeds."""
    return statistics.mean(run_broadcast("complete", n, method="push", seed=seed).rounds for seed in PREDICTION_SEEDS)


@exercise_check(PREDICTION)
def check_round_prediction(predict: Callable[[int], float]) -> CheckResult:
    """Compare predict(n) with the simulated mean for n = 16, 64, 128 (within 1.5 rounds)."""
    if (wrong := not_given(PREDICTION, "predict", predict)) is not None:
        return wrong
    lines = []
    for n in PREDICTION_SIZES:
        guess = predict(n)
        if isinstance(guess, bool) or not isinstance(guess, (int, float)) or math.isnan(guess):
            return failed(PREDICTION, f"predict({n}) returned {guess!r}, not a number of rounds")
        measured = simulated_push_rounds(n)
        lines.append(f"n={n}: predicted {guess:.1f}, simulated {measured:.1f}")
        if abs(guess - measured) > PREDICTION_TOLERANCE:
            return failed(PREDICTION, "; ".join(lines),
                          "two phases: the informed doubling each round (log2 n), then the last few being "
                          "found by chance (about ln n more rounds)")
    return passed(PREDICTION, "; ".join(lines))
