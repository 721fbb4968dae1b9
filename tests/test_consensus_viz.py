"""Consensus pictures: closed figures, a trace replay that agrees with the checkers, widgets that run headless."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from coordlab.patterns.consensus import message_counts, outcome_table, scenarios  # noqa: E402
from coordlab.patterns.consensus.jury import accuracy_table  # noqa: E402
from coordlab.patterns.consensus.raft_checks import replay_logs  # noqa: E402
from coordlab.patterns.consensus.voting import PLURALITY_VS_BORDA, ApprovalProfile, Profile  # noqa: E402
from coordlab.viz import consensus as pictures  # noqa: E402
from tests.bad_input import assert_refused  # noqa: E402


@pytest.fixture(scope="module")
def run():
    return scenarios.demo("leader", at=2.0, restart_after=1.0)


def test_every_picture_is_a_closed_figure(run):
    spread = pd.DataFrame({"spread": [0.0, 0.0, 0.1, 0.1], "time to leader": [None, None, 0.6, 0.7],
                           "split votes": [9, 9, 0, 1]})
    loss = pd.DataFrame({"loss": [0.0, 0.1], "operations per second": [20.0, 5.0], "median latency": [0.03, 0.1],
                         "p95 latency": [0.05, 1.0]})
    figures = [
        pictures.quorums(5), pictures.quorums(4, [3, 2]),
        pictures.raft_timeline(run), pictures.raft_view(run, 2.5), pictures.scrub_figure(run, 2.5),
        pictures.rule_scores(PLURALITY_VS_BORDA),
        pictures.jury_curves(accuracy_table([1, 5], 0.6, [0.0, 0.5], trials=200, seed=0)),
        pictures.election_time_vs_spread(spread), pictures.raft_under_loss(loss),
        pictures.generals_outcomes({"OM(1), 3 generals": outcome_table(3, 1)}),
        pictures.om_message_growth(message_counts(range(3, 6), (0, 1))),
    ]
    assert all(isinstance(figure, Figure) for figure in figures)
    assert plt.get_fignums() == []


def test_the_quorum_picture_says_which_quorums_must_meet():
    titles = [ax.get_title() for ax in pictures.quorums(5, [3, 2]).axes]
    assert titles == ["n=5, quorum q=3: 1 shared\nany two quorums always share a server",
                      "n=5, quorum q=2: 0 shared\nany two quorums can be disjoint"]


def test_server_states_agree_with_the_trace(run):
    role: dict[str, str] = {}
    leaders = []  # (time, server, term) of each change into the leader role
    for time, name, state in pictures.server_states(run.trace, run.servers):
        if state.role == "leader" and role.get(name) != "leader":
            leaders.append((time, name, state.term))
        role[name] = state.role
    assert [(e.time, e.agent, e.data["term"]) for e in run.trace.select("leader")] == leaders
    crashed = run.trace.select("crash")[0]
    assert pictures.cluster_at(run.trace, run.servers, crashed.time)[crashed.agent].role == "down"
    assert pictures.cluster_at(run.trace, run.servers, crashed.time + 1.0)[crashed.agent].role == "follower"
    # Every server's replayed log is the log the checkers replay, at every moment.
    final = {event.agent: tuple(log) for event, log in replay_logs(run.trace)}
    at_end = pictures.cluster_at(run.trace, run.servers, run.result.time)
    assert {name: state.log for name, state in at_end.items() if state.log} == final
    # Followers step down to the new leader's term; the crashed leader learns it once back.
    assert {state.term for state in at_end.values()} == {leaders[-1][2]}


def test_the_figure_8_picture_shows_a_committed_entry_overwritten():
    broken = scenarios.figure_8(scenarios.CountsOldTerms)
    before, after = (pictures.cluster_at(broken.trace, broken.servers, t) for t in (0.45, 1.5))
    assert before["s2"].commit_index == 2 and before["s2"].log[1].term == 2  # b (term 2) committed …
    assert after["s2"].log[1].term == 3 and after["s5"].role == "leader"  # … and replaced by c (term 3)


def test_the_scrubber_reruns_only_when_a_run_setting_changes(monkeypatch):
    calls, shown = [], {}

    def simulate(crash, at, restart_after, spread):
        calls.append((crash, at, restart_after, spread))
        return scenarios.demo(crash, at, restart_after, spread=spread, until=3.0)

    def explore(draw, **controls):
        shown.update(draw=draw, controls=controls)
        shown["first"] = draw(**{name: control.value for name, control in controls.items()})

    monkeypatch.setattr(pictures, "explore", explore)
    pictures.raft_scrubber(simulate, scenarios.DEMO_SERVERS, horizon=3.0, t=1.0)
    assert isinstance(shown["first"], Figure) and calls == [(None, 2.0, None, 0.5)]
    assert set(shown["controls"]) == {"t", "crash", "at", "restart_after", "spread"}
    shown["draw"](t=2.5, crash=None, at=2.0, restart_after=None, spread=0.5)  # the slider: no re-run
    assert len(calls) == 1
    shown["draw"](t=2.5, crash="s1", at=1.0, restart_after=1.0, spread=0.0)  # a crash: a re-run
    assert calls[-1] == ("s1", 1.0, 1.0, 0.0)


def test_the_widgets_show_a_picture_headless(capsys):
    pictures.raft_scrubber(lambda *args, spread: scenarios.demo(*args, spread=spread, until=3.0),
                           scenarios.DEMO_SERVERS, horizon=3.0, t=1.0)
    pictures.profile_editor(PLURALITY_VS_BORDA)
    out = capsys.readouterr().out
    assert out.count("Figure(") == 2 and "FloatSlider" in out and "BoundedIntText" in out


def test_the_profile_editor_starts_from_the_profile_and_survives_no_ballots(monkeypatch):
    shown = {}
    monkeypatch.setattr(pictures, "explore", lambda draw, **controls: shown.update(draw=draw, controls=controls))
    pictures.profile_editor(PLURALITY_VS_BORDA)
    assert {name: c.value for name, c in shown["controls"].items() if c.value} == PLURALITY_VS_BORDA.counts()
    assert len(shown["controls"]) == 6
    empty = shown["draw"](**dict.fromkeys(shown["controls"], 0))
    assert "no ballots" in empty.axes[0].texts[0].get_text()
    titles = [ax.get_title() for ax in shown["draw"](**{"a>b>c": 3, "b>c>a": 2, "c>b>a": 2}).axes]
    assert titles == ["plurality: a", "borda: b", "instant-runoff: b", "copeland: b"]


def test_the_generals_grid_has_a_cell_per_run_coloured_by_what_it_broke():
    table = outcome_table(3, 1)
    doctored = table.assign(IC1=[index != 0 for index in table.index])  # pretend the first run broke IC1 too
    figure = pictures.generals_outcomes({"as run": table, "doctored": doctored})
    colours = [[matplotlib.colors.to_hex(patch.get_facecolor()) for patch in ax.patches] for ax in figure.axes]
    assert [len(cells) for cells in colours] == [len(table)] * 2
    broken = int((~table["IC2"]).sum())
    assert colours[0].count(pictures.IC2_BROKEN) == broken and colours[0].count(pictures.HELD) == len(table) - broken
    assert table["IC2"][0] and colours[1][0] == pictures.IC1_BROKEN  # the doctored run shows as broken
    assert figure.axes[0].get_title(loc="left") == f"as run: {broken} of {len(table)} runs break IC1 or IC2"


def test_the_message_growth_picture_draws_each_count_it_is_given():
    table = message_counts(range(3, 7), (0, 1, 2))
    ax = pictures.om_message_growth(table).axes[0]
    assert ax.get_xscale() == ax.get_yscale() == "log"
    drawn = {(tuple(line.get_xdata()), tuple(line.get_ydata())) for line in ax.lines}
    for _, rows in table.groupby("m"):
        for column in ("messages", "exact", "n^(m+1)"):
            assert (tuple(rows["n"]), tuple(rows[column])) in drawn


# --- bad input ---------------------------------------------------------------------------------------
def _run():
    return scenarios.demo(until=1.0)


FRAME = pd.DataFrame({"x": [1]})
CASES = [
    ("quorums n zero", lambda: pictures.quorums(0), ValueError, "n"),
    ("quorums n float", lambda: pictures.quorums(2.5), TypeError, "n"),
    ("quorums n huge", lambda: pictures.quorums(100), ValueError, "n"),
    ("quorums sizes a string", lambda: pictures.quorums(5, "3"), TypeError, "sizes"),
    ("quorums sizes empty", lambda: pictures.quorums(5, []), TypeError, "sizes"),
    ("quorums size above n", lambda: pictures.quorums(5, [6]), ValueError, "sizes[0]"),
    ("server_states not a trace", lambda: pictures.server_states("trace", ["s1"]), TypeError, "trace"),
    ("cluster_at negative t", lambda: pictures.cluster_at(_run().trace, ["s1"], -1), ValueError, "t"),
    ("timeline not a run", lambda: pictures.raft_timeline(None), TypeError, "run"),
    ("view not a run", lambda: pictures.raft_view("run", 1.0), TypeError, "run"),
    ("view t string", lambda: pictures.raft_view(_run(), "1"), TypeError, "t"),
    ("scrub t nan", lambda: pictures.scrub_figure(_run(), float("nan")), ValueError, "t"),
    ("scrubber simulate not callable", lambda: pictures.raft_scrubber(3, ["s1"]), TypeError, "simulate"),
    ("scrubber servers a string", lambda: pictures.raft_scrubber(scenarios.demo, "s1"), TypeError, "servers"),
    ("scrubber horizon zero", lambda: pictures.raft_scrubber(scenarios.demo, ["s1"], horizon=0), ValueError,
     "horizon"),
    ("scrubber t past horizon", lambda: pictures.raft_scrubber(scenarios.demo, ["s1"], horizon=6, t=7), ValueError,
     "t"),
    ("scrubber unknown server", lambda: pictures.raft_scrubber(scenarios.demo, ["s1"], crash="s9"), ValueError,
     "crash"),
    ("scrubber crash before 0.5", lambda: pictures.raft_scrubber(scenarios.demo, ["s1"], at=0.1), ValueError, "at"),
    ("scrubber restart not offered", lambda: pictures.raft_scrubber(scenarios.demo, ["s1"], restart_after=1.5),
     ValueError, "restart_after"),
    ("scrubber spread not offered", lambda: pictures.raft_scrubber(scenarios.demo, ["s1"], spread=0.3), ValueError,
     "spread"),
    ("rule_scores not a profile", lambda: pictures.rule_scores("a>b"), TypeError, "profile"),
    ("editor approval profile", lambda: pictures.profile_editor(ApprovalProfile(["a"])), TypeError, "profile"),
    ("editor five candidates", lambda: pictures.profile_editor(Profile(["a>b>c>d>e"])), ValueError, "profile"),
    ("jury table not a frame", lambda: pictures.jury_curves([1, 2]), TypeError, "frame"),
    ("jury table lacks columns", lambda: pictures.jury_curves(FRAME), ValueError, "n"),
    ("spread frame lacks columns", lambda: pictures.election_time_vs_spread(FRAME), ValueError, "x"),
    ("loss frame lacks columns", lambda: pictures.raft_under_loss(FRAME), ValueError, "x"),
    ("generals tables a frame", lambda: pictures.generals_outcomes(FRAME), TypeError, "tables"),
    ("generals tables empty", lambda: pictures.generals_outcomes({}), TypeError, "tables"),
    ("generals table not a frame", lambda: pictures.generals_outcomes({"a": [1]}), TypeError, "frame"),
    ("generals table lacks columns", lambda: pictures.generals_outcomes({"a": FRAME}), ValueError, "traitors"),
    ("message table not a frame", lambda: pictures.om_message_growth(None), TypeError, "frame"),
    ("message table lacks columns", lambda: pictures.om_message_growth(FRAME), ValueError, "n"),
    ("demo seed None", lambda: scenarios.demo(seed=None), TypeError, "seed"),
    ("demo unknown server", lambda: scenarios.demo("s9"), ValueError, "crash"),
    ("demo at zero", lambda: scenarios.demo("s1", at=0), ValueError, "at"),
    ("demo restart_after negative", lambda: scenarios.demo("s1", restart_after=-1), ValueError, "restart_after"),
    ("demo spread negative", lambda: scenarios.demo(spread=-0.5), ValueError, "spread"),
]


@pytest.mark.parametrize("what, call, error, argument", CASES, ids=[case[0] for case in CASES])
def test_bad_input_is_refused_naming_the_argument(what, call, error, argument):
    assert_refused(call, error, argument)
