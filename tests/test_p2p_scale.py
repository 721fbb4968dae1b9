"""Peer-to-peer at scale, checked by structure and against networkx, never by the clock.

Implicit overlays (complete, ring, grid) must be the graphs ``make_topology`` draws, link for
link, without storing them; a peer's view of "everyone else" must draw the same random peers
as the list it stands for; the round budget must need no search; the exact push-sum ledger,
kept incrementally, must agree with a re-count of every peer and share at every change.
"""
import math
import random
from fractions import Fraction

import networkx as nx
import pytest

from coordlab import Crash, Nemesis
from coordlab.patterns import p2p
from coordlab.patterns.p2p.overlay import Complete, EveryoneElse, Explicit, Grid, Ring, resolve
from coordlab.patterns.p2p.peer import View


# --- implicit overlays are the graphs they stand for ----------------------------------------
@pytest.mark.parametrize("kind", ["complete", "ring", "grid"])
@pytest.mark.parametrize("n", [2, 3, 7, 12, 30])
def test_an_implicit_overlay_has_exactly_the_links_diameter_and_parts_of_its_networkx_graph(kind, n):
    graph, overlay = p2p.make_topology(kind, n), resolve(kind, n)
    assert list(overlay) == list(graph) == p2p.peer_names(n)
    assert all(list(overlay.neighbours(name)) == sorted(graph[name]) for name in graph)
    assert nx.utils.edges_equal(overlay.to_networkx().edges, graph.edges)
    assert overlay.diameter() == nx.diameter(graph)
    for seed in range(5):  # the parts left when some peers are gone
        live = random.Random(seed).sample(list(graph), k=max(1, n // 2))
        expected = sorted(map(sorted, nx.connected_components(graph.subgraph(live))))
        assert sorted(map(sorted, overlay.parts(live))) == expected


def test_a_run_on_a_complete_graph_builds_no_graph_and_no_list_of_everyone_per_peer(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a complete graph was materialised (or its diameter searched)")

    monkeypatch.setattr(nx, "complete_graph", refuse)
    monkeypatch.setattr(nx, "diameter", refuse)
    for method in ("push", "push-pull"):
        run = p2p.run_broadcast("complete", 300, method=method, seed=1)
        assert run.verdict and len(run.informed) == 300
        views = [agent.view for agent in run.result.agents.values()]
        assert all(isinstance(view.given, EveryoneElse) and not view.met for view in views)
    assert p2p.default_rounds(Complete(p2p.MAX_PEERS), "push") == 24 + 12  # closed form, at the largest size


def test_explicit_graphs_still_work_and_their_diameter_is_exact():
    graph = p2p.make_topology("small-world", 40, seed=2)
    overlay = resolve(graph, 0)
    assert isinstance(overlay, Explicit) and overlay.to_networkx() is graph
    assert overlay.diameter() == nx.diameter(graph)
    run = p2p.run_broadcast(graph, method="push-pull", seed=0)
    assert run.verdict and run.graph is graph


def test_the_round_budget_is_the_old_one_wherever_the_graph_is_not_complete():
    for overlay in (Ring(15), Grid(12), Explicit(p2p.make_topology("scale-free", 30, seed=1))):
        graph = overlay.to_networkx()
        old = math.ceil(3 * math.log2(len(graph) + 1)) + 3 * nx.diameter(graph) + 5
        assert p2p.default_rounds(overlay) == p2p.default_rounds(graph) == old


def test_the_complete_graph_budget_is_the_theory_plus_a_margin_per_method():
    for n in (8, 256, 16384):
        assert p2p.default_rounds(Complete(n), "push") == math.ceil(p2p.push_rounds(n)) + 12
        assert p2p.default_rounds(Complete(n), "push-pull") == math.ceil(p2p.push_pull_rounds(n)) + 5
        assert p2p.default_rounds(Complete(n), "push", loss=0.5) == 2 * (math.ceil(p2p.push_rounds(n)) + 12)


def test_under_heavy_loss_the_budget_stretches_and_push_still_reaches_everyone():
    runs = [p2p.run_broadcast("complete", 64, method="push", loss=0.5, seed=seed) for seed in range(10)]
    assert all(run.verdict and run.rounds is not None for run in runs)


def test_max_peers_is_at_least_16384_and_one_more_is_refused():
    assert p2p.MAX_PEERS >= 16_384
    assert len(p2p.peer_names(p2p.MAX_PEERS)) == p2p.MAX_PEERS
    with pytest.raises(ValueError, match="^n="):
        p2p.run_broadcast("complete", p2p.MAX_PEERS + 1)


# --- a view of everyone else draws what the list would -------------------------------------
@pytest.mark.parametrize("n", [3, 20, 30, 500])
def test_sampling_everyone_else_draws_the_same_peers_as_sampling_the_list(n):
    names = p2p.peer_names(n)
    index = {name: i for i, name in enumerate(names)}
    for me in (names[0], names[n // 2], names[-1]):
        lazy, listed = EveryoneElse(names, index, me), [name for name in names if name != me]
        assert list(lazy) == listed and len(lazy) == n - 1 and me not in lazy and listed[0] in lazy
        for k in (1, 2):
            assert random.Random(k).sample(lazy, k) == random.Random(k).sample(listed, k)


def test_a_view_over_everyone_else_changes_like_the_list_it_stands_for():
    names = p2p.peer_names(40)
    view = View("p05", EveryoneElse(names, {name: i for i, name in enumerate(names)}, "p05"))
    listed = [name for name in names if name != "p05"]
    assert view.add_all(["x", "p06", "p05"]) and not view.add_all(["x"])
    listed.append("x")
    assert view.remove("p10") and view.remove("x") and not view.remove("p10") and not view.remove("nobody")
    listed.remove("p10"), listed.remove("x")
    assert list(view) == listed and len(view) == len(listed) and "p10" not in view
    assert [view[i] for i in range(len(view))] == listed
    assert random.Random(3).sample(view, 2) == random.Random(3).sample(listed, 2)


def test_churn_on_a_complete_overlay_links_the_newcomer_and_a_leaver_is_forgotten():
    run = p2p.run_broadcast("complete", 12, method="push-pull", seed=2, joins=[("late", "p03", 2.5)],
                            leaves={"p07": 1.5})
    assert run.verdict and run.graph.has_edge("late", "p03") and "late" in run.informed
    assert "p07" not in run.result.agents["p01"].view


# --- the exact ledger, kept incrementally ----------------------------------------------------
def recounted_ledger(trace, values):
    """The ledger as it was computed before: every peer and every share in flight re-summed at every change."""
    held = {name: (Fraction(v), Fraction(1)) for name, v in values.items()}
    flying, ledger = {}, []
    for event in trace.select("mass"):
        data = event.data
        if "sent" in data:
            flying[(event.agent, data["sent"])] = data["share"]
        elif "absorbed" in data:
            flying.pop((data["sender"], data["absorbed"]), None)
        held[event.agent] = (data["s"], data["w"])
        ledger.append(((sum(s for s, _ in held.values()), sum(w for _, w in held.values())),
                       (sum(s for s, _ in flying.values()), sum(w for _, w in flying.values()))))
    return ledger


@pytest.mark.parametrize("faults", [[], [Crash("p2", at=3.5)], Nemesis(seed=4)], ids=["none", "crash", "nemesis"])
def test_the_incremental_ledger_equals_a_full_recount_at_every_change(faults):
    run = p2p.run_push_sum("complete", 8, rounds=25, seed=3, loss=0.1, faults=faults)
    ledger = run.ledger
    assert [(m.at_peers, m.in_flight) for m in ledger] == recounted_ledger(run.trace, run.values)
    assert {m.total for m in ledger} == {(sum(run.values.values()), 8)}
    without = p2p.mass_ledger(run.trace)  # no starting values: peers count from their first record
    assert [(m.at_peers, m.in_flight) for m in without] == recounted_ledger(run.trace, {})


def test_the_scaling_picture_has_a_log_log_panel_per_cost_with_the_n_ln_n_line():
    import pandas as pd

    from coordlab.viz import p2p as p2p_viz

    frame = pd.DataFrame({"n": [256, 1024, 256, 1024], "method": ["push", "push", "push-pull", "push-pull"],
                          "wall_s": [0.2, 1.0, 0.3, 1.2], "peak_mb": [90, 110, 90, 105],
                          "messages": [1434, 7078, 2214, 9889]})
    fig = p2p_viz.scaling(frame)
    assert [ax.get_ylabel() for ax in fig.axes] == [label for _, label in p2p_viz.SCALING_PANELS]
    assert all(ax.get_xscale() == ax.get_yscale() == "log" for ax in fig.axes)
    messages = fig.axes[2].get_lines()
    assert [line.get_label() for line in messages] == ["push", "push-pull", "∝ n ln n"]
    reference = messages[-1]
    assert reference.get_ydata()[0] == pytest.approx(1434)  # through push's value at the smallest n
    assert reference.get_ydata()[-1] == pytest.approx(1434 * 1024 * math.log(1024) / (256 * math.log(256)))
