"""Which of the suite's Python processes measure coverage: those that run matrixgen.

coverage's `patch = ["subprocess"]` (pyproject) puts its configuration in the environment
(COVERAGE_PROCESS_CONFIG), and its .pth file starts measuring in every Python process that
has this venv's packages and that variable: pip, nox, moto_server, a cell's pytest, each
paying about 0.25 s of CPU to import and start coverage, though only matrixgen's code is
measured (`source`). scripts/test.sh links the one-line `a0_matrixgen_coverage.pth` beside
coverage's `a1_coverage.pth` in .venv, so that it runs first: in a process that does not
run matrixgen it moves the variable aside (to `STASH`), and coverage's file then starts
nothing; a process that runs matrixgen, however deep below (nox's session, a job's step),
gets it back. Without the link every process measures, as before: slower, same figures.
"""

from __future__ import annotations

import os
import sys

VARIABLE = "COVERAGE_PROCESS_CONFIG"
STASH = "COVERAGE_PROCESS_CONFIG_ASIDE"


def runs_matrixgen(argv: list[str]) -> bool:
    """Whether a command line runs matrixgen: `python -m matrixgen`, its console script,
    or `python -c` code that names it (an xdist worker's `-c` code does not)."""
    args = argv[1:]
    for flag in ("-m", "-c"):
        if flag in args:
            following = args[args.index(flag) + 1 : args.index(flag) + 2]
            return bool(following) and "matrixgen" in following[0]
    script = next((arg for arg in args if not arg.startswith("-")), "")
    return os.path.basename(script) == "matrixgen"


def filter_process() -> None:
    """At start-up, before coverage's .pth: keep the variable only where matrixgen runs."""
    config = os.environ.pop(VARIABLE, None) or os.environ.get(STASH)
    if config is None:
        return
    os.environ[STASH] = config
    if runs_matrixgen(list(getattr(sys, "orig_argv", sys.argv))):
        os.environ[VARIABLE] = config


if __name__ == "_matrixgen_coverage_filter":  # run by the .pth line (runpy.run_path)
    filter_process()
