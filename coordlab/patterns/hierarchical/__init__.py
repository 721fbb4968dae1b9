"""Hierarchical coordination: a director splits projects among leads, leads among their workers.

    chart = OrgChart.from_levels([1, 3, 9], specialties=["research", "analysis", "writing"])
    run = run_hierarchical([Project("report", research_pipeline(3))], chart, seed=1)
    run.stop_reason, run.tasks, run.projects, run.verdict

One module per role, in the order notebook 04 tells them:

* ``org_chart``  who reports to whom, and what each worker can do (``OrgChart``);
* ``protocol``   the message kinds between a manager and its direct reports (``protocol_table()``);
* ``manager``    what every manager does: delegate down, retry in the team or escalate, watch
  its reports (with ``holdings``, its books of who holds which task);
* ``lead``       a ``Lead`` answers each order from above with one report: aggregation up;
* ``director``   the ``Director`` owns each project's task graph (a ``tasks.TaskGraph``), and the ``Client``;
* ``run``        ``run_hierarchical`` and its result, ``HierarchicalRun``; reading a run
  (``progress``, ``disturbed``, ``other_teams_unchanged``);
* ``checks``     what a hierarchy promises: messages follow the chart, reports only when done,
  failures contained;
* ``naive``      the widely copied textbook hierarchy, flaws included (for "Break" only).

Workers are ``centralized`` workers: to a worker, its lead is just an orchestrator.
"""
from coordlab.patterns.hierarchical import naive
from coordlab.patterns.hierarchical.checks import (
    failures_stay_contained,
    hierarchy_checkers,
    messages_follow_the_chart,
    reports_only_when_done,
)
from coordlab.patterns.hierarchical.director import Client, Director
from coordlab.patterns.hierarchical.lead import Lead
from coordlab.patterns.hierarchical.manager import EscalationRule, Manager, RetryInTeam
from coordlab.patterns.hierarchical.org_chart import MAX_AGENTS, OrgChart
from coordlab.patterns.hierarchical.protocol import (
    CLIENT,
    PROTOCOL,
    Delegate,
    Done,
    Escalation,
    Job,
    Progress,
    Project,
    ProjectOrder,
    TeamReport,
    protocol_table,
)
from coordlab.patterns.hierarchical.run import (
    HierarchicalRun,
    agents_for,
    as_chart,
    disturbed,
    other_teams_unchanged,
    progress,
    run_hierarchical,
    team_results,
)

__all__ = [
    # the run function and its result, and reading a run
    "run_hierarchical", "HierarchicalRun", "progress", "disturbed", "team_results", "other_teams_unchanged",
    # the protocol
    "PROTOCOL", "protocol_table", "Project", "ProjectOrder", "Job", "Delegate", "Done", "TeamReport", "Escalation",
    "Progress",
    # checkers
    "hierarchy_checkers", "messages_follow_the_chart", "reports_only_when_done", "failures_stay_contained",
    # the textbook version, for "Break"
    "naive",
    # the chart and the agents
    "OrgChart", "MAX_AGENTS", "as_chart", "agents_for", "Manager", "Lead", "Director", "Client", "CLIENT",
    "EscalationRule", "RetryInTeam",
]
