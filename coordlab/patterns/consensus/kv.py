"""The replicated key-value store: the state machine every Raft server applies, and its clients.

A client's command may reach the log twice: it timed out and retried, or the network
duplicated it. So every command carries ``(client, seq)``; the store remembers, per client,
the last seq it applied and what it returned, and applies a command it has already seen as a
no-op that returns the remembered outcome (Raft section 8: "the state machine tracks the
latest serial number processed for each client"). Clients run one operation at a time, so
the last one is all the store needs to remember.

The client logs ``invoke`` and ``return`` around each operation, with times: the history the
linearizability checker judges.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

from coordlab.patterns.consensus.protocol import Command, Outcome
from coordlab.world import Agent, Timeout, validate

OPERATIONS = ("get", "put", "append")


class KVStore:
    """Keys to string values, and each client's last ``(seq, outcome)``; a missing key reads as ``""``."""

    def __init__(self) -> None:
        self.data: dict[str, str] = {}
        self.last: dict[str, tuple[int, Outcome]] = {}

    def apply(self, command: Command) -> tuple[Outcome, bool]:
        """Apply one committed command: its outcome, and whether it took effect (False: a duplicate)."""
        seen = self.last.get(command.client)
        if seen is not None and command.seq <= seen[0]:
            return seen[1], False  # a retry of a command already applied: do not apply it again
        outcome = Outcome(self.execute(command))
        self.last[command.client] = (command.seq, outcome)
        return outcome, True

    def execute(self, command: Command) -> str:
        """Run the operation itself on ``data`` and return its output."""
        if command.op == "put":
            self.data[command.key] = command.value
        elif command.op == "append":
            self.data[command.key] = self.data.get(command.key, "") + command.value
        return self.data.get(command.key, "")


def random_operations(rng, client: str, count: int, keys: Sequence[str]) -> list[tuple[str, str, str | None]]:
    """``count`` random ``(op, key, value)`` operations; each written value is unique (``client.seq;``)."""
    chosen = []
    for seq in range(1, count + 1):
        op = rng.choice(OPERATIONS)
        chosen.append((op, rng.choice(list(keys)), None if op == "get" else f"{client}.{seq};"))
    return chosen


class KVClient(Agent):
    """Runs ``operations`` one after another against the Raft servers, retrying each until it is answered.

    ``operations`` is a list of ``(op, key, value)``, or a number of random ones over ``keys``.
    Each is sent to the server the client believes leads: a ``not_leader`` answer names another
    (followed at once), no answer within ``timeout`` moves on to the next server, and with no
    leader known the client waits ``timeout / 4`` before asking again (an election is probably
    under way). ``finished(client)`` is called once every operation has returned.
    """

    def __init__(self, name: str, servers: Sequence[str], operations: int | Sequence[tuple[str, str, str | None]],
                 *, keys: Sequence[str] = ("x", "y"), timeout: float = 1.0, start_at: float = 0.0,
                 think: float = 0.0, finished: Callable[[KVClient], None] | None = None) -> None:
        super().__init__(name)
        if isinstance(servers, str) or not isinstance(servers, Sequence) or not servers \
                or not all(isinstance(server, str) and server for server in servers):
            raise TypeError(f"servers={servers!r} is not allowed: give a non-empty list of server names")
        self.servers = list(servers)
        self.operations = checked_operations(operations)
        self.keys = checked_keys(keys)
        if validate.number("timeout", timeout) <= 0:
            raise ValueError(f"timeout={timeout!r} is not allowed: timeout must be > 0 seconds")
        self.timeout = timeout
        self.start_at = validate.number("start_at", start_at, minimum=0)
        self.think = validate.number("think", think, minimum=0)
        self.finished = finished
        self.leader: str | None = None
        self.tried = 0

    async def run(self) -> None:
        operations = self.operations
        if isinstance(operations, int):
            operations = random_operations(self.rng, self.name, operations, self.keys)
        await self.sleep(self.start_at)
        for seq, (op, key, value) in enumerate(operations, start=1):
            self.log("invoke", seq=seq, op=op, key=key, value=value)
            outcome = await self.call(Command(self.name, seq, op, key, value))
            self.log("return", seq=seq, op=op, key=key, value=value, output=outcome.value)
            if self.think:
                await self.sleep(self.think)
        if self.finished is not None:
            self.finished(self)

    async def call(self, command: Command) -> Outcome:
        """Send ``command`` until a leader answers it; the same ``(client, seq)`` every time."""
        while True:
            server = self.leader or self.servers[self.tried % len(self.servers)]
            try:
                reply = await self.request(server, "command", command, timeout=self.timeout)
            except Timeout:
                self.leader, self.tried = None, self.tried + 1
                continue
            if isinstance(reply.body, Outcome):
                self.leader = server
                return reply.body
            hint = reply.body.leader  # a NotLeader
            if hint is not None and hint != server:
                self.leader = hint
            else:
                self.leader, self.tried = None, self.tried + 1
                await self.sleep(self.timeout / 4)


def checked_operations(operations: object) -> int | list[tuple[str, str, str | None]]:
    """``operations`` as a count (>= 0) or a list of valid ``(op, key, value)``, or an error naming it."""
    if isinstance(operations, int) and not isinstance(operations, bool):
        return validate.count("operations", operations, minimum=0)
    if isinstance(operations, (str, bytes)) or not isinstance(operations, Sequence):
        raise TypeError(f"operations={operations!r} is not allowed: give a number of random operations "
                        "or a list of (op, key, value), e.g. [('put', 'x', '1'), ('get', 'x', None)]")
    listed = list(operations)
    for item in listed:
        ok = isinstance(item, tuple) and len(item) == 3 and item[0] in OPERATIONS and isinstance(item[1], str) \
            and (item[2] is None if item[0] == "get" else isinstance(item[2], str))
        if not ok:
            raise ValueError(f"operations={listed!r} is not allowed: {item!r} is not (op, key, value) with op one "
                             f"of {', '.join(OPERATIONS)}, a string key, and a string value (None for get)")
    return listed


def checked_keys(keys: object) -> tuple[str, ...]:
    """``keys`` as a non-empty tuple of non-empty strings, or an error naming ``keys``."""
    if isinstance(keys, (str, bytes)) or not isinstance(keys, Sequence) or not keys \
            or not all(isinstance(key, str) and key for key in keys):
        raise TypeError(f"keys={keys!r} is not allowed: give a non-empty list of key names, e.g. ['x', 'y']")
    return tuple(keys)
