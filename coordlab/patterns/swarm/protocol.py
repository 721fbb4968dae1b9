"""The swarm's "protocol": the channels its agents coordinate through. There are no messages.

A swarm agent never addresses another agent. It changes something others will sense
later (pheromone on a cell or an edge: *stigmergy*), or it is sensed by whoever is near
it (its heading, its position). Sending a message needs an address, a network and a
receiver that is alive; these channels need none of that, which is why a swarm shrugs off
losing half its agents and why it scales to 100 000 of them. So each row below is a
channel, not a message kind: ``kind`` names the channel, ``sender`` is who writes it,
``receiver`` who reads it, ``body`` what is written and ``meaning`` how readers act on it.
``protocol_table()`` prints them as a table, like every pattern's protocol.

Response-threshold task allocation (``threshold``) is the one swarm here that runs in the
message-passing world: its environment, the task board, is an agent, so reading it and
claiming from it are messages. ``BOARD_PROTOCOL`` lists them (``board_protocol_table()``).
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from coordlab.patterns import protocol as shared
from coordlab.patterns.centralized.protocol import Assign, Failure, Heartbeat, Result
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


# --- the task board of response-threshold allocation: real messages ----------------------
#: The board's agent name in a response-threshold run.
BOARD = "board"


@dataclass(frozen=True)
class OpenType:
    """One task type on the board: its stimulus and how many of its tasks are open."""

    type: str
    stimulus: float
    open: int


@dataclass(frozen=True)
class Stimuli:
    """What a worker senses: every task type with open tasks, sorted by type."""

    open: tuple[OpenType, ...]


@dataclass(frozen=True)
class Claim:
    """"I take a task of this type" (and, in a refusal, the type refused)."""

    type: str


BOARD_PROTOCOL: tuple[MessageKind, ...] = (
    MessageKind("sense", "worker with a free slot", "board", Heartbeat,
                "what is open? (listing the tasks it holds, so one it dropped is open again)"),
    MessageKind("sense_ok", "board", "worker", Stimuli, "each open type's stimulus and how many of its tasks are open"),
    MessageKind("claim", "worker whose threshold rule said yes", "board", Claim, "I take a task of this type"),
    MessageKind("granted", "board", "worker", Assign,
                "the type's oldest open task is yours: attempt, duration, inputs"),
    MessageKind("refused", "board", "worker", Claim, "others were quicker: none of this type is open any more"),
    MessageKind("done", "worker", "board", Result | Failure,
                "the attempt's result (or error); sent again until acknowledged"),
    MessageKind("done_ok", "board", "worker", "None", "noted (a task is marked done once, by its first result)"),
)


def board_protocol_table() -> pd.DataFrame:
    """The task board's message kinds as a table."""
    return shared.protocol_table(BOARD_PROTOCOL)
