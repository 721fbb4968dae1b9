"""Peer-to-peer library: topologies, membership, broadcast, push-sum, contract net, the naive peer."""
import math

import networkx as nx
import pytest
from matplotlib.figure import Figure

from coordlab import Crash, Partition, World
from coordlab.patterns import p2p
from coordlab.patterns.p2p import ContractTask, Peer
from coordlab.viz import p2p as p2p_viz


# --- topologies ------------------------------------------------------------------------
@pytest.mark.parametrize("kind", p2p.TOPOLOGIES)
def test_every_named_topology_has_n_connected_peers_with_sortable_names(kind):
    graph = p2p.make_topology(kind, 12, seed=3)
    assert sorted(graph) == p2p.peer_names(12) == [f"p{i:02d}" for i in range(12)]
    assert nx.is_connected(graph)


def test_any_graph_is_renamed_to_peers_and_a_grid_is_as_square_as_n_allows():
    assert sorted(p2p.as_topology(nx.path_graph(["x", "y", "z"]))) == ["p0", "p1", "p2"]
    assert p2p.topology.grid_shape(12) == (3, 4) and p2p.topology.grid_shape(7) == (1, 7)


def test_spectral_gap_orders_ring_below_small_world_below_complete():
    gaps = {kind: p2p.spectral_gap(p2p.make_topology(kind, 32, seed=1)) for kind in ("ring", "small-world", "complete")}
    assert gaps["ring"] < gaps["small-world"] < gaps["complete"]
    assert gaps["ring"] == pytest.approx(1 - math.cos(2 * math.pi / 32))
    assert gaps["complete"] == pytest.approx(1 + 1 / 31)


# --- membership --------------------------------------------------------------------------
def test_peers_that_join_through_one_contact_come_to_know_everyone_by_gossip():
    run = p2p.run_discovery(16, seed=2)
    assert set(p2p.view_sizes(run.trace).values()) == {15}
    assert run.complete_round is not None and run.complete_round <= 15
    assert run.messages < run.n * (run.n - 1)


def test_a_peer_that_leaves_says_bye_and_is_forgotten_for_good():
    run = p2p.run_discovery(8, seed=0, leaves={"p3": 8.5})
    sizes = p2p.view_sizes(run.trace)
    assert sizes.pop("p3") == 7 and set(sizes.values()) == {6}
    assert [e.agent for e in run.trace.select("leave")] == ["p3"]


def test_a_kind_without_a_handler_is_recorded_as_unhandled_not_dropped_silently():
    class Typo(Peer):
        async def start(self):
            await self.send("b", "helo")

    world = World()
    world.add(Typo("a"), Peer("b"))
    result = world.run()
    assert [(e.agent, e.message.kind) for e in result.trace.select("unhandled")] == [("b", "helo")]


# --- broadcast --------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["complete", "ring", "grid", "small-world", "scale-free"])
def test_flooding_costs_one_message_per_edge_direction_minus_the_tree_and_takes_eccentricity_hops(kind):
    run = p2p.run_broadcast(kind, 16, method="flood", seed=4)
    graph = run.graph
    assert run.verdict
    assert run.messages == 2 * graph.number_of_edges() - (len(graph) - 1)
    assert run.rounds == nx.eccentricity(graph, "p00")


@pytest.mark.parametrize("method", ["push", "push-pull"])
def test_gossip_informs_everyone_and_records_the_round_each_peer_learnt_it(method):
    run = p2p.run_broadcast("small-world", 24, method=method, seed=5)
    assert run.verdict and len(run.informed) == 24
    assert run.informed["p00"] == 0 and run.rounds == max(run.informed.values())
    assert all(p2p.informed_rounds(run.trace)[e.agent] == math.floor(e.time)
               for e in run.trace.select("informed") if e.agent != "p00")


def test_the_same_seed_gives_the_same_trace_and_another_seed_another():
    prints = [p2p.run_broadcast("complete", 16, method="push-pull", seed=s).trace.fingerprint() for s in (1, 1, 2)]
    assert prints[0] == prints[1] != prints[2]


def test_a_higher_fanout_spreads_in_fewer_rounds_for_more_messages():
    one = [p2p.run_broadcast("complete", 64, method="push", seed=s) for s in range(5)]
    three = [p2p.run_broadcast("complete", 64, method="push", fanout=3, seed=s) for s in range(5)]
    assert sum(r.rounds for r in three) < sum(r.rounds for r in one)
    assert sum(r.messages for r in three) > sum(r.messages for r in one)


def test_a_partition_stops_the_rumour_at_the_cut_and_gossip_gets_through_once_healed():
    names = p2p.peer_names(16)
    far_side = names[4:12]  # the half of the ring away from the origin p00
    cut = Partition([far_side], at=0, heal_at=10)
    healed = p2p.run_broadcast("ring", 16, method="push-pull", seed=0, faults=[cut])
    assert healed.verdict and min(healed.informed[p] for p in far_side) >= 10
    flooded = p2p.run_broadcast("ring", 16, method="flood", seed=0, faults=[cut])
    assert not flooded.verdict and flooded.rounds is None
    assert set(flooded.informed) == set(names) - set(far_side)


def test_churn_a_newcomer_joining_through_a_contact_pulls_the_rumour():
    run = p2p.run_broadcast("ring", 8, method="push-pull", seed=1, joins=[("late", "p3", 12.5)])
    assert run.verdict and run.informed["late"] >= 13
    assert run.graph.has_edge("late", "p3")


def test_a_crashed_peer_is_not_expected_to_learn_it_but_everyone_live_and_connected_is():
    run = p2p.run_broadcast("complete", 16, method="push", seed=0, faults=[Crash("p05", at=0.5)])
    assert run.verdict and "p05" not in run.informed
    cut_off = p2p.run_broadcast("ring", 8, method="push", seed=0, faults=[Crash("p1", at=0.5), Crash("p7", at=0.5)])
    assert cut_off.verdict and set(cut_off.informed) == {"p0"}  # the rest are cut off by the two crashes


def test_everyone_informed_rejects_a_run_where_a_reachable_peer_never_heard_it():
    class Deaf(p2p.GossipPeer):
        def learn(self, rumour, via=None, round=None):
            return False if self.name == "p3" else super().learn(rumour, via, round)

    run = p2p.run_broadcast("complete", 8, method=Deaf, seed=0)
    verdict = p2p.everyone_informed(run.graph)(run.result)
    assert not verdict and [e.agent for e in verdict.evidence] == ["p3"]
    assert p2p.everyone_informed(run.graph)(p2p.run_broadcast("complete", 8, seed=0).result)


def test_theory_formulas():
    assert p2p.push_rounds(1024) == pytest.approx(10 + math.log(1024))
    assert p2p.push_pull_rounds(81) == pytest.approx(4 + math.log(math.log(81)))


# --- push-sum -----------------------------------------------------------------------------
def test_push_sum_estimates_converge_to_the_mean_on_a_complete_graph():
    run = p2p.run_push_sum("complete", 32, rounds=40, epsilon=0.001, seed=3)
    assert run.verdict
    assert run.errors[-1] < 1e-3 < run.errors[0]
    assert all(abs(e - run.true_mean) < 1e-3 for e in p2p.final_estimates(run.trace).values())


def test_estimates_within_rejects_a_ring_that_had_too_few_rounds():
    run = p2p.run_push_sum("ring", 32, rounds=10, epsilon=0.01, seed=3)
    assert not run.verdict and run.verdict.parts[-1].name == "every estimate within 0.01 of the mean"
    assert len(run.verdict.parts[-1].evidence) == 32


@pytest.mark.parametrize("loss", [0.0, 0.2])
def test_push_sum_mass_is_conserved_exactly_counting_shares_in_flight_even_under_loss(loss):
    run = p2p.run_push_sum("small-world", 16, values=list(range(16)), rounds=12, seed=7, loss=loss)
    ledger = p2p.mass_ledger(run.trace)[16:]  # once every peer has recorded its starting pair
    assert ledger and {m.total for m in ledger} == {(sum(range(16)), 16)}
    assert run.ledger[0].total == (sum(range(16)), 16)  # with the values, from the very first moment
    assert any(m.in_flight[1] > 0 for m in ledger)
    shares = [e for e in run.trace.select("send") if e.message.kind == "share"]
    given = [e for e in run.trace.select("mass") if "sent" in e.data]
    assert (len(shares) > len(given)) == (loss > 0)  # a lost share is sent again, not given twice


# --- contract net ---------------------------------------------------------------------------
def test_contract_net_awards_every_task_once_and_gets_it_done():
    run = p2p.run_contract_net(5, seed=0)
    assert run.verdict and sorted(run.allocation) == sorted(t.id for t in run.tasks)
    assert run.makespan >= p2p.greedy_makespan(run.tasks, run.speeds) * 0.9


def test_a_task_is_announced_again_when_its_winner_crashes_or_fails():
    crashed = p2p.run_contract_net(5, seed=0, managers=2, faults=[Crash("p2", at=3)])
    assert crashed.verdict and crashed.trace.select("award_failed")
    assert all(e.data["to"] == "p2" for e in crashed.trace.select("award_failed"))
    flaky = p2p.run_contract_net(5, seed=1, fails=0.2)
    assert flaky.verdict
    assert any(e.data["why"] == "failure reported" for e in flaky.trace.select("award_failed"))


def test_the_contract_net_checker_rejects_lost_and_doubly_done_tasks():
    lying = p2p.run_contract_net(5, seed=0, strategy=lambda me, task: 1.0)  # promises it cannot keep
    assert not lying.verdict and lying.trace.select("task_abandoned")
    orphaned = p2p.run_contract_net(5, seed=0, faults=[Crash("p2", at=3)])  # a manager dies with its tasks
    assert not orphaned.verdict
    run = p2p.run_contract_net(5, seed=0)
    done = run.trace.select("task_done")[0]
    run.trace.record(done.time + 1, "task_done", done.agent, data=dict(done.data))  # sabotage: done twice
    verdict = p2p.tasks_awarded_once_and_done(run.tasks)(run.result)
    assert not verdict and len(verdict.evidence) == 2


def test_greedy_allocation_gives_each_task_to_whoever_finishes_it_first():
    tasks = [ContractTask("a", 4, "m"), ContractTask("b", 2, "m"), ContractTask("c", 2, "m")]
    assert p2p.greedy_makespan(tasks, {"fast": 2.0, "slow": 1.0}) == 3.0


# --- the naive peer ------------------------------------------------------------------------
def test_the_naive_demo_never_sends_its_first_message_and_the_world_says_deadlock():
    run = p2p.naive.run_naive(4)
    assert run.stop_reason == "deadlock" and not run.trace.select("send")
    assert run.result.waiting == {f"peer{i}": ["any message"] for i in range(4)}


def test_the_naive_peer_prints_and_drops_unknown_kinds_leaving_no_trace(capsys):
    run = p2p.naive.run_naive(4, p2p.naive.LoopFirstPeer)
    assert capsys.readouterr().out.count("unknown message type 'helo'") == 3
    assert len(run.trace.select("deliver")) == 3 and not run.trace.select("unhandled")
    assert p2p.naive.mesh_links(list(run.result.agents.values())) == 4 * 3 // 2


# --- pictures ------------------------------------------------------------------------------
def test_pictures_are_closed_figures():
    import pandas as pd

    run = p2p.run_broadcast("ring", 8, method="push", seed=0)
    frame = pd.DataFrame({"n": [8, 8, 16], "method": ["push"] * 3, "rounds": [5, 6, 9]})
    figures = [p2p_viz.rumour_spread(run, cut=["p01", "p02"]), p2p_viz.rumour_spread(run, rounds=[0, 3]),
               p2p_viz.versus_n(frame, "rounds", theory={"log2 n": math.log2}),
               p2p_viz.error_vs_rounds({"ring": [3.0, 1.0, 0.5]})]
    assert all(isinstance(f, Figure) for f in figures)
    assert len(figures[1].axes) == 2


@pytest.mark.parametrize("size", [1, 2, 21, 22, 100])
def test_pick_one_is_the_draw_sample_makes(size):
    """Peer.pick(1) takes rng.choice as a shortcut: it must pick what rng.sample(names, 1) picks, or
    every gossip trace would change (sample switches method past 21 names: both sides are covered)."""
    import random

    from coordlab.patterns.p2p.overlay import EveryoneElse

    names = [f"p{i}" for i in range(size + 1)]
    everyone_else = EveryoneElse(names, {name: i for i, name in enumerate(names)}, "p0")
    for neighbours in (names[1:], everyone_else):
        peer = Peer("p0", neighbours)
        for seed in range(50):
            peer._rng = random.Random(seed)
            assert peer.pick(1) == random.Random(seed).sample(names[1:], 1)
