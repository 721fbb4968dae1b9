"""The swarm nemesis suites' judges, tested both ways, and the swarm defects of issue 10 as regressions.

Each judge (``tests/nemesis/swarm.py``) must pass a good run and catch a doctored one: a run
whose frames or history were edited to break exactly one invariant.
"""
import numpy as np
import pytest

from coordlab.patterns.swarm import AntColonySystem, Foraging, MaxMinAntSystem, Vicsek, valid_best_tour
from tests.nemesis.swarm import (
    FORAGING_STEPS,
    colony_violations,
    flock_violations,
    foraging_violations,
    run_colony,
    run_flock,
    run_foraging,
)


def good_run(run, wanted):
    """The first seed whose run has what the doctoring needs (kills, survivors, ...)."""
    return next(loss for loss in map(run, range(60)) if wanted(loss))


def killed_and_survived(loss):
    return bool(loss.kills) and loss.swarm.agents > 0


def revive(frame_list, loss):
    """Put the first killed agent back into the last frame, as if it still acted."""
    frame = frame_list[-1]
    number = next(iter(loss.kills.values()))[0]
    fields = {name: getattr(frame, name) for name in frame.__dataclass_fields__}
    fields["ids"] = np.append(frame.ids, number)
    for name in ("positions", "carrying", "headings"):
        if name in fields:
            fields[name] = np.concatenate([fields[name], fields[name][:1]])
    frame_list[-1] = type(frame)(**fields)


def has(problems, words):
    return any(words in problem for problem in problems)


# --- foraging ---------------------------------------------------------------------------------


@pytest.fixture
def foraging():
    return good_run(run_foraging, lambda loss: killed_and_survived(loss) and loss.swarm.returned > 0)


def test_a_good_foraging_run_violates_nothing(foraging):
    assert foraging_violations(foraging) == []


def test_the_foraging_judge_catches_food_from_nowhere(foraging):
    foraging.swarm.history.frames[5].food[0, 0] += 1
    problems = foraging_violations(foraging)
    assert has(problems, "food appeared") and has(problems, "not the")


def test_the_foraging_judge_catches_a_dead_ant_that_acts(foraging):
    revive(foraging.swarm.history.frames, foraging)
    problems = foraging_violations(foraging)
    assert has(problems, "act after they were killed") and has(problems, "appeared from nowhere")


def test_the_foraging_judge_catches_an_ant_that_jumps(foraging):
    frame = foraging.swarm.history.frames[10]
    frame.positions[0] = np.where(frame.positions[0] >= 5, frame.positions[0] - 2, frame.positions[0] + 2)
    assert has(foraging_violations(foraging), "moved more than one cell")


def test_the_foraging_judge_catches_a_wrong_count_of_food_lost(foraging):
    foraging.swarm.lost += 1
    assert has(foraging_violations(foraging), "food lost with dead ants")


def test_the_foraging_judge_catches_food_picked_up_from_an_empty_cell(foraging):
    frames = foraging.swarm.history.frames
    t = next(t for t in range(1, len(frames)) if not frames[t].carrying[0] and not frames[t - 1].carrying[0]
             and frames[t - 1].food[tuple(frames[t].positions[0])] == 0 and frames[t].ids[0] == frames[t - 1].ids[0])
    frames[t].carrying[0] = True
    assert has(foraging_violations(foraging), "picked up food where there was none")


def test_the_foraging_judge_catches_returned_food_that_falls(foraging):
    returned = foraging.swarm.history.food_returned
    t = next(t for t in range(1, len(returned) - 1) if returned[t + 1] == returned[t])
    returned[t] += 1  # one more at step t than at step t + 1
    assert has(foraging_violations(foraging), "food returned fell")


def test_the_foraging_judge_catches_survivors_that_stop_foraging(foraging):
    returned = foraging.swarm.history.food_returned
    returned[FORAGING_STEPS:] = [returned[FORAGING_STEPS]] * (len(returned) - FORAGING_STEPS)
    assert foraging.swarm.food.any()  # food was left for the survivors to fetch
    assert has(foraging_violations(foraging), "liveness")


def test_the_judges_catch_a_dishonest_stop_reason_and_a_skipped_step(foraging):
    foraging.swarm.stop_reason = "extinct"
    del foraging.swarm.history.frames[7]
    problems = foraging_violations(foraging)
    assert has(problems, "stop_reason 'extinct'") and has(problems, "skipped")


# --- ant colony -------------------------------------------------------------------------------


@pytest.fixture
def colony():
    return good_run(run_colony, killed_and_survived)


def test_a_good_colony_run_violates_nothing(colony):
    assert colony_violations(colony) == []


def test_the_colony_judge_catches_the_issue_s_two_city_tour(colony):
    colony.swarm.history.frames[2].iteration_best_tour[:] = [7] + [0] * (colony.swarm.instance.cities - 1)
    assert has(colony_violations(colony), "the iteration's best tour is not a tour of all 51 cities")


def test_the_colony_judge_recomputes_lengths_from_the_coordinates(colony):
    colony.swarm.history.iteration_best[3] -= 1
    assert has(colony_violations(colony), "iteration 4: the iteration's best tour measures")


def test_the_colony_judge_catches_a_best_that_gets_worse(colony):
    history = colony.swarm.history
    history.best_length[-1] = history.best_length[-2] + 1
    assert has(colony_violations(colony), "got worse")


def test_the_colony_judge_catches_a_dead_ant_that_builds_a_tour(colony):
    revive(colony.swarm.history.frames, colony)
    assert has(colony_violations(colony), "act after they were killed")


def test_the_colony_judge_catches_survivors_without_a_tour(colony):
    colony.swarm.best_tour = None
    assert has(colony_violations(colony), "liveness")


# --- flocking ---------------------------------------------------------------------------------


@pytest.fixture
def flock():
    return good_run(run_flock, killed_and_survived)


def test_a_good_flock_run_violates_nothing(flock):
    assert flock_violations(flock) == []


def test_the_flock_judge_catches_a_wrong_speed_and_an_agent_out_of_the_box(flock):
    frames = flock.swarm.history.frames
    frames[4].positions[0] += 0.01
    frames[9].positions[0, 0] = flock.swarm.box + 1
    problems = flock_violations(flock)
    assert has(problems, "step 4: an agent did not fly") and has(problems, "step 9: an agent left the box")


def test_the_flock_judge_recomputes_the_order(flock):
    flock.swarm.history.order[-3] += 0.01
    assert has(flock_violations(flock), "order")


def test_the_flock_judge_catches_a_dead_agent_that_flies(flock):
    revive(flock.swarm.history.frames, flock)
    assert has(flock_violations(flock), "act after they were killed")


# --- issue 10, defect 11: ACS tours when ratings underflow --------------------------------------


@pytest.mark.parametrize("model", [AntColonySystem, MaxMinAntSystem])
def test_the_issue_s_repro_now_returns_a_real_tour(model):
    colony = model("kroA100", beta=150)  # the issue's repro: a "tour" of 2 cities, -97 % from the optimum
    for tour in colony.build_tours():
        assert sorted(tour.tolist()) == list(range(100))
    colony.run(5)
    assert valid_best_tour(colony)
    assert colony.gap() > 0  # nothing beats the optimum


@pytest.mark.parametrize("alpha, beta", [(1000.0, 1000.0), (0.0, 0.0), (1000.0, 0.0)])
def test_every_tour_is_a_permutation_at_the_extreme_exponents(alpha, beta):
    colony = AntColonySystem("eil51", alpha=alpha, beta=beta, seed=3).run(3)
    assert all(sorted(tour.tolist()) == list(range(51)) for tour in colony.build_tours())
    assert valid_best_tour(colony)


@pytest.mark.parametrize("make", [lambda: Foraging(ants=20, seed=1), lambda: Vicsek(agents=20, seed=1),
                                  lambda: AntColonySystem("eil51", ants=5, seed=1)])
def test_killing_all_but_one_then_all_ends_each_run_with_a_stop_reason(make):
    swarm = make().run(2)
    swarm.kill(agents=swarm.ids[:-1])
    assert swarm.run(3).stop_reason == "completed" and swarm.agents == 1 and swarm.steps == 5
    swarm.kill(fraction=1.0)
    assert swarm.run(3).stop_reason == "extinct" and swarm.steps == 5
