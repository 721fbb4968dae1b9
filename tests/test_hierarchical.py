"""The hierarchical pattern: org charts and their errors, delegation, aggregation,
escalation, containment, and each checker both ways."""
import matplotlib.pyplot as plt
import networkx as nx
import pandas as pd
import pytest

from coordlab import Crash, Uniform
from coordlab.patterns.hierarchical import (
    PROTOCOL,
    Client,
    Lead,
    OrgChart,
    Project,
    RetryInTeam,
    TeamReport,
    agents_for,
    disturbed,
    failures_stay_contained,
    messages_follow_the_chart,
    naive,
    other_teams_unchanged,
    progress,
    protocol_table,
    reports_only_when_done,
    run_hierarchical,
)
from coordlab.patterns.protocol import kinds_declared
from coordlab.patterns.run import PatternRun
from coordlab.patterns.tasks import LeastLoaded, RetryPolicy, Task, TaskRun, research_pipeline
from coordlab.viz.hierarchical import containment, load_by_agent, org_chart, progress_at_the_top, shapes_compared
from coordlab.world import World

PIPELINE = Project("report", research_pipeline(3))
MIXED = OrgChart.from_levels([1, 3, 12], specialties=["research", "analysis", "writing"])
TEAMS = OrgChart.from_dict({"director": {"research-lead": {"ann": "research", "bo": "research"},
                                         "analysis-lead": {"cy": "analysis", "di": ["analysis", "writing"]}}})


def independent(n, duration=1.0, kind="task"):
    return Project("batch", [Task(f"t{i}", kind, duration) for i in range(n)])


SURVEY = independent(12, 2.0, "research")


# --- org charts ------------------------------------------------------------------------
def test_levels_shorthand_names_roles_and_specialties():
    chart = OrgChart.from_levels([1, 3, 9], specialties=["research", "writing"])
    assert chart.depth == 3 and chart.director == "director"
    assert chart.children("lead-2") == ["worker-2.1", "worker-2.2", "worker-2.3"]
    assert [chart.role(n) for n in ("director", "lead-1", "worker-1.1")] == ["director", "lead", "worker"]
    assert chart.specialties["worker-1.2"] == {"writing"} and chart.can_do("lead-1") == {"research", "writing"}
    assert chart.team_size("lead-3") == 3 and chart.chain_of_command("worker-3.1") == ["worker-3.1", "lead-3",
                                                                                       "director"]
    assert OrgChart.from_levels([1, 2, 4, 8]).children("lead-2.1") == ["worker-2.1.1", "worker-2.1.2"]


def test_the_three_builders_agree():
    nested = OrgChart.from_dict({"director": {"lead-1": {"w1": "x", "w2": ["x", "y"]}, "lead-2": {"w3": "y"}}})
    graph = nx.DiGraph([("director", "lead-1"), ("director", "lead-2"), ("lead-1", "w1"), ("lead-1", "w2"),
                        ("lead-2", "w3")])
    built = OrgChart.from_graph(graph, {"w1": "x", "w2": ["x", "y"], "w3": "y"})
    assert nested == built and nested.to_graph().nodes["w2"]["specialties"] == ("x", "y")


@pytest.mark.parametrize("build, words", [
    (lambda: OrgChart.from_graph(nx.DiGraph([("director", "a"), ("a", "b"), ("b", "a")])), "cycle"),
    (lambda: OrgChart.from_graph(nx.DiGraph([("d1", "a"), ("d2", "b")])), "several roots"),
    (lambda: OrgChart.from_dict({"d1": {"a": "x"}, "d2": {"b": "x"}}), "exactly one director"),
    (lambda: OrgChart.from_graph(nx.DiGraph([("director", "a"), ("director", "b"), ("c", "b")])), "several managers"),
    (lambda: OrgChart.from_graph(_with_loner()), "no manager"),
    (lambda: OrgChart.from_dict({"director": {"lead": {}}}), "fan-out 0"),
    (lambda: OrgChart.from_levels([1, 3, 2]), "fan-out 0"),
    (lambda: OrgChart.from_levels([1]), "depth must be >= 2"),
    (lambda: OrgChart.from_graph(_single()), "depth must be >= 2"),
    (lambda: OrgChart.from_levels([2, 4]), "one director"),
    (lambda: OrgChart.from_levels([1, 0]), r"levels\[1\]=0"),
    (lambda: OrgChart.from_dict({"director": {"w": []}}), "at least one specialty"),
    (lambda: OrgChart.from_graph(nx.Graph([("director", "w")])), "DiGraph"),
])
def test_bad_charts_are_refused_with_the_reason(build, words):
    with pytest.raises((ValueError, TypeError), match=words):
        build()


def _with_loner():
    graph = nx.DiGraph([("director", "a")])
    graph.add_node("b")
    return graph


def _single():
    graph = nx.DiGraph()
    graph.add_node("director")
    return graph


def test_bad_projects_are_refused_before_anything_runs():
    with pytest.raises(ValueError, match="^type='painting' is not allowed: no subtree can do task type 'painting'"):
        run_hierarchical(Project("p", [Task("paint", "painting")]), TEAMS)
    with pytest.raises(ValueError, match="task id 't' is in projects 'a' and 'b'"):
        run_hierarchical([Project("a", [Task("t")]), Project("b", [Task("t")])], [1, 2])
    with pytest.raises(ValueError, match="cycle"):
        Project("p", [Task("a", depends_on="b"), Task("b", depends_on="a")])
    with pytest.raises(ValueError, match="suspect_after"):
        run_hierarchical(PIPELINE, MIXED, heartbeat_interval=1.0, suspect_after=1.0)


# --- a healthy run -----------------------------------------------------------------------
def test_a_project_flows_down_and_its_result_up_and_every_checker_holds():
    run = run_hierarchical(PIPELINE, MIXED, seed=1)
    assert run.stop_reason == "completed" and run.verdict, str(run.verdict)
    assert run.projects["report"].outcome == "completed" and run.projects["report"].done == 7
    assert set(run.tasks["state"]) == {"done"}
    kinds = {e.message.kind for e in run.trace.select("send")}
    assert {"project", "delegate", "assign", "result", "report", "project_ok"} <= kinds
    assert kinds <= set(protocol_table().index)


def test_same_seed_same_trace():
    first = run_hierarchical(PIPELINE, MIXED, seed=3, latency=Uniform(0.01, 0.05))
    again = run_hierarchical(PIPELINE, MIXED, seed=3, latency=Uniform(0.01, 0.05))
    assert first.trace.fingerprint() == again.trace.fingerprint()


def test_the_trace_does_not_depend_on_python_hash_randomisation():
    import subprocess
    import sys

    # Leads register with the specialties of their team: a set, whose order varies between processes.
    script = ("from coordlab.patterns.hierarchical import OrgChart, Project, run_hierarchical\n"
              "from coordlab.patterns.tasks import research_pipeline\n"
              "chart = OrgChart.from_levels([1, 2, 6], specialties=['research', 'analysis', 'writing'])\n"
              "run = run_hierarchical(Project('p', research_pipeline(2)), chart, seed=3)\n"
              "print(run.trace.fingerprint(), run.trace.select('send', 'lead-1')[0].message.body)")
    outputs = {subprocess.run([sys.executable, "-c", script], env={"PYTHONHASHSEED": seed}, capture_output=True,
                              text=True, check=True).stdout for seed in ("0", "4", "5")}  # three orders of the set
    assert len(outputs) == 1
    assert "Register(capabilities=('analysis', 'research', 'writing'), capacity=3)" in outputs.pop()


def test_the_result_keeps_the_contract_every_pattern_run_keeps():
    run = run_hierarchical(PIPELINE, MIXED, seed=1)
    assert isinstance(run, TaskRun) and isinstance(run, PatternRun)
    assert run.stop_reason == run.result.stop_reason and run.trace is run.result.trace
    assert repr(run) == "<HierarchicalRun stop_reason='completed' makespan=4.720 tasks: 7 done; verdict valid>"
    assert run.metrics["tasks done"] == 7 and run.metrics["director messages handled"] > 0


def test_every_kind_sent_is_declared_in_the_protocol_and_the_textbook_hierarchy_s_are_not():
    def broken(payload, inputs):
        raise RuntimeError("source down")

    runs = [run_hierarchical(PIPELINE, MIXED, seed=1),
            run_hierarchical(SURVEY, MIXED, seed=1, faults=[Crash("lead-2", at=0.5, recover_at=2.0)]),
            run_hierarchical(Project("p", [Task("fetch", "research", work=broken)]), MIXED, seed=1)]
    for run in runs:
        verdict = kinds_declared(PROTOCOL)(run.result)
        assert verdict, verdict.explanation
    textbook = naive.run_naive(Project("p", [Task("r", "research")]), TEAMS, fixes=["launch"], seed=1)
    verdict = kinds_declared(PROTOCOL)(textbook.result)
    assert not verdict and "analysis-lead, research-lead" in verdict.explanation  # FLAW 2: a lead's name as kind


def test_tasks_go_to_the_subtree_with_the_specialty():
    run = run_hierarchical(Project("p", [Task("r1", "research"), Task("r2", "research"), Task("w", "writing")]),
                           TEAMS, seed=1)
    done_by = dict(zip(run.tasks["task"], run.tasks["worker"]))
    assert done_by == {"r1": "ann", "r2": "bo", "w": "di"}


def test_load_is_balanced_among_capable_teams_and_each_lead_gets_one_batch():
    run = run_hierarchical(independent(9), [1, 3, 9], seed=1)
    delegates = [e for e in run.trace.select("send", "director") if e.message.kind == "delegate"]
    assert sorted(len(e.message.body.jobs) for e in delegates) == [3, 3, 3]
    assert len({e.peer for e in delegates}) == 3


def test_each_lead_reports_once_per_order_and_heartbeats_carry_progress():
    run = run_hierarchical(independent(12, duration=1.5), [1, 3, 6], seed=1)
    reports = [e for e in run.trace.select("send") if e.message.kind == "report"]
    assert sorted(e.agent for e in reports) == ["lead-1", "lead-2", "lead-3"]
    assert all(len(e.message.body.results) == 4 for e in reports)
    progress = [e.message.body for e in run.trace.select("deliver", "director") if e.message.kind == "heartbeat"]
    assert progress and max(p.done for p in progress) >= 1


def test_dependencies_wait_for_results_at_the_top():
    run = run_hierarchical(PIPELINE, MIXED, seed=1)
    table = run.tasks.set_index("task")
    assert table.loc["writing", "start"] > max(table.loc[f"analysis-{i}", "end"] for i in (1, 2, 3))


class Stubborn:
    """A policy that ignores the candidates it is offered."""

    def choose(self, task, candidates):
        return "lead-3"


def test_any_assignment_policy_of_tasks_py_works_and_a_bad_choice_is_named():
    for policy in ("first free", "round robin", "least loaded"):
        run = run_hierarchical(PIPELINE, MIXED, seed=1, policy=policy)
        assert run.stop_reason == "completed" and run.verdict, policy
    run = run_hierarchical(Project("p", [Task("w", "writing")]), TEAMS, seed=1, policy=Stubborn())
    assert run.stop_reason == "agent_error" and "must choose one of the candidates" in str(run.result.errors[0])
    with pytest.raises(ValueError, match="policy='fastest'"):
        run_hierarchical(PIPELINE, MIXED, policy="fastest")


# --- failures -------------------------------------------------------------------------------
def test_a_worker_crash_is_handled_by_its_lead_and_the_director_never_hears():
    run = run_hierarchical(SURVEY, MIXED, seed=1, faults=[Crash("worker-1.1", at=0.5)])
    assert run.stop_reason == "completed" and run.verdict, str(run.verdict)
    assert set(disturbed(run)) == {"worker-1.1", "lead-1"}
    assert not run.trace.select(("task_rerouted", "child_lost", "task_retry"), "director")


def test_a_failing_task_is_retried_in_the_team_then_escalated_then_failed_at_the_top_with_its_dependants():
    def broken(payload, inputs):
        raise RuntimeError("source down")

    tasks = [Task("fetch", work=broken), Task("use", depends_on="fetch"), Task("other")]
    run = run_hierarchical(Project("p", tasks), [1, 2, 4], seed=1, retry=RetryPolicy(initial_interval=0.1))
    table = run.tasks.set_index("task")
    assert run.stop_reason == "tasks_failed" and run.verdict, str(run.verdict)
    assert table.loc["fetch", "state"] == "failed" and "source down" in table.loc["fetch", "reason"]
    assert table.loc["use", "state"] == "skipped" and table.loc["other", "state"] == "done"
    assert table.loc["fetch", "attempts"] == 6  # three in each of the two teams
    assert [e.agent for e in run.trace.select("task_escalated")] == ["lead-1", "lead-2"]


def test_an_escalation_rule_must_answer_retry_or_escalate():
    def broken(payload, inputs):
        raise RuntimeError("source down")

    with pytest.raises(ValueError, match=r"^escalation=.*returned 'Retry'; it must return 'retry' or 'escalate'"):
        run_hierarchical(Project("p", [Task("fetch", work=broken)]), [1, 2, 4], seed=1,
                         escalation=lambda failures, capable: "Retry")

    def moody(failures, capable):  # fine at first, wrong once a task has failed twice
        return "retry" if failures < 2 else "give up"

    run = run_hierarchical(Project("p", [Task("fetch", work=broken)]), [1, 2, 4], seed=1, escalation=moody)
    assert run.stop_reason == "agent_error" and "must return 'retry' or 'escalate'" in str(run.result.errors[0])


def test_a_lead_crash_is_detected_by_heartbeats_and_its_work_reassigned():
    run = run_hierarchical(independent(9, 2.0), [1, 3, 9], seed=1, faults=[Crash("lead-2", at=0.5)])
    assert run.stop_reason == "completed" and run.verdict, str(run.verdict)
    lost = run.trace.select("child_lost", "director")
    assert [e.data["child"] for e in lost] == ["lead-2"]
    assert len(run.trace.select("task_rerouted", "director")) == 3
    assert not any(worker.startswith("worker-2.") for worker in run.tasks["worker"])


def test_a_lead_that_restarts_gets_its_work_again_and_attempt_numbers_stay_unique():
    run = run_hierarchical(independent(9, 2.0), [1, 3, 9], seed=1, faults=[Crash("lead-2", at=0.5, recover_at=0.8)])
    assert run.stop_reason == "completed" and run.verdict, str(run.verdict)
    starts = [(e.data["task"], e.data["attempt"]) for e in run.trace.select("task_start")]
    assert len(starts) == len(set(starts)) and max(a for _, a in starts) > 100


def test_the_director_crash_stops_everything_and_the_run_says_so():
    run = run_hierarchical(PIPELINE, MIXED, seed=1, faults=[Crash("director", at=0.5)])
    assert run.stop_reason == "no_answer" and run.projects["report"] is None and not run.verdict
    asks = [e.time for e in run.trace.select("send", "client")]
    assert asks == [0.0, 10.0, 20.0, 30.0, 40.0] and run.result.time == 50.0  # patience 10 s, 5 tries


def test_a_director_that_restarts_picks_up_where_it_left_off_from_its_books():
    run = run_hierarchical(PIPELINE, MIXED, seed=1, faults=[Crash("director", at=1.5, recover_at=2.5)])
    assert run.stop_reason == "completed" and run.verdict, str(run.verdict)
    assert [e.data["held"] for e in run.trace.select("resumed", "director")] == [3]  # the three analyses
    assert len(run.trace.select("task_done")) == 7  # nothing settled twice: the done research stayed done
    # Back up, it sent each lead its research again; their reports had been lost, and they answered from memory.
    assert len(run.trace.select("task_start")) == 7 and run.makespan < 7.0


# --- checkers both ways ---------------------------------------------------------------------
def test_messages_follow_the_chart_rejects_a_message_that_skips_a_level():
    run = run_hierarchical(PIPELINE, MIXED, seed=1)
    assert messages_follow_the_chart(MIXED)(run.result)
    regrouped = OrgChart.from_levels([1, 2, 12], specialties=["research", "analysis", "writing"])
    verdict = messages_follow_the_chart(regrouped)(run.result)
    assert not verdict and verdict.evidence


class EagerLead(Lead):
    """Sabotaged: reports every order complete the moment it arrives."""

    async def on_delegate(self, msg):
        await self.send(self.boss, "report", TeamReport(msg.body.order, {}))
        await super().on_delegate(msg)


def test_reports_only_when_done_rejects_a_lead_that_reports_early():
    honest = run_hierarchical(PIPELINE, MIXED, seed=1)
    assert reports_only_when_done(MIXED)(honest.result)
    world = World(1)
    options = dict(policy="least loaded", retry=RetryPolicy(), escalation=RetryInTeam(), service_time=0.005,
                   heartbeat_interval=0.5, suspect_after=2.0)
    eager = EagerLead("lead-1", MIXED, **(options | {"policy": LeastLoaded()}))
    agents = [eager if a.name == "lead-1" else a for a in agents_for(MIXED, **options)]
    world.add(Client("client", [PIPELINE], {t.id: 1.0 for t in PIPELINE.tasks}, "director"), *agents)
    verdict = reports_only_when_done(MIXED)(world.run())
    assert not verdict and all(e.agent == "lead-1" for e in verdict.evidence)


def test_failures_stay_contained_rejects_reactions_to_failures_that_did_not_happen():
    calm = run_hierarchical(SURVEY, MIXED, seed=1, faults=[Crash("worker-1.1", at=0.5)])
    assert failures_stay_contained(MIXED)(calm.result)
    # Suspicion faster than a heartbeat can cross a slow network: healthy reports look dead.
    jumpy = run_hierarchical(SURVEY, MIXED, seed=1, heartbeat_interval=0.5, suspect_after=0.55,
                             latency=Uniform(0.01, 0.3))
    verdict = failures_stay_contained(MIXED)(jumpy.result)
    assert not verdict and verdict.evidence[0].kind in ("child_lost", "task_retry", "task_rerouted")


def test_other_teams_unchanged_both_ways():
    baseline = run_hierarchical(SURVEY, MIXED, seed=1)
    worker_crash = run_hierarchical(SURVEY, MIXED, seed=1, faults=[Crash("worker-1.1", at=0.5)])
    assert other_teams_unchanged(baseline, worker_crash, "lead-1")
    lead_crash = run_hierarchical(SURVEY, MIXED, seed=1, faults=[Crash("lead-2", at=0.5)])
    assert other_teams_unchanged(baseline, lead_crash, "lead-2")  # its work moved by escalation: allowed
    verdict = other_teams_unchanged(baseline, lead_crash, "lead-1")  # blame the wrong team: others changed
    assert not verdict and "lead-2" in verdict.explanation


# --- pictures -----------------------------------------------------------------------------------
def test_pictures_are_closed_figures():
    run = run_hierarchical(SURVEY, MIXED, seed=1, faults=[Crash("worker-1.1", at=0.5)])
    frame = pd.DataFrame([{"shape": "flat", "makespan": 3.0, "director messages handled": 90,
                           "busiest agent messages handled": 90},
                          {"shape": "2 levels", "makespan": 2.0, "director messages handled": 10,
                           "busiest agent messages handled": 30}])
    for fig in (org_chart(MIXED), org_chart(OrgChart.from_levels([1, 4, 16, 64])), containment(run),
                shapes_compared(frame), load_by_agent(run), progress_at_the_top(run)):
        assert isinstance(fig, plt.Figure) and not plt.fignum_exists(fig.number)
    assert containment(run).axes[0].get_title() == "1 agent(s) reacted, 0 cut off, 14 never noticed"


def test_progress_shows_what_aggregation_holds_back():
    run = run_hierarchical(independent(30, 1.0), [1, 3, 9], seed=1)
    seen = progress(run)
    last = seen.iloc[-1]
    assert last["finished by workers"] == last["results at the director"] == 30
    assert (seen["known at the director"] >= seen["results at the director"]).all()
    first_result = seen[seen["results at the director"] > 0].iloc[0]
    assert first_result["finished by workers"] > 20 and seen["known at the director"].iloc[-2] > 0
