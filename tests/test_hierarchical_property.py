"""Property: random org charts × random crash schedules × seeds -> the run ends, every
checker holds (each task done once or failed with a reason, reports only when done,
messages along the chart) and failures stay inside the failing subtree unless escalated."""
import networkx as nx
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from coordlab import Crash
from coordlab.patterns.hierarchical import OrgChart, Project, run_hierarchical
from coordlab.patterns.tasks import RetryPolicy, Task


def flaky(payload, inputs):
    raise RuntimeError("this task's work always fails")


@st.composite
def charts(draw):
    """A random tree: node i reports to an earlier node; leaves are workers of type a and/or b."""
    size = draw(st.integers(2, 12))
    graph = nx.DiGraph()
    graph.add_node("director")
    names = ["director"]
    for i in range(1, size):
        boss = names[draw(st.integers(0, i - 1))]
        names.append(f"n{i}")
        graph.add_edge(boss, names[-1])
    skills = {name: draw(st.sampled_from([("a",), ("b",), ("a", "b")]))
              for name in graph if graph.out_degree(name) == 0}
    return OrgChart.from_graph(graph, skills)


@st.composite
def projects(draw):
    count = draw(st.integers(1, 8))
    tasks = []
    for i in range(count):
        deps = draw(st.lists(st.integers(0, i - 1), max_size=2, unique=True)) if i else []
        tasks.append(Task(f"t{i}", draw(st.sampled_from(["a", "b"])), draw(st.sampled_from([0.3, 1.0, 2.0])),
                          depends_on=tuple(f"t{d}" for d in deps),
                          work=flaky if draw(st.integers(0, 9)) == 0 else None))
    return Project("p", tasks)


@st.composite
def crashes(draw, chart):
    faults = []
    for name in chart.parent:
        if name == chart.director or draw(st.integers(0, 3)):
            continue  # the director's crash is the one failure a hierarchy does not survive
        at = draw(st.floats(0, 5))
        recover = draw(st.one_of(st.none(), st.floats(0.1, 5)))
        faults.append(Crash(name, at=at, recover_at=None if recover is None else at + recover))
    return faults


@settings(max_examples=60, deadline=None, database=None, derandomize=True)
@given(chart=charts(), project=projects(), data=st.data(), seed=st.integers(0, 10_000))
def test_runs_end_and_every_checker_holds(chart, project, data, seed):
    assume({t.type for t in project.tasks} <= chart.can_do(chart.director))
    faults = data.draw(crashes(chart))
    run = run_hierarchical(project, chart, seed=seed, faults=faults, until=10_000,
                           retry=RetryPolicy(max_attempts=2, initial_interval=0.1))
    assert run.stop_reason in ("completed", "tasks_failed")
    assert run.verdict, str(run.verdict)
