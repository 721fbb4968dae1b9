"""The swarm's bad-input catalogue: each case must fail before running, naming the argument.

Every case is ``(what, call, error type, argument)``: ``call()`` must raise ``error type``
with a message that starts with ``argument=`` (the project's format: argument, value, what
is allowed). Exercise checks never raise: theirs must answer ❌ naming the argument instead.
"""
import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from coordlab.course import swarm as course  # noqa: E402
from coordlab.patterns.swarm import (  # noqa: E402
    AntColonySystem,
    Boids,
    Foraging,
    MaxMinAntSystem,
    Vicsek,
    next_city,
    order_parameter,
    random_order,
    tours,
    tsplib,
    vicsek_step_one_by_one,
)
from coordlab.patterns.swarm.naive import NaiveForaging, brute_force_headings  # noqa: E402
from coordlab.viz import swarm as pictures  # noqa: E402
from tests.bad_input import assert_refused  # noqa: E402

EIL51 = tsplib.load("eil51")
COLONY = Foraging(ants=5, seed=0).run(2)
FLOCK = Vicsek(agents=10, seed=0).run(2)


def kill(swarm, **kwargs):
    return lambda: swarm.kill(**kwargs)


def next_city_with(**changes):
    pheromone = closeness = np.ones((3, 3))
    arguments = dict(current=0, unvisited=[1, 2], pheromone=pheromone, closeness=closeness, alpha=1.0, beta=2.0,
                     q0=0.9, u_exploit=0.5, u_pick=0.5)
    return lambda: next_city(**{**arguments, **changes})


CASES = [
    # foraging
    ("ants 10^9", lambda: Foraging(ants=10**9), ValueError, "ants"),
    ("ants 1e9 as a float", lambda: Foraging(ants=1e9), TypeError, "ants"),
    ("no ants", lambda: Foraging(ants=0), ValueError, "ants"),
    ("grid too small", lambda: Foraging(size=3), ValueError, "size"),
    ("grid too large", lambda: Foraging(size=10**6), ValueError, "size"),
    ("evaporation above 1", lambda: Foraging(evaporation=1.5), ValueError, "evaporation"),
    ("diffusion negative", lambda: Foraging(diffusion=-0.1), ValueError, "diffusion"),
    ("wander as a string", lambda: Foraging(wander="0.1"), TypeError, "wander"),
    ("drop negative", lambda: Foraging(drop=-1), ValueError, "drop"),
    ("threshold not a number", lambda: Foraging(threshold=float("nan")), ValueError, "threshold"),
    ("food pile off the grid", lambda: Foraging(food=[(99, 0)]), ValueError, "food"),
    ("food pile at a negative row", lambda: Foraging(food=[(-1, 5)]), ValueError, "food"),
    ("food as a string", lambda: Foraging(food="(3, 4)"), TypeError, "food"),
    ("food pile of three numbers", lambda: Foraging(food=[(1, 2, 3)]), TypeError, "food"),
    ("food per pile 10^20", lambda: Foraging(food_per_pile=10**20), ValueError, "food_per_pile"),
    ("record every 0 steps", lambda: Foraging(record_every=0), ValueError, "record_every"),
    ("seed None", lambda: Foraging(seed=None), TypeError, "seed"),
    ("seed negative", lambda: Foraging(seed=-1), ValueError, "seed"),
    ("naive colony with a string ant count", lambda: NaiveForaging(ants="10"), TypeError, "ants"),
    # running and killing, any swarm
    ("steps negative", lambda: Foraging(seed=0).run(-1), ValueError, "steps"),
    ("steps as a float", lambda: Vicsek(seed=0).run(2.5), TypeError, "steps"),
    ("kill an unknown agent", kill(COLONY, agents=[99]), ValueError, "agents"),
    ("kill a negative agent", kill(COLONY, agents=[-1]), ValueError, "agents"),
    ("kill a named agent", kill(COLONY, agents=["ant-1"]), TypeError, "agents"),
    ("kill with a string of numbers", kill(COLONY, agents="12"), TypeError, "agents"),
    ("kill True", kill(COLONY, agents=[True]), TypeError, "agents"),
    ("kill a fraction above 1", kill(FLOCK, fraction=1.5), ValueError, "fraction"),
    ("kill with neither argument", kill(FLOCK), ValueError, "fraction"),
    # ant colonies
    ("unknown TSPLIB instance", lambda: AntColonySystem("berlin53"), ValueError, "instance"),
    ("instance as a number", lambda: AntColonySystem(51), TypeError, "instance"),
    ("ants 10^9 in a colony", lambda: AntColonySystem("eil51", ants=10**9), ValueError, "ants"),
    ("alpha negative", lambda: AntColonySystem("eil51", alpha=-1), ValueError, "alpha"),
    ("beta beyond the largest exponent", lambda: AntColonySystem("eil51", beta=1e6), ValueError, "beta"),
    ("beta infinite", lambda: MaxMinAntSystem("eil51", beta=float("inf")), ValueError, "beta"),
    ("rho above 1", lambda: AntColonySystem("eil51", rho=1.5), ValueError, "rho"),
    ("MAX-MIN with rho 0", lambda: MaxMinAntSystem("eil51", rho=0), ValueError, "rho"),
    ("q0 negative", lambda: AntColonySystem("eil51", q0=-0.1), ValueError, "q0"),
    ("local search as a truthy string", lambda: AntColonySystem("eil51", local_search="no"), TypeError,
     "local_search"),
    ("colony seed None", lambda: MaxMinAntSystem("eil51", seed=None), TypeError, "seed"),
    ("an ant with nowhere to go", next_city_with(unvisited=[]), ValueError, "unvisited"),
    # TSPLIB and tours
    ("load an unknown instance", lambda: tsplib.load("kroA200"), ValueError, "name"),
    ("a tour too short", lambda: EIL51.tour_length(np.arange(50)), ValueError, "tour"),
    ("a tour visiting a city twice", lambda: EIL51.tour_length(np.r_[np.arange(50), 0]), ValueError, "tour"),
    ("a tour of floats", lambda: EIL51.tour_length(np.arange(51.0)), ValueError, "tour"),
    ("nearest neighbour from a city not there", lambda: tours.nearest_neighbour_tour(EIL51.distances, start=51),
     ValueError, "start"),
    ("nearest neighbour on a non-square matrix", lambda: tours.nearest_neighbour_tour(np.ones((3, 4))), ValueError,
     "distances"),
    ("2-opt on a tour that is not a permutation", lambda: tours.two_opt(np.zeros(51, dtype=int), EIL51.distances),
     ValueError, "tour"),
    # flocks
    ("one-agent flock", lambda: Vicsek(agents=1), ValueError, "agents"),
    ("flock of 10^9", lambda: Vicsek(agents=10**9), ValueError, "agents"),
    ("box of size 0", lambda: Vicsek(box=0), ValueError, "box"),
    ("negative radius", lambda: Boids(radius=-1), ValueError, "radius"),
    ("negative speed", lambda: Vicsek(speed=-0.1), ValueError, "speed"),
    ("noise as a string", lambda: Vicsek(noise="high"), TypeError, "noise"),
    ("negative cohesion", lambda: Boids(cohesion=-1), ValueError, "cohesion"),
    ("flock seed None", lambda: Boids(seed=None), TypeError, "seed"),
    ("random order of no agents", lambda: random_order(0), ValueError, "agents"),
    ("order of no headings", lambda: order_parameter([]), ValueError, "headings"),
    ("one-by-one step with a heading missing", lambda: vicsek_step_one_by_one([(0, 0), (1, 1)], [0.0], [0, 0],
                                                                              box=5, radius=1, speed=0.1),
     ValueError, "headings"),
    ("brute force with box 0", lambda: brute_force_headings([(0, 0)], [0.0], box=0, radius=1), ValueError, "box"),
    ("brute force for an agent not there", lambda: brute_force_headings([(0, 0)], [0.0], box=5, radius=1,
                                                                         agents=[3]), ValueError, "agents"),
    # pictures
    ("foraging picture of a flock frame", lambda: pictures.foraging_frame(FLOCK.history.frames[0], COLONY.nest),
     TypeError, "frame"),
    ("foraging picture with a nest of one number", lambda: pictures.foraging_frame(COLONY.history.frames[0], [3]),
     ValueError, "nest"),
    ("flock picture of a foraging frame", lambda: pictures.flock_frame(COLONY.history.frames[0], 10.0), TypeError,
     "frame"),
    ("flock picture in a box of size 0", lambda: pictures.flock_frame(FLOCK.history.frames[0], 0), ValueError, "box"),
    ("tour picture of an instance name", lambda: pictures.tour("eil51", EIL51.optimal_tour), TypeError, "instance"),
    ("tour picture of a 2-city tour", lambda: pictures.tour(EIL51, [7, 0]), ValueError, "tour"),
    ("lines of nothing", lambda: pictures.lines({}, xlabel="x", ylabel="y"), TypeError, "curves"),
    ("lines of a list", lambda: pictures.lines([1, 2], xlabel="x", ylabel="y"), TypeError, "curves"),
    ("spread of the wrong shape", lambda: pictures.spread([1, 2, 3], {"a": np.ones((2, 4))}, xlabel="x", ylabel="y"),
     ValueError, "runs"),
    ("throughput with a rate missing", lambda: pictures.throughput([10, 100], [1e5]), ValueError,
     "agent_steps_per_second"),
    # course helpers that run a swarm
    ("mean food returned at evaporation 2", lambda: course.mean_food_returned(2.0), ValueError, "evaporation"),
]


@pytest.mark.parametrize("what, call, error, argument", CASES, ids=[case[0] for case in CASES])
def test_bad_input_fails_first_naming_the_argument(what, call, error, argument):
    assert_refused(call, error, argument)


@pytest.mark.parametrize("check, arguments, argument", [
    (course.check_evaporation, (0.01,), "choose_evaporation"),
    (course.check_transition_rule, (3,), "rule"),
    (course.check_alignment, (None,), "rule"),
])
def test_an_exercise_check_given_a_value_instead_of_a_function_answers_naming_it(check, arguments, argument):
    result = check(*arguments)
    assert not result and result.message.startswith(f"{argument}=") and "without calling it" in result.hint


def test_the_catalogue_is_large_enough():
    assert len(CASES) >= 35
