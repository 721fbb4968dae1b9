"""Real faults: the world's ``Crash`` and ``Partition``, and ``KillWorker``, which only a real run has.

On the real runtime the network's latency, loss and duplication are whatever the machine does,
so ``Loss``, ``Delay``, ``Duplicate`` and the rest are refused. Three faults remain, each acted
out for real at its time on the clock of the actor(s) it concerns:

* ``Crash(agent, at, recover_at)``: the agent's actor stops the agent (tasks cancelled, inbox
  lost, messages to it dropped) and, at ``recover_at``, restarts it from its ``stable`` dict;
* ``Partition(groups, at, heal_at)``: every actor drops, at its edge, messages to the other groups;
* ``KillWorker(agent, at)``: the worker *process* hosting ``agent`` is killed (SIGKILL). Every
  agent on that worker dies with it, with everything it held, its records since the last
  poll included: a real crash, which no ``recover_at`` undoes.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from coordlab.world import Crash, Fault, Partition, validate
from coordlab.world.world import checked_faults

if TYPE_CHECKING:
    from coordlab.runtime.host import ActorHost

#: The faults a real run accepts.
REAL_FAULTS = (Crash, Partition)


@dataclass(frozen=True)
class KillWorker(Fault):
    """At ``at``, kill the worker process that hosts ``agent`` (and so every agent placed with it)."""

    agent: str
    at: float

    def __post_init__(self) -> None:
        validate.name("agent", self.agent)
        validate.number("at", self.at, minimum=0)

    def agents(self) -> set[str]:
        return {self.agent}

    def describe(self) -> str:
        return f"KillWorker({self.agent})"

    def start(self, world: ActorHost) -> None:
        world.kill_worker(self.agent)


def checked_real_faults(faults: object) -> list[Fault]:
    """``faults`` as a list of faults a real run can act out, refusing the others by name."""
    listed = checked_faults(faults)
    for fault in listed:
        if not isinstance(fault, (*REAL_FAULTS, KillWorker)):
            raise ValueError(f"faults={listed!r} is not allowed: {fault!r} cannot be acted out on the real "
                             "runtime, whose network has its own latency and losses; give Crash, Partition "
                             "or KillWorker")
    return listed
