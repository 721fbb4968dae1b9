"""Pictures of runs (from traces and results) and the widgets that drive them.

Every function returns a matplotlib ``Figure`` that is already closed, so a notebook
shows it exactly once and a script can ``fig.savefig(...)`` it. Nothing here runs a
simulation on its own: viz only draws what a run left behind.
"""
from coordlab.viz.explore import explore
from coordlab.viz.trace_plots import message_graph, sequence_diagram, timeline, topology

__all__ = ["explore", "message_graph", "sequence_diagram", "timeline", "topology"]
