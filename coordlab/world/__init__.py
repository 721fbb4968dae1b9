"""The simulated world: virtual time, agents, a faulty network, traces and verdicts.

Agents reach the world only through ``Host`` (``host.py``), so they can run on other hosts too.
"""
from coordlab.world.agent import Agent, Timeout
from coordlab.world.checks import (
    Checker,
    Verdict,
    judge,
    no_agent_errors,
    nothing_delivered_to_crashed,
    requests_answered,
)
from coordlab.world.faults import Byzantine, Crash, Delay, Duplicate, Fault, Loss, Partition, Slow
from coordlab.world.host import Host
from coordlab.world.latency import Constant, Exponential, Uniform
from coordlab.world.message import Message
from coordlab.world.nemesis import Nemesis
from coordlab.world.network import Network
from coordlab.world.result import AgentError, RunResult
from coordlab.world.simulated_host import EventLimitReached
from coordlab.world.trace import Event, Trace, TraceLevelError
from coordlab.world.world import Faults, World

__all__ = [
    "Agent", "AgentError", "Byzantine", "Checker", "Constant", "Crash", "Delay", "Duplicate", "Event",
    "EventLimitReached", "Exponential", "Fault", "Faults", "Host", "Loss", "Message", "Nemesis", "Network",
    "Partition", "RunResult", "Slow", "Timeout", "Trace", "TraceLevelError", "Uniform", "Verdict", "World", "judge",
    "no_agent_errors", "nothing_delivered_to_crashed", "requests_answered",
]
