"""The comparison's pictures and decision widget: they draw tables and answers, headless too."""
import sys

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure  # noqa: E402

from coordlab.compare import PATTERNS, recommend  # noqa: E402
from coordlab.viz import compare as compare_viz  # noqa: E402
from tests.test_compare import synthetic_comparison  # noqa: E402


def test_scalability_plot_draws_one_line_per_pattern_and_hollow_failures():
    table = synthetic_comparison()
    fig = compare_viz.scalability_plot(table.scalability)
    assert isinstance(fig, Figure)
    makespan_axis = fig.axes[0]
    assert [text.get_text() for text in makespan_axis.get_legend().get_texts()] == list(PATTERNS)
    hollow = [line for line in makespan_axis.lines if line.get_markerfacecolor() == "white" and len(line.get_xdata())]
    failing = table.scalability.query("completion < 1")[["pattern", "agents"]].drop_duplicates()
    assert sum(len(line.get_xdata()) for line in hollow) == len(failing)


def test_fault_plot_has_a_line_per_pattern_over_the_rates():
    table = synthetic_comparison()
    fig = compare_viz.fault_plot(table.faults)
    lines = fig.axes[0].lines
    assert len(lines) == len(PATTERNS)
    assert all(list(line.get_xdata()) == [0.0, 20.0] for line in lines)


def test_recommendation_figure_shows_the_guide_s_answer():
    table = synthetic_comparison()
    fig = compare_viz.recommendation_figure(table, agents=100, must_survive_coordinator_loss=False,
                                            fault_tolerance_needed=False, predictability_needed=False)
    texts = " ".join(t.get_text() for t in fig.axes[0].texts)
    assert f"→ {recommend(table, agents=100).pattern}:" in texts
    assert "How many agents" in texts and "100" in texts


def test_decision_guide_shows_controls_and_a_static_figure(monkeypatch):
    shown = []
    explore_module = sys.modules["coordlab.viz.explore"]  # the package re-exports the function under that name
    monkeypatch.setattr(explore_module, "display", shown.append)
    monkeypatch.setattr(explore_module.DisplayHandle, "display", lambda self, obj: shown.append(obj))
    compare_viz.decision_guide(synthetic_comparison(), agents=100)
    controls = shown[0].children
    assert [c.description for c in controls][0] == "agents" and controls[0].value == 100
    assert isinstance(shown[1], Figure)
    assert "swarm" in " ".join(t.get_text() for t in shown[1].axes[0].texts)
