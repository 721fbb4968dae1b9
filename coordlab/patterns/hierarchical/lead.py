"""A lead: a manager that takes orders from its own manager and answers each with one report.

**Aggregation up.** A lead answers each ``delegate`` with one ``report``, sent only when
every task in it is settled here: done (its result goes up in the report) or escalated.
While it holds open orders it sends its manager a ``heartbeat`` carrying its progress.
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
        self.open_orders: dict[str, set[str]] = {}
        self.order_results: dict[str, dict[str, Done]] = {}
        self.heartbeat = HeartbeatSender(self, self.boss, heartbeat_interval, busy=lambda: bool(self.open_orders),
                                         body=self.progress, last_beat_when_idle=True)

    async def on_delegate(self, msg) -> None:
        order: Delegate = msg.body
        self.open_orders[order.order] = {job.task.id for job in order.jobs}
        self.order_results[order.order] = {}
        for job in order.jobs:
            held = self.holding.get(job.task.id)
            if held is None:
                self.holding.hold(job, order.order)
                await self.route(job.task.id)
            else:  # my manager restarted and sent it again: keep the work going, answer the new order
                old, held.order = held.order, order.order
                await self.settled(old, job.task.id)
        self.heartbeat.start()  # tell my manager I am alive, and how far along, while I hold open orders

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
            await self.send(self.boss, "report", TeamReport(order, results))
