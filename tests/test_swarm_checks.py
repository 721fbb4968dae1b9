"""Swarm checkers: each passes on a real run and fails, naming the fault, on a broken one."""
import pytest

from coordlab.patterns.swarm import AntColonySystem, Boids, Foraging, MaxMinAntSystem, Vicsek, checks


@pytest.mark.parametrize("colony", [AntColonySystem, MaxMinAntSystem])
def test_a_colony_keeps_a_valid_best_tour_that_never_gets_worse(colony):
    run = colony("eil51", seed=2).run(20)
    assert checks.valid_best_tour(run) and checks.best_never_worse(run)


def test_a_wrong_best_length_or_a_revisited_city_is_caught():
    run = AntColonySystem("eil51", seed=2).run(5)
    assert not checks.valid_best_tour(AntColonySystem("eil51", seed=2))  # no tour yet
    run.best_length -= 1
    verdict = checks.valid_best_tour(run)
    assert not verdict and f"best_length is {run.best_length}" in verdict.explanation
    run.best_tour[1] = run.best_tour[0]
    assert "not a permutation" in checks.valid_best_tour(run).explanation


def test_a_best_so_far_that_rises_is_caught():
    run = AntColonySystem("eil51", seed=2).run(5)
    run.history.best_length[3] += 50
    verdict = checks.best_never_worse(run)
    assert not verdict and "iteration 4: best so far rose" in verdict.explanation
    assert "longer than the iteration's best" in verdict.explanation


@pytest.mark.parametrize("model", [Vicsek, Boids])
def test_a_flock_flies_at_constant_speed_inside_its_box_even_after_a_kill(model):
    flock = model(agents=120, box=6.0, speed=0.2, noise=1.0, seed=1).run(10)
    flock.kill(fraction=0.5)
    flock.run(10)
    assert checks.constant_speed(flock) and checks.inside_box(flock)


def test_a_wrong_step_or_a_position_outside_the_box_is_caught():
    flock = Vicsek(agents=50, box=5.0, speed=0.1, seed=0).run(5)
    flock.history.frames[3].positions[7] += 0.05  # agent 7 jumps: steps 3 and 4 are both wrong for it
    verdict = checks.constant_speed(flock)
    assert not verdict and "step 3: 1 agent(s)" in verdict.explanation and "step 4" in verdict.explanation
    flock.history.frames[2].positions[0] = (5.0, 1.0)
    assert "step 2: 1 agent(s) outside [0, 5)" in checks.inside_box(flock).explanation


def test_constant_speed_needs_frames_one_step_apart():
    with pytest.raises(ValueError, match="record_every=1"):
        checks.constant_speed(Vicsek(agents=20, record_every=5, seed=0).run(10))


def test_foraging_ants_stay_on_the_grid_and_food_is_accounted_for_even_after_kills():
    colony = Foraging(ants=60, seed=0).run(200)
    colony.kill(fraction=0.5)
    colony.run(100)
    assert colony.lost > 0  # the test kills ants that carried food
    assert checks.ants_on_grid(colony) and checks.food_conserved(colony)


def test_vanished_food_or_an_ant_off_the_grid_is_caught():
    colony = Foraging(seed=0).run(50)
    colony.food[colony.food > 0] -= 1
    assert not checks.food_conserved(colony) and "at the start" in checks.food_conserved(colony).explanation
    colony.history.frames[-1].positions[0] = (-1, 3)
    assert f"step 50: 1 ant(s) off the {colony.size}x{colony.size} grid" in checks.ants_on_grid(colony).explanation


@pytest.mark.parametrize("tour, message", [([0, 1, 2], "shape"), ([0, 1, 1, 3], "missing cities \\[2\\]")])
def test_check_tour_refuses_what_is_not_a_permutation(tour, message):
    assert checks.check_tour([2, 0, 3, 1], 4).tolist() == [2, 0, 3, 1]
    with pytest.raises(ValueError, match=message):
        checks.check_tour(tour, 4)
