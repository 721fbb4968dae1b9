"""Task pictures and sweep plots: they draw what they are given."""
import pandas as pd
from matplotlib.figure import Figure

from coordlab import Crash
from coordlab.patterns.centralized import run_centralized
from coordlab.patterns.tasks import Task, research_pipeline
from coordlab.viz.centralized import makespan_vs_workers
from coordlab.viz.tasks import gantt, sweep_lines


def test_gantt_draws_one_row_per_worker_and_hatches_lost_attempts():
    run = run_centralized(research_pipeline(2), workers=2, seed=0, faults=[Crash("worker-1", at=1.5)])
    fig = gantt(run.trace, research_pipeline(2))
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["worker-1", "worker-2"]
    assert any(p.get_hatch() == "//" for p in ax.patches)
    assert "attempt lost or cut short" in [t.get_text() for t in ax.get_legend().get_texts()]


def test_sweep_plots_show_mean_and_bound():
    frame = pd.DataFrame({"workers": [1, 1, 2, 2], "seed": [0, 1, 0, 1], "makespan": [4.0, 4.2, 2.5, 2.7],
                          "critical path": [2.0, 2.0, 2.0, 2.0], "total work": [4.0, 4.0, 4.0, 5.0]})
    fig = makespan_vs_workers(frame)
    lines = fig.axes[0].get_lines()
    assert list(lines[0].get_ydata()) == [4.1, 2.6]
    assert list(lines[1].get_ydata()) == [4.0, 2.25]
    assert isinstance(sweep_lines(frame, "workers", "makespan"), Figure)


def test_gantt_of_an_empty_run_is_still_a_figure():
    assert isinstance(gantt(run_centralized([Task("a")], workers=1, seed=0).trace), Figure)


def test_gantt_gives_idle_workers_a_row_when_asked():
    run = run_centralized(research_pipeline(3), workers=5, seed=1)

    def rows(fig):
        return [t.get_text() for t in fig.axes[0].get_yticklabels()]

    assert rows(gantt(run.trace)) == ["worker-1", "worker-2", "worker-3"]
    assert rows(gantt(run.trace, workers=[f"worker-{i}" for i in range(1, 6)])) == [f"worker-{i}" for i in range(1, 6)]
