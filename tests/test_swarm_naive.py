"""The textbook swarm code for "Break": the toy deposit bug, and the O(N²) flocking loop."""
import numpy as np

from coordlab.patterns.swarm import Foraging, Vicsek, deposit_in_dict, naive
from coordlab.patterns.swarm.foraging import deposit


def test_grid_deposit_matches_the_dictionary_store_with_and_without_the_bug():
    cells = [(1, 2), (3, 3), (1, 2), (0, 0), (1, 2)]
    for grid_deposit, store in ((deposit, deposit_in_dict), (naive.naive_deposit, naive.naive_deposit_in_dict)):
        grid, pheromones = np.zeros((4, 4)), {}
        for cell in cells:  # one drop at a time, as the toy swarm does
            grid_deposit(grid, np.array([cell]), np.array([0.5]))
            store(pheromones, cell, 0.5)
        assert {cell: value["trail"] for cell, value in pheromones.items()} == \
            {cell: grid[cell] for cell in pheromones}
    assert pheromones[(1, 2)]["trail"] == 0.5  # the bug: three drops, and only the last one is left


def test_the_naive_colony_deposits_with_the_bug_and_nothing_else_differs():
    correct, buggy = Foraging(seed=3), naive.NaiveForaging(seed=3)
    while not correct.carrying.any():  # same draws, same moves, until the first ant carries food
        correct.step()
        buggy.step()
        assert np.array_equal(correct.positions, buggy.positions)
    cells = np.unique(correct.positions[correct.carrying], axis=0)
    before = correct.pheromone[cells[:, 0], cells[:, 1]]
    assert np.array_equal(before, buggy.pheromone[cells[:, 0], cells[:, 1]])
    for colony in (correct, buggy):  # two carriers on each of those cells
        colony._drop_pheromone(np.concatenate([cells, cells]))
    assert np.allclose(correct.pheromone[cells[:, 0], cells[:, 1]], before + 2 * correct.drop)
    assert np.array_equal(buggy.pheromone[cells[:, 0], cells[:, 1]], np.full(len(cells), buggy.drop))


def test_the_naive_bug_costs_most_of_the_food():
    correct = np.mean([Foraging(seed=s).run(800).returned for s in (0, 1)])
    buggy = np.mean([naive.NaiveForaging(seed=s).run(800).returned for s in (0, 1)])
    assert buggy < 0.6 * correct


def test_the_brute_force_loop_finds_the_same_headings_as_the_cell_list():
    flock = Vicsek(agents=150, box=6.0, noise=0.0, seed=7)
    headings = naive.brute_force_headings(flock.positions.tolist(), flock.headings.tolist(), box=6.0, radius=1.0)
    vectorised = flock.new_headings()  # noise 0: no turn
    assert np.allclose(np.cos(headings), np.cos(vectorised), atol=1e-9)
    assert np.allclose(np.sin(headings), np.sin(vectorised), atol=1e-9)
    sample = naive.brute_force_headings(flock.positions.tolist(), flock.headings.tolist(), box=6.0, radius=1.0,
                                        agents=range(10))
    assert sample == headings[:10]
