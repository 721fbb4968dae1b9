"""Exercise checks of notebook 02: each accepts the solution, rejects the stub and a plausible wrong answer."""
import pytest

from coordlab import Timeout
from coordlab.course.centralized import check_critical_path, check_policy, check_retry
from coordlab.patterns.tasks import FirstFree


def stub(*args, **kwargs):
    raise NotImplementedError("Your answer goes here: replace this line.")


# --- Exercise 1 -------------------------------------------------------------------------
class FastestFree:
    def choose(self, task, candidates):
        return max(candidates, key=lambda w: w.speed).name


class StubPolicy:
    def choose(self, task, candidates):
        stub()


class AlwaysFast:  # ignores who is free
    def choose(self, task, candidates):
        return "fast-1"


def test_policy_check_accepts_a_faster_policy(capsys):
    assert check_policy(FastestFree)
    assert capsys.readouterr().out.startswith("✅ Exercise 1")


@pytest.mark.parametrize("wrong, words", [(StubPolicy, "not solved yet"), (FirstFree, "first-free"),
                                          (AlwaysFast, "not valid")])
def test_policy_check_rejects(wrong, words, capsys):
    result = check_policy(wrong)
    assert not result and words in result.message
    assert capsys.readouterr().out.startswith("❌ Exercise 1")


# --- Exercise 2 -------------------------------------------------------------------------
async def assign_with_retry(agent, task, workers, timeout):
    for worker in workers:
        try:
            await agent.request(worker, "assign", task, timeout=timeout)
            return worker
        except Timeout:
            continue
    raise RuntimeError(f"no worker could do {task.id}")


async def stub_retry(agent, task, workers, timeout):
    stub()


async def no_retry(agent, task, workers, timeout):
    await agent.request(workers[0], "assign", task, timeout=timeout)
    return workers[0]


async def no_timeout(agent, task, workers, timeout):
    await agent.request(workers[0], "assign", task)
    return workers[0]


async def wrong_worker(agent, task, workers, timeout):
    await assign_with_retry(agent, task, workers, timeout)
    return workers[0]


def test_retry_check_accepts_the_solution():
    assert check_retry(assign_with_retry)


@pytest.mark.parametrize("wrong, words", [(stub_retry, "not solved yet"), (no_retry, "raised Timeout"),
                                          (no_timeout, "deadlock"), (wrong_worker, "worker-1, which had crashed")])
def test_retry_check_rejects(wrong, words):
    result = check_retry(wrong)
    assert not result and words in result.message


# --- Exercise 3 -------------------------------------------------------------------------
def longest_chain(durations, depends_on):
    finish = {}

    def finish_of(task):
        if task not in finish:
            finish[task] = durations[task] + max((finish_of(d) for d in depends_on[task]), default=0.0)
        return finish[task]

    return max((finish_of(t) for t in durations), default=0.0)


def test_critical_path_check_accepts_the_solution():
    result = check_critical_path(longest_chain)
    assert result and "bound is 4.5 s" in result.message


@pytest.mark.parametrize("wrong, words", [
    (stub, "not solved yet"),
    (lambda durations, depends_on: sum(durations.values()), "you returned 10.5, expected 4.5"),
    (lambda durations, depends_on: max(durations.values()), "you returned 2.0, expected 4.5"),
])
def test_critical_path_check_rejects(wrong, words):
    result = check_critical_path(wrong)
    assert not result and words in result.message
