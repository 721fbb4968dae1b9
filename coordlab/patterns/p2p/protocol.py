"""The peer-to-peer protocol: every message kind the peers use, who sends it, and why.

There is no "server" column: any peer may send any of these to any peer it knows.
``protocol_table()`` prints the protocol as a table in the notebook.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class MessageKind:
    """One row of the protocol: a message kind, who sends it to whom, its body, and why."""

    part: str
    kind: str
    sender: str
    receiver: str
    body: str
    meaning: str


PROTOCOL: tuple[MessageKind, ...] = (
    MessageKind("membership", "join", "newcomer", "any member it knows", "None",
                "let me in"),
    MessageKind("membership", "welcome", "member", "newcomer", "(members, departed)",
                "here are the peers I know"),
    MessageKind("membership", "members", "peer", "one random known peer", "(members, departed)",
                "anti-entropy: merge my view of who is in into yours"),
    MessageKind("membership", "bye", "leaving peer", "every peer it knows", "None",
                "I am leaving for good: forget me"),
    MessageKind("broadcast", "flood", "peer", "every neighbour but the sender", "(rumour, hops)",
                "first time I heard it: passing it on"),
    MessageKind("broadcast", "push", "informed peer", "fanout random neighbours", "rumour",
                "gossip round: here is the rumour"),
    MessageKind("broadcast", "pull", "peer", "one random neighbour", "rumour or None",
                "gossip round: here is what I know; send me yours if I lack it"),
    MessageKind("broadcast", "pull_ok", "informed peer", "the puller", "rumour",
                "the rumour you lacked"),
    MessageKind("averaging", "share", "peer", "one random neighbour", "(s, w)",
                "push-sum: half of my sum and half of my weight"),
    MessageKind("contract net", "cfp", "manager", "every peer it knows", "Task",
                "call for proposals: who can do this, by the deadline?"),
    MessageKind("contract net", "propose", "contractor", "manager", "bid (s)",
                "I can finish it in this many seconds"),
    MessageKind("contract net", "refuse", "contractor", "manager", "None",
                "not me"),
    MessageKind("contract net", "award", "manager", "best bidder", "Task",
                "it is yours"),
    MessageKind("contract net", "reject", "manager", "other bidders", "task id",
                "someone else won"),
    MessageKind("contract net", "done", "contractor", "manager", "task id",
                "finished"),
    MessageKind("contract net", "failure", "contractor", "manager", "task id",
                "I could not do it: announce it again"),
)


def protocol_table() -> pd.DataFrame:
    """The protocol as a table, one row per message kind."""
    return pd.DataFrame([vars(row) for row in PROTOCOL]).set_index("kind")
