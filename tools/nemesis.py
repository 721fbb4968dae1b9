"""Run every nemesis suite over many seeds and report runs, stop reasons and violations.

    .venv/bin/python tools/nemesis.py --seeds 1000            # every suite
    .venv/bin/python tools/nemesis.py --seeds 200 centralized  # suites whose name starts so

Exits non-zero if any run violated anything. Seeds run in parallel processes; each run is
deterministic, so the counts are the same on every machine.
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.test_nemesis import SUITES  # noqa: E402


def judge(job: tuple[str, int]) -> tuple[str, int, str, list[str]]:
    name, seed = job
    suite = next(suite for suite in SUITES if suite.name == name)
    return (name, seed, *suite.judge(seed))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=1000, help="seeds per suite (default 1000)")
    parser.add_argument("suites", nargs="*", help="names (or prefixes) of suites to run; default all")
    args = parser.parse_args()
    names = [s.name for s in SUITES if not args.suites or any(s.name.startswith(p) for p in args.suites)]
    jobs = [(name, seed) for name in names for seed in range(args.seeds)]
    stops: dict[str, Counter] = {name: Counter() for name in names}
    bad: dict[str, list[tuple[int, list[str]]]] = {name: [] for name in names}
    with ProcessPoolExecutor() as pool:
        for name, seed, stop_reason, violations in pool.map(judge, jobs, chunksize=20):
            stops[name][stop_reason] += 1
            if violations:
                bad[name].append((seed, violations))
    print(f"{'suite':<28} {'runs':>6} {'violations':>10}  stop reasons")
    for name in names:
        reasons = ", ".join(f"{reason} {count}" for reason, count in sorted(stops[name].items()))
        print(f"{name:<28} {sum(stops[name].values()):>6} {len(bad[name]):>10}  {reasons}")
    for name in names:
        for seed, violations in bad[name][:3]:
            print(f"  {name} seed {seed}: {'; '.join(violations)[:300]}")
    return 1 if any(bad.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
