"""coordlab: learn how multi-agent systems coordinate by running, breaking and measuring them.

Everything a notebook needs is importable from here: ``from coordlab import World, Agent``.
Pictures live in ``coordlab.viz`` and exercise checks in ``coordlab.course``.
"""
from coordlab import metrics
from coordlab.world import *  # noqa: F403 - the world's public API is coordlab's public API
from coordlab.world import __all__ as _world_all

__all__ = [*_world_all, "metrics"]
__version__ = "0.1.0"
