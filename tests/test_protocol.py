"""The shared protocol table: one row per kind, bodies named readably."""
from dataclasses import dataclass

from coordlab.patterns.protocol import MessageKind, protocol_table


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
