"""Swarm population loss: a random nemesis kills agents mid-run, and the invariants are recomputed.

A swarm sends no messages, so its nemesis is the one fault a swarm meets: agents die. The
shared ``Nemesis`` draws the crashes (``partitions=0, windows=0, slows=0``) over agents named
``ant-<number>``, and each ``Crash(agent, at)`` becomes ``swarm.kill(agents=[number])`` after
``round(at / horizon * STEPS)`` steps. Crashes never recover (``recover=0``): a dead swarm
agent is gone, the models have no revival. How many crashes is drawn per seed, from none to
four times the population (with replacement, so most seeds kill most agents and some kill
them all); on one seed in three ``ant-0`` is spared, so every other agent may die and one
survives. Every run records a frame per step (``record_every=1``): the frames are what the
invariants are recomputed from, never the library's own checkers.

* foraging: food is conserved (left + carried + returned + lost with its carrier = the
  start, ``lost`` recomputed from who died carrying), no cell ever gains food, a new carrier
  stands where food was, ants step at most one cell and stay on the grid; liveness: with
  survivors and food left, ``LIVENESS_STEPS`` more steps return more food.
* ant colony (ACS and MAX-MIN, ``beta=150`` on odd seeds: the ratings that underflowed):
  every recorded tour is a permutation of the cities, its length recomputed from the
  coordinates is the length reported, the best never gets worse; liveness: with survivors,
  every iteration ran and the colony holds a valid best tour.
* flocking: survivors fly exactly ``speed`` per step inside the box, the order parameter
  recomputed from the headings is the one recorded.

For all three: the dead never appear (act) again, nobody is born or revived, the recorded
agent count is the frame's, and the run ends ``"extinct"`` exactly when nobody survived.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from coordlab import Nemesis
from coordlab.patterns.swarm import AntColonySystem, Foraging, MaxMinAntSystem, Swarm, Vicsek
from tests.nemesis import Suite

FORAGING_STEPS, LIVENESS_STEPS, COLONY_ITERATIONS, FLOCK_STEPS = 100, 2000, 10, 40


@dataclass
class PopulationLoss:
    """A swarm run under a nemesis, with the kills the test made (after how many steps -> agent numbers)."""

    swarm: Swarm
    kills: dict[int, list[int]]
    steps: int  # steps asked for, all phases together

    @property
    def stop_reason(self) -> str:
        return self.swarm.stop_reason


def draw_kills(seed: int, agents: int, steps: int) -> dict[int, list[int]]:
    """The nemesis's crashes as kills: after how many steps, which agent numbers (each agent dies once)."""
    names = {f"ant-{number}": number for number in range(agents)}
    nemesis = Nemesis(seed=seed, crashes=seed * 7 % (4 * agents + 1), recover=0.0, partitions=0, windows=0,
                      slows=0, spare=("ant-0",) if seed % 3 == 1 else ())
    kills: dict[int, list[int]] = {}
    dead: set[int] = set()
    for crash in nemesis.schedule(sorted(names)):
        number = names[crash.agent]
        if number not in dead:
            dead.add(number)
            kills.setdefault(round(crash.at / nemesis.horizon * steps), []).append(number)
    return {at: sorted(victims) for at, victims in sorted(kills.items())}


def run_killing(swarm: Swarm, kills: dict[int, list[int]], steps: int) -> Swarm:
    """Run ``steps`` steps, killing ``kills[at]`` once ``at`` steps have run."""
    done = 0
    for at, victims in kills.items():
        swarm.run(at - done)
        swarm.kill(agents=victims)
        done = at
    return swarm.run(steps - done)


def matched(before, after) -> tuple[np.ndarray, np.ndarray]:
    """Rows of the agents present in both frames: ``before``'s rows, then ``after``'s, agent by agent."""
    _, rows_before, rows_after = np.intersect1d(before.ids, after.ids, return_indices=True)
    return rows_before, rows_after


def common_violations(loss: PopulationLoss, first_frame_step: int) -> list[str]:
    """Every swarm: the dead never come back, nobody is born, counts match, and the stop reason is honest."""
    swarm, frames = loss.swarm, loss.swarm.history.frames
    problems = []
    killed_at = {number: at for at, victims in loss.kills.items() for number in victims}
    for frame in frames:
        back = sorted(n for n in frame.ids.tolist() if n in killed_at and frame.step > killed_at[n])
        if back:
            problems.append(f"step {frame.step}: agents {back} act after they were killed")
    for before, after in zip(frames, frames[1:]):
        if not set(after.ids.tolist()) <= set(before.ids.tolist()):
            problems.append(f"step {after.step}: agents {sorted(set(after.ids.tolist()) - set(before.ids.tolist()))} "
                            "appeared from nowhere")
    counts = [len(frame.ids) for frame in frames]
    recorded = swarm.history.agents[len(swarm.history.agents) - len(frames):]
    if counts != recorded:
        problems.append(f"agents recorded per step {recorded} differ from the frames' agents {counts}")
    if loss.stop_reason != ("completed" if swarm.agents else "extinct"):
        problems.append(f"stop_reason {loss.stop_reason!r} with {swarm.agents} agents alive")
    if swarm.agents and (not frames or frames[-1].step != loss.steps):
        problems.append(f"survivors, but the run stopped at step {frames[-1].step if frames else 0} "
                        f"of {loss.steps}")
    if [frame.step for frame in frames] != list(range(first_frame_step, first_frame_step + len(frames))):
        problems.append("a step was recorded twice or skipped")
    return problems


# --- foraging -----------------------------------------------------------------------------------

def run_foraging(seed: int) -> PopulationLoss:
    """The faults' steps, then, while ants and food are left, steps until one more unit is returned."""
    colony = Foraging(ants=8, size=11, food=((2, 8), (8, 2), (8, 8)), food_per_pile=18, record_every=1, seed=seed)
    kills = draw_kills(seed, colony.agents, FORAGING_STEPS)
    run_killing(colony, kills, FORAGING_STEPS)
    returned, steps = colony.returned, FORAGING_STEPS
    while colony.returned == returned and colony.food.any() and steps < FORAGING_STEPS + LIVENESS_STEPS:
        colony.run(1)
        steps += 1
    return PopulationLoss(colony, kills, steps)


def foraging_violations(loss: PopulationLoss) -> list[str]:
    colony, frames = loss.swarm, loss.swarm.history.frames
    problems = common_violations(loss, first_frame_step=0)
    start, lost = int(frames[0].food.sum()), 0
    returned = colony.history.food_returned
    for before, after in zip(frames, frames[1:]):
        t = after.step
        rows_before, rows_after = matched(before, after)
        died = np.ones(len(before.ids), dtype=bool)
        died[rows_before] = False
        lost += int(before.carrying[died].sum())  # died carrying: that food is gone with them
        held = int(after.food.sum()) + int(after.carrying.sum()) + returned[t] + lost
        if held != start:
            problems.append(f"step {t}: {after.food.sum()} left + {after.carrying.sum()} carried + {returned[t]} "
                            f"returned + {lost} lost = {held}, not the {start} at the start")
        if (after.food > before.food).any():
            problems.append(f"step {t}: food appeared on {int((after.food > before.food).sum())} cell(s)")
        if returned[t] < returned[t - 1]:
            problems.append(f"step {t}: food returned fell from {returned[t - 1]} to {returned[t]}")
        moved = np.abs(after.positions[rows_after] - before.positions[rows_before]).sum(axis=1)
        if (moved > 1).any():
            problems.append(f"step {t}: {int((moved > 1).sum())} ant(s) moved more than one cell")
        if ((after.positions < 0) | (after.positions >= colony.size)).any():
            problems.append(f"step {t}: an ant is off the grid")
        picked = after.carrying[rows_after] & ~before.carrying[rows_before]
        r, c = after.positions[rows_after][picked].T
        if (before.food[r, c] == 0).any():
            problems.append(f"step {t}: an ant picked up food where there was none")
    last = frames[-1]
    lost += int(last.carrying[~np.isin(last.ids, colony.ids)].sum())  # killed after the last step
    if lost != colony.lost:
        problems.append(f"the colony reports {colony.lost} food lost with dead ants; they carried {lost}")
    if colony.agents and colony.food.any() and returned[-1] == returned[FORAGING_STEPS]:
        problems.append(f"liveness: {colony.agents} ant(s) alive and {colony.food.sum()} food left, but none "
                        f"returned in {len(returned) - 1 - FORAGING_STEPS} steps after the faults")
    return problems


# --- ant colony ---------------------------------------------------------------------------------

def run_colony(seed: int) -> PopulationLoss:
    model = (AntColonySystem, MaxMinAntSystem)[seed // 2 % 2]
    colony = model("eil51", ants=4, beta=150.0 if seed % 2 else 2.0, record_every=1, seed=seed)
    kills = draw_kills(seed, colony.agents, COLONY_ITERATIONS)
    return PopulationLoss(run_killing(colony, kills, COLONY_ITERATIONS), kills, COLONY_ITERATIONS)


def measured(coordinates: np.ndarray, tour: np.ndarray) -> int:
    """A closed tour's TSPLIB EUC_2D length, from the coordinates: each leg rounded half up."""
    legs = coordinates[np.roll(tour, -1)] - coordinates[tour]
    return int(np.floor(np.hypot(legs[:, 0], legs[:, 1]) + 0.5).sum())


def tour_problems(what: str, tour: object, reported: object, coordinates: np.ndarray) -> list[str]:
    cities = len(coordinates)
    tour = np.asarray(tour)
    if tour.shape != (cities,) or sorted(tour.tolist()) != list(range(cities)):
        return [f"{what} is not a tour of all {cities} cities: {tour.tolist()[:12]}…"]
    if measured(coordinates, tour) != reported:
        return [f"{what} measures {measured(coordinates, tour)}, reported {reported}"]
    return []


def colony_violations(loss: PopulationLoss) -> list[str]:
    colony, frames = loss.swarm, loss.swarm.history.frames
    coordinates, history = colony.instance.coordinates, colony.history
    problems = common_violations(loss, first_frame_step=1)
    for frame, best, iteration_best in zip(frames, history.best_length, history.iteration_best):
        problems += tour_problems(f"iteration {frame.step}: the best tour", frame.best_tour, best, coordinates)
        problems += tour_problems(f"iteration {frame.step}: the iteration's best tour", frame.iteration_best_tour,
                                  iteration_best, coordinates)
        if best > iteration_best:
            problems.append(f"iteration {frame.step}: best so far {best} is longer than this iteration's "
                            f"{iteration_best}")
    if any(later > earlier for earlier, later in zip(history.best_length, history.best_length[1:])):
        problems.append(f"the best so far got worse: {history.best_length}")
    if colony.agents:
        if colony.best_tour is None:
            problems.append(f"liveness: {colony.agents} ant(s) alive, but no tour")
        else:
            problems += tour_problems("the colony's best tour", colony.best_tour, colony.best_length, coordinates)
    return problems


# --- flocking -----------------------------------------------------------------------------------

def run_flock(seed: int) -> PopulationLoss:
    flock = Vicsek(agents=20, box=3.0, speed=0.1, noise=1.0, record_every=1, seed=seed)
    kills = draw_kills(seed, flock.agents, FLOCK_STEPS)
    return PopulationLoss(run_killing(flock, kills, FLOCK_STEPS), kills, FLOCK_STEPS)


def flock_violations(loss: PopulationLoss) -> list[str]:
    flock, frames = loss.swarm, loss.swarm.history.frames
    problems = common_violations(loss, first_frame_step=0)
    for frame, order in zip(frames, flock.history.order[len(flock.history.order) - len(frames):]):
        if ((frame.positions < 0) | (frame.positions >= flock.box)).any():
            problems.append(f"step {frame.step}: an agent left the box")
        if len(frame.ids) and abs(np.hypot(np.cos(frame.headings).mean(), np.sin(frame.headings).mean())
                                  - order) > 1e-12:
            problems.append(f"step {frame.step}: order {order} recorded, the headings give another")
    for before, after in zip(frames, frames[1:]):
        rows_before, rows_after = matched(before, after)
        moved = after.positions[rows_after] - before.positions[rows_before]
        moved -= flock.box * np.round(moved / flock.box)
        if (np.abs(np.hypot(moved[:, 0], moved[:, 1]) - flock.speed) > 1e-9).any():
            problems.append(f"step {after.step}: an agent did not fly exactly {flock.speed}")
    return problems


SUITES: list[Suite] = [
    Suite("swarm foraging population loss", run_foraging, foraging_violations),
    Suite("swarm aco population loss", run_colony, colony_violations),
    Suite("swarm flocking population loss", run_flock, flock_violations),
]
