"""Verdicts, not vibes: checkers turn a finished run into a judgement with evidence.

A checker is any function ``RunResult -> Verdict``. Patterns register their own with
``world.add_checker``; ``result.verdict()`` runs them all and combines the answers, so a
learner who breaks something is told exactly which rule failed and on which events.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from coordlab.world.trace import Event

if TYPE_CHECKING:
    from coordlab.world.result import RunResult

Checker = Callable[["RunResult"], "Verdict"]

#: How many offending events a verdict shows when printed.
SHOWN_EVIDENCE = 5


@dataclass(frozen=True)
class Verdict:
    """Valid or invalid, why, and the events that prove it."""

    name: str
    valid: bool
    explanation: str
    evidence: tuple[Event, ...] = ()
    parts: tuple[Verdict, ...] = ()

    def __bool__(self) -> bool:
        return self.valid

    @classmethod
    def all(cls, verdicts: Sequence[Verdict], name: str = "all checks") -> Verdict:
        """One verdict that is valid only if every part is."""
        failed = [v.name for v in verdicts if not v.valid]
        explanation = (f"{len(verdicts)} checks passed" if not failed
                       else f"{len(failed)} of {len(verdicts)} checks failed: {', '.join(failed)}")
        return cls(name, not failed, explanation, parts=tuple(verdicts))

    def __str__(self) -> str:
        mark = "✅" if self.valid else "❌"
        lines = [f"{mark} {self.name}: {self.explanation}"]
        for event in self.evidence[:SHOWN_EVIDENCE]:
            lines.append(f"    {event}")
        if len(self.evidence) > SHOWN_EVIDENCE:
            lines.append(f"    … and {len(self.evidence) - SHOWN_EVIDENCE} more")
        for part in self.parts:
            lines.extend("  " + line for line in str(part).splitlines())
        return "\n".join(lines)

    def _repr_pretty_(self, printer, cycle) -> None:  # how IPython shows it
        printer.text(str(self))


def judge(name: str, offending: Iterable[Event], ok: str, bad: str) -> Verdict:
    """A verdict from a list of offending events: valid when there are none.

    ``bad`` may use ``{n}`` for the number of offending events.
    """
    evidence = tuple(offending)
    if evidence:
        return Verdict(name, False, bad.format(n=len(evidence)), evidence)
    return Verdict(name, True, ok)


def no_agent_errors(result: RunResult) -> Verdict:
    """No agent raised an exception."""
    return judge("no agent errors", result.trace.select("error"),
                 "no agent raised an exception", "{n} agent(s) raised an exception")


def requests_answered(result: RunResult) -> Verdict:
    """Every request got a reply or timed out, unless its sender crashed or left first.

    Requests still open when the run was cut short (``until``, ``event_limit``) are not
    judged: their answer may simply not have had time to arrive.
    """
    trace = result.trace
    open_requests: dict[int, tuple[int, str | None]] = {}  # request id -> (position of its send, sender)
    requests = 0
    kinds = ("send", "deliver", "timeout", "crash", "leave")
    trace.require(kinds, "requests answered")
    request_rows, reply_rows = trace.message_rows("requests"), trace.message_rows("replies")
    for position, _, kind, agent, row in trace.scan(kinds) if request_rows else ():  # no request: nothing to read
        if kind == "send":
            if row in request_rows:
                open_requests[trace.message_header(row)[0]] = (position, agent)
                requests += 1
        elif kind == "deliver":
            if row not in reply_rows:
                continue
            in_reply_to = trace.message_header(row)[2]
            asked = None if in_reply_to is None else open_requests.get(in_reply_to)
            if asked is not None and asked[1] == agent:
                del open_requests[in_reply_to]
        elif kind == "timeout":
            data = trace.data_at(position)
            if data and "request" in data:
                open_requests.pop(data["request"], None)
        elif kind in ("crash", "leave"):
            open_requests = {k: (p, sender) for k, (p, sender) in open_requests.items() if sender != agent}
    if result.stop_reason in ("until", "event_limit"):
        open_requests = {}
    return judge("requests answered", (trace.event_at(position) for position, _ in open_requests.values()),
                 f"all {requests} requests got a reply or a timeout",
                 "{n} request(s) never got a reply and never timed out")


def nothing_delivered_to_crashed(result: RunResult) -> Verdict:
    """No message was delivered to an agent while it was crashed."""
    trace = result.trace
    crashed: set[str | None] = set()
    offending = []
    kinds = ("crash", "recover", "deliver")
    trace.require(kinds, "nothing delivered to a crashed agent")
    anyone_crashed = next(trace.scan(["crash"]), None) is not None
    for position, _, kind, agent, _ in trace.scan(kinds) if anyone_crashed else ():  # no crash: nothing to read
        if kind == "crash":
            crashed.add(agent)
        elif kind == "recover":
            crashed.discard(agent)
        elif agent in crashed:
            offending.append(trace.event_at(position))
    return judge("nothing delivered to a crashed agent", offending,
                 "no message reached a crashed agent",
                 "{n} message(s) were delivered to a crashed agent")


generic_checkers: list[Checker] = [no_agent_errors, requests_answered, nothing_delivered_to_crashed]
