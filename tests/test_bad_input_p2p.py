"""The peer-to-peer bad-input catalogue: each case must fail before running, naming the argument.

Every case is ``(what, call, error type, argument)``: ``call()`` must raise ``error type`` with
a message that starts with ``argument=`` (the project's format: argument, value, what is allowed).
The exercise checks take learners' code instead: they never raise, and say ❌ with the reason.
"""
import networkx as nx
import pandas as pd
import pytest

from coordlab.course import p2p as course
from coordlab.patterns import p2p
from coordlab.viz import p2p as p2p_viz
from tests.bad_input import assert_refused

BIG = 10**9  # a count that would exhaust memory: refused above the documented maximum


def task(**changes):
    fields = {"id": "t1", "work": 1.0, "owner": "p0", "at": 0.0, **changes}
    return p2p.ContractTask(**fields)


CASES = [
    # topologies
    ("unknown topology name", lambda: p2p.make_topology("torus", 8), ValueError, "topology"),
    ("topology of one peer", lambda: p2p.make_topology("ring", 1), ValueError, "n"),
    ("topology of 10**9 peers", lambda: p2p.make_topology("complete", BIG), ValueError, "n"),
    ("topology size as a float", lambda: p2p.make_topology("ring", 8.0), TypeError, "n"),
    ("topology seed None", lambda: p2p.make_topology("small-world", 8, seed=None), TypeError, "seed"),
    ("peer names for a negative count", lambda: p2p.peer_names(-1), ValueError, "n"),
    ("renaming a non-graph", lambda: p2p.as_topology([1, 2]), TypeError, "graph"),
    ("spectral gap of one peer", lambda: p2p.spectral_gap(nx.path_graph(["a"])), ValueError, "graph"),
    ("spectral gap of a list", lambda: p2p.spectral_gap([("a", "b")]), TypeError, "graph"),
    ("default rounds of a disconnected graph", lambda: p2p.default_rounds(nx.Graph([(1, 2), (3, 4)])),
     ValueError, "graph"),
    ("push theory for zero peers", lambda: p2p.push_rounds(0), ValueError, "n"),
    ("push-pull theory for one peer", lambda: p2p.push_pull_rounds(1), ValueError, "n"),
    # run_broadcast
    ("broadcast over a number", lambda: p2p.run_broadcast(42), TypeError, "topology"),
    ("broadcast over a directed graph", lambda: p2p.run_broadcast(nx.DiGraph([("a", "b")])), TypeError, "topology"),
    ("broadcast over an empty graph", lambda: p2p.run_broadcast(nx.Graph()), ValueError, "topology"),
    ("broadcast over a disconnected graph", lambda: p2p.run_broadcast(nx.Graph([("a", "b"), ("c", "d")])),
     ValueError, "topology"),
    ("broadcast to 10**9 peers", lambda: p2p.run_broadcast("ring", BIG), ValueError, "n"),
    ("broadcast to 1e9 peers (a float)", lambda: p2p.run_broadcast("ring", 1e9), TypeError, "n"),
    ("broadcast with negative rounds", lambda: p2p.run_broadcast("ring", 8, rounds=-1), ValueError, "rounds"),
    ("broadcast with 10**9 rounds", lambda: p2p.run_broadcast("ring", 8, rounds=BIG), ValueError, "rounds"),
    ("broadcast with fan-out 0", lambda: p2p.run_broadcast("ring", 8, fanout=0), ValueError, "fanout"),
    ("broadcast with fan-out 1.5", lambda: p2p.run_broadcast("ring", 8, fanout=1.5), TypeError, "fanout"),
    ("broadcast by an unknown method", lambda: p2p.run_broadcast("ring", 8, method="gossip"), ValueError, "method"),
    ("broadcast by a class that is no peer", lambda: p2p.run_broadcast("ring", 8, method=dict), ValueError, "method"),
    ("broadcast seed None", lambda: p2p.run_broadcast("ring", 8, seed=None), TypeError, "seed"),
    ("broadcast with a negative seed", lambda: p2p.run_broadcast("ring", 8, seed=-3), ValueError, "seed"),
    ("broadcast loss 1.5", lambda: p2p.run_broadcast("ring", 8, loss=1.5), ValueError, "loss"),
    ("broadcast with a zero period", lambda: p2p.run_broadcast("ring", 8, period=0), ValueError, "period"),
    ("broadcast from an unknown origin", lambda: p2p.run_broadcast("ring", 8, origin="zz"), ValueError, "origin"),
    ("broadcast: unknown peer in leaves", lambda: p2p.run_broadcast("ring", 8, leaves={"nobody": 2.0}),
     ValueError, "leaves"),
    ("broadcast: negative leave time", lambda: p2p.run_broadcast("ring", 8, leaves={"p1": -1}), ValueError, "leaves"),
    ("broadcast: leaves as a list", lambda: p2p.run_broadcast("ring", 8, leaves=["p1"]), TypeError, "leaves"),
    ("broadcast: join through an unknown contact", lambda: p2p.run_broadcast("ring", 8, joins=[("new", "p9", 1.0)]),
     ValueError, "joins"),
    ("broadcast: a newcomer named like a peer", lambda: p2p.run_broadcast("ring", 8, joins=[("p1", "p0", 1.0)]),
     ValueError, "joins"),
    ("broadcast: a join that is not a triple", lambda: p2p.run_broadcast("ring", 8, joins=[("new", "p0")]),
     TypeError, "joins"),
    ("broadcast: a join at a negative time", lambda: p2p.run_broadcast("ring", 8, joins=[("new", "p0", -1)]),
     ValueError, "joins"),
    ("broadcast: faults as a string", lambda: p2p.run_broadcast("ring", 8, faults="Crash"), TypeError, "faults"),
    # run_push_sum
    ("push-sum with values of the wrong length", lambda: p2p.run_push_sum("ring", 8, values=[1, 2, 3]),
     ValueError, "values"),
    ("push-sum with a value that is text", lambda: p2p.run_push_sum("ring", 2, values=[1, "2"]), TypeError, "values"),
    ("push-sum with a NaN value", lambda: p2p.run_push_sum("ring", 2, values=[1, float("nan")]), TypeError, "values"),
    ("push-sum with values as a string", lambda: p2p.run_push_sum("ring", 2, values="12"), TypeError, "values"),
    ("push-sum with negative rounds", lambda: p2p.run_push_sum("ring", 8, rounds=-1), ValueError, "rounds"),
    ("push-sum with epsilon 0", lambda: p2p.run_push_sum("ring", 8, epsilon=0), ValueError, "epsilon"),
    ("push-sum with epsilon as text", lambda: p2p.run_push_sum("ring", 8, epsilon="0.1"), TypeError, "epsilon"),
    ("push-sum over an unknown topology", lambda: p2p.run_push_sum("star", 8), ValueError, "topology"),
    ("push-sum seed None", lambda: p2p.run_push_sum("ring", 8, seed=None), TypeError, "seed"),
    ("push-sum peer with a text value", lambda: p2p.PushSumPeer("a", value="ten"), TypeError, "value"),
    # run_contract_net and its tasks
    ("contract net with no peers", lambda: p2p.run_contract_net(0), ValueError, "peers"),
    ("contract net with 10**9 peers", lambda: p2p.run_contract_net(BIG), ValueError, "peers"),
    ("contract net with more managers than peers", lambda: p2p.run_contract_net(5, managers=6), ValueError,
     "managers"),
    ("contract net with tasks that are strings", lambda: p2p.run_contract_net(3, ["t1"]), TypeError, "tasks"),
    ("contract net with a task id twice", lambda: p2p.run_contract_net(3, [task(), task()]), ValueError, "tasks"),
    ("contract net with a task of an unknown owner", lambda: p2p.run_contract_net(3, [task(owner="p7")]),
     ValueError, "owner"),
    ("contract net with too few speeds", lambda: p2p.run_contract_net(3, speeds=[1, 2]), ValueError, "speeds"),
    ("contract net with a zero speed", lambda: p2p.run_contract_net(2, speeds=[1, 0]), ValueError, "speeds"),
    ("contract net with a strategy that is a number", lambda: p2p.run_contract_net(3, strategy=3), TypeError,
     "strategy"),
    ("contract net fails 2", lambda: p2p.run_contract_net(3, fails=2), ValueError, "fails"),
    ("contract net with zero attempts", lambda: p2p.run_contract_net(3, max_attempts=0), ValueError, "max_attempts"),
    ("contract net seed None", lambda: p2p.run_contract_net(3, seed=None), TypeError, "seed"),
    ("contract net with negative latency", lambda: p2p.run_contract_net(3, latency=-1), ValueError, "latency"),
    ("a task with negative work", lambda: task(work=-1), ValueError, "work"),
    ("a task with no id", lambda: task(id=""), TypeError, "id"),
    ("a task owned by a number", lambda: task(owner=3), TypeError, "owner"),
    ("a task announced before the start", lambda: task(at=-2), ValueError, "at"),
    ("a contract peer with speed 0", lambda: p2p.ContractPeer("a", speed=0), ValueError, "speed"),
    ("a contract peer with a zero deadline", lambda: p2p.ContractPeer("a", deadline=0), ValueError, "deadline"),
    ("a contract peer with max_attempts as text", lambda: p2p.ContractPeer("a", max_attempts="3"), TypeError,
     "max_attempts"),
    ("a contract peer with a negative grace", lambda: p2p.ContractPeer("a", grace=-1), ValueError, "grace"),
    ("make tasks for no owners", lambda: p2p.make_tasks(3, []), ValueError, "owners"),
    ("make a negative number of tasks", lambda: p2p.make_tasks(-1, ["p0"]), ValueError, "count"),
    ("the central allocator with a zero speed", lambda: p2p.greedy_makespan([task()], {"p0": 0}), ValueError,
     "speeds"),
    ("the central allocator with no peers", lambda: p2p.greedy_makespan([task()], {}), ValueError, "speeds"),
    # run_discovery and peers
    ("discovery with no peers", lambda: p2p.run_discovery(0), ValueError, "n"),
    ("discovery with 10**9 peers", lambda: p2p.run_discovery(BIG), ValueError, "n"),
    ("discovery with negative rounds", lambda: p2p.run_discovery(8, rounds=-1), ValueError, "rounds"),
    ("discovery: unknown peer in leaves", lambda: p2p.run_discovery(8, leaves={"p99": 3}), ValueError, "leaves"),
    ("discovery seed None", lambda: p2p.run_discovery(8, seed=None), TypeError, "seed"),
    ("a peer with negative rounds", lambda: p2p.Peer("a", rounds=-1), ValueError, "rounds"),
    ("a peer with neighbours given as one string", lambda: p2p.Peer("a", "bc"), TypeError, "neighbours"),
    ("a peer with a neighbour that is a number", lambda: p2p.Peer("a", [1, 2]), TypeError, "neighbours"),
    ("a peer with a contact that is a number", lambda: p2p.Peer("a", contact=5), TypeError, "contact"),
    ("a peer leaving at a negative time", lambda: p2p.Peer("a", leaves_at=-1), ValueError, "leaves_at"),
    ("a gossip peer in an unknown mode", lambda: p2p.GossipPeer("a", mode="pull"), ValueError, "mode"),
    ("a gossip peer with fan-out True", lambda: p2p.GossipPeer("a", fanout=True), TypeError, "fanout"),
    ("the textbook demo with 10**9 peers", lambda: p2p.naive.run_naive(BIG), ValueError, "n"),
    ("the textbook demo with a class that is no peer", lambda: p2p.naive.run_naive(4, dict), TypeError,
     "peer_class"),
    # checkers
    ("estimates within a negative epsilon", lambda: p2p.estimates_within(-1, 5.0), ValueError, "epsilon"),
    ("estimates around a mean that is text", lambda: p2p.estimates_within(0.1, "5"), TypeError, "true_mean"),
    ("everyone informed over a list", lambda: p2p.everyone_informed(["a", "b"]), TypeError, "graph"),
    # pictures
    ("topologies of nothing", lambda: p2p_viz.topologies({}), TypeError, "graphs"),
    ("topologies of a number", lambda: p2p_viz.topologies({"ring": 5}), TypeError, "graphs"),
    ("rumour spread of a push-sum run", lambda: p2p_viz.rumour_spread(p2p.run_push_sum("ring", 4, rounds=1)),
     TypeError, "run"),
    ("rumour spread at a negative round", lambda: p2p_viz.rumour_spread(p2p.run_broadcast("ring", 4), rounds=[-1]),
     ValueError, "rounds"),
    ("rumour spread with a cut given as one string",
     lambda: p2p_viz.rumour_spread(p2p.run_broadcast("ring", 4), cut="p01"), TypeError, "cut"),
    ("versus n of a missing column", lambda: p2p_viz.versus_n(pd.DataFrame({"n": [4], "method": ["push"]}), "rounds"),
     ValueError, "column"),
    ("versus n of a list", lambda: p2p_viz.versus_n([1, 2], "rounds"), TypeError, "frame"),
    ("versus n with logy as text",
     lambda: p2p_viz.versus_n(pd.DataFrame({"n": [4], "method": ["push"], "rounds": [3]}), "rounds", logy="no"),
     TypeError, "logy"),
    ("error against rounds of nothing", lambda: p2p_viz.error_vs_rounds({}), TypeError, "errors"),
    ("scaling of a list", lambda: p2p_viz.scaling([1, 2]), TypeError, "frame"),
    ("scaling of an empty frame", lambda: p2p_viz.scaling(pd.DataFrame()), TypeError, "frame"),
    ("scaling without a memory column",
     lambda: p2p_viz.scaling(pd.DataFrame({"n": [4], "method": ["push"], "wall_s": [1.0], "messages": [3]})),
     ValueError, "frame"),
    # the round budget and the largest run
    ("default rounds of a topology name", lambda: p2p.default_rounds("complete"), TypeError, "graph"),
    ("default rounds under total loss", lambda: p2p.default_rounds(p2p.Complete(8), loss=1), ValueError, "loss"),
    ("default rounds with loss as text", lambda: p2p.default_rounds(p2p.Complete(8), loss="high"), TypeError, "loss"),
    ("a broadcast over more than MAX_PEERS peers", lambda: p2p.run_broadcast("complete", p2p.MAX_PEERS + 1),
     ValueError, "n"),
    ("push-sum over more than MAX_PEERS peers", lambda: p2p.run_push_sum("ring", p2p.MAX_PEERS + 1),
     ValueError, "n"),
    ("peer names beyond MAX_PEERS", lambda: p2p.peer_names(p2p.MAX_PEERS + 1), ValueError, "n"),
]


@pytest.mark.parametrize("what, call, error, argument", CASES, ids=[case[0] for case in CASES])
def test_bad_input_fails_first_naming_the_argument(what, call, error, argument):
    assert_refused(call, error, argument)


def test_the_catalogue_is_big_enough():
    assert len(CASES) >= 35


def test_a_graph_with_non_string_nodes_is_renamed_to_peers_not_refused():
    run = p2p.run_broadcast(nx.path_graph(4), method="flood")
    assert sorted(run.graph) == ["p0", "p1", "p2", "p3"] and run.verdict


@pytest.mark.parametrize("check, answer, says", [
    (course.check_push_pull, "PushPullPeer", "is not a RumourPeer subclass"),
    (course.check_bidder, 42, "strategy=42 is not allowed"),
    (course.check_round_prediction, None, "predict=None is not allowed"),
    (course.check_round_prediction, lambda n: "ten", "not a number of rounds"),
], ids=["push-pull given a string", "bidder given a number", "prediction given None", "prediction of text"])
def test_exercise_checks_answer_bad_input_with_a_cross_and_never_raise(check, answer, says, capsys):
    result = check(answer)
    assert not result and says in result.message
    assert "❌" in capsys.readouterr().out
