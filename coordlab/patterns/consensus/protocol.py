"""The consensus chapter's protocols; first Raft's: the two RPCs between servers (Figure 2) and the client's one.

Servers talk to each other with ``request_vote`` and ``append_entries`` (heartbeats are
``append_entries`` with no entries) and answer each with ``<kind>_ok``. A client sends each
``command`` to the server it believes leads; a server that does not lead answers ``not_leader``
with a hint. Every body is a frozen dataclass, so a body in the trace reads like the paper.
``protocol_table()`` prints every consensus protocol's rows in the notebook (``PROTOCOL``).
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from coordlab.patterns import protocol as shared
from coordlab.patterns.centralized.protocol import Assign, Failure, Register, Result, Submit
from coordlab.patterns.consensus.ballots import BALLOT_PROTOCOL
from coordlab.patterns.consensus.bully import BULLY_PROTOCOL
from coordlab.patterns.consensus.generals import GENERALS_PROTOCOL
from coordlab.patterns.protocol import MessageKind
from coordlab.patterns.tasks import Report


@dataclass(frozen=True)
class Command:
    """One client operation on the key-value store, named by ``(client, seq)`` so a retry is recognised.

    ``op`` is ``"get"``, ``"put"`` or ``"append"``; ``value`` is None for a get.
    """

    client: str
    seq: int
    op: str
    key: str
    value: str | None = None


@dataclass(frozen=True)
class Entry:
    """One log entry: the command and the term in which a leader received it."""

    term: int
    command: Command


@dataclass(frozen=True)
class RequestVote:
    """Figure 2, RequestVote arguments: a candidate's term and how up to date its log is."""

    term: int
    candidate: str
    last_log_index: int
    last_log_term: int


@dataclass(frozen=True)
class VoteReply:
    """Figure 2, RequestVote results: the voter's term (for the candidate to update itself) and the vote."""

    term: int
    granted: bool


@dataclass(frozen=True)
class AppendEntries:
    """Figure 2, AppendEntries arguments: entries to store after ``prev_log_index`` (none: a heartbeat)."""

    term: int
    leader: str
    prev_log_index: int
    prev_log_term: int
    entries: tuple[Entry, ...]
    leader_commit: int


@dataclass(frozen=True)
class AppendReply:
    """Figure 2, AppendEntries results, plus what the leader needs without matching replies to requests.

    ``match_index`` is the last index the follower now holds in agreement with the leader (on
    success). On failure, ``conflict_term`` and ``conflict_index`` let the leader skip a whole
    term of entries at once (the "fast backup" of section 5.3): the term of the follower's entry
    at ``prev_log_index`` (None if its log is shorter) and the first index it holds of that term.
    """

    term: int
    success: bool
    match_index: int = 0
    conflict_term: int | None = None
    conflict_index: int = 0


@dataclass(frozen=True)
class Outcome:
    """What a command returned: the value read (a get) or the value now stored (put, append)."""

    value: str


@dataclass(frozen=True)
class NotLeader:
    """The server asked does not lead; ``leader`` is whom it last heard from as leader (or None)."""

    leader: str | None


RAFT_PROTOCOL: tuple[MessageKind, ...] = (
    MessageKind("request_vote", "candidate", "every other server", RequestVote,
                "vote for me in this term: my log is this up to date", part="election"),
    MessageKind("request_vote_ok", "server", "candidate", VoteReply,
                "my term, and whether you have my vote", part="election"),
    MessageKind("append_entries", "leader", "every other server", AppendEntries,
                "store these entries after prev_log_index (none: a heartbeat); commit up to leader_commit",
                part="replication"),
    MessageKind("append_entries_ok", "server", "leader", AppendReply,
                "my term, and whether my log matched (and how far, or where it conflicts)", part="replication"),
    MessageKind("command", "client", "the server it believes leads", Command,
                "please apply this operation (retried under the same seq until answered)", part="client"),
    MessageKind("command_ok", "leader", "client", Outcome,
                "the command was committed and applied: here is its result", part="client"),
    MessageKind("not_leader", "server", "client", NotLeader,
                "I do not lead: try this server instead", part="client"),
)


#: The replicated orchestrator (``replicated.py``): notebook 02's task protocol, answered by the Raft leader.
REPLICATED_PROTOCOL: tuple[MessageKind, ...] = (
    MessageKind("submit", "client", "the replica it believes leads", Submit,
                "run this job (sent again, to whoever leads, until the outcome arrives)",
                part="replicated orchestrator"),
    MessageKind("submit_ok", "leader", "client", Report,
                "the job is running (the answer to a submit), or how it ended (sent once it has)",
                part="replicated orchestrator"),
    MessageKind("assign", "leader", "worker", Assign,
                "do this attempt (asked again on taking over and every reask s: answer again, never run it twice)",
                part="replicated orchestrator"),
    MessageKind("result", "worker", "the leader that asked", Result, "reply to assign: the attempt succeeded",
                part="replicated orchestrator"),
    MessageKind("failure", "worker", "the leader that asked", Failure, "reply to assign: the attempt's work raised",
                part="replicated orchestrator"),
    MessageKind("register", "worker", "its first replica", Register,
                "I (re)started with nothing running: the leader asks me again for what I hold",
                part="replicated orchestrator"),
)

#: Every consensus protocol's rows; the others are declared beside their agents.
PROTOCOL: tuple[MessageKind, ...] = (RAFT_PROTOCOL + REPLICATED_PROTOCOL + BALLOT_PROTOCOL + BULLY_PROTOCOL
                                     + GENERALS_PROTOCOL)


def protocol_table() -> pd.DataFrame:
    """The protocol as a table, one row per message kind (``coordlab.patterns.protocol.protocol_table``)."""
    return shared.protocol_table(PROTOCOL)
