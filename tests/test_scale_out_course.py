"""Notebook 08's exercise checks, both ways: each accepts the solution and rejects the stub and plausible
wrong answers. They read the measurements the benchmark recorded, so no cluster runs here."""
import copy
from pathlib import Path

import numpy as np
import pytest

from coordlab import Constant, Uniform, metrics
from coordlab.course.scale_out import (
    HEARTBEAT,
    SAFE_SEEDS,
    WORKERS,
    calibration_run,
    calibration_tasks,
    check_calibrated_prediction,
    check_safe_suspect_after,
    check_time_scale,
    distribution_distance,
    load_measurements,
    real_seconds,
    safe_bound,
)
from coordlab.patterns.centralized import run_centralized
from coordlab.runtime.measure import Measured

MEASUREMENTS = load_measurements(Path(__file__).parents[1] / "benchmarks" / "results" / "runtime_measurements.json")


def predict(latency) -> float:
    return run_centralized(calibration_tasks(), workers=WORKERS, seed=2, latency=latency).makespan


def calibrated(latencies, seed):
    latency = Measured(tuple(latencies))
    return latency, run_centralized(calibration_tasks(), workers=WORKERS, seed=seed, latency=latency).makespan


@pytest.fixture(scope="module")
def measured():
    return tuple(calibration_run(MEASUREMENTS, 1)["latencies"])


def test_the_calibrated_prediction_is_accepted():
    assert check_calibrated_prediction(calibrated, MEASUREMENTS)


@pytest.mark.parametrize("latency", [Constant(0.01), "median"], ids=["the simulator's default", "a constant median"])
def test_a_prediction_with_an_uncalibrated_latency_is_rejected(measured, latency):
    if latency == "median":
        latency = Constant(sorted(measured)[len(measured) // 2])
    result = check_calibrated_prediction(lambda latencies, seed: (latency, predict(latency)), MEASUREMENTS)
    assert not result and "does not draw like the real run" in result.message


def test_a_prediction_that_is_not_the_simulations_is_rejected():
    def measured_instead(latencies, seed):
        return Measured(tuple(latencies)), calibration_run(MEASUREMENTS, 1)["makespan"]

    result = check_calibrated_prediction(measured_instead, MEASUREMENTS)
    assert not result and "with your latency has makespan" in result.message


def test_a_prediction_without_its_latency_is_rejected():
    result = check_calibrated_prediction(lambda latencies, seed: predict(Measured(tuple(latencies))), MEASUREMENTS)
    assert not result and "not a pair" in result.message


def test_a_stub_is_a_cross_not_an_exception():
    def stub(latencies, seed):
        raise NotImplementedError("calibrate")

    assert "not solved yet" in check_calibrated_prediction(stub, MEASUREMENTS).message


def test_the_distance_between_distributions_is_zero_for_the_same_sample_and_large_for_a_constant(measured):
    assert distribution_distance(measured, measured) == 0
    assert distribution_distance([min(measured)] * 10, measured) > 0.5
    assert distribution_distance(sorted(measured)[: len(measured) // 2], measured) == pytest.approx(0.5, abs=0.05)


def test_a_calibrated_simulation_draws_only_measured_latencies(measured):
    # what makes exercise 08.1 a calibration: the simulated messages take the real run's delays
    trace = run_centralized(calibration_tasks(), workers=WORKERS, seed=2, latency=Measured(measured)).trace
    assert set(np.round(metrics.latencies(trace), 9)) <= set(np.round(measured, 9))
    # and that is what brings the prediction nearer the real makespan than the simulator's default does
    real = calibration_run(MEASUREMENTS, 2)["makespan"]
    assert abs(predict(Measured(measured)) - real) < abs(predict(Constant(0.01)) - real)


def test_a_prediction_off_by_more_than_the_tolerance_is_rejected():
    # the recorded runs never get there: make the real run of seed 2 take twice the calibrated prediction
    measurements = copy.deepcopy(MEASUREMENTS)
    target = calibration_run(measurements, 2)
    target["makespan"] = 2 * calibrated(calibration_run(measurements, 1)["latencies"], 2)[1]
    result = check_calibrated_prediction(calibrated, measurements)
    assert not result and "off by 50%, more than 15%" in result.message


def test_a_safe_and_prompt_suspect_after_is_accepted():
    assert check_safe_suspect_after(lambda latencies, interval: interval + 2 * max(latencies) + 0.05, MEASUREMENTS)


@pytest.mark.parametrize(("choose", "says"), [
    (lambda latencies, interval: interval + max(latencies), "silent for up to"),
    (lambda latencies, interval: interval + sorted(latencies)[len(latencies) // 2], "silent for up to"),
    (lambda latencies, interval: 2.0, "more than needed"),
    (lambda latencies, interval: 0.5 + 2 * 0.0921 + 0.05, "silent for up to"),  # tuned to one tail, not computed
], ids=["one latency", "the median", "the default", "a constant"])
def test_unsafe_or_slow_choices_are_rejected(choose, says):
    result = check_safe_suspect_after(choose, MEASUREMENTS)
    assert not result and says in result.message


def test_the_safe_bound_is_the_interval_plus_two_of_the_longest_latencies():
    assert safe_bound([0.01, 0.05, 0.02], HEARTBEAT) == pytest.approx(HEARTBEAT + 0.1)


@pytest.mark.parametrize("seed", SAFE_SEEDS)
def test_interval_plus_one_latency_suspects_a_live_worker_when_every_message_is_as_slow_as_the_tail(measured, seed):
    # what exercise 08.2 refuses in "one latency": the assignment and the first heartbeat both take the
    # longest measured latency, and the orchestrator hears nothing for interval + 2 of them
    def lost(suspect_after):
        return run_centralized(calibration_tasks(), workers=WORKERS, seed=seed, latency=Constant(max(measured)),
                               heartbeat_interval=HEARTBEAT, suspect_after=suspect_after).trace.select("worker_lost")

    assert lost(HEARTBEAT + max(measured))  # no crash in this run: every worker lost was alive
    assert not lost(safe_bound(measured, HEARTBEAT) + 0.01)


def test_a_suspect_after_below_the_bound_really_suspects_a_live_worker_in_some_run(measured):
    # the bound is not arbitrary: on a tail this long, the heartbeat interval alone is not enough
    slow = Uniform(0.0, 3 * max(measured))
    lost = [run_centralized(calibration_tasks(), workers=WORKERS, seed=seed, latency=slow,
                            heartbeat_interval=HEARTBEAT, suspect_after=HEARTBEAT + 0.01).trace.select("worker_lost")
            for seed in (1, 2, 3)]
    assert any(lost)


def test_the_smallest_time_scale_is_accepted():
    assert check_time_scale(lambda latencies, period: max(latencies) / (0.1 * period), MEASUREMENTS)


@pytest.mark.parametrize("choose", [
    lambda latencies, period: sorted(latencies)[len(latencies) // 2] / (0.1 * period),
    lambda latencies, period: 0.1 * period / max(latencies),
    lambda latencies, period: max(latencies) / 0.1,
    lambda latencies, period: 0.1,
], ids=["the median", "upside down", "one period only", "the default"])
def test_a_time_scale_not_set_by_the_slowest_message_is_rejected(choose):
    result = check_time_scale(choose, MEASUREMENTS)
    assert not result and "of a round instead of 10%" in result.message


def test_real_seconds_are_model_seconds_times_the_recorded_time_scale():
    model = calibration_run(MEASUREMENTS, 1)["latencies"]
    scale = MEASUREMENTS["calibration"]["time_scale"]
    assert real_seconds(MEASUREMENTS) == pytest.approx([value * scale for value in model])
    assert max(real_seconds(MEASUREMENTS)) < max(model)  # the recorded runs ran faster than the model's clock
