"""Every peer-to-peer run keeps the one contract: a PatternRun with a verdict, headline
metrics, the repr the notebook shows, and only message kinds its protocol declares."""
import pytest

from coordlab import Crash
from coordlab.patterns import p2p
from coordlab.patterns.protocol import kinds_declared
from coordlab.patterns.run import PatternRun
from coordlab.world import World

#: One representative run of each sub-protocol (and each broadcast method), with churn and faults.
RUNS = {
    "discovery, with a peer leaving": lambda: p2p.run_discovery(6, leaves={"p2": 3.5}),
    "flooding": lambda: p2p.run_broadcast("ring", 6, method="flood"),
    "push gossip": lambda: p2p.run_broadcast("ring", 6, method="push"),
    "push-pull gossip, with a newcomer": lambda: p2p.run_broadcast("ring", 6, method="push-pull",
                                                                   joins=[("x", "p1", 1)]),
    "push-sum": lambda: p2p.run_push_sum("ring", 6, rounds=40),
    "contract net, with failures": lambda: p2p.run_contract_net(4, seed=1, fails=0.3),
}


@pytest.fixture(scope="module")
def runs():
    return {name: make() for name, make in RUNS.items()}


def test_every_run_is_a_pattern_run_with_its_verdict_and_stop_reason(runs):
    for name, run in runs.items():
        assert isinstance(run, PatternRun), name
        assert run.verdict, (name, run.verdict)
        assert run.stop_reason == run.result.stop_reason and run.trace is run.result.trace
    assert isinstance(p2p.naive.run_naive(4), PatternRun)


@pytest.mark.parametrize("name", RUNS)
def test_every_kind_each_sub_protocol_sends_is_declared(runs, name):
    verdict = kinds_declared(p2p.PROTOCOL)(runs[name].result)
    assert verdict, verdict


def test_the_protocol_table_has_no_kind_the_library_never_sends_but_refuse(runs):
    sent = {e.message.kind for run in runs.values() for e in run.trace.select("send")}
    table = p2p.protocol_table()
    assert set(table.index) - sent == {"refuse"}  # sent only by a Strategy that returns None
    assert list(table.columns) == ["part", "from", "to", "body", "meaning"]


def test_kinds_declared_catches_the_naive_peers_typo(capsys):
    run = p2p.naive.run_naive(4, p2p.naive.LoopFirstPeer)
    verdict = kinds_declared(p2p.PROTOCOL)(run.result)
    assert not verdict and "undeclared kind(s): helo" in verdict.explanation
    assert [e.agent for e in verdict.evidence] == ["peer0"] * 3
    assert run.verdict  # the world's own checkers see nothing wrong: the typo is silently dropped


def test_kinds_declared_catches_a_gossip_peer_that_sends_a_kind_the_table_lacks():
    class Typo(p2p.GossipPeer):
        def __init__(self, *args, **options):
            super().__init__(*args, mode="push-pull", **options)

        async def on_pull(self, msg):
            if msg.body is None and self.rumour is not None:
                await self.send(msg.sender, "pull_reply", self.rumour)  # the table says pull_ok

    typo = p2p.run_broadcast("complete", 8, method=Typo, seed=0)
    verdict = kinds_declared(p2p.PROTOCOL)(typo.result)
    assert not verdict and verdict.explanation.endswith("undeclared kind(s): pull_reply")
    assert {e.message.kind for e in verdict.evidence} == {"pull_reply"}


def test_reprs_are_one_line_with_the_headline_numbers():
    assert repr(p2p.run_discovery(16, seed=0)) == (
        "<DiscoveryRun 16 peers: everyone knew everyone by round 10, 190 messages>")
    assert repr(p2p.run_broadcast("small-world", 32, method="push", seed=1)) == (
        "<BroadcastRun push on 32 peers: informed=32 rounds=13 messages=209>")
    assert repr(p2p.run_push_sum("complete", 32, rounds=30, seed=0)) == (
        "<AveragingRun on 32 peers: mean=51.5 error after 30 rounds=0.0034>")
    assert repr(p2p.run_contract_net(5, seed=0)) == (
        "<ContractRun 20 tasks on 5 peers: done=20 makespan=22.52 messages=320>")
    assert repr(p2p.naive.run_naive(4)) == "<NaiveRun stop_reason='deadlock'; verdict valid>"


def test_metrics_are_the_headline_numbers_read_off_the_run(runs):
    flood = runs["flooding"]
    assert flood.metrics == {"peers": 6, "informed": 6, "rounds": flood.rounds, "messages": flood.messages}
    average = runs["push-sum"]
    assert average.metrics["final error"] == average.errors[-1] and average.metrics["rounds"] == 40
    contract = runs["contract net, with failures"]
    assert contract.metrics["awards withdrawn"] == len(contract.trace.select("award_failed")) > 0
    assert contract.metrics["tasks done"] == contract.metrics["tasks"] == 20
    discovery = runs["discovery, with a peer leaving"]
    assert discovery.metrics == {"peers": 6, "complete round": discovery.complete_round,
                                 "messages": discovery.messages}


# --- the discovery checker ---------------------------------------------------------------------
def test_discovery_is_judged_complete_when_every_live_peer_knows_every_other_live_peer():
    left = p2p.run_discovery(8, seed=0, leaves={"p3": 8.5})
    assert left.verdict.parts[-1].explanation == "all 7 live peers know the 6 others"


def test_discovery_cut_short_is_judged_incomplete_with_each_short_peers_last_view_change():
    short = p2p.run_discovery(16, seed=0, rounds=3)
    assert not short.verdict and short.complete_round is None
    part = short.verdict.parts[-1]
    assert part.name == "every live peer knows every other"
    sizes = p2p.view_sizes(short.trace)
    assert {e.agent for e in part.evidence} == {name for name, size in sizes.items() if size != 15}
    assert all(e.kind in ("join", "view") for e in part.evidence)


def test_views_complete_blames_a_peer_still_counting_one_that_crashed_without_a_word():
    world = World(seed=0, faults=[Crash("p2", at=4.5)])
    world.add(*(p2p.MemberPeer(name, contact=None if name == "p0" else "p0", rounds=5) for name in ("p0", "p1", "p2")))
    verdict = p2p.views_complete(world.run())
    assert not verdict and {e.agent for e in verdict.evidence} == {"p0", "p1"}
