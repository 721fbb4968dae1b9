"""A lead: a manager that takes orders from its own manager and answers each with one report.

**Aggregation up.** A lead answers each ``delegate`` with one ``report``, sent only when
every task in it is settled here: done (its result goes up in the report) or escalated.
While it holds open orders it sends its manager a ``heartbeat`` carrying its progress, and
it answers its manager's ``probe`` with one at once.

A lead takes each order once: a repeat of an order (the network may deliver it twice,
or late, even after a crash) is ignored. A task sent again in a new order (its manager
restarted, or lost the report) is not redone: one still in the works moves to the new
order, one already reported is answered again from the results the lead remembers. A
crashed lead starts afresh and registers; its manager takes back what it held then.
"""
from __future__ import annotations

from typing import Any

from coordlab.patterns.hierarchical.manager import Manager
from coordlab.patterns.hierarchical.org_chart import OrgChart
from coordlab.patterns.hierarchical.protocol import Delegate, Done, Escalation, Progress, TeamReport
from coordlab.patterns.liveness import HeartbeatSender


class Lead(Manager):
    """A manager under another manager, at any level: takes orders from above, delegates,
    aggregates the results into one report per order, and escalates what its team cannot do."""

    def __init__(self, name: str, chart: OrgChart, *, heartbeat_interval: float = 0.5, **options: Any) -> None:
        super().__init__(name, chart, **options)
        if self.boss is None:
            raise ValueError(f"name={name!r} is not allowed: {name!r} is the director; a lead has a manager")
        self.open_orders: dict[str, set[str]] = {}
        self.order_results: dict[str, dict[str, Done]] = {}
        self.reported: dict[str, Done] = {}  # every result I sent up: a report can be lost on its way
        self.heartbeat = HeartbeatSender(self, self.boss, heartbeat_interval, busy=lambda: bool(self.open_orders),
                                         body=self.progress, last_beat_when_idle=True)

    async def on_delegate(self, msg) -> None:
        order: Delegate = msg.body
        taken = self.stable.setdefault("orders taken", set())  # stable: a late repeat after a crash is old news
        if order.order in taken:
            return
        taken.add(order.order)
        self.open_orders[order.order] = {job.task.id for job in order.jobs}
        self.order_results[order.order] = {}
        for job in order.jobs:
            tid = job.task.id
            held = self.holding.get(tid)
            if tid in self.reported:  # sent again, my report having been lost: answer again, do not redo it
                self.order_results[order.order][tid] = self.reported[tid]
                await self.settled(order.order, tid)
            elif held is None:
                self.holding.hold(job, order.order)
                await self.route(tid)
            else:  # sent again while I still work on it (my manager restarted, or could not hear me): keep
                old, held.order = held.order, order.order  # the work going, and answer the new order
                await self.settled(old, tid)
        self.heartbeat.start()  # tell my manager I am alive, and how far along, while I hold open orders

    async def on_probe(self, msg) -> None:
        """My manager suspects me: say I am alive, and how far along."""
        await self.send(self.boss, "heartbeat", self.progress())

    def progress(self) -> Progress:
        """What my heartbeat says: tasks done so far in my open orders, and tasks I still hold."""
        return Progress(sum(len(results) for results in self.order_results.values()), len(self.holding))

    async def finished(self, tid: str, done: Done) -> None:
        held = self.holding.drop(tid)
        self.order_results[held.order][tid] = done
        await self.settled(held.order, tid)

    async def cannot_handle(self, tid: str, reason: str) -> None:
        held = self.holding.drop(tid)
        self.log("task_escalated", task=tid, to=self.boss, reason=reason)
        await self.send(self.boss, "escalate", Escalation(held.order, tid, held.job.attempts, reason))
        await self.settled(held.order, tid)

    async def settled(self, order: str, tid: str) -> None:
        """Aggregation: report an order up only when every task in it is settled here."""
        self.open_orders[order].discard(tid)
        if not self.open_orders[order]:
            del self.open_orders[order]
            results = self.order_results.pop(order)
            self.reported.update(results)
            await self.send(self.boss, "report", TeamReport(order, results))
