"""Exercise checks of notebook 04: each accepts the solution, rejects the stub and plausible wrong answers."""
import pytest

from coordlab.course.hierarchical import check_aggregation, check_escalation, check_shape


def stub(*args, **kwargs):
    raise NotImplementedError("Your answer goes here: replace this line.")


# --- Exercise 1 -------------------------------------------------------------------------
class Aggregation:
    def __init__(self, task_ids):
        self.missing = set(task_ids)
        self.results = {}

    def record(self, task_id, value):
        if task_id not in self.missing:
            return None
        self.missing.discard(task_id)
        self.results[task_id] = value
        return None if self.missing else self.results


class StubAggregation(Aggregation):
    def record(self, task_id, value):
        stub()


class Counting(Aggregation):  # counts results, so a duplicate completes the order early
    def __init__(self, task_ids):
        super().__init__(task_ids)
        self.expected = len(task_ids)

    def record(self, task_id, value):
        self.results[task_id] = value
        return self.results if len(self.results) >= self.expected else None


class ReportsAgain(Aggregation):  # right moment, but answers every later duplicate too
    def record(self, task_id, value):
        self.missing.discard(task_id)
        self.results.setdefault(task_id, value)
        return None if self.missing else self.results


def test_aggregation_check_accepts_the_solution(capsys):
    assert check_aggregation(Aggregation)
    assert capsys.readouterr().out.startswith("✅ Exercise 1")


@pytest.mark.parametrize("wrong, words", [(StubAggregation, "not solved yet"), (Counting, "record('z', 9)"),
                                          (ReportsAgain, "record('b', 2)")])
def test_aggregation_check_rejects(wrong, words, capsys):
    result = check_aggregation(wrong)
    assert not result and words in result.message
    assert capsys.readouterr().out.startswith("❌ Exercise 1")


# --- Exercise 2 -------------------------------------------------------------------------
def next_step(failures, capable_alive):
    return "retry" if capable_alive and failures < 3 else "escalate"


def test_escalation_check_accepts_the_solution(capsys):
    assert check_escalation(next_step)
    assert capsys.readouterr().out.startswith("✅ Exercise 2")


@pytest.mark.parametrize("wrong", [stub, lambda f, c: "retry", lambda f, c: "escalate",
                                   lambda f, c: "retry" if f < 3 else "escalate",
                                   lambda f, c: "retry" if c and f <= 3 else "escalate"])
def test_escalation_check_rejects(wrong, capsys):
    assert not check_escalation(wrong)
    assert capsys.readouterr().out.startswith("❌ Exercise 2")


# --- Exercise 3 -------------------------------------------------------------------------
def test_shape_check_accepts_the_best_bearable_shape(capsys):
    assert check_shape(lambda: (3, 8))
    assert capsys.readouterr().out.startswith("✅ Exercise 3")


@pytest.mark.parametrize("wrong, words", [(stub, "not solved yet"), (lambda: (2, 64), "over the limit"),
                                          (lambda: (7, 2), "finishes sooner"), (lambda: (5, 5), "not one of")])
def test_shape_check_rejects(wrong, words, capsys):
    result = check_shape(wrong)
    assert not result and words in result.message
