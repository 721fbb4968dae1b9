"""The Byzantine generals (Lamport, Shostak & Pease 1982): oral messages OM(m) and signed messages SM(m).

A commander sends an order ("attack" or "retreat") to n-1 lieutenants; some generals, maybe the
commander, are traitors. We want **IC1**: every loyal lieutenant decides the same order, and
**IC2**: if the commander is loyal, every loyal lieutenant decides the order it sent
(``generals_checks`` judges both from the trace).

**OM(m)**, oral messages (the paper's section 3). A receiver knows who sent a message, but a traitor
may say anything. The commander sends its order; in OM(m) each lieutenant then acts as commander
of OM(m-1), passing on to the others the order it received. On the wire this is a tree of *paths*:
``Said(path=("g0", "g2"), order)`` is "g2 says that g0 said order". In round k (k = 1 … m+1,
each ``period`` long) the messages with k generals on their path travel; a message that has not
arrived by the end of its round counts as the default, "retreat" (the paper's RETREAT for a
missing order). Each lieutenant then decides bottom up: the value of a path is the majority of
what it heard along it and the values of the paths one general longer (ties and gaps: "retreat").
OM(m) reaches IC1 and IC2 when there are at most m traitors and n >= 3m + 1 generals: with
3 generals one traitor suffices to break it. It costs (n-1) + (n-1)(n-2) + … + (n-1)…(n-m-1)
messages (``om_messages``): about n^(m+1).

**SM(m)**, signed messages (section 4). The commander signs its order; a lieutenant that receives
an order it has not seen before adds it to its set, countersigns and passes it on (while fewer
than m+1 generals have signed). At the end each decides the only order in its set, or "retreat".
Since a traitor cannot forge a loyal general's signature, every loyal lieutenant ends with the
same set: IC1 and IC2 hold for any number of traitors, provided m is at least that number.

**Signatures.** ``Keyring`` gives each general a secret key; a seal is an HMAC of the order and the
signers so far, so a seal can only come from the key's owner and only fits the exact order and
chain it was made for. Agents seal only as themselves; a traitor's strategy changes orders and
``OnOrders`` re-seals the change with the traitor's own key, never anyone else's. So a traitorous
commander can sign two different orders, but a traitor relaying "attack:g0" as "retreat:g0"
carries g0's seal over "attack": receivers find it forged and ignore it.

**Traitors.** ``traitors={"g2": Lie(opposite)}`` becomes the world's ``Byzantine`` fault; the
traitor's own code is the honest protocol and the world rewrites what it sends. The world's
strategies (``Silent``, ``Lie``, ``Equivocate``, ``Replay``) and the two here (``TwoFaced``, ``Only``)
act on the *order* a message carries: ``OnOrders`` keeps the path or the signatures around it.
"""
from __future__ import annotations

import hashlib
import hmac
import itertools
import math
import random
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from numbers import Integral
from typing import Any

import pandas as pd

from coordlab.patterns.consensus.generals_checks import IC1, IC2, generals_checkers, loyal_decisions
from coordlab.patterns.protocol import MessageKind, kinds_declared
from coordlab.patterns.run import PatternRun
from coordlab.world import Agent, Byzantine, Faults, World, validate
from coordlab.world.byzantine import Equivocate, Lie, Outgoing, Replay, Silent, Strategy
from coordlab.world.world import checked_faults

ORDERS = ("attack", "retreat")
DEFAULT = "retreat"
"""The order a lieutenant assumes when none arrived in time, or when there is no majority."""

ALGORITHMS = ("OM", "SM")
MAX_MESSAGES = 100_000
"""The most messages one run may send (OM(3) among 12 generals sends 9,031; OM(4) among 12, 64,471)."""


@dataclass(frozen=True)
class Said:
    """OM's body: ``path[-1]`` says that ``path[-2]`` said … that ``path[0]``, the commander, ordered ``order``."""

    path: tuple[str, ...]
    order: str


@dataclass(frozen=True)
class Signed:
    """SM's body: ``order`` signed by ``signers`` in turn (the commander first); ``seals[i]`` is ``signers[i]``'s."""

    order: str
    signers: tuple[str, ...]
    seals: tuple[str, ...]


GENERALS_PROTOCOL: tuple[MessageKind, ...] = (
    MessageKind("order", "commander", "every lieutenant", Said,
                "round 1: my order (path = (commander,))", part="OM"),
    MessageKind("relay", "lieutenant", "every general not on the path", Said,
                "round k+1: what I heard along this path of k generals (the default if nothing came)", part="OM"),
    MessageKind("signed_order", "commander", "every lieutenant", Signed, "my order, signed", part="SM"),
    MessageKind("countersigned", "lieutenant", "every lieutenant who has not signed", Signed,
                "an order new to me, with my signature added", part="SM"),
)


# --- the decision rules --------------------------------------------------------------------
def majority(orders: Iterable[str]) -> str:
    """The order more than half of ``orders`` name; ``DEFAULT`` if none does (the paper's majority)."""
    listed = list(orders)
    top, votes = Counter(listed).most_common(1)[0]
    return top if 2 * votes > len(listed) else DEFAULT


def choice(orders: Iterable[str]) -> str:
    """SM's choice(V): the one order in the set, else ``DEFAULT`` (no order, or a commander who sent two)."""
    distinct = sorted(set(orders))
    return distinct[0] if len(distinct) == 1 else DEFAULT


def om_messages(n: int, m: int) -> int:
    """Messages OM(m) sends among n generals: (n-1) + (n-1)(n-2) + … + (n-1)(n-2)…(n-m-1).

    Round k+1 carries every path of k+1 distinct generals that starts at the commander: (n-1)…(n-k-1).
    """
    n = validate.count("n", n, minimum=2)
    m = validate.count("m", m, minimum=0, maximum=n - 2)
    return sum(math.perm(n - 1, k) for k in range(1, m + 2))


# --- signatures -----------------------------------------------------------------------------
Sealer = Callable[[str, tuple[str, ...]], str]
"""One general's seal: (order, signers so far) -> seal."""


class Keyring:
    """Stands in for public-key signatures: each general seals with its own secret key; anyone can check a seal."""

    def __init__(self, generals: Sequence[str], seed: int) -> None:
        rng = random.Random(f"{seed}/keyring")
        self._keys = {name: rng.randbytes(16) for name in generals}

    def sealer(self, signer: str) -> Sealer:
        """What ``signer`` (and only ``signer``) seals with: (order, signers so far) -> seal."""
        key = self._keys[signer]
        return lambda order, signers: hmac.new(key, repr((order, signers)).encode(), hashlib.sha256).hexdigest()[:12]

    def genuine(self, signed: Signed) -> bool:
        """True if every seal was made by its signer's key over this order and the signers up to it."""
        if not (isinstance(signed.seals, tuple) and len(signed.seals) == len(signed.signers)
                and all(isinstance(seal, str) for seal in signed.seals)):
            return False
        return all(hmac.compare_digest(seal, self.sealer(signer)(signed.order, signed.signers[:index + 1]))
                   for index, (signer, seal) in enumerate(zip(signed.signers, signed.seals)))


def countersigned(signed: Signed | None, order: str, signer: str, seal: Sealer) -> Signed:
    """``order`` with ``signer``'s seal added after those of ``signed`` (None: the commander signs first)."""
    signers = (*(signed.signers if signed else ()), signer)
    return Signed(order, signers, (*(signed.seals if signed else ()), seal(order, signers)))


# --- traitors -----------------------------------------------------------------------------------
def opposite(order: Any) -> Any:
    """The other order: what a traitor says instead of what it heard (``Lie(opposite)``)."""
    return {"attack": "retreat", "retreat": "attack"}.get(order, order)


def names_listed(argument: str, names: object) -> tuple[str, ...]:
    """``names`` as a tuple of generals' names (a list of non-empty strings)."""
    if isinstance(names, (str, bytes)) or not isinstance(names, Iterable):
        raise TypeError(f"{argument}={names!r} is not allowed: give a list of generals' names, e.g. ['g1', 'g3']")
    listed = tuple(names)
    if not all(isinstance(name, str) and name for name in listed):
        raise TypeError(f"{argument}={names!r} is not allowed: every entry must be a general's name (a string)")
    return listed


class TwoFaced:
    """Tells the generals in ``attack_to`` "attack" and everyone else "retreat", whatever it heard."""

    def __init__(self, attack_to: Iterable[str]) -> None:
        self.attack_to = names_listed("attack_to", attack_to)

    def __call__(self, to: str, kind: str, body: Any, rng: random.Random,
                 sent: Sequence[Outgoing]) -> list[Outgoing]:
        return [(to, kind, "attack" if to in self.attack_to else "retreat")]

    def __repr__(self) -> str:
        return f"TwoFaced({list(self.attack_to)!r})"


class Only:
    """Passes its messages on truthfully, but only to ``recipients``: the others never hear from it."""

    def __init__(self, recipients: Iterable[str]) -> None:
        self.recipients = names_listed("recipients", recipients)

    def __call__(self, to: str, kind: str, body: Any, rng: random.Random,
                 sent: Sequence[Outgoing]) -> list[Outgoing]:
        return [(to, kind, body)] if to in self.recipients else []

    def __repr__(self) -> str:
        return f"Only({list(self.recipients)!r})"


def strategies(generals: Sequence[str]) -> list[Strategy]:
    """The traitors' repertoire the tests and tables enumerate: lying, equivocating, silence, replay, withholding.

    ``TwoFaced`` and ``Only`` pick every other general in ``generals``, so they split the lieutenants.
    """
    every_other = list(generals[1::2])
    return [Silent(), Lie(opposite), Equivocate(list(ORDERS)), Equivocate(list(reversed(ORDERS))), Replay(),
            TwoFaced(every_other), Only(every_other)]


def order_of(body: Any) -> Any:
    """The order a general's message carries (a body that is no ``Said`` or ``Signed`` is its own "order")."""
    return body.order if isinstance(body, (Said, Signed)) else body


class OnOrders:
    """A world strategy applied to the order in each message; ``reword(body, order)`` rebuilds the body around it.

    For OM the path stays as it was; for SM the traitor's own seal is remade over the new order.
    """

    def __init__(self, strategy: Strategy, reword: Callable[[Any, Any], Any]) -> None:
        self.strategy, self.reword = strategy, reword

    def __call__(self, to: str, kind: str, body: Any, rng: random.Random,
                 sent: Sequence[Outgoing]) -> list[Outgoing]:
        orders_sent = [(old_to, old_kind, order_of(old)) for old_to, old_kind, old in sent]
        return [(new_to, new_kind, self.reword(body, order))
                for new_to, new_kind, order in self.strategy(to, kind, order_of(body), rng, orders_sent)]

    def __repr__(self) -> str:
        return repr(self.strategy)


# --- the generals ---------------------------------------------------------------------------
class General(Agent):
    """What every general knows: who the generals are, who commands, m, and how long a round lasts."""

    def __init__(self, name: str, generals: Sequence[str], *, commander: str, m: int, period: float) -> None:
        super().__init__(name)
        self.generals, self.commander, self.m, self.period = tuple(generals), commander, m, period

    def others(self, path: Sequence[str]) -> list[str]:
        """The generals neither on ``path`` nor me: who a message along ``path`` goes to next."""
        return [name for name in self.generals if name not in path and name != self.name]

    async def wait_until(self, time: float) -> None:
        """Sleep until simulated ``time`` (at once if it has passed, e.g. for a general restarted late)."""
        await self.sleep(max(0.0, time - self.now))

    def problem_with(self, chain: object, sender: str) -> str | None:
        """Why a path (OM) or list of signers (SM) from ``sender`` cannot be right, or None.

        It must be a tuple of distinct generals, start at the commander, end with the sender (a
        receiver knows who sent a message: the paper's assumption A2), leave me out, be at most
        m+1 long, and arrive within its round (k generals: before k·period).
        """
        if not (isinstance(chain, tuple) and chain and all(name in self.generals for name in chain)
                and len(set(chain)) == len(chain)):
            return "not a tuple of distinct generals"
        if chain[0] != self.commander or chain[-1] != sender or self.name in chain:
            return "does not run from the commander to its sender, or names me"
        if len(chain) > self.m + 1:
            return f"longer than m+1 = {self.m + 1}"
        if self.now >= len(chain) * self.period:
            return f"late: a message through {len(chain)} general(s) must arrive in round {len(chain)}"
        return None

    def ignore(self, msg: Any, why: str) -> None:
        self.log("ignored", sender=msg.sender, why=why)


class OMCommander(General):
    """OM's commander: sends ``order`` to every lieutenant in round 1."""

    def __init__(self, name: str, generals: Sequence[str], *, order: str, m: int, period: float) -> None:
        super().__init__(name, generals, commander=name, m=m, period=period)
        self.order = order

    async def run(self) -> None:
        self.log("command", order=self.order)
        for lieutenant in self.others(()):
            await self.send(lieutenant, "order", Said((self.name,), self.order))


class OMLieutenant(General):
    """OM's lieutenant: relays in rounds 2 … m+1 what it heard, then decides by majorities up the path tree."""

    @property
    def heard(self) -> dict[tuple[str, ...], str]:
        """What arrived in time along each path (on "disk", so a restarted lieutenant still knows it)."""
        return self.stable.setdefault("heard", {})

    async def run(self) -> None:
        self.spawn(super().run())  # hear messages by kind (on_order, on_relay) while the rounds go on
        for length in range(1, self.m + 1):
            await self.wait_until(length * self.period)
            await self.relay(length)
        await self.wait_until((self.m + 1) * self.period)
        self.log("decide", order=self.value((self.commander,)))

    async def relay(self, length: int) -> None:
        """Pass on, along every path of ``length`` generals without me, what I heard along it (or the default)."""
        for middle in itertools.permutations(self.others((self.commander,)), length - 1):
            path = (self.commander, *middle)
            said = Said((*path, self.name), self.heard.get(path, DEFAULT))
            for general in self.others(said.path):
                await self.send(general, "relay", said)

    def value(self, path: tuple[str, ...]) -> str:
        """OM(m - len(path) + 1) with ``path[-1]`` commanding: what I heard, outvoted by the majority below it."""
        heard = self.heard.get(path, DEFAULT)
        if len(path) == self.m + 1:
            return heard
        return majority([heard, *(self.value((*path, general)) for general in self.others(path))])

    async def on_order(self, msg: Any) -> None:
        self.hear(msg, first_round=True)

    async def on_relay(self, msg: Any) -> None:
        self.hear(msg, first_round=False)

    def hear(self, msg: Any, first_round: bool) -> None:
        said = msg.body
        if not isinstance(said, Said) or said.order not in ORDERS:
            return self.ignore(msg, "not a Said with an order of " + " or ".join(ORDERS))
        problem = self.problem_with(said.path, msg.sender)
        if problem is None and (len(said.path) == 1) != first_round:
            problem = "an order must come straight from the commander, a relay from a lieutenant"
        if problem is None and said.path in self.heard:
            problem = "a second message along this path (only the first counts)"
        if problem is not None:
            return self.ignore(msg, problem)
        self.heard[said.path] = said.order


class SMCommander(General):
    """SM's commander: signs ``order`` and sends it to every lieutenant."""

    def __init__(self, name: str, generals: Sequence[str], *, order: str, m: int, period: float,
                 keyring: Keyring) -> None:
        super().__init__(name, generals, commander=name, m=m, period=period)
        self.order, self.seal = order, keyring.sealer(name)

    async def run(self) -> None:
        self.log("command", order=self.order)
        signed = countersigned(None, self.order, self.name, self.seal)
        for lieutenant in self.others(()):
            await self.send(lieutenant, "signed_order", signed)


class SMLieutenant(General):
    """SM's lieutenant: keeps each new genuinely signed order, countersigns and passes it on; decides at the end."""

    def __init__(self, name: str, generals: Sequence[str], *, commander: str, m: int, period: float,
                 keyring: Keyring) -> None:
        super().__init__(name, generals, commander=commander, m=m, period=period)
        self.seal, self.genuine = keyring.sealer(name), keyring.genuine

    @property
    def orders(self) -> dict[str, None]:
        """V_i: the orders received with genuine signatures, in the order they came (kept on "disk")."""
        return self.stable.setdefault("orders", {})

    async def run(self) -> None:
        self.spawn(super().run())  # hear signed orders (on_signed_order, on_countersigned) until the end
        await self.wait_until((self.m + 1) * self.period)
        self.log("decide", order=choice(self.orders))

    async def on_signed_order(self, msg: Any) -> None:
        await self.hear(msg)

    async def on_countersigned(self, msg: Any) -> None:
        await self.hear(msg)

    async def hear(self, msg: Any) -> None:
        signed = msg.body
        if not isinstance(signed, Signed) or signed.order not in ORDERS:
            return self.ignore(msg, "not a Signed with an order of " + " or ".join(ORDERS))
        problem = self.problem_with(signed.signers, msg.sender)
        if problem is None and not self.genuine(signed):
            problem = "forged: a seal does not match its signer's key, this order and these signers"
        if problem is not None:
            return self.ignore(msg, problem)
        if signed.order in self.orders:
            return None  # nothing new: the paper's rule passes on each order once
        self.orders[signed.order] = None
        if len(signed.signers) <= self.m:
            mine = countersigned(signed, signed.order, self.name, self.seal)
            for general in self.others(signed.signers):
                await self.send(general, "countersigned", mine)
        return None


# --- running them ---------------------------------------------------------------------------
@dataclass(repr=False)
class GeneralsRun(PatternRun):
    """One OM(m) or SM(m) run: who betrayed how, what each loyal lieutenant decided, what it cost.

    ``decisions`` holds loyal lieutenants only (a traitor's decision means nothing); ``messages``
    counts the protocol's messages on the wire, so a silent traitor lowers it and a replaying one raises it.
    """

    algorithm: str
    n: int
    m: int
    commander: str
    order: str
    traitors: dict[str, Strategy]
    decisions: dict[str, str]
    messages: int

    def holds(self, condition: str) -> bool:
        """Whether ``IC1`` or ``IC2`` (the names in ``generals_checks``) held in this run."""
        return next(part.valid for part in self.verdict.parts if part.name == condition)

    @property
    def metrics(self) -> dict[str, Any]:
        return {"algorithm": f"{self.algorithm}({self.m})", "generals": self.n, "traitors": len(self.traitors),
                "messages": self.messages, "IC1": self.holds(IC1), "IC2": self.holds(IC2)}

    def describe(self) -> str:
        traitors = ", ".join(f"{name}={strategy!r}" for name, strategy in self.traitors.items()) or "none"
        decided = " ".join(f"{name}={order}" for name, order in self.decisions.items())
        return (f"{self.algorithm}({self.m}) among {self.n} generals, {self.commander} orders {self.order}, "
                f"traitors: {traitors}; loyal decide {decided}; messages={self.messages}; "
                f"verdict {'valid' if self.verdict else 'INVALID'}")


def run_om(n: int = 4, m: int = 1, *, traitors: Mapping[str, Strategy] | None = None, order: str = "attack",
           commander: str = "g0", seed: int = 0, period: float = 1.0, faults: Faults = ()) -> GeneralsRun:
    """OM(m) among generals ``g0 … g{n-1}``; ``traitors`` maps a general to how it lies (e.g. ``Lie(opposite)``).

    Rounds last ``period`` simulated seconds; ``faults`` adds any other faults (delays, crashes…).
    """
    return run_generals("OM", n, m, traitors=traitors, order=order, commander=commander, seed=seed, period=period,
                        faults=faults)


def run_sm(n: int = 4, m: int = 1, *, traitors: Mapping[str, Strategy] | None = None, order: str = "attack",
           commander: str = "g0", seed: int = 0, period: float = 1.0, faults: Faults = ()) -> GeneralsRun:
    """SM(m) among generals ``g0 … g{n-1}``: like ``run_om``, with signed orders."""
    return run_generals("SM", n, m, traitors=traitors, order=order, commander=commander, seed=seed, period=period,
                        faults=faults)


def run_generals(algorithm: str, n: int, m: int, *, traitors: Mapping[str, Strategy] | None, order: str,
                 commander: str, seed: int, period: float, faults: Faults) -> GeneralsRun:
    """Build the generals for ``algorithm`` ("OM" or "SM"), turn ``traitors`` into Byzantine faults, run, judge."""
    algorithm = validate.one_of("algorithm", algorithm, ALGORITHMS)
    n = validate.count("n", n, minimum=2, maximum=50)
    m = validate.count("m", m, minimum=0, maximum=n - 2)
    if algorithm == "OM" and om_messages(n, m) > MAX_MESSAGES:
        raise ValueError(f"m={m!r} is not allowed: OM({m}) among {n} generals sends {om_messages(n, m):,} messages, "
                         f"more than {MAX_MESSAGES:,}; choose a smaller m or n")
    generals = [f"g{index}" for index in range(n)]
    order = validate.one_of("order", order, ORDERS)
    commander = validate.name("commander", commander)
    if commander not in generals:
        raise ValueError(f"commander={commander!r} is not allowed: choose one of the generals g0 … g{n - 1}")
    traitors = checked_traitors(traitors, generals)
    seed = validate.seed(seed)
    if validate.number("period", period) <= 0:
        raise ValueError(f"period={period!r} is not allowed: a round must last > 0 seconds")
    extra = checked_faults(faults)

    keyring = Keyring(generals, seed)
    byzantine = [Byzantine(name, OnOrders(strategy, rewording(algorithm, name, keyring)))
                 for name, strategy in traitors.items()]
    world = World(seed=seed, faults=[*byzantine, *extra])
    options = {"m": m, "period": period} | ({"keyring": keyring} if algorithm == "SM" else {})
    commander_class, lieutenant_class = (OMCommander, OMLieutenant) if algorithm == "OM" else (SMCommander,
                                                                                               SMLieutenant)
    world.add(commander_class(commander, generals, order=order, **options))
    world.add(*(lieutenant_class(name, generals, commander=commander, **options)
                for name in generals if name != commander))
    for checker in [*generals_checkers(commander, traitors), kinds_declared(GENERALS_PROTOCOL)]:
        world.add_checker(checker)
    result = world.run()
    decided = loyal_decisions(result.trace, commander, traitors)
    kinds = {row.kind for row in GENERALS_PROTOCOL}
    return GeneralsRun(result=result, verdict=result.verdict(), algorithm=algorithm, n=n, m=m, commander=commander,
                       order=order, traitors=traitors,
                       decisions={name: decided[name].data["order"] for name in sorted(decided)},
                       messages=sum(1 for event in result.trace.select("send") if event.message.kind in kinds))


def rewording(algorithm: str, traitor: str, keyring: Keyring) -> Callable[[Any, Any], Any]:
    """How ``traitor``'s lie goes back into a body: OM keeps the path; SM re-seals the traitor's own seal, no other."""
    if algorithm == "OM":
        return lambda said, lie: replace(said, order=lie)
    seal = keyring.sealer(traitor)
    return lambda signed, lie: Signed(lie, signed.signers, (*signed.seals[:-1], seal(lie, signed.signers)))


def checked_traitors(traitors: object, generals: Sequence[str]) -> dict[str, Strategy]:
    """``traitors`` as {general: strategy}, in the generals' order: known generals, callable strategies."""
    if traitors is None:
        return {}
    if not isinstance(traitors, Mapping):
        raise TypeError(f"traitors={traitors!r} is not allowed: give a dict {{general: strategy}}, "
                        "e.g. {'g2': Lie(opposite)}")
    for name, strategy in traitors.items():
        if name not in generals:
            raise ValueError(f"traitors={dict(traitors)!r} is not allowed: {name!r} is not one of the generals "
                             f"g0 … g{len(generals) - 1}")
        if not callable(strategy):
            raise TypeError(f"traitors={dict(traitors)!r} is not allowed: the strategy for {name!r} must be a "
                            "function such as Lie(opposite), Equivocate(['attack', 'retreat']), Silent() or Replay()")
    return {name: traitors[name] for name in generals if name in traitors}


# --- the tables the notebook shows -------------------------------------------------------------
def outcome_table(n: int, m: int, *, algorithm: str = "OM", traitor_count: int = 1,
                  tactics: Iterable[Strategy] | None = None, order: str = "attack", seed: int = 0) -> pd.DataFrame:
    """IC1 and IC2, run by run: every choice of ``traitor_count`` generals, every assignment of ``tactics`` to them.

    ``tactics`` defaults to ``strategies(generals)``; with t traitors that is C(n, t) · 7^t runs.
    """
    run = {"OM": run_om, "SM": run_sm}[validate.one_of("algorithm", algorithm, ALGORITHMS)]
    generals = [f"g{index}" for index in range(validate.count("n", n, minimum=2, maximum=50))]
    count = validate.count("traitor_count", traitor_count, minimum=0, maximum=n)
    tactics = strategies(generals) if tactics is None else checked_tactics(tactics)
    rows = []
    for betrayers in itertools.combinations(generals, count):
        for assigned in itertools.product(tactics, repeat=count):
            outcome = run(n, m, traitors=dict(zip(betrayers, assigned)), order=order, seed=seed)
            rows.append({"n": n, "m": m, "traitors": ", ".join(betrayers),
                         "strategies": " / ".join(map(repr, assigned)),
                         "IC1": outcome.holds(IC1), "IC2": outcome.holds(IC2),
                         "decisions": " ".join(f"{name}={decided}" for name, decided in outcome.decisions.items()),
                         "messages": outcome.messages})
    return pd.DataFrame(rows)


def checked_tactics(tactics: object) -> list[Strategy]:
    """``tactics`` as a list of strategies (functions with the world's strategy signature)."""
    listed = list(tactics) if isinstance(tactics, Iterable) else [tactics]
    if not listed or not all(callable(tactic) for tactic in listed):
        raise TypeError(f"tactics={tactics!r} is not allowed: give a list of strategies, "
                        "e.g. [Lie(opposite), Silent()]")
    return listed


def message_counts(ns: Iterable[int] = range(3, 9), ms: Iterable[int] = (0, 1, 2), *, seed: int = 0) -> pd.DataFrame:
    """Messages OM(m) sent with no traitor, for each n and m (m <= n-2), beside the exact count and n^(m+1)."""
    rows = []
    for n in whole_numbers("ns", ns, minimum=2):
        for m in whole_numbers("ms", ms, minimum=0):
            if m <= n - 2:
                rows.append({"n": n, "m": m, "messages": run_om(n, m, seed=seed).messages,
                             "exact": om_messages(n, m), "n^(m+1)": n ** (m + 1)})
    return pd.DataFrame(rows)


def whole_numbers(argument: str, values: object, minimum: int) -> list[int]:
    """``values`` as a list of ints >= ``minimum`` (e.g. the n or m to sweep)."""
    listed = list(values) if isinstance(values, Iterable) and not isinstance(values, (str, bytes)) else None
    if listed is None or not all(isinstance(value, Integral) and not isinstance(value, bool) for value in listed):
        raise TypeError(f"{argument}={values!r} is not allowed: give a list of ints >= {minimum}, e.g. range(3, 9)")
    if any(value < minimum for value in listed):
        raise ValueError(f"{argument}={values!r} is not allowed: every entry must be >= {minimum}")
    return [int(value) for value in listed]
