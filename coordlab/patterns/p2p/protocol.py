"""The peer-to-peer protocol: every message kind the peers use, who sends it, and why.

There is no "server" column: any peer may send any of these to any peer it knows.
``protocol_table()`` prints the protocol as a table in the notebook.
"""
from __future__ import annotations

import pandas as pd

from coordlab.patterns import protocol as shared
from coordlab.patterns.protocol import MessageKind

PROTOCOL: tuple[MessageKind, ...] = (
    MessageKind("join", "newcomer", "any member it knows", "None", "let me in", part="membership"),
    MessageKind("welcome", "member", "newcomer",
                "(members, departed)", "here are the peers I know", part="membership"),
    MessageKind("members", "peer", "one random known peer",
                "(members, departed)", "anti-entropy: merge my view of who is in into yours", part="membership"),
    MessageKind("bye", "leaving peer", "every peer it knows",
                "None", "I am leaving for good: forget me", part="membership"),
    MessageKind("flood", "peer", "every neighbour but the sender",
                "(rumour, hops)", "first time I heard it: passing it on", part="broadcast"),
    MessageKind("push", "informed peer", "fanout random neighbours",
                "rumour", "gossip round: here is the rumour", part="broadcast"),
    MessageKind("pull", "peer", "one random neighbour",
                "rumour or None", "gossip round: here is what I know; send me yours if I lack it", part="broadcast"),
    MessageKind("pull_ok", "informed peer", "the puller", "rumour", "the rumour you lacked", part="broadcast"),
    MessageKind("share", "peer", "one random neighbour",
                "(number, s, w)", "push-sum: half of my sum and half of my weight (sent again until acknowledged)",
                part="averaging"),
    MessageKind("share_ok", "peer", "the sharer", "number",
                "I have added share #number (once, however often it came)", part="averaging"),
    MessageKind("cfp", "manager", "every peer it knows",
                "ContractTask", "call for proposals: who can do this, by the deadline?", part="contract net"),
    MessageKind("propose", "contractor", "manager",
                "bid (s)", "I can finish it in this many seconds", part="contract net"),
    MessageKind("refuse", "contractor", "manager", "None", "not me", part="contract net"),
    MessageKind("award", "manager", "best bidder", "ContractTask", "it is yours", part="contract net"),
    MessageKind("reject", "manager", "other bidders", "task id", "someone else won", part="contract net"),
    MessageKind("done", "contractor", "manager", "task id", "finished", part="contract net"),
    MessageKind("failure", "contractor", "manager",
                "task id", "I could not do it: announce it again", part="contract net"),
)


def protocol_table() -> pd.DataFrame:
    """The protocol as a table, one row per message kind (``coordlab.patterns.protocol.protocol_table``)."""
    return shared.protocol_table(PROTOCOL)
