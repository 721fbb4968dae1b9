"""Stigmergy foraging: food conservation, evaporation, the per-ant rule, killing ants."""
import numpy as np
import pytest

from coordlab.patterns.swarm import Foraging, choose_move, choose_moves


def test_food_is_conserved_and_returned_never_decreases():
    colony = Foraging(seed=1)
    start = colony.food.sum()
    colony.run(400)
    assert colony.food.sum() + colony.carrying.sum() + colony.returned == start
    returned = colony.history.food_returned
    assert all(b >= a for a, b in zip(returned, returned[1:])) and returned[-1] > 0


def test_ants_stay_on_the_grid():
    colony = Foraging(seed=2).run(200)
    for frame in colony.history.frames:
        assert frame.positions.min() >= 0 and frame.positions.max() < colony.size


def test_same_seed_same_history():
    a, b = Foraging(seed=4).run(150), Foraging(seed=4).run(150)
    assert a.history.food_returned == b.history.food_returned
    assert np.array_equal(a.pheromone, b.pheromone)


def test_vectorised_move_rule_agrees_with_the_one_ant_rule():
    rng = np.random.default_rng(0)
    smell = rng.uniform(0, 2, (200, 4))
    smell[::3] = 0.0  # some ants smell nothing
    carrying = rng.random(200) < 0.3
    u_wander, u_move = rng.random((2, 200))
    together = choose_moves(smell, carrying, wander=0.2, threshold=1.0, u_wander=u_wander, u_move=u_move)
    one_by_one = [choose_move(smell[k].tolist(), bool(carrying[k]), wander=0.2, threshold=1.0,
                              u_wander=u_wander[k], u_move=u_move[k]) for k in range(200)]
    assert together.tolist() == one_by_one


def test_evaporating_everything_at_once_leaves_ants_searching_blind():
    """With evaporation=1 no trail survives a step, so foraging falls to the no-pheromone level."""
    moderate = np.mean([Foraging(evaporation=0.01, seed=s).run(800).returned for s in (0, 1)])
    instant = np.mean([Foraging(evaporation=1.0, seed=s).run(800).returned for s in (0, 1)])
    blind = np.mean([Foraging(drop=0.0, seed=s).run(800).returned for s in (0, 1)])
    assert instant == blind and moderate > 1.5 * instant


def test_kill_half_mid_run_and_continue():
    colony = Foraging(ants=60, seed=0).run(100)
    colony.kill(fraction=0.5)
    colony.run(100)
    assert colony.history.agents[100] == 60 and colony.history.agents[-1] == 30
    colony.kill(agents=colony.ids[:2])
    assert len(colony.positions) == 28


@pytest.mark.parametrize("kwargs, message", [
    (dict(evaporation=1.2), "evaporation=1.2"), (dict(ants=0), "ants=0"), (dict(wander=-0.1), "wander=-0.1"),
    (dict(food=[(99, 0)]), "^food=.*not on the"),
])
def test_bad_parameters_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Foraging(**kwargs)
