"""The simulated world: virtual time, agents, a faulty network, traces and verdicts."""
from .agent import Agent, Timeout
from .checks import Checker, Verdict, judge, no_agent_errors, nothing_delivered_to_crashed, requests_answered
from .faults import Crash, Delay, Fault, Loss, Partition, Slow
from .latency import Constant, Exponential, Uniform
from .message import Message
from .network import Network
from .trace import Event, Trace
from .world import AgentError, EventLimitReached, RunResult, World

__all__ = [
    "Agent", "AgentError", "Checker", "Constant", "Crash", "Delay", "Event", "EventLimitReached",
    "Exponential", "Fault", "Loss", "Message", "Network", "Partition", "RunResult", "Slow", "Timeout",
    "Trace", "Uniform", "Verdict", "World", "judge", "no_agent_errors", "nothing_delivered_to_crashed",
    "requests_answered",
]
