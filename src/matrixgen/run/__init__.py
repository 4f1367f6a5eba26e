"""`matrixgen run`: services + cells -> JUnit per cell in results/<level>/<cell>.xml.

plan (requirements, service modes) -> Scheduler (services, workers) -> results
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from pathlib import Path

from matrixgen.errors import UsageError, did_you_mean
from matrixgen.load.cells import Cell
from matrixgen.load.matrix import Matrix
from matrixgen.load.runtimes import PREFERENCE, RUNTIMES, choose
from matrixgen.run.interpreters import missing
from matrixgen.run.options import MustFail, RunOptions
from matrixgen.run.requirements import docker_engine_answers, unmet

__all__ = ["RunOptions", "clean_results", "plan", "run_cells"]


def plan(
    matrix: Matrix, cells: list[Cell], options: RunOptions
) -> tuple[list[Cell], list[tuple[Cell, str]], dict[str, str]]:
    """Split cells into runnable and skipped (with why: a `MustFail` reason makes the cell an
    error instead); pick native, compose or provided (an address given with `--provided`)
    per service."""
    services = matrix.model.services
    for name in options.provided:
        if name not in services:
            raise UsageError(f"--provided: unknown service '{name}'{did_you_mean(name, services)}")
    needed = sorted({name for cell in cells for name in cell.services})
    started = [name for name in needed if name not in options.provided]
    choice = options.services_mode
    wants_engine = any(
        RUNTIMES[runtime].needs_engine and RUNTIMES[runtime].runs(services[name])
        for name in started
        for runtime in PREFERENCE[choice]
    )
    engine = wants_engine and docker_engine_answers(options.env)
    if choice == "compose" and started and not engine:
        raise UsageError(
            "--services compose: no Docker engine answers `docker info`; use --services native"
        )
    modes: dict[str, str] = {}
    cant: dict[str, str] = {}
    for name in needed:
        chosen = choose(
            name, services[name], choice=choice, engine=engine, provided=name in options.provided
        )
        if chosen.runtime:
            modes[name] = chosen.runtime
        else:
            cant[name] = chosen.why
    runnable: list[Cell] = []
    skipped: list[tuple[Cell, str]] = []
    for cell in cells:
        reason = unmet(cell.requires, options.env) or next(
            (cant[s] for s in cell.services if s in cant), None
        )
        lost = missing(cell.python, options.env) if cell.python and not reason else None
        if lost and not options.skips_missing_interpreters:
            reason = MustFail(
                f"{lost}; under CI a missing interpreter fails the run "
                "(--skip-missing-interpreters skips its cells instead)"
            )
        reason = reason or lost
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
    """Run `cells`; 0 when all passed or were skipped, 1 when any failed, 130 when interrupted.

    Raises ResultsFolderError (exit 2) when the results folder is another run's or cannot
    be written. First cleans up after earlier runs into this folder that died (`leftovers`).
    """
    from matrixgen.run import leftovers
    from matrixgen.run.progress import make_progress
    from matrixgen.run.results_folder import ResultsFolder
    from matrixgen.run.scheduler import Scheduler, execute

    if not cells:
        raise UsageError("no cells selected; see `matrixgen list`")
    runnable, skipped, modes = plan(matrix, cells, options)
    folder = ResultsFolder.take(options.results_dir)
    assert folder is not None
    try:
        progress = make_progress(options)
        try:
            for line in leftovers.clean(options.results_dir, options.env, root=options.root).lines:
                progress.note(line)
            progress.begin(cells, modes, str(options.results_dir))
            scheduler = Scheduler(matrix, runnable, options, progress, modes, skipped, folder)
            return asyncio.run(execute(scheduler))
        finally:
            progress.close()
    finally:
        folder.release()


def clean_results(
    results_dir: Path, env: Mapping[str, str], echo: Callable[[str], object], *, root: Path
) -> int:
    """`matrixgen clean`: stop what dead runs into `results_dir` left (their compose files lie
    in the project folder `root`); 0, or 1 when something could not be cleaned. Raises
    ResultsFolderError while a run uses the folder."""
    from matrixgen.run import leftovers
    from matrixgen.run.results_folder import ResultsFolder

    folder = ResultsFolder.take(results_dir, create=False)
    if folder is None:
        echo(f"nothing to clean: no results folder {results_dir}")
        return 0
    try:
        cleaned = leftovers.clean(results_dir, env, root=root)
    finally:
        folder.release()
    for line in cleaned.lines:
        echo(line)
    if not cleaned.lines:
        echo(f"nothing to clean in {results_dir}: no run into it died leaving something behind")
    return 0 if cleaned.complete else 1
