"""Swarm pictures draw a finished run and hand back a closed figure."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from coordlab.patterns.swarm import AntColonySystem, Foraging, Vicsek  # noqa: E402
from coordlab.viz import swarm as pictures  # noqa: E402


def test_every_picture_is_a_closed_figure():
    colony = Foraging(ants=20, seed=0).run(20)
    acs = AntColonySystem("eil51", seed=0).run(3)
    flock = Vicsek(agents=30, seed=0).run(3)
    figures = [
        pictures.foraging_frame(colony.history.frames[-1], colony.nest),
        pictures.lines({"food": colony.history.food_returned}, xlabel="step", ylabel="food", reference=1.0),
        pictures.tour(acs.instance, acs.best_tour),
        pictures.spread([1, 2, 3], {"run": np.ones((2, 3))}, xlabel="x", ylabel="y", baselines={"run": 0.5}),
        pictures.flock_frame(flock.history.frames[-1], flock.box),
        pictures.throughput([10, 100], [1e5, 2e5]),
    ]
    assert all(isinstance(figure, Figure) for figure in figures)
    assert plt.get_fignums() == []


def test_the_tour_picture_is_titled_with_the_tour_length():
    acs = AntColonySystem("eil51", seed=1).run(2)
    figure = pictures.tour(acs.instance, acs.best_tour)
    assert figure.axes[0].get_title() == f"eil51: length {acs.best_length}"
