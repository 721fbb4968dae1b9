"""The comparison (issue 13): one workload, five contenders, tidy rows, the measured columns, stars, choosing.

Numbers are recomputed here from the traces and the workload, not read back from the code under test.
"""
import ast
import inspect
import json
import math
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from coordlab import Crash
from coordlab.compare import (
    CONTENDERS,
    NONE_ABLE,
    PATTERNS,
    Comparison,
    complexity,
    coordination_report,
    crossover,
    exponents,
    fault_summary,
    fault_tolerance,
    measured_run,
    org_chart,
    recommend,
    row,
    workload,
)
from coordlab.compare.columns import PARTS
from coordlab.compare.contenders import capable_bidder, contract_tasks
from coordlab.compare.stars import SEED_STARS, disagreements, side_by_side, to_stars
from coordlab.patterns.centralized.orchestrator import Client, Orchestrator
from coordlab.patterns.centralized.workers import Worker
from coordlab.patterns.consensus.raft import RaftServer
from coordlab.patterns.consensus.replicated import OrchestratorReplica, ReplicatedClient
from coordlab.patterns.hierarchical.director import Client as HierarchicalClient
from coordlab.patterns.hierarchical.director import Director
from coordlab.patterns.hierarchical.lead import Lead
from coordlab.patterns.hierarchical.manager import Manager
from coordlab.patterns.p2p import BidderView
from coordlab.patterns.p2p.contract_net import ContractPeer
from coordlab.patterns.p2p.peer import Peer
from coordlab.patterns.swarm.threshold import Board, ThresholdWorker

SMALL = workload(tasks=12, agents=4, seed=3)


# --- the workload ---------------------------------------------------------------------------------
def test_workload_is_a_function_of_its_seed():
    assert workload(20, 5, seed=1).tasks == workload(20, 5, seed=1).tasks
    assert workload(20, 5, seed=1).workers == workload(20, 5, seed=1).workers
    assert workload(20, 5, seed=1).tasks != workload(20, 5, seed=2).tasks


def test_workload_shape():
    load = workload(200, 7, types=("a", "b", "c"), seed=4)
    assert len(load.tasks) == 200 and len(load.workers) == 7
    ids = [t.id for t in load.tasks]
    for index, task in enumerate(load.tasks):
        assert 1 <= task.duration <= 5 and task.duration == int(task.duration)
        assert all(ids.index(dep) < index for dep in task.depends_on)  # only earlier tasks: no cycle
    dependent = sum(1 for t in load.tasks if t.depends_on)
    assert 0 < dependent < 50  # "a few": about 10 %
    for kind in ("a", "b", "c"):
        capable = [w for w in load.workers if kind in w.capabilities]
        assert 0 < len(capable) < 7  # every type can be done, nobody does everything
    assert all(w.capacity == 1 and w.speed == 1.0 for w in load.workers)
    assert load.ideal_makespan >= sum(t.duration for t in load.tasks) / 7


# --- the contenders -------------------------------------------------------------------------------
@pytest.mark.parametrize("pattern", PATTERNS)
def test_every_contender_finishes_the_workload_correctly(pattern):
    run = CONTENDERS[pattern].run(SMALL, seed=1)
    assert run.stop_reason == "completed"
    assert run.verdict
    done = {e.data["task"] for e in run.trace.select("task_done")} or set(run.tasks.query("state == 'done'")["task"])
    assert done == {t.id for t in SMALL.tasks}
    agents = set(run.trace.agents())
    assert set(CONTENDERS[pattern].agents(SMALL)) <= agents  # a fault may name every one of them


def test_contract_net_mapping_keeps_ids_work_and_capabilities():
    tasks = contract_tasks(SMALL)
    assert [(t.id, t.work) for t in tasks] == [(t.id, t.duration) for t in SMALL.tasks]
    assert [t.owner for t in tasks[:4]] == [w.name for w in SMALL.workers]
    strategy = capable_bidder(SMALL)
    task = SMALL.tasks[0]
    unable = next(w for w in SMALL.workers if task.type not in w.capabilities)
    able = next(w for w in SMALL.workers if task.type in w.capabilities)
    assert strategy(BidderView(unable.name, 1.0, 0.0, 2.0), tasks[0]) is None
    assert strategy(BidderView(able.name, 1.0, 0.0, 2.0), tasks[0]) == 2.0 + task.duration


@pytest.mark.parametrize("agents, depth", [(9, 3), (16, 3), (8, 5), (5, 2)])
def test_org_chart_has_the_depth_asked_and_the_workload_s_workers(agents, depth):
    load = workload(agents, agents)
    chart = org_chart(load, depth)
    assert chart.depth == depth
    assert chart.workers == [w.name for w in load.workers] or sorted(chart.workers) == sorted(
        w.name for w in load.workers)
    fan = max(2, math.ceil(agents ** (1 / (depth - 1)) - 1e-9))
    assert all(len(chart.children(m)) <= fan for m in chart.managers if m != chart.director)
    assert all(chart.specialties[w.name] == w.capabilities for w in load.workers)


# --- one row, the coordination report ------------------------------------------------------------------
@pytest.mark.parametrize("pattern", PATTERNS)
def test_row_counts_what_the_trace_shows(pattern):
    measured = row(pattern, SMALL, seed=2)
    run = CONTENDERS[pattern].run(SMALL, seed=2)
    sends = run.trace.select("send")
    assert measured["messages"] == len(sends)
    handled = Counter(e.agent for e in sends) + Counter(e.agent for e in run.trace.select("deliver"))
    assert measured["busiest messages"] == max(handled.values())
    assert handled[measured["busiest"]] == max(handled.values())
    done_times = [e.time for e in run.trace.select("task_done")]
    if pattern == "consensus":  # decisions are applied by every replica: the task table says when
        done_times = list(run.tasks["end"])
    assert measured["makespan"] == pytest.approx(max(done_times))
    assert measured["completion"] == 1.0 and measured["valid"] and measured["stop_reason"] == "completed"
    assert (measured["agents"], measured["tasks"], measured["seed"]) == (4, 12, 2)
    assert row(pattern, SMALL, seed=2) == measured  # deterministic


def test_row_passes_on_only_the_options_a_pattern_takes():
    assert row("hierarchical", SMALL, depth=2)["completion"] == 1.0
    with pytest.raises(TypeError, match=r"levels=2 is not allowed for pattern='hierarchical': it takes 'depth'"):
        row("hierarchical", SMALL, levels=2)
    with pytest.raises(TypeError, match=r"depth=3 is not allowed for pattern='swarm': it takes no options") as raised:
        row("swarm", SMALL, depth=3)
    assert "run_swarm_on" not in str(raised.value)


def test_row_under_a_fault_measures_the_loss():
    # the orchestrator crashes for good at once: nothing can be assigned, so nothing is done
    measured = row("centralized", SMALL, faults=[Crash("orchestrator", at=0.001)])
    assert measured["completion"] == 0.0 and measured["stop_reason"] != "completed"
    replicated = row("consensus", SMALL, faults=[Crash("s1", at=0.001)])
    assert replicated["completion"] == 1.0


def test_rows_are_the_same_in_another_process():
    code = ("from coordlab.compare import row, workload; "
            "print(row('swarm', workload(tasks=12, agents=4, seed=3), seed=5))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == str(row("swarm", SMALL, seed=5))


def test_coordination_report_recomputed():
    run = CONTENDERS["centralized"].run(SMALL, seed=1)
    report = coordination_report(run, SMALL)
    assert report.messages_per_task == pytest.approx(len(run.trace.select("send")) / 12)
    workers = set(report.agents.query("role == 'worker'")["agent"])
    assert workers == set(run.tasks["worker"])
    assert set(report.agents.query("role == 'coordinator'")["agent"]) == {"orchestrator"}
    busy = {}
    for e in run.trace.select(("work_start", "work_end")):
        busy[e.agent] = busy.get(e.agent, 0.0) + (e.time if e.kind == "work_end" else -e.time)
    length = max(e.time for e in run.trace.select(("deliver", "work_end")))
    for _, agent in report.agents.iterrows():
        assert agent["busy"] == pytest.approx(busy.get(agent["agent"], 0.0))
        assert agent["idle"] == pytest.approx(length - agent["busy"])
    ready_waits = []
    table = run.tasks.set_index("task")
    first = table["start"].min()
    for task in SMALL.tasks:
        ready = max([first, *(table.loc[d, "end"] for d in task.depends_on)])
        ready_waits.append(table.loc[task.id, "start"] - ready)
    assert report.task_wait == pytest.approx(sum(ready_waits) / len(ready_waits))
    assert "busiest agent: orchestrator" in str(report)


# --- the measured columns ---------------------------------------------------------------------------
def scale_frame(points):
    """A scalability table from (pattern, agents, makespan, busiest, completion)."""
    return pd.DataFrame([{"pattern": p, "agents": a, "seed": 0, "makespan": m, "busiest messages": b,
                          "completion": c} for p, a, m, b, c in points])


def test_exponents_recover_a_power_law_and_stop_at_incomplete_sizes():
    frame = scale_frame([("a", n, 3.0 * n ** 0.5, 7 * n, 1.0) for n in (8, 64, 512)]
                        + [("b", 8, 10, 10, 1.0), ("b", 64, 20, 40, 1.0), ("b", 512, 5, 40, 0.5)])
    fitted = exponents(frame)
    assert fitted.loc["a", "makespan k"] == pytest.approx(0.5)
    assert fitted.loc["a", "busiest k"] == pytest.approx(1.0)
    assert fitted.loc["a", "all sizes completed"] and fitted.loc["a", "largest completed"] == 512
    assert not fitted.loc["b", "all sizes completed"] and fitted.loc["b", "largest completed"] == 64
    assert fitted.loc["b", "makespan k"] == pytest.approx(math.log(2) / math.log(8))


def test_crossover_is_where_the_challenger_stays_ahead():
    frame = scale_frame([("centralized", 8, 5, 0, 1.0), ("centralized", 32, 6, 0, 1.0),
                         ("centralized", 128, 9, 0, 1.0), ("centralized", 512, 9, 0, 0.2),
                         ("swarm", 8, 4, 0, 1.0), ("swarm", 32, 7, 0, 1.0), ("swarm", 128, 8, 0, 1.0),
                         ("swarm", 512, 30, 0, 1.0)])
    assert crossover(frame, "swarm") == 128  # ahead at 8 by luck, behind at 32, ahead from 128 on
    never = frame.assign(completion=lambda f: f["completion"].where(f["pattern"] != "swarm", 0.5))
    assert crossover(never, "swarm") == math.inf


def test_complexity_reads_protocols_and_signatures():
    from coordlab.patterns.centralized import PROTOCOL

    table = complexity()
    assert table.loc["centralized", "message kinds"] == len(PROTOCOL)
    assert "seed" not in table.loc["centralized", "knob names"]
    assert "policy" in table.loc["centralized", "knob names"].split(", ")
    assert table["score"].max() == pytest.approx(
        table[["message kinds", "agent lines", "knobs"]].div(table[["message kinds", "agent lines", "knobs"]]
                                                             .max()).mean(axis=1).max())


#: The classes whose code "agent lines" counts, by hand: the agents each run starts, and their bases.
AGENT_CODE = {
    "centralized": {Client, Orchestrator, Worker},
    "peer-to-peer": {ContractPeer, Peer},
    "hierarchical": {HierarchicalClient, Director, Lead, Manager, Worker},
    "consensus": {ReplicatedClient, OrchestratorReplica, RaftServer, Worker},
    "swarm": {Board, ThresholdWorker},
}


def lines_of_class(cls) -> int:
    """Non-blank, non-comment lines of a class, found by parsing its module's file (not with inspect)."""
    text = Path(sys.modules[cls.__module__].__file__).read_text()
    node = next(n for n in ast.parse(text).body if isinstance(n, ast.ClassDef) and n.name == cls.__name__)
    lines = text.splitlines()[node.lineno - 1:node.end_lineno]
    return sum(1 for line in lines if line.strip() and not line.strip().startswith("#"))


@pytest.mark.parametrize("pattern", PATTERNS)
def test_agent_lines_count_the_classes_of_the_agents_each_run_starts(pattern):
    run = CONTENDERS[pattern].run(SMALL, seed=1)
    started = {type(agent) for agent in run.result.agents.values()}
    assert started == set(PARTS[pattern]["agents"])  # every agent started is counted, and nothing else
    assert complexity([pattern]).loc[pattern, "agent lines"] == sum(map(lines_of_class, AGENT_CODE[pattern]))
    # the same role for every pattern: not the module around the agents (run function, checkers, helpers)
    modules = {inspect.getmodule(cls) for cls in AGENT_CODE[pattern]}
    assert complexity([pattern]).loc[pattern, "agent lines"] < sum(
        len([line for line in inspect.getsource(module).splitlines() if line.strip()]) for module in modules)


def test_fault_score_counts_a_run_with_an_invalid_verdict_as_nothing_done():
    runs = [{"pattern": p, "fault": f, "rate": r, "seed": seed, "completion": c, "valid": v}
            for f, r in (("crashes", 0.0), ("crashes", 0.5), ("partitions", 0.0), ("busiest", 0.0))
            for seed in (0, 1)
            for p, c, v in (("careful", 0.5, True), ("sloppy", 1.0, seed == 0))]
    summary = fault_summary(pd.DataFrame(runs))
    assert summary.loc["sloppy", "crash 50%"] == 1.0 and summary.loc["sloppy", "busiest crashed"] == 1.0
    assert summary.loc["sloppy", "valid share"] == 0.5 and summary.loc["careful", "valid share"] == 1.0
    assert summary.loc["sloppy", "busiest crashed, valid"] == summary.loc["careful", "busiest crashed, valid"] == 0.5
    # careful: half the work, always valid; sloppy: all the work, valid in one run of two
    assert summary.loc["careful", "score"] == pytest.approx(0.5)
    assert summary.loc["sloppy", "score"] == pytest.approx((1.0 + 0.0) / 2)
    runs[-1]["valid"] = True  # the one invalid run of the busiest crash becomes valid: only that condition moves
    assert fault_summary(pd.DataFrame(runs)).loc["sloppy", "score"] == pytest.approx((3 * 0.5 + 1.0) / 4)


def test_fault_tolerance_rows_and_no_faults_completes():
    frame = fault_tolerance(agents=4, rates=(0.0, 0.5), seeds=(0,), patterns=("centralized", "swarm"), progress=False)
    assert len(frame) == 2 * (2 + 1 + 1)  # crashes at two rates, partitions, the busiest crashed; per pattern
    clean = frame[(frame["fault"] == "crashes") & (frame["rate"] == 0.0)]
    assert (clean["completion"] == 1.0).all() and clean["valid"].all()


def test_the_busiest_agent_crashing_is_a_single_point_of_failure_only_where_there_is_one():
    plain = measured_run("centralized", 8, "busiest", seed=1)  # the orchestrator is the busiest
    replicated = measured_run("consensus", 8, "busiest", seed=1)  # the leader is: another takes over
    assert plain["completion"] < 0.5 and plain["stop_reason"] == "no_answer"
    assert replicated["completion"] == 1.0 and replicated["valid"]


# --- stars and choosing -------------------------------------------------------------------------------
def test_to_stars_ranks_best_three_worst_one():
    scores = pd.Series({"a": 0.1, "b": 0.5, "c": 0.9})
    assert to_stars(scores, higher_is_more=True).to_dict() == {"a": 1, "b": 2, "c": 3}
    assert to_stars(scores, higher_is_more=False).to_dict() == {"a": 3, "b": 2, "c": 1}
    assert to_stars(pd.Series({"a": 1.0, "b": 1.0}), higher_is_more=True).to_dict() == {"a": 2, "b": 2}


def test_disagreements_list_exactly_the_differing_cells():
    measured = pd.DataFrame(SEED_STARS, index=["scalability", "complexity", "fault tolerance",
                                               "predictability"]).T.loc[list(PATTERNS)]
    measured.loc["swarm", "scalability"] = 1
    evidence = {c: pd.Series(dict.fromkeys(PATTERNS, f"{c} evidence")) for c in measured.columns}
    found = disagreements(measured, evidence)
    assert found[["pattern", "column", "seed", "measured"]].values.tolist() == [["swarm", "scalability", "★★★", "★"]]
    assert side_by_side(measured).loc["swarm", ("scalability", "measured")] == "★"


def synthetic_comparison():
    """A comparison built by hand, so that the guide's answers are known in advance."""
    sizes = (8, 64, 512)
    scale = scale_frame([(p, n, 10.0 + (n / 64 if p == "centralized" else 0), n, 1.0 if p != "centralized" or n < 512
                          else 0.3) for p in PATTERNS for n in sizes])
    scale.loc[(scale["pattern"] == "hierarchical") & (scale["agents"] < 512), "makespan"] = 99  # behind until 512
    scale.loc[(scale["pattern"] == "swarm") & (scale["agents"] == 8), "makespan"] = 99  # ahead from 64 on
    scale.loc[scale["pattern"] == "peer-to-peer", "completion"] = 0.5
    comp = pd.DataFrame({"message kinds": [8, 7, 11, 13, 8], "agent lines": [400, 500, 600, 1000, 370],
                         "knobs": [2, 3, 4, 9, 6]}, index=list(PATTERNS))
    comp["score"] = (comp / comp.max()).mean(axis=1)
    faults = pd.DataFrame([{"pattern": p, "fault": f, "rate": r, "seed": 0,
                            "completion": {"consensus": 1.0, "swarm": 0.9}.get(p, 0.5) if r or f != "crashes"
                            else 1.0, "valid": True}
                           for p in PATTERNS for f, r in (("crashes", 0.0), ("crashes", 0.2), ("partitions", 0.0),
                                                          ("busiest", 0.0))])
    faults.loc[(faults["pattern"] == "hierarchical") & (faults["fault"] == "busiest"), "completion"] = 1.0
    pred = pd.DataFrame({"makespan cv": [0.01, 0.3, 0.2, 0.1, 0.4], "completion spread": [0.0] * 5,
                         "outcomes": [1] * 5}, index=pd.Index(PATTERNS, name="pattern"))
    pred["score"] = pred["makespan cv"] + pred["completion spread"]
    return Comparison(scale, comp, faults, pred)


def test_recommend_follows_the_questions_in_order():
    table = synthetic_comparison()
    assert table.crossover() == ("swarm", 64.0)
    assert recommend(table, agents=100).pattern == "swarm"
    assert "64" in recommend(table, agents=100).reason
    assert table.able(10) == table.able(64) == ["centralized", "hierarchical", "consensus", "swarm"]
    assert table.able(100) == ["hierarchical", "consensus", "swarm"]  # the next size measured, 512, fails it
    assert table.able(5000) == ["hierarchical", "consensus", "swarm"] and "peer-to-peer" not in table.able(3)
    # hierarchical and consensus both survive their busiest agent; the fault score breaks the tie
    assert recommend(table, agents=10, must_survive_coordinator_loss=True).pattern == "consensus"
    assert recommend(table, agents=10, fault_tolerance_needed=True).pattern == "consensus"
    assert recommend(table, agents=10, predictability_needed=True).pattern == "centralized"
    assert recommend(table, agents=10).pattern == "centralized"  # simplest score among the able
    assert "peer-to-peer" not in [recommend(table, agents=3, **{q: True}).pattern for q in
                                  ("must_survive_coordinator_loss", "fault_tolerance_needed",
                                   "predictability_needed")]
    # a requirement comes before the crossover, among the patterns able at that size
    assert recommend(table, agents=1000, predictability_needed=True).pattern == "consensus"
    assert recommend(table, agents=1000, must_survive_coordinator_loss=True).pattern == "consensus"
    assert recommend(table, agents=1000).pattern == "swarm"


def test_surviving_a_coordinator_s_loss_counts_only_valid_runs():
    table = synthetic_comparison()
    assert recommend(table, agents=10, must_survive_coordinator_loss=True).pattern == "consensus"
    faults = table.faults.copy()
    faults.loc[(faults["pattern"] == "consensus") & (faults["fault"] == "busiest"), "valid"] = False
    broken = Comparison(table.scalability, table.complexity, faults, table.predictability)
    answer = recommend(broken, agents=10, must_survive_coordinator_loss=True)
    assert answer.pattern == "hierarchical"  # all done, and valid; consensus did all of it, invalid
    assert "100% of the tasks done on average, 100% counting only runs with a valid verdict" in answer.measurement


def test_recommend_says_none_was_measured_able_rather_than_any():
    table = synthetic_comparison()
    failing = table.scalability.assign(completion=lambda f: f["completion"].where(f["agents"] < 512, 0.3))
    table = Comparison(failing, table.complexity, table.faults, table.predictability)
    assert table.able(1000) == [] and table.able(64) != []
    for requirement in ({}, {"must_survive_coordinator_loss": True}, {"fault_tolerance_needed": True}):
        answer = recommend(table, agents=1000, **requirement)
        assert answer.pattern == NONE_ABLE and "1000 agents" in answer.reason
        assert "centralized 30%" in answer.measurement and "swarm 30%" in answer.measurement
    assert recommend(table, agents=64).pattern != NONE_ABLE  # where some pattern was able, one is recommended


def test_an_empty_table_has_no_able_pattern_and_no_crossover():
    table = synthetic_comparison()
    empty = Comparison(table.scalability.iloc[0:0], table.complexity, table.faults, table.predictability)
    assert empty.able(10) == []
    assert recommend(empty, agents=10).pattern == NONE_ABLE
    with pytest.raises(ValueError, match="needs 'centralized'.*no runs"):
        empty.crossover()


def test_without_a_scalable_pattern_there_is_no_crossover_and_the_guide_says_so():
    table = synthetic_comparison()
    two = ["centralized", "consensus"]
    only = Comparison(table.scalability[table.scalability["pattern"].isin(two)], table.complexity.loc[two],
                      table.faults[table.faults["pattern"].isin(two)], table.predictability.loc[two])
    with pytest.raises(ValueError, match="needs one of 'hierarchical', 'swarm', 'peer-to-peer'"):
        only.crossover()
    answer = recommend(only, agents=10)
    assert answer.pattern == "centralized" and "no crossover was measured" in answer.reason
    no_orchestrator = Comparison(table.scalability[table.scalability["pattern"] != "centralized"],
                                 table.complexity, table.faults, table.predictability)
    with pytest.raises(ValueError, match="needs 'centralized'"):
        no_orchestrator.crossover()
    assert table.crossover()[0] in ("hierarchical", "swarm", "peer-to-peer")  # with both, there is one


def test_a_measured_comparison_of_two_patterns_recommends_one_of_them():
    table = Comparison.measure(sizes=(4, 8), fault_agents=4, rates=(0.0, 0.5), fault_seeds=(0,), predict_seeds=(0, 1),
                               patterns=("centralized", "consensus"), progress=False)
    assert recommend(table, agents=8).pattern in ("centralized", "consensus")
    assert recommend(table, agents=8, fault_tolerance_needed=True).pattern in ("centralized", "consensus")


# --- the committed caches ------------------------------------------------------------------------------
RESULTS = Path(__file__).resolve().parent.parent / "benchmarks" / "results"


@pytest.mark.parametrize("cache", sorted(RESULTS.glob("compare_*.jsonl")), ids=lambda path: path.name)
def test_committed_cache_rows_are_what_the_code_measures_now(cache):
    """Notebook 07 renders from these files: a small row of each must come out the same today.

    If this fails, a pattern's behaviour changed: recompute with
    ``python benchmarks/compare_sweep.py --refresh`` and re-execute notebook 07."""
    lines = cache.read_text().splitlines()
    header, rows = json.loads(lines[0]), [json.loads(line) for line in lines[1:]]
    assert header["run"] == "coordlab.compare.columns.measured_run"
    small = [r for r in rows if r["agents"] <= 16][:3]
    assert small, "every cache has runs of at most 16 agents"
    for cached in small:
        point = {k: cached[k] for k in header["grid"]}
        fresh = {**point, "seed": cached["seed"], **measured_run(**point, seed=cached["seed"])}
        assert _same(fresh, cached)


def _same(fresh: dict, cached: dict) -> bool:
    for key, value in cached.items():
        mine = fresh[key]
        if isinstance(value, float) and math.isnan(value):
            assert isinstance(mine, float) and math.isnan(mine), key
        else:
            assert mine == pytest.approx(value), (key, mine, value)
    return True
