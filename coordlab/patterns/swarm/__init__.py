"""Swarm intelligence: many simple agents, local rules, no messages addressed to anyone.

Agents coordinate through the environment (pheromone, *stigmergy*) or through whoever is
near them. A swarm is stepped in vectorised form (one agent = one row of numpy arrays),
and each rule also exists as a plain-Python function for one agent, which the tests check
against the vectorised version.

One module per idea, in the order notebook 05 tells them:

* ``swarm``     the base every swarm extends: ``seed``, ``step()``, ``run(steps)``,
  ``kill(fraction=... | agents=[...])``, ``stop_reason`` and a ``history`` that the pictures in
  ``coordlab.viz.swarm`` and the checkers read;
* ``protocol``  the channels agents coordinate through (no messages), as a table (``protocol_table()``);
* ``foraging``  ``Foraging``: ants, a nest, food piles and a pheromone field;
* ``tsplib``    the shipped TSPLIB instances, scored with TSPLIB's own distance rule;
* ``tours``     the nearest-neighbour tour and 2-opt, which ant colonies lean on;
* ``aco``       ``AntColonySystem`` / ``MaxMinAntSystem``: ant colony optimisation on TSPLIB;
* ``flocking``  ``Vicsek`` / ``Boids``: flocking in a periodic box, measured by its order parameter;
* ``threshold`` ``run_threshold``: response-threshold task allocation, workers that take tasks from a
  shared board with probability s² / (s² + θ²); nobody assigns anything (the comparison's swarm);
* ``checks``    what every swarm must respect, as checkers returning a ``Verdict``;
* ``naive``     widely copied textbook swarm code, flaws included (for "Break" only).
"""
from coordlab.patterns.swarm import naive, tours, tsplib
from coordlab.patterns.swarm.aco import (
    AntColony,
    AntColonySystem,
    ColonyFrame,
    ColonyHistory,
    MaxMinAntSystem,
    next_cities,
    next_city,
)
from coordlab.patterns.swarm.checks import (
    ants_on_grid,
    best_never_worse,
    check_tour,
    constant_speed,
    food_conserved,
    inside_box,
    valid_best_tour,
)
from coordlab.patterns.swarm.flocking import (
    Boids,
    Flock,
    FlockFrame,
    FlockHistory,
    Vicsek,
    align,
    boid_heading,
    neighbour_pairs,
    order_parameter,
    random_order,
    vicsek_step_one_by_one,
)
from coordlab.patterns.swarm.foraging import (
    Foraging,
    ForagingFrame,
    ForagingHistory,
    choose_move,
    choose_moves,
    deposit_in_dict,
)
from coordlab.patterns.swarm.protocol import BOARD, BOARD_PROTOCOL, PROTOCOL, board_protocol_table, protocol_table
from coordlab.patterns.swarm.swarm import Swarm, SwarmHistory
from coordlab.patterns.swarm.threshold import (
    Board,
    ThresholdRun,
    ThresholdWorker,
    adapt,
    respond,
    run_threshold,
    stimulus,
)
from coordlab.patterns.swarm.tours import nearest_neighbour_tour, two_opt
from coordlab.patterns.swarm.tsplib import INSTANCES, Instance, load

__all__ = [
    "INSTANCES", "PROTOCOL", "AntColony", "AntColonySystem", "Boids", "ColonyFrame", "ColonyHistory", "Flock",
    "FlockFrame", "FlockHistory", "Foraging", "ForagingFrame", "ForagingHistory", "Instance", "MaxMinAntSystem",
    "Swarm", "SwarmHistory", "Vicsek", "align", "ants_on_grid", "best_never_worse", "boid_heading", "check_tour",
    "choose_move", "choose_moves", "constant_speed", "deposit_in_dict", "food_conserved", "inside_box", "load",
    "naive", "nearest_neighbour_tour", "neighbour_pairs", "next_cities", "next_city", "order_parameter",
    "protocol_table", "random_order", "tours", "tsplib", "two_opt", "valid_best_tour", "vicsek_step_one_by_one",
    # response-threshold task allocation
    "run_threshold", "ThresholdRun", "Board", "ThresholdWorker", "respond", "adapt",
    "stimulus", "BOARD", "BOARD_PROTOCOL", "board_protocol_table",
]
