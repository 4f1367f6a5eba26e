"""How each runtime of `load.runtimes` brings a service up and down: one module each
(`native`, `compose`, `provided`) behind `Runtime`, keyed by the registry's names.

`run.services.RunningService` does what every runtime shares (a private data folder, its
log, the ready probe, setup steps, the teardown of its folder) and asks its runtime for the
rest. A runtime sees the service through `Handle`, so none of them imports the service.
"""

from __future__ import annotations

from matrixgen.run.runtimes.base import Handle, Runtime
from matrixgen.run.runtimes.compose import Compose
from matrixgen.run.runtimes.native import Native
from matrixgen.run.runtimes.provided import Provided

__all__ = ["BEHAVIOURS", "Handle", "Runtime", "runtime"]

# By the names of `load.runtimes.RUNTIMES` (tests/run/test_runtimes.py holds them together).
BEHAVIOURS: dict[str, Runtime] = {"native": Native(), "compose": Compose(), "provided": Provided()}


def runtime(name: str) -> Runtime:
    """The behaviour of runtime `name` (a name of `load.runtimes.RUNTIMES`)."""
    return BEHAVIOURS[name]
