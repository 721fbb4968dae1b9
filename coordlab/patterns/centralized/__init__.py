"""Centralized orchestration: one orchestrator plans, assigns and collects; workers work.

    run = run_centralized(research_pipeline(), workers=3, seed=1)
    run.stop_reason, run.tasks, run.makespan, run.verdict

One module per role, in the order notebook 02 tells them:

* ``protocol``      the message kinds between client, orchestrator and workers (``protocol_table()``);
* ``orchestrator``  the ``Orchestrator``: task states (a ``tasks.TaskGraph``), dispatch, retries,
  timeouts, silent workers; and the ``Client`` that submits the job;
* ``workers``       ``WorkerSpec`` (what a worker can do) and the ``Worker`` agent;
* ``run``           ``run_centralized`` and its result, ``CentralizedRun``;
* ``checks``        the checkers a run is judged by;
* ``naive``         the widely copied textbook orchestrator, flaws included (for "Break" only).

Tasks, policies and the task graph are the shared kit in ``coordlab.patterns.tasks``;
heartbeats and the silence watch are ``coordlab.patterns.liveness``.
"""
from coordlab.patterns.centralized import naive
from coordlab.patterns.centralized.checks import (
    centralized_checkers,
    dependencies_respected,
    every_task_settled,
    no_result_lost,
)
from coordlab.patterns.centralized.orchestrator import Client, Orchestrator
from coordlab.patterns.centralized.protocol import (
    CLIENT,
    ORCHESTRATOR,
    PROTOCOL,
    Assign,
    Failure,
    Heartbeat,
    Register,
    Result,
    Submit,
    protocol_table,
)
from coordlab.patterns.centralized.run import CentralizedRun, run_centralized
from coordlab.patterns.centralized.workers import MAX_WORKERS, Worker, WorkerSpec, generalists

__all__ = [
    # the run function and its result
    "run_centralized", "CentralizedRun",
    # the protocol
    "PROTOCOL", "protocol_table", "Submit", "Register", "Assign", "Result", "Failure", "Heartbeat",
    # checkers
    "centralized_checkers", "every_task_settled", "dependencies_respected", "no_result_lost",
    # the textbook version, for "Break"
    "naive",
    # the agents
    "Orchestrator", "Client", "Worker", "WorkerSpec", "generalists", "MAX_WORKERS", "ORCHESTRATOR", "CLIENT",
]
