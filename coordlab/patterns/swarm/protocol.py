"""The swarm's "protocol": the channels its agents coordinate through. There are no messages.

A swarm agent never addresses another agent. It changes something others will sense
later (pheromone on a cell or an edge: *stigmergy*), or it is sensed by whoever is near
it (its heading, its position). Sending a message needs an address, a network and a
receiver that is alive; these channels need none of that, which is why a swarm shrugs off
losing half its agents and why it scales to 100 000 of them. So each row below is a
channel, not a message kind: ``kind`` names the channel, ``sender`` is who writes it,
``receiver`` who reads it, ``body`` what is written and ``meaning`` how readers act on it.
``protocol_table()`` prints them as a table, like every pattern's protocol.
"""
from __future__ import annotations

import pandas as pd

from coordlab.patterns import protocol as shared
from coordlab.patterns.protocol import MessageKind

PROTOCOL: tuple[MessageKind, ...] = (
    MessageKind("pheromone", "ant carrying food, on every cell it crosses", "searching ants on the 4 cells around",
                "drop (float) added to a grid cell", "food lies outward along this trail; it spreads to the "
                "neighbouring cells and evaporates, so only a trail many ants keep topping up is followed",
                part="foraging"),
    MessageKind("nest scent", "the nest (a fixed field)", "every ant on the 4 cells around",
                "closeness to the nest (float) per grid cell", "carriers climb it home; searching ants sniff only "
                "the cells that do not lead closer to it", part="foraging"),
    MessageKind("local update", "each ant, on the edge it just walked (ACS)", "the ants still building tours",
                "tau <- (1 - rho) tau + rho tau0 on one edge", "this edge was just taken: a little less "
                "attractive, so the ants behind spread out", part="ant colony"),
    MessageKind("global update", "the best tour so far (ACS) or the iteration's best ant (MMAS)",
                "the next iteration's ants", "ACS: tau <- (1 - rho) tau + rho / L_best on the tour's edges; "
                "MMAS: every edge tau <- (1 - rho) tau, the tour's edges + 1 / L, clamped to [tau_min, tau_max]",
                "these edges made a short tour: prefer them", part="ant colony"),
    MessageKind("heading", "every agent, by flying", "every agent within radius (itself included)",
                "angle (radians)", "alignment: turn toward the neighbours' mean heading (Vicsek, boids)",
                part="flocking"),
    MessageKind("position", "every boid, by being there", "every other boid within radius",
                "offset (dx, dy) in the periodic box", "separation: steer away from boids closer than radius / 3; "
                "cohesion: steer toward the neighbours' centre (boids)", part="flocking"),
)


def protocol_table() -> pd.DataFrame:
    """The swarm's channels as a table, one row each, grouped by model."""
    return shared.protocol_table(PROTOCOL)
