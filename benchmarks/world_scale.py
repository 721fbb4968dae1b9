"""The world at scale: 2,000 agents, one message each per simulated second, for 1,000 s (4 M events).

For each trace level (``World(trace="full" | "messages" | "summary")``) a fresh process runs the
scenario and reports its wall time and peak resident memory (``ru_maxrss``), so one level's
memory never hides another's. Then ``tracemalloc`` measures what the trace itself keeps, in
bytes per event, on a smaller run of the same shape (200 agents, 100 s): the trace's own storage,
and everything the finished run holds.

    python benchmarks/world_scale.py [agents] [seconds]

The run needs no tuning: the livelock guard counts events per simulated instant, not in all.
Figures are wall-clock and memory, so they vary by machine.
"""
from __future__ import annotations

import gc
import json
import resource
import subprocess
import sys
import time
import tracemalloc

from coordlab import Agent, Uniform, World, metrics
from coordlab.world.trace import LEVELS


class Chatter(Agent):
    """Sends one note a second to a peer drawn at random, for ``seconds`` simulated seconds,
    and takes the notes it gets (a note left in the inbox would stay in memory to the end)."""

    daemon = True

    def __init__(self, name: str, agents: int, seconds: int) -> None:
        super().__init__(name)
        self.agents, self.seconds = agents, seconds

    async def run(self) -> None:
        self.spawn(self.chat())
        await super().run()

    async def chat(self) -> None:
        for _ in range(self.seconds):
            await self.send(f"a{self.rng.randrange(self.agents)}", "note")
            await self.sleep(1)

    def on_note(self, msg) -> None:
        pass


def scenario(agents: int, seconds: int, level: str) -> World:
    world = World(seed=1, latency=Uniform(0.01, 0.2), trace=level)
    world.add(*(Chatter(f"a{i}", agents, seconds) for i in range(agents)))
    return world


def one_level(agents: int, seconds: int, level: str) -> dict:
    """Run the scenario at ``level`` (in this process) and report on it."""
    world = scenario(agents, seconds, level)
    start = time.perf_counter()
    result = world.run()
    wall = time.perf_counter() - start
    sent = metrics.summary(result.trace)["sent"]  # answered from the counters at every level
    return {"level": level, "stop_reason": result.stop_reason, "events": len(result.trace), "sent": sent,
            "wall": wall, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def bytes_per_event(level: str, agents: int = 200, seconds: int = 100) -> tuple[float, float]:
    """Memory held after the run, per event: by the trace's own storage, and by the whole result
    (the trace plus the agents, their random generators and the world's tables), with tracemalloc."""
    world = scenario(agents, seconds, level)
    gc.collect()
    tracemalloc.start()
    result = world.run()
    del world
    gc.collect()
    snapshot = tracemalloc.take_snapshot()
    tracemalloc.stop()
    storage = snapshot.filter_traces([tracemalloc.Filter(True, "*coordlab/world/trace.py"),
                                      tracemalloc.Filter(True, "*coordlab/world/tally.py")])
    total = sum(stat.size for stat in snapshot.statistics("filename"))
    trace = sum(stat.size for stat in storage.statistics("filename"))
    return trace / len(result.trace), total / len(result.trace)


def main(agents: int = 2_000, seconds: int = 1_000) -> None:
    print(f"{agents:,} agents, 1 message/agent/s, {seconds:,} simulated s")
    print(f"{'trace':>9} {'events':>11} {'wall s':>8} {'peak RSS MB':>12} {'trace B/event':>14} "
          f"{'result B/event':>15}  stop_reason")
    for level in LEVELS:
        child = subprocess.run([sys.executable, __file__, "--one", level, str(agents), str(seconds)],
                               capture_output=True, text=True, check=True)
        row = json.loads(child.stdout)
        trace, whole = bytes_per_event(level)
        print(f"{level:>9} {row['events']:>11,} {row['wall']:>8.1f} {row['peak_rss_mb']:>12.0f} "
              f"{trace:>14.1f} {whole:>15.1f}  {row['stop_reason']}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        print(json.dumps(one_level(int(sys.argv[3]), int(sys.argv[4]), sys.argv[2])))
    else:
        main(*(int(arg) for arg in sys.argv[1:3]))
