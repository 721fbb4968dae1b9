"""A Raft server (Ongaro & Ousterhout 2014), written rule by rule from the paper's Figure 2.

Each server is a follower, a candidate or the leader of its current term.

* **Election** (section 5.2). A follower that hears no leader for a random election timeout
  (``election_timeout`` plus up to ``spread`` seconds, drawn anew each time from ``self.rng``:
  the randomness is what breaks split votes) becomes a candidate of the next term, votes for
  itself and asks the others with ``request_vote``. A server grants at most one vote per
  term, and only to a candidate whose log is at least as up to date as its own (section
  5.4.1). A candidate with a majority of votes leads the term.
* **Replication** (section 5.3). The leader appends each client command to its log and sends
  ``append_entries`` (empty ones every ``heartbeat`` seconds keep followers from starting
  elections). A follower accepts entries only if its log holds the leader's entry at
  ``prev_log_index`` with the same term (the consistency check); on a mismatch it says where
  its log conflicts, so the leader backs up a whole term at a time ("fast backup").
* **Commit** (sections 5.3, 5.4.2). An entry of the leader's *current* term stored on a
  majority is committed, and with it every entry before it. Entries of older terms are never
  committed by counting their replicas: Figure 8 shows such an entry overwritten after all.
* **Apply**. Every server applies committed entries in log order to its state machine (the
  key-value store of ``kv.py``); the leader answers the client once its entry is applied.
* **Persistence**. ``currentTerm``, ``votedFor`` and the log live in ``self.stable``, written
  before the server answers anything that depends on them; a crashed server restarts from
  them with empty volatile state and re-applies its log as it learns what is committed.

Trace events for the checkers: ``restore`` (term, voted_for, entries: the persistent state a
server starts or restarts with, when there is any), ``election`` (term), ``leader`` (term),
``entries`` (start, entries: the log from ``start`` on was replaced by these), ``commit``
(index, term) and ``apply`` (index, term, command, output, fresh).
"""
from __future__ import annotations

from collections.abc import Sequence

from coordlab.patterns.consensus.kv import KVStore
from coordlab.patterns.consensus.protocol import (
    AppendEntries,
    AppendReply,
    Command,
    Entry,
    NotLeader,
    RequestVote,
    VoteReply,
)
from coordlab.world import Agent, Message, validate

FOLLOWER, CANDIDATE, LEADER = "follower", "candidate", "leader"
#: Tolerance when comparing simulated times computed in two ways (sums of floats).
EPSILON = 1e-9


class RaftServer(Agent):
    """One Raft server of the cluster ``servers`` (its own name among them)."""

    daemon = True
    #: The state machine each server applies committed commands to (a fresh one after a restart).
    state_machine = KVStore

    def __init__(self, name: str, servers: Sequence[str], *, heartbeat: float = 0.1,
                 election_timeout: float = 0.5, spread: float = 0.5) -> None:
        super().__init__(name)
        if isinstance(servers, str) or not isinstance(servers, Sequence) or name not in servers \
                or not all(isinstance(server, str) for server in servers) or len(set(servers)) != len(servers):
            raise ValueError(f"servers={servers!r} is not allowed: give the cluster's server names, "
                             f"each once, {name!r} among them")
        if validate.number("heartbeat", heartbeat) <= 0:
            raise ValueError(f"heartbeat={heartbeat!r} is not allowed: heartbeat must be > 0 seconds")
        if validate.number("election_timeout", election_timeout) <= heartbeat:
            raise ValueError(f"election_timeout={election_timeout!r} is not allowed: it must be longer than "
                             f"heartbeat={heartbeat!r}, or followers stand for election between two heartbeats")
        self.cluster = sorted(servers)
        self.peers = [server for server in self.cluster if server != name]
        self.heartbeat = heartbeat
        self.election_timeout = election_timeout
        self.spread = validate.number("spread", spread, minimum=0)
        # Volatile state (Figure 2): lost in a crash.
        self.role = FOLLOWER
        self.leader: str | None = None
        self.commit_index = 0
        self.last_applied = 0
        self.next_index: dict[str, int] = {}
        self.match_index: dict[str, int] = {}
        self.votes: set[str] = set()
        self.store = self.state_machine()
        self.pending: dict[int, Message] = {}  # leader only: log index -> the client's command message
        self.election_deadline = 0.0

    # --- persistent state (Figure 2): in self.stable, which survives a crash ---------------
    @property
    def term(self) -> int:
        return self.stable["term"]

    @property
    def voted_for(self) -> str | None:
        return self.stable["voted_for"]

    @property
    def entries(self) -> list[Entry]:
        """The log; index i (counted from 1, as in the paper) is ``entries[i - 1]``."""
        return self.stable["log"]

    @property
    def last_index(self) -> int:
        return len(self.entries)

    def term_at(self, index: int) -> int:
        """The term of the entry at ``index`` (0 for index 0, the empty prefix every log shares)."""
        return self.entries[index - 1].term if index > 0 else 0

    @property
    def majority(self) -> int:
        return len(self.cluster) // 2 + 1

    async def run(self) -> None:
        self.stable.setdefault("term", 0)
        self.stable.setdefault("voted_for", None)
        self.stable.setdefault("log", [])
        if self.term or self.entries:  # what it reads from its disk, for the trace's readers
            self.log("restore", term=self.term, voted_for=self.voted_for, entries=tuple(self.entries))
        self.reset_election_timer()
        self.spawn(self.election_timer())
        await super().run()  # handle messages by kind (on_<kind>)

    # --- terms -------------------------------------------------------------------------------
    async def observe_term(self, term: int) -> None:
        """Figure 2, all servers: a message with a higher term makes me a follower of that term."""
        if term > self.term:
            self.stable.update(term=term, voted_for=None)
            await self.step_down()

    async def step_down(self) -> None:
        """Stop leading (or campaigning); clients still waiting on me are told to look elsewhere."""
        self.role, self.leader = FOLLOWER, None
        pending, self.pending = self.pending, {}
        for index in sorted(pending):
            await self.reply(pending[index], NotLeader(None), kind="not_leader")

    # --- elections (section 5.2) -------------------------------------------------------------
    def reset_election_timer(self) -> None:
        self.election_deadline = self.now + self.election_timeout + self.rng.uniform(0, self.spread)

    async def election_timer(self) -> None:
        """Start an election whenever the deadline passes without a leader heard (leaders never time out)."""
        while True:
            wait = self.election_deadline - self.now
            if wait > EPSILON:
                await self.sleep(wait)
                continue
            if self.role == LEADER:
                self.reset_election_timer()
            else:
                await self.start_election()

    async def start_election(self) -> None:
        term = self.term + 1
        self.stable.update(term=term, voted_for=self.name)  # persisted before anyone is asked
        self.role, self.leader, self.votes = CANDIDATE, None, {self.name}
        self.log("election", term=term)
        self.reset_election_timer()
        ask = RequestVote(term, self.name, self.last_index, self.term_at(self.last_index))
        for peer in self.peers:
            await self.send(peer, "request_vote", ask)
        await self.count_votes()

    def log_up_to_date(self, ask: RequestVote) -> bool:
        """Section 5.4.1: the candidate's last entry has a later term, or the same term and an index as high."""
        return (ask.last_log_term, ask.last_log_index) >= (self.term_at(self.last_index), self.last_index)

    async def on_request_vote(self, msg: Message) -> None:
        ask: RequestVote = msg.body
        await self.observe_term(ask.term)
        granted = (ask.term == self.term and self.voted_for in (None, ask.candidate)
                   and self.log_up_to_date(ask))
        if granted:
            self.stable["voted_for"] = ask.candidate  # persisted before the vote is sent
            self.reset_election_timer()
        await self.reply(msg, VoteReply(self.term, granted))

    async def on_request_vote_ok(self, msg: Message) -> None:
        vote: VoteReply = msg.body
        await self.observe_term(vote.term)
        if self.role == CANDIDATE and vote.term == self.term and vote.granted:
            self.votes.add(msg.sender)
            await self.count_votes()

    async def count_votes(self) -> None:
        if self.role == CANDIDATE and len(self.votes) >= self.majority:
            self.role, self.leader = LEADER, self.name
            self.log("leader", term=self.term)
            self.next_index = {peer: self.last_index + 1 for peer in self.peers}
            self.match_index = {peer: 0 for peer in self.peers}
            self.spawn(self.send_heartbeats(self.term))

    # --- replication (section 5.3) -----------------------------------------------------------
    async def send_heartbeats(self, term: int) -> None:
        """While I lead ``term``: every ``heartbeat`` seconds, each follower gets what it lacks (or nothing)."""
        while self.role == LEADER and self.term == term:
            for peer in self.peers:
                await self.send_entries(peer)
            await self.sleep(self.heartbeat)

    async def send_entries(self, peer: str) -> None:
        """AppendEntries to ``peer``: every entry from its ``next_index`` on, after the one before."""
        prev = self.next_index[peer] - 1
        await self.send(peer, "append_entries", AppendEntries(
            self.term, self.name, prev, self.term_at(prev), tuple(self.entries[prev:]), self.commit_index))

    async def on_command(self, msg: Message) -> None:
        """A client's command: the leader appends it and replicates it at once; others redirect."""
        if self.role != LEADER:
            await self.reply(msg, NotLeader(self.leader), kind="not_leader")
            return
        await self.propose(msg.body, waiting=msg)

    async def propose(self, command: Command, waiting: Message | None = None) -> int:
        """Leader: append ``command`` to my log and replicate it at once; its index in the log.

        ``waiting`` is the client's message to answer once the command is applied (None: a
        command the leader proposes itself, e.g. a replicated orchestrator's decision).
        """
        self.entries.append(Entry(self.term, command))  # persisted before it is replicated
        index = self.last_index
        self.log("entries", start=index, entries=(self.entries[-1],))
        if waiting is not None:
            self.pending[index] = waiting
        for peer in self.peers:
            await self.send_entries(peer)
        await self.advance_commit()  # a cluster of one commits at once
        return index

    async def on_append_entries(self, msg: Message) -> None:
        request: AppendEntries = msg.body
        await self.observe_term(request.term)
        if request.term < self.term:
            await self.reply(msg, AppendReply(self.term, False))  # a deposed leader: it will learn my term
            return
        self.role, self.leader = FOLLOWER, request.leader  # a candidate of this term gives way (5.2)
        self.reset_election_timer()
        prev = request.prev_log_index
        if prev > self.last_index or self.term_at(prev) != request.prev_log_term:
            await self.reply(msg, self.conflict(prev))
            return
        self.store_entries(prev, request.entries)
        match = prev + len(request.entries)
        if request.leader_commit > self.commit_index:
            # Figure 2: commitIndex = min(leaderCommit, index of last new entry). Beyond ``match`` my
            # log may still hold entries the leader does not have.
            await self.commit(min(request.leader_commit, match))
        await self.reply(msg, AppendReply(self.term, True, match_index=match))

    def conflict(self, prev: int) -> AppendReply:
        """A failed consistency check, saying where to resume: my log's end, or the start of the clashing term."""
        if prev > self.last_index:
            return AppendReply(self.term, False, conflict_term=None, conflict_index=self.last_index + 1)
        clash = self.term_at(prev)
        first = prev
        while first > 1 and self.term_at(first - 1) == clash:
            first -= 1
        return AppendReply(self.term, False, conflict_term=clash, conflict_index=first)

    def store_entries(self, prev: int, entries: tuple[Entry, ...]) -> None:
        """Figure 2, AppendEntries 3-4: drop my entries from the first conflicting one, append the new ones.

        Entries I already hold with the same term are kept as they are: a late or duplicated
        AppendEntries must never cut off entries a newer one added.
        """
        start = None
        for offset, entry in enumerate(entries):
            index = prev + 1 + offset
            if start is None and index <= self.last_index:
                if self.term_at(index) == entry.term:
                    continue
                del self.entries[index - 1:]
            self.entries.append(entry)
            start = index if start is None else start
        if start is not None:
            self.log("entries", start=start, entries=tuple(self.entries[start - 1:]))

    async def on_append_entries_ok(self, msg: Message) -> None:
        answer: AppendReply = msg.body
        await self.observe_term(answer.term)
        if self.role != LEADER or answer.term != self.term:
            return  # an answer to a term I no longer lead
        peer = msg.sender
        if answer.success:
            if answer.match_index > self.match_index[peer]:
                self.match_index[peer] = answer.match_index
                self.next_index[peer] = answer.match_index + 1
                await self.advance_commit()
            return
        backed_up = max(self.match_index[peer] + 1, min(self.next_index[peer], self.backed_up(answer)))
        if backed_up < self.next_index[peer]:  # retry at once only with an earlier start: never a ping-pong
            self.next_index[peer] = backed_up
            await self.send_entries(peer)

    def backed_up(self, answer: AppendReply) -> int:
        """Fast backup: past my last entry of the follower's clashing term if I have that term, else its start."""
        if answer.conflict_term is not None:
            for index in range(self.last_index, 0, -1):
                if self.term_at(index) == answer.conflict_term:
                    return index + 1
        return answer.conflict_index

    # --- commit and apply (sections 5.3, 5.4.2) ----------------------------------------------
    def countable(self, index: int) -> bool:
        """Figure 8: only an entry of the current term is committed by counting replicas."""
        return self.term_at(index) == self.term

    async def advance_commit(self) -> None:
        """Figure 2, leaders: commit the highest countable index a majority stores (mine included)."""
        for index in range(self.last_index, self.commit_index, -1):
            stored = 1 + sum(1 for peer in self.peers if self.match_index[peer] >= index)
            if self.countable(index) and stored >= self.majority:
                await self.commit(index)
                return

    async def commit(self, index: int) -> None:
        """Commit up to ``index`` (never back: a late message may carry an older commit index) and apply."""
        if index <= self.commit_index:
            return
        self.commit_index = index
        self.log("commit", index=index, term=self.term)
        while self.last_applied < self.commit_index:
            self.last_applied += 1
            entry = self.entries[self.last_applied - 1]
            outcome, fresh = self.store.apply(entry.command)
            self.log("apply", index=self.last_applied, term=entry.term, command=entry.command,
                     output=outcome.value, fresh=fresh)
            waiting = self.pending.pop(self.last_applied, None)
            if waiting is not None:
                await self.reply(waiting, outcome)


def server_names(count: int) -> list[str]:
    """The names of a cluster of ``count`` servers: s1, s2, …"""
    return [f"s{number}" for number in range(1, count + 1)]
