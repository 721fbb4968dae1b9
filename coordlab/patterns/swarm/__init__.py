"""Swarm intelligence: many simple agents, local rules, no messages addressed to anyone.

Agents coordinate through the environment (pheromone, *stigmergy*) or through whoever is
near them. A swarm is stepped in vectorised form (one agent = one row of numpy arrays),
and each rule also exists as a plain-Python function for one agent, which the tests check
against the vectorised version.

* ``Foraging``: ants, a nest, food piles and a pheromone field (``foraging``).
* ``AntColonySystem`` / ``MaxMinAntSystem``: ant colony optimisation on TSPLIB (``aco``).
* ``Vicsek`` / ``Boids``: flocking in a periodic box, measured by its order parameter (``flocking``).

Every swarm takes ``seed``, has ``step()``, ``run(steps)``, ``kill(fraction=... | indices=...)``
and a ``history`` that the pictures in ``coordlab.viz.swarm`` and the checks read.
"""
from coordlab.patterns.swarm import tsplib
from coordlab.patterns.swarm.aco import AntColonySystem, ColonyHistory, MaxMinAntSystem, next_cities, next_city
from coordlab.patterns.swarm.flocking import (
    Boids,
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
    ForagingHistory,
    choose_move,
    choose_moves,
    deposit_in_dict,
    naive_deposit_in_dict,
)
from coordlab.patterns.swarm.tours import nearest_neighbour_tour, two_opt
from coordlab.patterns.swarm.tsplib import INSTANCES, Instance, load

__all__ = [
    "INSTANCES", "AntColonySystem", "Boids", "ColonyHistory", "FlockHistory", "Foraging", "ForagingHistory",
    "Instance", "MaxMinAntSystem", "Vicsek", "align", "boid_heading", "choose_move", "choose_moves", "deposit_in_dict", "load",
    "naive_deposit_in_dict", "nearest_neighbour_tour", "neighbour_pairs", "next_cities", "next_city",
    "order_parameter", "random_order", "tsplib", "two_opt", "vicsek_step_one_by_one",
]
