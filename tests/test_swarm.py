"""What every swarm shares (the ``Swarm`` base), and the swarm's table of channels."""
import numpy as np
import pytest

from coordlab.patterns.swarm import (
    PROTOCOL,
    AntColonySystem,
    Boids,
    ColonyFrame,
    Foraging,
    MaxMinAntSystem,
    Swarm,
    Vicsek,
    protocol_table,
)

SMALL = {
    "foraging": lambda **kw: Foraging(ants=30, **kw),
    "vicsek": lambda **kw: Vicsek(agents=40, **kw),
    "boids": lambda **kw: Boids(agents=40, **kw),
    "acs": lambda **kw: AntColonySystem("eil51", ants=6, **kw),
    "mmas": lambda **kw: MaxMinAntSystem("eil51", ants=6, **kw),
}


@pytest.mark.parametrize("name", sorted(SMALL))
def test_every_swarm_runs_chains_counts_and_records_the_same_way(name):
    swarm = SMALL[name](record_every=3, seed=5)
    assert isinstance(swarm, Swarm) and swarm.seed == 5
    assert swarm.run(0) is swarm and swarm.steps == 0
    assert swarm.run(7) is swarm and swarm.steps == 7
    recorded_at_start = len(swarm.history.agents) - 7  # 1 if the model records its starting state, else 0
    assert recorded_at_start in (0, 1)
    assert [frame.step for frame in swarm.history.frames] == [s for s in range(1 - recorded_at_start, 8) if s % 3 == 0]


@pytest.mark.parametrize("name", sorted(SMALL))
def test_every_swarm_kills_the_same_way(name):
    swarm = SMALL[name](seed=1).run(2)
    before = swarm.agents
    swarm.kill(fraction=0.5)
    survivors = swarm.ids.tolist()
    swarm.kill(agents=survivors[:2])
    swarm.run(2)
    assert swarm.agents == before - round(0.5 * before) - 2 == swarm.history.agents[-1]
    assert swarm.ids.tolist() == survivors[2:]  # agents keep their numbers when others die
    with pytest.raises(ValueError, match="exactly one of"):
        swarm.kill()
    with pytest.raises(ValueError, match="exactly one of"):
        swarm.kill(fraction=0.1, agents=[survivors[2]])
    with pytest.raises(ValueError, match=rf"agents=\[{survivors[0]}\] is not allowed: no agent numbered"):
        swarm.kill(agents=[survivors[0]])  # already dead


@pytest.mark.parametrize("name", sorted(SMALL))
def test_a_swarm_killed_to_the_last_agent_stops_extinct_and_keeps_its_results(name):
    swarm = SMALL[name](seed=2).run(3)
    assert swarm.stop_reason == "completed"
    swarm.kill(agents=swarm.ids[1:])
    swarm.run(2)
    assert swarm.agents == 1 and swarm.steps == 5 and swarm.stop_reason == "completed"
    swarm.kill(fraction=1.0)
    recorded = len(swarm.history.agents)
    assert swarm.run(4) is swarm and swarm.stop_reason == "extinct"
    assert swarm.agents == 0 and swarm.steps == 5 and len(swarm.history.agents) == recorded
    swarm.kill(agents=[])  # nobody left to kill, and that is no error


@pytest.mark.parametrize("name", sorted(SMALL))
def test_the_same_seed_draws_the_same_kill(name):
    a, b = (SMALL[name](seed=9).run(1) for _ in range(2))
    a.kill(fraction=0.3)
    b.kill(fraction=0.3)
    a.run(3)
    b.run(3)
    def measures(swarm: Swarm) -> dict:  # every number recorded each step, not only the count of agents
        return {field: values for field, values in vars(swarm.history).items() if field != "frames"}

    assert measures(a) == measures(b)


def test_counts_are_checked_by_the_one_validator():
    with pytest.raises(ValueError, match="steps=-1 is not allowed: steps must be an int >= 0"):
        Vicsek(seed=0).run(-1)
    with pytest.raises(TypeError, match="steps=2.5 is not allowed"):
        Foraging(seed=0).run(2.5)
    with pytest.raises(ValueError, match="record_every=0 is not allowed: record_every must be an int >= 1"):
        AntColonySystem("eil51", record_every=0)
    with pytest.raises(TypeError, match="ants=True is not allowed"):
        Foraging(ants=True)
    assert Vicsek(agents=np.int64(10), seed=0).agents == 10  # numpy integers are counts too


def test_a_colony_frame_holds_the_pheromone_and_best_tour_of_its_iteration():
    colony = AntColonySystem("eil51", record_every=2, seed=0).run(4)
    frame = colony.history.frames[-1]
    assert isinstance(frame, ColonyFrame) and frame.step == 4
    assert np.array_equal(frame.pheromone, colony.pheromone) and frame.pheromone is not colony.pheromone
    assert np.array_equal(frame.best_tour, colony.best_tour)
    assert not np.array_equal(colony.history.frames[0].pheromone, frame.pheromone)


def test_the_swarm_protocol_lists_channels_not_messages():
    table = protocol_table()
    assert list(table.columns) == ["part", "from", "to", "body", "meaning"]
    assert list(table.index) == ["pheromone", "nest scent", "local update", "global update", "heading", "position"]
    assert table["part"].unique().tolist() == ["foraging", "ant colony", "flocking"]
    assert len({row.kind for row in PROTOCOL}) == len(PROTOCOL)
