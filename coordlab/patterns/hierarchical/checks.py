"""What a hierarchical run must respect, as checkers that read its trace.

Beyond the task checkers every task-running pattern shares (each task settled exactly
once, dependencies respected), a hierarchy promises three things of its own: messages
go only between a manager and its direct reports; a manager reports an order only when
all of it has come back; and a failure stays inside the subtree where it happened unless
someone escalates it.

A *failure*, for that last promise, is anything a manager can only see as trouble: an
agent crashed, a worker's attempt failed, or a message to or from an agent was lost (a
partition or a lossy link: silence looks the same as a crash). It *touches* the agents it
happened at: the crashed agent, the failing worker, both ends of the lost message.
"""
from __future__ import annotations

from collections.abc import Iterable

from coordlab.patterns.hierarchical.org_chart import OrgChart
from coordlab.patterns.tasks import Task, dependencies_respected, every_task_settled
from coordlab.world import RunResult, Verdict
from coordlab.world.checks import Checker, judge

REACTIONS = ("task_retry", "child_lost", "task_rerouted")


def messages_follow_the_chart(chart: OrgChart, client: str = "client") -> Checker:
    """Checker: every message went between a manager and one of its direct reports
    (or between the director and the ``client`` who ordered the project)."""
    allowed = {(client, chart.director), (chart.director, client)}
    allowed |= {pair for child, boss in chart.parent.items() if boss for pair in ((child, boss), (boss, child))}

    def check(result: RunResult) -> Verdict:
        return judge("messages follow the chart", [e for e in result.trace.select("send")
                                                   if (e.agent, e.peer) not in allowed],
                     "every message went between a manager and a direct report",
                     "{n} message(s) skipped a level or went sideways")

    return check


def reports_only_when_done(chart: OrgChart) -> Checker:
    """Checker: no manager reports an order (or a project) complete before every task in it
    came back to it from below, done or escalated. (A task sent again in a newer order
    belongs to the newer order; an order delivered twice is still one order.)"""

    def check(result: RunResult) -> Verdict:
        came_back: dict[str, set[str]] = {name: set() for name in chart.managers}
        orders: dict[str | int, set[str]] = {}  # by order id, or by the id of a project's request
        order_of: dict[tuple[str, str], str] = {}
        early = []
        for e in result.trace:
            msg = e.message
            if e.kind == "deliver" and e.agent in came_back:
                if msg.kind == "result":
                    came_back[e.agent].add(msg.body.task)
                elif msg.kind == "report":
                    came_back[e.agent].update(msg.body.results)
                elif msg.kind == "delegate" and msg.body.order not in orders:  # a repeat changes nothing
                    orders[msg.body.order] = {job.task.id for job in msg.body.jobs}
                    for tid in orders[msg.body.order]:
                        orders.get(order_of.get((e.agent, tid)), set()).discard(tid)
                        order_of[(e.agent, tid)] = msg.body.order
                elif msg.kind == "project":
                    orders[msg.id] = {t.id for t in msg.body.project.tasks}
            elif e.kind in ("task_escalated", "task_failed", "task_skipped") and e.agent in came_back:
                came_back[e.agent].add(e.data["task"])
            elif e.kind == "send" and (msg.kind == "report" or msg.kind == "project_ok"
                                       and msg.body.outcome != "running"):  # progress is no report
                order = msg.body.order if msg.kind == "report" else msg.in_reply_to
                if not orders.get(order, set()) <= came_back[e.agent]:
                    early.append(e)
        return judge("reports only when done", early,
                     "every report and project result was sent after all its tasks came back",
                     "{n} report(s) sent before all their delegated work was done")

    return check


def failures_stay_contained(chart: OrgChart) -> Checker:
    """Checker: a manager reacts (retries, reroutes, declares a report lost) only after a
    failure touched the subtree of the report concerned (the link up to the manager
    included: a lost message between them touches the report), and a lead escalates only
    after a failure touched its own subtree. Failures stay in the failing subtree unless
    escalated: other teams never react to them."""

    def check(result: RunResult) -> Verdict:
        touched: set[str] = set()
        offending = []
        for e in result.trace:
            if e.kind == "crash" or (e.kind == "task_end" and not e.data["ok"]):
                touched.add(e.agent)
            elif e.kind == "drop":
                touched.update((e.agent, e.peer))
            elif e.kind in REACTIONS and touched.isdisjoint(chart.subtree(e.data["child"])):
                offending.append(e)
            elif e.kind == "task_escalated" and touched.isdisjoint(chart.subtree(e.agent)):
                offending.append(e)
        return judge("failures stay contained", offending,
                     "every reaction answered a failure inside the subtree concerned",
                     "{n} reaction(s) to a failure outside the subtree concerned")

    return check


def hierarchy_checkers(chart: OrgChart, tasks: Iterable[Task], client: str = "client") -> list[Checker]:
    """Two task checkers (each task done exactly once at the top, or failed there with a
    reason; dependencies respected) plus the three above.

    Not ``tasks.no_result_lost``: a lead that crashes loses the results it was
    aggregating, and the director has the work redone (or fails it). That is the price
    of aggregation, not a bug; add the checker to a verdict to see it.
    """
    tasks = list(tasks)
    return [every_task_settled(tasks), dependencies_respected(tasks), messages_follow_the_chart(chart, client),
            reports_only_when_done(chart), failures_stay_contained(chart)]
