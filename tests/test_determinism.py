"""Same seed, same run, in any process: every pattern's representative run under two hash seeds.

Python orders sets and frozensets by hash, and string hashes change from one process to the
next (``PYTHONHASHSEED``). If that order reached a message body, a trace or a swarm's state,
a notebook re-run or a CI job would replay a different run. This test runs each pattern
(faults included, from the shared nemesis) in fresh processes with different hash seeds and
compares trace fingerprints, and for swarms a digest of their recorded history.
"""
import json
import os
import subprocess
import sys

RUNS = r'''
import hashlib, json, pickle
from coordlab import Nemesis
from coordlab.patterns.tasks import Task, research_pipeline
from coordlab.patterns.centralized import run_centralized
from coordlab.patterns.hierarchical import OrgChart, Project, run_hierarchical
from coordlab.patterns.p2p import run_broadcast, run_contract_net, run_discovery, run_push_sum
from coordlab.patterns.swarm import AntColonySystem, Foraging, Vicsek
from coordlab.patterns.consensus import run_om, run_raft, run_sm
from coordlab.world.byzantine import Equivocate

def swarm_digest(swarm):
    return hashlib.sha256(pickle.dumps(swarm.history)).hexdigest()[:16]

project = Project("report", research_pipeline(3))
chart = OrgChart.from_levels([1, 2, 6], specialties=["research", "analysis", "writing"])
nemesis = Nemesis(seed=5, spare=("client",))
runs = {
    "centralized": run_centralized(research_pipeline(3), workers=3, seed=5).trace,
    "centralized nemesis": run_centralized(research_pipeline(3), workers=3, seed=5, faults=nemesis).trace,
    "hierarchical": run_hierarchical(project, chart, seed=5).trace,
    "hierarchical nemesis": run_hierarchical(project, chart, seed=5, faults=Nemesis(seed=5)).trace,
    "broadcast": run_broadcast("small-world", 24, method="push-pull", seed=5, faults=Nemesis(seed=5)).trace,
    "push-sum": run_push_sum("ring", 12, seed=5, rounds=10, faults=Nemesis(seed=5)).trace,
    "contract net": run_contract_net(5, seed=5, faults=Nemesis(seed=5)).trace,
    "discovery": run_discovery(12, seed=5).trace,
    "raft nemesis": run_raft(seed=5, faults=Nemesis(seed=5, spare=("c1", "c2"))).trace,
    "om": run_om(4, 1, traitors={"g2": Equivocate(["attack", "retreat"])}, seed=5).trace,
    "sm": run_sm(4, 2, traitors={"g0": Equivocate(["attack", "retreat"])}, seed=5).trace,
}
fingerprints = {name: trace.fingerprint() for name, trace in runs.items()}
fingerprints["foraging"] = swarm_digest(Foraging(ants=50, seed=5).run(40))
fingerprints["aco"] = swarm_digest(AntColonySystem("eil51", seed=5).run(3))
fingerprints["flocking"] = swarm_digest(Vicsek(agents=60, seed=5).run(20))
print(json.dumps(fingerprints, sort_keys=True))
'''


def fingerprints(hash_seed: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    out = subprocess.run([sys.executable, "-c", RUNS], capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_every_pattern_replays_bit_for_bit_under_another_hash_seed():
    first, second = fingerprints("0"), fingerprints("1")
    assert len(first) == 14
    differing = sorted(name for name in first if first[name] != second[name])
    assert differing == [], f"runs that depend on hash order: {differing}"
