"""Exercise checks for notebook 08 (scale out): a simulation calibrated on real measurements.

Both exercises read the measurements ``benchmarks/runtime_measure.py`` recorded on a real
cluster (``load_measurements``), so their checks judge the same numbers on every machine:

* 08.1 ``check_calibrated_prediction``: build a simulated latency from the latencies of the real
  run of seed 1, and predict the real makespan of seed 2 with it, within ``TOLERANCE``;
* 08.2 ``check_safe_suspect_after``: a rule for the orchestrator's ``suspect_after`` that no
  latency in the measured tail can fool, yet still notices a real crash quickly;
* 08.3 ``check_time_scale``: the smallest ``time_scale`` at which the slowest measured message
  still takes at most ``ROUND_FRACTION`` of a gossip round.
"""
from __future__ import annotations

import json
import math
import random
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from coordlab.course.report import CheckResult, exercise_check, failed, not_given, passed
from coordlab.patterns.centralized import run_centralized
from coordlab.patterns.tasks import Task, research_pipeline
from coordlab.runtime.measure import Measured
from coordlab.world import validate
from coordlab.world.latency import Latency

CALIBRATE = "Exercise 08.1 (calibrate and predict)"
SAFE_TIMEOUT = "Exercise 08.2 (a timeout safe for the real tail)"
TIME_SCALE = "Exercise 08.3 (how fast may the real clock run?)"
WORKERS = 3
#: Real seconds per model second of the recorded calibration runs (the runtime's default).
CALIBRATION_TIME_SCALE = 0.1
#: How far (relative) a prediction may be from the real makespan.
TOLERANCE = 0.15
#: Draws of the learner's latency compared with the measured ones, and how far apart their
#: distributions may be (the largest gap between the two cumulative distributions).
DRAWS, MAX_DISTANCE = 1000, 0.15
#: The heartbeat interval of exercise 08.2, and how much later than the safe bound a choice may be.
HEARTBEAT = 0.5
SLACK = 0.5
#: Seeds the simulated runs of exercise 08.2 are checked on.
SAFE_SEEDS = (1, 2, 3)
#: Exercise 08.3: the share of a round the slowest message may take, and the round lengths checked.
ROUND_FRACTION = 0.1
PERIODS = (1.0, 0.25)


def calibration_tasks() -> list[Task]:
    """The workload of exercise 08.1: notebook 02's pipeline (three topics) on three workers."""
    return research_pipeline()


def load_measurements(path: str | Path) -> dict[str, Any]:
    """The measurements ``benchmarks/runtime_measure.py`` wrote (a JSON file)."""
    return json.loads(Path(path).read_text())


def distribution_distance(sample: Sequence[float], reference: Sequence[float]) -> float:
    """The largest gap between the two samples' cumulative distributions (Kolmogorov-Smirnov's statistic)."""
    sample, reference = np.sort(sample), np.sort(reference)
    points = np.concatenate([sample, reference])
    gaps = (np.searchsorted(sample, points, side="right") / len(sample)
            - np.searchsorted(reference, points, side="right") / len(reference))
    return float(np.abs(gaps).max())


def calibration_run(measurements: dict[str, Any], seed: int) -> dict[str, Any]:
    """The recorded real run of the calibration workload with ``seed``: its makespan and latencies."""
    for run in measurements["calibration"]["runs"]:
        if run["seed"] == seed:
            return run
    raise ValueError(f"seed={seed!r} is not allowed: the measurements have calibration runs for seeds "
                     f"{[run['seed'] for run in measurements['calibration']['runs']]}")


@exercise_check(CALIBRATE)
def check_calibrated_prediction(calibrate_and_predict: Callable[[list[float], int], tuple[Latency, float]],
                                measurements: dict[str, Any]) -> CheckResult:
    """``calibrate_and_predict(latencies, seed)``, given the latencies of the real run of seed 1 and seed 2,
    returns a latency that draws like them and the makespan a simulated run of seed 2 with it gives,
    within ``TOLERANCE`` of the real run of seed 2."""
    if (wrong := not_given(CALIBRATE, "calibrate_and_predict", calibrate_and_predict)):
        return wrong
    measured = calibration_run(measurements, 1)["latencies"]
    target = calibration_run(measurements, 2)
    answer = calibrate_and_predict(list(measured), 2)
    if not (isinstance(answer, tuple) and len(answer) == 2 and callable(answer[0])):
        return failed(CALIBRATE, f"your function returned {answer!r}, not a pair (latency, predicted makespan)",
                      "return latency, predicted")
    latency, predicted = answer
    drawn = [validate.number("latency", latency(random.Random(draw)), minimum=0) for draw in range(DRAWS)]
    if (distance := distribution_distance(drawn, measured)) > MAX_DISTANCE:
        return failed(CALIBRATE, f"your latency does not draw like the real run: its distribution is {distance:.2f} "
                      f"away from the measured one (at most {MAX_DISTANCE} allowed; a constant is about 0.5)",
                      "draw from the measured values themselves: Measured(tuple(latencies))")
    predicted = validate.number("predicted", predicted)
    simulated = run_centralized(calibration_tasks(), workers=WORKERS, seed=2, latency=latency).makespan
    if not math.isclose(predicted, simulated, rel_tol=1e-9):
        return failed(CALIBRATE, f"predicted={predicted:.4f}, but a simulated run of seed 2 with your latency has "
                      f"makespan {simulated:.4f}",
                      "predict with the simulation: run_centralized(calibration_tasks(), workers=3, seed=seed, "
                      "latency=latency).makespan")
    real = target["makespan"]
    error = abs(predicted - real) / real
    if error > TOLERANCE:
        return failed(CALIBRATE, f"predicted {predicted:.3f}, but the real run took {real:.3f} model seconds: "
                      f"off by {error:.0%}, more than {TOLERANCE:.0%}",
                      "calibrate on the real run of seed 1, not on the simulated network's defaults")
    return passed(CALIBRATE, f"predicted {predicted:.3f}, the real run took {real:.3f}: off by {error:.0%} "
                  f"(tolerance {TOLERANCE:.0%}); the uncalibrated simulation says "
                  f"{run_centralized(calibration_tasks(), workers=WORKERS, seed=2).makespan:.3f}")


def safe_bound(latencies: Sequence[float], heartbeat_interval: float) -> float:
    """The longest silence a live worker can show: its first heartbeat comes one interval after the
    assignment reached it, so an assignment and a heartbeat, each as late as the tail, add to the interval."""
    return heartbeat_interval + 2 * max(latencies)


@exercise_check(SAFE_TIMEOUT)
def check_safe_suspect_after(choose: Callable[[Sequence[float], float], float],
                             measurements: dict[str, Any]) -> CheckResult:
    """``choose(latencies, heartbeat_interval)`` is never below ``safe_bound`` and at most ``SLACK`` above it,
    for the measured latencies and for a tail three times as long; and simulated runs with the measured
    latencies and that ``suspect_after`` suspect no live worker."""
    if (wrong := not_given(SAFE_TIMEOUT, "choose", choose)):
        return wrong
    measured = tuple(calibration_run(measurements, 1)["latencies"])
    for latencies in (measured, tuple(3 * value for value in measured)):
        value = validate.number("suspect_after", choose(latencies, HEARTBEAT))
        bound = safe_bound(latencies, HEARTBEAT)
        if value < bound:
            return failed(SAFE_TIMEOUT, f"suspect_after={value:.3f} for a tail of {max(latencies):.4f} s: a live "
                          f"worker can be silent for up to {bound:.3f} s", "the first heartbeat comes one interval "
                          "after the assignment arrived: both messages can be as late as the longest latency")
        if value > bound + SLACK:
            return failed(SAFE_TIMEOUT, f"suspect_after={value:.3f} is safe, but {value - bound:.3f} s more than "
                          f"needed ({bound:.3f}): a real crash goes unnoticed that much longer",
                          "compute it from the latencies you are given, with a small margin")
    value = choose(measured, HEARTBEAT)
    for seed in SAFE_SEEDS:
        run = run_centralized(calibration_tasks(), workers=WORKERS, seed=seed, latency=Measured(measured),
                              heartbeat_interval=HEARTBEAT, suspect_after=value)
        if (suspected := run.trace.select("worker_lost")):
            return failed(SAFE_TIMEOUT, f"with seed {seed}, {suspected[0].data['worker']} was suspected while alive",
                          "leave room for the whole latency tail")
    return passed(SAFE_TIMEOUT, f"suspect_after={value:.3f} (the bound is {safe_bound(measured, HEARTBEAT):.3f}): "
                  f"no live worker suspected in {len(SAFE_SEEDS)} simulated runs on the measured latencies")


def real_seconds(measurements: dict[str, Any], seed: int = 1) -> list[float]:
    """The latencies of the recorded real run of ``seed`` in real seconds (model seconds × its ``time_scale``)."""
    scale = measurements["calibration"]["time_scale"]
    return [value * scale for value in calibration_run(measurements, seed)["latencies"]]


def smallest_time_scale(latencies: Sequence[float], period: float) -> float:
    """Real seconds per model second at which the slowest of ``latencies`` (real seconds) lasts
    ``ROUND_FRACTION`` of a round of ``period`` model seconds."""
    return max(latencies) / (ROUND_FRACTION * period)


@exercise_check(TIME_SCALE)
def check_time_scale(choose: Callable[[Sequence[float], float], float], measurements: dict[str, Any]) -> CheckResult:
    """``choose(latencies, period)`` is ``smallest_time_scale`` for the measured real latencies and two periods."""
    if (wrong := not_given(TIME_SCALE, "choose", choose)):
        return wrong
    latencies = real_seconds(measurements)
    for period in PERIODS:
        value = validate.number("time_scale", choose(list(latencies), period))
        expected = smallest_time_scale(latencies, period)
        slowest = max(latencies) / value if value > 0 else math.inf
        if not math.isclose(value, expected, rel_tol=1e-6):
            return failed(TIME_SCALE, f"time_scale={value:.4g} for rounds of {period:g}: the slowest message "
                          f"({max(latencies) * 1000:.2f} real ms) would last {slowest:.4g} model seconds, "
                          f"{slowest / period:.0%} of a round instead of {ROUND_FRACTION:.0%}",
                          "the slowest message, converted to model seconds (real seconds / time_scale), must be "
                          "a tenth of the period; solve that for time_scale")
    return passed(TIME_SCALE, f"time_scale={choose(list(latencies), PERIODS[0]):.4g} for rounds of "
                  f"{PERIODS[0]:g} model second: one model second lasts that many real seconds, and a "
                  f"{max(latencies) * 1000:.2f} ms message stays inside a tenth of a round")
