"""Flocking: speed, box, order at low and full noise, cell lists, the per-agent reference."""
import math

import numpy as np
import pytest

from coordlab.patterns.swarm import Boids, Vicsek, boid_heading, neighbour_pairs, random_order, vicsek_step_one_by_one


@pytest.mark.parametrize("model", [Vicsek, Boids])
def test_speed_is_exactly_v0_and_positions_stay_in_the_box(model):
    flock = model(agents=200, box=7.0, speed=0.3, noise=1.0, seed=0)
    previous = flock.positions.copy()
    for _ in range(30):
        flock.step()
        step = flock.positions - previous
        step -= flock.box * np.round(step / flock.box)
        assert np.allclose(np.hypot(step[:, 0], step[:, 1]), 0.3, atol=1e-12)
        assert (flock.positions >= 0).all() and (flock.positions < flock.box).all()
        previous = flock.positions.copy()


def test_cell_list_finds_exactly_the_brute_force_pairs():
    rng = np.random.default_rng(3)
    for box, radius in ((10.0, 1.0), (3.0, 1.0), (2.5, 1.0), (10.0, 2.7)):  # 10, 3, 2 and 3 cells a side
        positions = rng.random((150, 2)) * box
        i, j, offset = neighbour_pairs(positions, box, radius)
        d = positions[None, :, :] - positions[:, None, :]
        d -= box * np.round(d / box)
        expected = set(zip(*np.nonzero((d**2).sum(axis=2) < radius**2)))
        assert sorted(zip(i.tolist(), j.tolist())) == sorted((int(a), int(b)) for a, b in expected)
        assert np.allclose(offset, d[i, j])


def test_vectorised_vicsek_agrees_with_the_one_agent_at_a_time_reference():
    flock = Vicsek(agents=80, box=5.0, noise=1.0, speed=0.1, seed=9)
    for _ in range(3):
        positions, headings = [tuple(p) for p in flock.positions], flock.headings.tolist()
        state = flock.rng.bit_generator.state
        turns = flock.turns()  # the draws the next step will make
        flock.rng.bit_generator.state = state
        flock.step()
        ref_positions, ref_headings = vicsek_step_one_by_one(positions, headings, turns, box=5.0, radius=1.0, speed=0.1)
        assert np.allclose(flock.headings, ref_headings, atol=1e-9)
        assert np.allclose(flock.positions, ref_positions, atol=1e-9)


def test_low_noise_orders_the_flock():
    flock = Vicsek(agents=200, box=math.sqrt(200 / 4), noise=0.1, seed=1).run(300)
    assert np.mean(flock.history.order[-50:]) > 0.95


def test_full_noise_gives_the_random_baseline():
    """At noise 2*pi every new heading is uniform, so the order is |mean of N random unit vectors|."""
    flock = Vicsek(agents=400, box=10.0, noise=2 * math.pi, seed=2).run(300)
    assert np.mean(flock.history.order[1:]) == pytest.approx(random_order(400), rel=0.15)


def test_more_noise_means_less_order():
    orders = [np.mean(Vicsek(agents=200, box=math.sqrt(50), noise=eta, seed=0).run(300).history.order[-100:])
              for eta in (0.5, 2.5, 4.5)]
    assert orders[0] > orders[1] > orders[2]


def test_boids_align_without_noise():
    flock = Boids(agents=150, box=5.0, noise=0.0, speed=0.05, seed=0).run(300)
    assert flock.history.order[-1] > 0.9 > flock.history.order[0]


def test_same_seed_same_flock():
    a, b = (Vicsek(agents=100, seed=5).run(50) for _ in range(2))
    assert a.history.order == b.history.order and np.array_equal(a.positions, b.positions)


def test_kill_mid_run_and_fly_on():
    flock = Vicsek(agents=100, seed=0).run(10)
    flock.kill(fraction=0.5)
    flock.run(10)
    assert flock.history.agents[10] == 100 and flock.history.agents[-1] == 50 and len(flock.headings) == 50


@pytest.mark.parametrize("kwargs, message", [
    (dict(radius=0), "radius=0.*> 0"), (dict(radius=-1), "radius=-1"), (dict(noise=-0.1), "noise=-0.1"),
    (dict(agents=1), "agents=1"), (dict(box=0), "box=0"),
])
def test_bad_parameters_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Vicsek(**kwargs)


def test_vectorised_boids_agree_with_the_one_boid_rule():
    flock = Boids(agents=120, box=4.0, noise=0.0, separation=0.2, alignment=1.5, cohesion=0.3, seed=4)
    flock.positions[:3] = [(2.0, 2.0), (2.01, 2.0), (0.5, 0.5)]  # a crowded pair, and boid 2 ...
    offset = flock.positions[3:] - 0.5
    offset -= flock.box * np.round(offset / flock.box)
    crowd = np.hypot(*offset.T) < 1.2
    flock.positions[3:][crowd] = (flock.positions[3:][crowd] + 2.0) % flock.box  # ... with nobody near it
    d = flock.positions[None, :, :] - flock.positions[:, None, :]
    d -= flock.box * np.round(d / flock.box)
    near = (d**2).sum(axis=2) < flock.radius**2
    expected = [boid_heading(flock.headings[k], [(d[k, m, 0], d[k, m, 1], flock.headings[m])
                                                 for m in np.flatnonzero(near[k]) if m != k],
                             radius=1.0, separation=0.2, alignment=1.5, cohesion=0.3)
                for k in range(len(flock.headings))]
    assert near[2].sum() == 1  # boid 2 is alone (only itself): it must keep its heading
    assert np.allclose(flock.new_headings(), expected, atol=1e-9)
    assert flock.new_headings()[2] == pytest.approx(flock.headings[2])


def test_a_tiny_radius_in_a_huge_box_finds_the_same_neighbours_with_a_bounded_cell_list():
    """box / radius = 10^9 cells per side would not fit in memory; wider cells still hold every neighbour."""
    rng = np.random.default_rng(2)
    box, radius = 1e6, 1e-3
    positions = rng.random((200, 2)) * box
    positions[100:] = positions[:100] + rng.uniform(-radius, radius, (100, 2)) / 2  # 100 close pairs
    positions %= box
    i, j, _ = neighbour_pairs(positions, box, radius)
    d = positions[None, :, :] - positions[:, None, :]
    d -= box * np.round(d / box)
    near = (d**2).sum(axis=2) < radius**2
    assert sorted(zip(i.tolist(), j.tolist())) == sorted(zip(*np.nonzero(near)))
    assert near.sum() > 200  # the close pairs are there, not only each agent with itself
