"""`matrixgen run`: services + cells -> JUnit per cell in results/<level>/<cell>.xml.

plan (requirements, service modes) -> Scheduler (services, workers) -> results
"""

from __future__ import annotations

import asyncio

from matrixgen.errors import UsageError
from matrixgen.load.cells import Cell
from matrixgen.load.matrix import Matrix
from matrixgen.run.cell_python import missing
from matrixgen.run.options import RunOptions
from matrixgen.run.requirements import docker_engine_answers, unmet

__all__ = ["RunOptions", "plan", "run_cells"]


def plan(
    matrix: Matrix, cells: list[Cell], options: RunOptions
) -> tuple[list[Cell], list[tuple[Cell, str]], dict[str, str]]:
    """Split cells into runnable and skipped (with why); pick native or compose per service."""
    services = matrix.model.services
    needed = sorted({name for cell in cells for name in cell.services})
    wants_engine = options.services_mode == "compose" or (
        options.services_mode == "auto" and any(services[n].compose for n in needed)
    )
    engine = wants_engine and docker_engine_answers(options.env)
    if options.services_mode == "compose" and needed and not engine:
        raise UsageError(
            "--services compose: no Docker engine answers `docker info`; use --services native"
        )
    modes: dict[str, str] = {}
    cant: dict[str, str] = {}
    for name in needed:
        service = services[name]
        if service.compose and (
            options.services_mode == "compose" or (options.services_mode == "auto" and engine)
        ):
            modes[name] = "compose"
        elif service.process is not None:
            modes[name] = "native"
        elif options.services_mode == "native":
            cant[name] = f"service {name} has no `process:` to run it natively (--services native)"
        else:
            cant[name] = (
                f"service {name} runs only under Docker (`compose:`) and no Docker engine answers"
            )
    runnable: list[Cell] = []
    skipped: list[tuple[Cell, str]] = []
    for cell in cells:
        reason = (
            unmet(cell.requires, options.env)
            or next((cant[s] for s in cell.services if s in cant), None)
            or (missing(cell.python, options.env) if cell.python is not None else None)
        )
        if reason:
            skipped.append((cell, reason))
        else:
            runnable.append(cell)
    used = {
        name: modes[name]
        for name in needed
        if name in modes and any(name in c.services for c in runnable)
    }
    return runnable, skipped, used


def run_cells(matrix: Matrix, cells: list[Cell], options: RunOptions) -> int:
    """Run `cells`; 0 when all passed or were skipped, 1 when any failed, 130 when interrupted."""
    from matrixgen.run.progress import make_progress
    from matrixgen.run.scheduler import Scheduler, execute

    if not cells:
        raise UsageError("no cells selected; see `matrixgen list`")
    runnable, skipped, modes = plan(matrix, cells, options)
    options.results_dir.mkdir(parents=True, exist_ok=True)
    for cell in cells:
        # A result left from an earlier run must not pass for this run's.
        (options.results_dir / cell.level / f"{cell.name}.xml").unlink(missing_ok=True)
    progress = make_progress(options)
    try:
        progress.begin(cells, modes, str(options.results_dir))
        scheduler = Scheduler(matrix, runnable, options, progress, modes, skipped)
        return asyncio.run(execute(scheduler))
    finally:
        progress.close()
