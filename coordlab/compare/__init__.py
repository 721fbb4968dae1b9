"""Compare and choose: one workload for all five patterns, measured, and the decision guide.

One module per job, in the order notebook 07 tells them:

* ``workload``    the workload every pattern runs: tasks with types, durations and a few
  dependencies, workers with capabilities (``workload(tasks=, agents=, seed=)``);
* ``contenders``  each pattern running a workload through its own run function (``CONTENDERS``);
* ``rows``        one run as one tidy row (``row``), and the ``coordination_report`` of any run;
* ``columns``     the seed's four columns, measured: ``scalability``, ``complexity``,
  ``fault_tolerance``, ``predictability``;
* ``stars``       the seed's star table beside the measured stars, and where they disagree;
* ``choose``      all of it in a ``Comparison``, and ``recommend``, the decision guide.
"""
from coordlab.compare.choose import NONE_ABLE, QUESTIONS, Comparison, Recommendation, recommend
from coordlab.compare.columns import (
    complexity,
    crossover,
    exponents,
    fault_summary,
    fault_tolerance,
    measured_run,
    predictability,
    scalability,
)
from coordlab.compare.contenders import CONTENDERS, PATTERNS, Contender, contender, org_chart
from coordlab.compare.rows import (
    CoordinationReport,
    busiest,
    coordination_report,
    finished_at,
    measure,
    row,
    task_times,
)
from coordlab.compare.stars import COLUMNS, SEED_STARS, seed_table
from coordlab.compare.workload import Workload, workload

__all__ = [
    # the workload and the contenders
    "workload", "Workload", "CONTENDERS", "PATTERNS", "Contender", "contender", "org_chart",
    # one run
    "row", "measure", "coordination_report", "CoordinationReport", "finished_at", "busiest", "task_times",
    # the four columns
    "measured_run", "scalability", "exponents", "crossover", "complexity", "fault_tolerance", "fault_summary",
    "predictability",
    # stars and choosing
    "COLUMNS", "SEED_STARS", "seed_table", "Comparison", "Recommendation", "recommend", "QUESTIONS",
    "NONE_ABLE",
]
