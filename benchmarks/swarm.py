"""Swarm benchmark: the figures issue 5 asks for, measured in one run on this machine.

    python benchmarks/swarm.py

Wall-clock times live here and only here; the library, notebooks and tests never read a clock.
"""
from __future__ import annotations

import math
import time

import numpy as np

from coordlab.patterns.swarm import AntColonySystem, Vicsek, vicsek_step_one_by_one
from coordlab.patterns.swarm.naive import brute_force_headings


def seconds(action, repeat: int = 1) -> float:
    """Wall-clock seconds per call of ``action`` (best of ``repeat``)."""
    best = math.inf
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - start)
    return best


def vicsek_ratio(agents: int = 10_000, steps: int = 3) -> None:
    """Vectorised step vs the one-agent-at-a-time reference, same N, same density, same states."""
    flock = Vicsek(agents=agents, box=math.sqrt(agents), noise=1.0, record_every=10**9, seed=0)
    flock.run(5)  # warm up
    vectorised = seconds(lambda: flock.run(steps), repeat=3) / steps
    positions, headings = [tuple(p) for p in flock.positions], flock.headings.tolist()
    turns = flock.turns().tolist()
    per_agent = seconds(lambda: vicsek_step_one_by_one(positions, headings, turns, box=flock.box,
                                                       radius=flock.radius, speed=flock.speed))
    print(f"Vicsek, {agents} agents (density 1, radius 1): vectorised {vectorised * 1e3:.1f} ms/step, "
          f"per-agent loop {per_agent * 1e3:.0f} ms/step -> {per_agent / vectorised:.0f}x faster (target >= 100x)")


def vicsek_vs_brute_force(agents: int = 10_000, sample: int = 100) -> None:
    """Per-agent O(N^2) loop, timed on ``sample`` agents and scaled to N (each agent costs the same)."""
    flock = Vicsek(agents=agents, box=math.sqrt(agents), noise=1.0, record_every=10**9, seed=0)
    vectorised = seconds(lambda: flock.run(3), repeat=3) / 3
    positions, headings = flock.positions.tolist(), flock.headings.tolist()
    per_agent = seconds(lambda: brute_force_headings(positions, headings, box=flock.box, radius=flock.radius,
                                                     agents=range(sample)))
    per_step = per_agent * agents / sample
    print(f"  vs an O(N^2) per-agent loop (no cell list; timed on {sample} agents, scaled to {agents}): "
          f"{per_step:.0f} s/step -> {per_step / vectorised:,.0f}x faster")


def vicsek_throughput(steps: int = 10) -> None:
    for agents in (1_000, 10_000, 100_000):
        flock = Vicsek(agents=agents, box=math.sqrt(agents), noise=1.0, record_every=10**9, seed=0)
        flock.run(2)
        per_step = seconds(lambda flock=flock: flock.run(steps), repeat=2) / steps
        print(f"Vicsek, {agents:>7} agents: {1 / per_step:7.1f} steps/s = {agents / per_step:,.0f} agent-steps/s"
              + ("  (target >= 10 steps/s)" if agents == 100_000 else ""))


def acs_berlin52(seeds: int = 10, iterations: int = 1000) -> None:
    lengths, times = [], []
    for seed in range(seeds):
        colony = AntColonySystem("berlin52", ants=10, seed=seed)
        times.append(seconds(lambda colony=colony: colony.run(iterations)))
        lengths.append(colony.best_length)
    mean = np.mean(lengths)
    print(f"ACS berlin52, 10 ants, {iterations} iterations, {seeds} seeds: best lengths {lengths}")
    print(f"  mean {mean:.1f} = {100 * (mean / 7542 - 1):.2f}% above 7542 (target <= 3%), "
          f"{np.mean(times):.2f} s per run (target: about 1 s)")


def acs_two_opt(seeds: int = 10, iterations: int = 100) -> None:
    reached, when, times = 0, [], []
    for seed in range(seeds):
        colony = AntColonySystem("berlin52", ants=10, local_search=True, seed=seed)
        times.append(seconds(lambda colony=colony: colony.run(iterations)))
        if colony.best_length == 7542:
            reached += 1
            when.append(colony.history.best_length.index(7542) + 1)
    print(f"ACS + 2-opt berlin52, {iterations} iterations: optimum 7542 in {reached}/{seeds} seeds "
          f"(at iterations {when}), {np.mean(times):.2f} s per run (target: most seeds)")


if __name__ == "__main__":
    vicsek_ratio()
    vicsek_vs_brute_force()
    vicsek_throughput()
    acs_berlin52()
    acs_two_opt()
