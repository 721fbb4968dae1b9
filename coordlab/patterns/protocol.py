"""A pattern's protocol: the message kinds it uses, who sends them to whom, and why.

Every pattern declares its protocol as a tuple of ``MessageKind`` rows, and its notebook
prints them with ``protocol_table``: the protocol is the interface between its agents.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from coordlab.world import RunResult, Verdict, judge
from coordlab.world.checks import Checker


@dataclass(frozen=True)
class MessageKind:
    """One row of a protocol. ``body`` is the body's type (or a union), or a short description.

    ``part`` groups rows when one pattern has several sub-protocols (membership, broadcast…).
    """

    kind: str
    sender: str
    receiver: str
    body: Any
    meaning: str
    part: str = ""


def body_name(body: Any) -> str:
    """``Assign`` for a class, ``Heartbeat | Progress`` for a union, the text itself for a string."""
    if isinstance(body, str):
        return body
    return " | ".join(t.__name__ for t in getattr(body, "__args__", (body,)))


def protocol_table(kinds: Iterable[MessageKind]) -> pd.DataFrame:
    """The protocol as a table, one row per message kind (with a ``part`` column if used)."""
    rows = [{"part": k.part, "kind": k.kind, "from": k.sender, "to": k.receiver, "body": body_name(k.body),
             "meaning": k.meaning} for k in kinds]
    table = pd.DataFrame(rows).set_index("kind")
    return table if table["part"].any() else table.drop(columns="part")


def kinds_declared(protocol: Iterable[MessageKind]) -> Checker:
    """Checker: every message kind sent in the run is a row of ``protocol``.

    A pattern whose code sends a kind its protocol table does not declare has an interface
    nobody documented; every pattern's tests apply this checker to its runs.
    """
    declared = {row.kind for row in protocol}

    def check(result: RunResult) -> Verdict:
        undeclared = [e for e in result.trace.select("send") if e.message.kind not in declared]
        kinds = sorted({e.message.kind for e in undeclared})
        return judge("every kind sent is declared", undeclared,
                     f"every kind sent is one of the protocol's {len(declared)} kinds",
                     "{n} message(s) of undeclared kind(s): " + ", ".join(kinds))

    return check
