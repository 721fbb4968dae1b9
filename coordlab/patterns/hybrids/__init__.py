"""Hybrids: two patterns composed, each covering a weakness of the other.

Every hybrid is built from the pattern packages' own agents, subclassed where it must act
differently, never copied, and runs with the comparison's contract,
``run_x(tasks, workers, *, seed=0, faults=(), until=None, **options) -> TaskRun``, so it is
measured against its parents on the same workload. In the seed document's order, which is
the order notebook 07 explains them in:

* ``teams_p2p``         ``run_teams_p2p``: centralized teams whose leads coordinate peer to peer.
  Each team's lead is a centralized ``Orchestrator`` (``TeamLead``) with a share of the job;
  leads lend each other work over a peer-to-peer overlay. Addresses the orchestrator's
  bottleneck and its single point of failure for the whole job; keeps one orchestrator's
  control within a team.
* ``goals_swarm``       ``run_goals_swarm``: central goals, swarm execution. A centralized
  ``Orchestrator`` keeps the task graph and releases tasks in dependency order onto a threshold
  board (``Floor``, a ``Board`` that speaks the worker protocol); workers choose their own.
  Addresses the swarm's missing owner of the goal (retries, journal, an answer); keeps self-selection.
* ``groups_hierarchy``  ``run_groups_hierarchy``: peer groups under a hierarchy. The hierarchical
  ``Director`` delegates to group leads (``GroupLead``, a hierarchical ``Lead``) that assign
  nothing: their members pick tasks from the lead's board. Addresses the leads' deciding (and
  watching) for every worker; keeps the tree's containment of failures.
"""
from coordlab.patterns.hybrids.goals_swarm import FLOOR, Floor, GoalsSwarmRun, run_goals_swarm
from coordlab.patterns.hybrids.groups_hierarchy import GroupLead, GroupMember, group_chart, run_groups_hierarchy
from coordlab.patterns.hybrids.teams_p2p import (
    SHARES_PROTOCOL,
    OwnTeamFirst,
    ShareClient,
    TeamLead,
    TeamsRun,
    combined,
    components,
    deal_shares,
    run_teams_p2p,
    split_teams,
)

__all__ = [
    # the three hybrids, in the seed's order
    "run_teams_p2p", "TeamsRun", "run_goals_swarm", "GoalsSwarmRun", "run_groups_hierarchy",
    # their agents
    "TeamLead", "OwnTeamFirst", "ShareClient", "Floor", "FLOOR", "GroupLead", "GroupMember",
    # how the teams, shares and groups are formed
    "split_teams", "components", "deal_shares", "combined", "group_chart", "SHARES_PROTOCOL",
]
