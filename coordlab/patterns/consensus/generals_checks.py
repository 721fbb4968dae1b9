"""What the Byzantine generals promise, judged from a run's trace (Lamport, Shostak & Pease 1982).

* **IC1**: all loyal lieutenants obey the same order.
* **IC2**: if the commander is loyal, every loyal lieutenant obeys the order it sends.

The trace gives each general's ``decide`` event and the commander's ``command`` (the order its
code meant to send, before any traitor's rewriting); the caller says who the traitors were, since
a traitor that never sends a message leaves no trace of its treason. A general that crashed is
faulty too (a crash is the mildest treason: silence), so it is not held to IC1 or IC2. A loyal
lieutenant that never decided breaks a third promise, that every loyal lieutenant decides.
"""
from __future__ import annotations

from collections.abc import Iterable

from coordlab.world import Checker, Event, RunResult, Trace, Verdict, judge, validate

IC1 = "IC1: loyal lieutenants agree"
IC2 = "IC2: loyal lieutenants obey a loyal commander"
DECIDED = "every loyal lieutenant decides"


def loyal(trace: Trace, traitors: Iterable[str]) -> list[str]:
    """The generals in the run that are neither ``traitors`` nor ever crashed, sorted."""
    faulty = set(traitors) | {event.agent for event in trace.select("crash")}
    return sorted({event.agent for event in trace.select("join")} - faulty)


def loyal_decisions(trace: Trace, commander: str, traitors: Iterable[str]) -> dict[str, Event]:
    """Each loyal lieutenant's ``decide`` event (its last, should it have decided twice)."""
    lieutenants = set(loyal(trace, traitors)) - {commander}
    return {event.agent: event for event in trace.select("decide") if event.agent in lieutenants}


def agreement(commander: str, traitors: Iterable[str]) -> Checker:
    """Checker IC1: the loyal lieutenants' decisions are all one order (evidence: every loyal decision)."""
    commander, traitors = validate.name("commander", commander), sorted(traitors)

    def loyal_lieutenants_agree(result: RunResult) -> Verdict:
        decided = loyal_decisions(result.trace, commander, traitors)
        orders = sorted({event.data["order"] for event in decided.values()})
        return judge(IC1, list(decided.values()) if len(orders) > 1 else [],
                     f"the {len(decided)} loyal lieutenants decided alike: {', '.join(orders) or 'nothing'}",
                     f"loyal lieutenants decided differently ({' and '.join(orders)}): "
                     "their {n} decisions below")

    return loyal_lieutenants_agree


def obedience(commander: str, traitors: Iterable[str]) -> Checker:
    """Checker IC2: if the commander is loyal, every loyal lieutenant decided the order it commanded."""
    commander, traitors = validate.name("commander", commander), sorted(traitors)

    def loyal_lieutenants_obey(result: RunResult) -> Verdict:
        if commander not in loyal(result.trace, traitors):
            return Verdict(IC2, True, f"the commander {commander} is faulty: IC2 asks nothing")
        commanded = [event.data["order"] for event in result.trace.select("command", commander)]
        if not commanded:
            return Verdict(IC2, False, f"the loyal commander {commander} never gave an order")
        decided = loyal_decisions(result.trace, commander, traitors)
        disobeying = [event for event in decided.values() if event.data["order"] != commanded[0]]
        return judge(IC2, disobeying, f"all {len(decided)} loyal lieutenants obeyed {commanded[0]!r}",
                     "{n} loyal lieutenant(s) decided against the loyal commander's " + repr(commanded[0]))

    return loyal_lieutenants_obey


def everyone_decided(commander: str, traitors: Iterable[str]) -> Checker:
    """Checker: every loyal lieutenant decided (the run was not cut short; evidence: their join events)."""
    commander, traitors = validate.name("commander", commander), sorted(traitors)

    def every_loyal_lieutenant_decided(result: RunResult) -> Verdict:
        decided = loyal_decisions(result.trace, commander, traitors)
        joins = {event.agent: event for event in result.trace.select("join")}
        silent = [joins[name] for name in loyal(result.trace, traitors) if name != commander and name not in decided]
        return judge(DECIDED, silent, f"all {len(decided)} loyal lieutenants decided",
                     "{n} loyal lieutenant(s) never decided")

    return every_loyal_lieutenant_decided


def generals_checkers(commander: str, traitors: Iterable[str]) -> list[Checker]:
    """IC1, IC2 and "every loyal lieutenant decides", for a run where ``traitors`` betray."""
    traitors = sorted(traitors)
    return [agreement(commander, traitors), obedience(commander, traitors), everyone_decided(commander, traitors)]
