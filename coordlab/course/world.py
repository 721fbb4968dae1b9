"""Exercise checks for notebook 01, the simulated world.

Each check runs the learner's code in a small world, judges the run from its trace,
and prints ✅ or ❌ with a hint. The scenarios are fixed and seeded, so a check gives the
same answer every time for the same code.
"""
from __future__ import annotations

from collections.abc import Callable

from coordlab.course.report import CheckResult, exercise_check, failed, passed
from coordlab.world import Agent, Uniform, World

SEEDS = range(5)


class Echo(Agent):
    """Answers every ping (after ``think`` seconds of work) with the same body."""

    daemon = True

    def __init__(self, name: str, think: float = 0.0) -> None:
        super().__init__(name)
        self.think = think

    async def on_ping(self, msg) -> None:
        await self.work(self.think)
        await self.reply(msg, msg.body)


# --- Exercise 1: keep pinging through a lossy network ------------------------------
PINGS_WANTED = 5
MAX_PINGS = 40


PINGER = "Exercise 1 — a pinger that survives 30% loss"


@exercise_check(PINGER)
def check_persistent_pinger(pinger_class: type[Agent]) -> CheckResult:
    """``pinger_class(name, peer)`` must collect 5 replies from ``peer`` under 30% loss, then stop."""
    for seed in SEEDS:
        world = World(seed=seed, latency=Uniform(0.05, 0.15), loss=0.3)
        world.add(pinger_class("pinger", "echo"), Echo("echo"))
        result = world.run(until=300)
        answered = {e.message.in_reply_to for e in result.trace.select("deliver", agent="pinger")}
        pings = len(result.trace.select("send", agent="pinger"))
        if result.errors:
            raise result.errors[0].error
        if result.stop_reason == "deadlock":
            return failed(PINGER, f"with seed {seed} your pinger waited forever "
                          f"for {result.waiting['pinger'][0]}",
                          "a lost request is never answered: give request() a timeout and try again")
        if len(answered) < PINGS_WANTED:
            return failed(PINGER,
                          f"with seed {seed} it got {len(answered)} replies, not {PINGS_WANTED}",
                          "keep asking until you have 5 replies (count them), then return from run()")
        if result.stop_reason != "completed":
            return failed(PINGER, f"with seed {seed} it did not stop "
                          f"(stop_reason={result.stop_reason!r})", "return from run() once you have 5 replies")
        if pings > MAX_PINGS:
            return failed(PINGER,
                          f"with seed {seed} it sent {pings} pings for {PINGS_WANTED} replies",
                          "send one ping, wait for its reply or its timeout, and only then send the next")
    return passed(PINGER,
                  f"5 replies under 30% loss with every one of {len(SEEDS)} seeds, and it stopped by itself")


# --- Exercise 2: a partition is not a crash ------------------------------------------
class Counter(Agent):
    """Counts the notes it receives (in memory, so a crash forgets them)."""

    daemon = True

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.count = 0

    async def on_note(self, msg) -> None:
        self.count += 1


class Announcer(Agent):
    """Every 0.5 s for 6 s, sends a note to b and to c."""

    async def run(self) -> None:
        for _ in range(12):
            await self.send("b", "note", self.now)
            await self.send("c", "note", self.now)
            await self.sleep(0.5)


def partition_scenario(faults: list) -> World:
    world = World(seed=0, latency=0.1, faults=faults)
    world.add(Announcer("a"), Counter("b"), Counter("c"))
    return world


PARTITION = "Exercise 2 — cut b off from t=2 to t=4"


@exercise_check(PARTITION)
def check_partition_schedule(make_faults: Callable[[], list]) -> CheckResult:
    """``make_faults()`` must make b miss exactly the notes sent in [2, 4) and nothing else change."""
    exercise = PARTITION
    result = partition_scenario(list(make_faults())).run()
    if result.errors:
        raise result.errors[0].error
    missed = {agent: sorted(e.message.body for e in result.trace.select("drop", agent=agent))
              for agent in ("b", "c")}
    wanted = [2.0, 2.5, 3.0, 3.5]
    if result.trace.select("crash"):
        return failed(exercise, "b crashed: it missed the notes, but it also lost its memory "
                      f"(its count is {result.agents['b'].count}, not {12 - len(missed['b'])})",
                      "a crash kills the agent; the exercise asks for a network fault")
    if missed["c"]:
        return failed(exercise, f"c missed notes too (sent at {missed['c']})",
                      "only b's links should be cut: a fault on the whole network hits everyone")
    if missed["b"] != wanted:
        return failed(exercise, f"b missed the notes sent at {missed['b']}, not at {wanted}",
                      "check the start and end times of your fault")
    return passed(exercise, "b missed the 4 notes sent between t=2 and t=4, kept its memory, "
                  "and c missed nothing")


# --- Exercise 3: choose a timeout from the latency distribution ------------------------
LOW, HIGH, THINK = 0.1, 0.5, 0.2


class TimedAsker(Agent):
    def __init__(self, name: str, timeout: float, asks: int = 200) -> None:
        super().__init__(name)
        self.timeout, self.asks = timeout, asks

    async def run(self) -> None:
        for i in range(self.asks):
            try:
                await self.request("echo", "ping", i, timeout=self.timeout)
            except TimeoutError:
                pass


TIMEOUT = "Exercise 3 — the smallest safe timeout"


@exercise_check(TIMEOUT)
def check_timeout_choice(choose_timeout: Callable[[], float]) -> CheckResult:
    """The timeout must never give up on a reply that is on its way, and not wait much longer."""
    exercise = TIMEOUT
    timeout = choose_timeout()
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        return failed(exercise, f"choose_timeout() returned {timeout!r}, not a number of seconds")
    worst = HIGH + THINK + HIGH
    premature = 0
    for seed in SEEDS:
        world = World(seed=seed, latency=Uniform(LOW, HIGH))
        world.add(TimedAsker("asker", timeout), Echo("echo", think=THINK))
        premature += len(world.run().trace.select("timeout"))
    if premature:
        return failed(exercise, f"with timeout={timeout:g} s, {premature} requests gave up although "
                      "nothing was lost (over 1000 requests)",
                      "a reply needs the way there, the echo's work, and the way back: add the worst of each")
    if timeout > worst + 0.05:
        return failed(exercise, f"timeout={timeout:g} s never gives up early, but a lost request "
                      f"waits {timeout - worst:g} s longer than it has to",
                      "the worst case is the sum of the three worst cases; nothing can take longer")
    return passed(exercise, f"timeout={timeout:g} s: no premature timeout in 1000 requests, "
                  "and no longer than the worst round trip")
