"""Bad input gets an error that names the argument, the value and what is allowed."""
import pytest

from coordlab import Agent, Uniform, World


class Idle(Agent):
    async def run(self):
        pass


class Sends(Agent):
    def __init__(self, name, to):
        super().__init__(name)
        self.to = to

    async def run(self):
        await self.send(self.to, "hello")


@pytest.mark.parametrize("kwargs, message", [
    ({"latency": -1}, "latency=-1 is not allowed: latency must be >= 0"),
    ({"latency": "fast"}, "latency='fast' is not allowed: latency must be a number"),
    ({"loss": 1.5}, "loss=1.5 is not allowed: a probability must be between 0 and 1"),
    ({"duplicate": -0.1}, "duplicate=-0.1 is not allowed: a probability must be between 0 and 1"),
    ({"seed": "x"}, "seed='x' is not allowed: seed must be an int >= 0"),
    ({"seed": -1}, "seed=-1 is not allowed: seed must be an int >= 0"),
    ({"max_events": 0}, "max_events=0 is not allowed: max_events must be an int >= 1"),
    ({"max_events": 10.0}, "max_events=10.0 is not allowed: max_events must be an int >= 1"),
])
def test_world_arguments(kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message.replace("(", r"\(").replace(")", r"\)")):
        World(**kwargs)


def test_latency_distribution_arguments():
    with pytest.raises(ValueError, match="high=1 is not allowed: high must be >= 2"):
        Uniform(2, 1)


def test_a_latency_function_that_draws_a_negative_delay_is_caught():
    world = World(latency=lambda rng: -0.5)
    world.add(Sends("a", "b"), Idle("b"))
    result = world.run()
    assert result.stop_reason == "agent_error"
    assert "must be >= 0" in str(result.errors[0].error)


def test_sending_to_an_unknown_agent_lists_the_agents_there_are():
    world = World()
    world.add(Sends("a", "bob"), Idle("b"))
    result = world.run()
    assert str(result.errors[0].error) == "to='bob' is not an agent of this world (agents: a, b)"


def test_duplicate_names_are_rejected():
    world = World()
    world.add(Idle("a"))
    with pytest.raises(ValueError, match="name='a' is not allowed: an agent with that name is already"):
        world.add(Idle("a"))


def test_until_must_be_in_the_future():
    with pytest.raises(ValueError, match="until=0 is not allowed"):
        World().run(until=0)
    with pytest.raises(ValueError, match="until=-3 is not allowed"):
        World().run(until=-3)


def test_forgetting_super_init_is_explained():
    class Forgetful(Agent):
        def __init__(self, name):
            self.label = name

    with pytest.raises(RuntimeError, match=r"Forgetful.__init__ must call super\(\).__init__\(name\)"):
        World().add(Forgetful("f"))


def test_adding_something_that_is_not_an_agent():
    with pytest.raises(TypeError, match="add instances of a coordlab.Agent subclass"):
        World().add("alice")


def test_custom_events_cannot_impersonate_world_events():
    class Liar(Agent):
        async def run(self):
            self.log("crash")

    world = World()
    world.add(Liar("l"))
    result = world.run()
    assert "kind='crash' is not allowed" in str(result.errors[0].error)


def test_remove_and_crash_name_unknown_agents():
    world = World()
    world.add(Idle("a"))
    with pytest.raises(ValueError, match="name='z' is not an agent of this world"):
        world.remove("z", at=1)
