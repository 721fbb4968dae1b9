"""Raft's bad-input catalogue: each case fails before anything runs, naming the argument first.

Every case is ``(what, call, error type, argument)``: ``call()`` must raise ``error type`` with a
message that starts with ``argument=`` (the argument, its value, what is allowed).
"""
import pytest

from coordlab.patterns.consensus.kv import KVClient
from coordlab.patterns.consensus.raft import RaftServer
from coordlab.patterns.consensus.raft_run import run_raft
from coordlab.world import Agent, Nemesis

SERVERS = ["s1", "s2", "s3"]

CASES = [
    # run_raft(...)
    ("seed None", lambda: run_raft(seed=None), TypeError, "seed"),
    ("seed negative", lambda: run_raft(seed=-1), ValueError, "seed"),
    ("servers zero", lambda: run_raft(servers=0), ValueError, "servers"),
    ("servers float", lambda: run_raft(servers=2.5), TypeError, "servers"),
    ("servers too many", lambda: run_raft(servers=1000), ValueError, "servers"),
    ("clients negative", lambda: run_raft(clients=-1), ValueError, "clients"),
    ("clients bool", lambda: run_raft(clients=True), TypeError, "clients"),
    ("operations negative", lambda: run_raft(operations=-3), ValueError, "operations"),
    ("operations string", lambda: run_raft(operations="put x 1"), TypeError, "operations"),
    ("operations unknown op", lambda: run_raft(operations=[("delete", "x", None)]), ValueError, "operations"),
    ("operations put without value", lambda: run_raft(operations=[("put", "x", None)]), ValueError, "operations"),
    ("operations get with value", lambda: run_raft(operations=[("get", "x", "1")]), ValueError, "operations"),
    ("operations not a triple", lambda: run_raft(operations=[("get", "x")]), ValueError, "operations"),
    ("heartbeat zero", lambda: run_raft(heartbeat=0), ValueError, "heartbeat"),
    ("heartbeat string", lambda: run_raft(heartbeat="fast"), TypeError, "heartbeat"),
    ("election timeout below heartbeat", lambda: run_raft(election_timeout=0.05), ValueError, "election_timeout"),
    ("election timeout nan", lambda: run_raft(election_timeout=float("nan")), ValueError, "election_timeout"),
    ("spread negative", lambda: run_raft(spread=-0.1), ValueError, "spread"),
    ("client timeout zero", lambda: run_raft(client_timeout=0), ValueError, "client_timeout"),
    ("think negative", lambda: run_raft(think=-1), ValueError, "think"),
    ("start_at negative", lambda: run_raft(start_at=-1), ValueError, "start_at"),
    ("keys empty", lambda: run_raft(keys=[]), TypeError, "keys"),
    ("keys a string", lambda: run_raft(keys="xy"), TypeError, "keys"),
    ("until zero", lambda: run_raft(until=0), ValueError, "until"),
    ("until None", lambda: run_raft(until=None, clients=0), TypeError, "until"),
    ("loss above 1", lambda: run_raft(loss=1.5), ValueError, "loss"),
    ("latency negative", lambda: run_raft(latency=-1), ValueError, "latency"),
    ("server not a RaftServer", lambda: run_raft(server=Agent), TypeError, "server"),
    ("faults a string", lambda: run_raft(faults="crash s1"), TypeError, "faults"),
    ("nemesis seed None", lambda: run_raft(faults=Nemesis(seed=None)), TypeError, "seed"),
    # RaftServer(...)
    ("server not in its cluster", lambda: RaftServer("s9", SERVERS), ValueError, "servers"),
    ("cluster a string", lambda: RaftServer("s1", "s1"), ValueError, "servers"),
    ("cluster with a repeat", lambda: RaftServer("s1", ["s1", "s1"]), ValueError, "servers"),
    ("server heartbeat negative", lambda: RaftServer("s1", SERVERS, heartbeat=-1), ValueError, "heartbeat"),
    ("server spread string", lambda: RaftServer("s1", SERVERS, spread="wide"), TypeError, "spread"),
    # KVClient(...)
    ("client without servers", lambda: KVClient("c1", [], 3), TypeError, "servers"),
    ("client timeout negative", lambda: KVClient("c1", SERVERS, 3, timeout=-1), ValueError, "timeout"),
    ("client operations float", lambda: KVClient("c1", SERVERS, 2.5), TypeError, "operations"),
    ("client keys with an empty name", lambda: KVClient("c1", SERVERS, 3, keys=["x", ""]), TypeError, "keys"),
]


@pytest.mark.parametrize("what, call, error, argument", CASES, ids=[case[0] for case in CASES])
def test_bad_input_is_refused_naming_the_argument(what, call, error, argument):
    with pytest.raises(error, match=f"^{argument}="):
        call()
