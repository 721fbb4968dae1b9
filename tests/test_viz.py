"""The pictures draw what the trace says (checked on the drawn artists, headless)."""
import ipywidgets as widgets
from matplotlib.figure import Figure

from coordlab import Crash, Partition, World, viz


def run(agents):
    world = World(seed=1, latency=0.1, loss=0.3,
                  faults=[Crash("b", at=1, recover_at=1.4), Partition([["a"]], at=2, heal_at=2.3)])
    world.add(agents["Pinger"]("a", n=6, timeout=0.5), agents["Echo"]("b"))
    return world.run()


def test_sequence_diagram_draws_an_arrow_per_delivery_and_a_cross_per_drop(agents):
    result = run(agents)
    fig = viz.sequence_diagram(result.trace)
    ax = fig.axes[0]
    arrows = [a for a in ax.texts if getattr(a, "arrow_patch", None) is not None]
    labels = [t.get_text() for t in ax.texts if getattr(t, "arrow_patch", None) is None]
    assert len(arrows) == len(result.trace.select("deliver"))
    assert sum("(" in label for label in labels) == len(result.trace.select("drop"))
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b"]


def test_sequence_diagram_says_when_it_leaves_messages_out(agents):
    fig = viz.sequence_diagram(run(agents).trace, max_messages=3)
    assert "(first 3 of" in fig.axes[0].get_title()


def test_timeline_and_topology_are_figures_with_one_row_or_node_per_agent(agents):
    result = run(agents)
    tl = viz.timeline(result.trace)
    assert isinstance(tl, Figure) and [t.get_text() for t in tl.axes[0].get_yticklabels()] == ["a", "b"]
    graph = viz.message_graph(result.trace)
    assert graph["a"]["b"]["weight"] == len(result.trace.select("send", agent="a"))
    assert isinstance(viz.topology(result.trace), Figure)


def test_explore_redraws_when_a_control_moves(agents):
    calls = []

    def draw(n):
        calls.append(n)
        return viz.timeline(run(agents).trace)

    slider = widgets.IntSlider(value=2, min=1, max=5)
    viz.explore(draw, n=slider)
    slider.value = 4
    assert calls == [2, 4]
