"""The shared protocol table: one row per kind, bodies named readably."""
from dataclasses import dataclass

from coordlab.patterns.protocol import MessageKind, kinds_declared, protocol_table


@dataclass
class Ping:
    n: int


@dataclass
class Pong:
    n: int


def test_bodies_are_named_for_classes_unions_and_descriptions():
    table = protocol_table([MessageKind("ping", "a", "b", Ping, "are you there?"),
                            MessageKind("pong", "b", "a", Ping | Pong, "yes"),
                            MessageKind("bye", "a", "b", "None", "leaving")])
    assert list(table.columns) == ["from", "to", "body", "meaning"]
    assert table["body"].to_dict() == {"ping": "Ping", "pong": "Ping | Pong", "bye": "None"}


def test_a_part_column_appears_only_when_rows_use_it():
    table = protocol_table([MessageKind("join", "newcomer", "member", "None", "let me in", part="membership")])
    assert list(table.columns) == ["part", "from", "to", "body", "meaning"]


def _run_sending(*kinds):
    from coordlab import Agent, World

    class Sender(Agent):
        async def run(self):
            for kind in kinds:
                await self.send("sink", kind)

    class Sink(Agent):
        daemon = True

        async def on_ping(self, msg):
            pass

    world = World(seed=0)
    world.add(Sender("source"), Sink("sink"))
    return world.run()


def test_kinds_declared_accepts_a_run_that_sends_only_declared_kinds():
    check = kinds_declared([MessageKind("ping", "a", "b", Ping, "are you there?")])
    verdict = check(_run_sending("ping", "ping"))
    assert verdict.valid, verdict


def test_kinds_declared_names_the_undeclared_kind_and_its_sends():
    check = kinds_declared([MessageKind("ping", "a", "b", Ping, "are you there?")])
    verdict = check(_run_sending("ping", "pnig", "pnig"))
    assert not verdict.valid
    assert "pnig" in verdict.explanation and "ping," not in verdict.explanation
    assert [e.message.kind for e in verdict.evidence] == ["pnig", "pnig"]
