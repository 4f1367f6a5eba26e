"""Run the selected cells: each service started once, cells on -j workers, longest first.

plan (skips, service modes, order) -> start services -> workers run cells as their
services become ready -> a service stops when no remaining cell needs it -> teardown
(every service, then every orphan a cell left and anything still carrying this run's
marker). What it starts is recorded in a ledger (`ledger.py`) while it runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import signal
import time
import uuid
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any

from matrixgen.errors import ResultsFolderError
from matrixgen.load.cells import Cell
from matrixgen.load.matrix import Matrix
from matrixgen.load.service_values import ServiceValues
from matrixgen.load.shell import UnsafeValue
from matrixgen.outcome import durations, stamp
from matrixgen.outcome.attempts import EarlierAttempt, flaky_reason
from matrixgen.outcome.status import Status
from matrixgen.run import cell_python, reaper
from matrixgen.run.attempt import (
    Abort,
    Outcome,
    cell_command,
    cell_env,
    cell_values,
    namespace,
    run_attempt,
)
from matrixgen.run.cell_compose import CellProject, cell_project
from matrixgen.run.ledger import Ledger, ledger_path, run_marker
from matrixgen.run.options import MustFail, RunOptions
from matrixgen.run.platform import current as platform
from matrixgen.run.processes import process_clock, sweep
from matrixgen.run.progress import Progress
from matrixgen.run.results_folder import ResultsFolder, not_writable
from matrixgen.run.service_pool import ServicePool

# `--start when-needed`: a service starts when the work ahead of its first cell is under
# this many seconds per worker, about the boot of the slowest emulators (RabbitMQ 10 s).
SERVICE_LEAD = 20.0
UNTIMED_CELL = 5.0  # seconds: a cell's expected duration when none is recorded
INTERRUPTED = 130


class Scheduler:
    def __init__(
        self,
        matrix: Matrix,
        cells: list[Cell],
        options: RunOptions,
        progress: Progress,
        modes: dict[str, str],
        skipped: list[tuple[Cell, str]],
        folder: ResultsFolder,
    ) -> None:
        self.matrix, self.options, self.progress, self.folder = matrix, options, progress, folder
        self.run_id = uuid.uuid4().hex
        self.marker = run_marker(self.run_id, options.results_dir)
        self.base_env = {**options.env, self.marker: "1"}
        path = ledger_path(options.results_dir, self.run_id)
        self.ledger = Ledger(path, self.run_id, self.marker, on_error=self.broke)
        self.began = process_clock()  # whatever started before is not this run's
        self.cells = cells
        self.skipped = skipped
        recorded = durations.read(options.results_dir / durations.FILE, warn=progress.note)
        self.pending = order_longest_first(cells, recorded)
        known = sorted(recorded.get(cell.id, 0.0) for cell in cells if cell.id in recorded)
        typical = known[len(known) // 2] if known else UNTIMED_CELL
        self.expected = {cell.id: recorded.get(cell.id, typical) for cell in cells}
        self.pool = ServicePool(
            matrix.model.services,
            modes,
            cells,
            root=matrix.root,
            base_env=self.base_env,
            ledger=self.ledger,
            progress=progress,
            addresses=options.address,
            on_change=self._notify,
            on_death=self._abort_users,
            spawn=lambda coroutine, stop: self._spawn(coroutine, stop=stop),
            log_path=folder.service_log,
            on_write_error=self.broke,
            variant=ServiceValues(matrix.model, cells, matrix.root).variant,
        )
        self.running: dict[str, tuple[Cell, Abort]] = {}
        self.since: dict[str, float] = {}  # running cell -> its attempt's start (process_clock)
        self.changed = asyncio.Condition()
        self.tasks: set[asyncio.Task[None]] = set()  # service starts and watches, notifications
        self.stops: set[asyncio.Task[None]] = set()
        self.statuses: dict[str, Status | None] = {}  # None: interrupted, no result
        self.durations: dict[str, float] = {}
        self.stopping = ""  # why no new cell starts: "", "interrupted" or a --fail-fast reason
        # Private to this run: the noting sitecustomize and logs of the Pythons cells start.
        self.scratch: Path | None = None
        self.interrupted = False
        self.broken: ResultsFolderError | None = None  # the results folder cannot be written

    def _spawn(self, coroutine: Coroutine[Any, Any, None], *, stop: bool = False) -> None:
        """Keep a reference to a background task. Stops are awaited at teardown, never cancelled:
        a cancelled stop would leave the service running."""
        tasks = self.stops if stop else self.tasks
        task = asyncio.ensure_future(coroutine)
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    async def run(self) -> None:
        self.ledger.begin()  # before anything starts: its badge, its ledger
        with self.writing():
            self.scratch = self.ledger.make_folder()
        for cell, reason in self.skipped:
            if isinstance(reason, MustFail):
                self.fail(cell, reason)
            else:
                self.skip(cell, reason)
        if self.broken is None:
            self.pool.prepare()  # each started by `_want` when one of the next cells needs it
        self._want()
        workers = [asyncio.ensure_future(self._worker()) for _ in range(self.options.jobs)]
        try:
            await asyncio.gather(*workers)
        finally:
            for worker in workers:
                worker.cancel()
            await self.teardown()

    async def teardown(self) -> None:
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        await asyncio.gather(*self.stops, return_exceptions=True)
        await self.pool.stop_all()
        if self.scratch is not None:
            self.ledger.remove_folder(self.scratch)
        orphans = reaper.orphans(
            keep=self.ledger.live(),
            since=self.began,
            marker=self.marker,
            badge=self.ledger.badge_id,
        )
        left = await asyncio.to_thread(reaper.stop, orphans)
        left += await asyncio.to_thread(sweep, self.marker, self.ledger.badge_id)
        if left:
            self.progress.note(
                f"killed processes left behind by cells or services: {', '.join(left)}"
            )
        kept = self.ledger.close()
        if kept:
            self.progress.note(f"could not clean up {', '.join(kept)}; run `matrixgen clean`")

    def interrupt(self, signum: int) -> None:
        if self.interrupted:
            return
        self.interrupted = True
        self.progress.note(f"{signal.Signals(signum).name}: stopping every cell and service")
        self._halt()

    def broke(self, error: OSError) -> None:
        """A write into the results folder failed: stop as on Ctrl-C; the run ends with
        that error (exit 2), and cells stopped on the way have no result."""
        if self.broken is None:
            self.broken = not_writable(error)
            self.progress.note(f"stopping: {self.broken}")
        self._halt()

    def _halt(self) -> None:
        self.stopping = "interrupted"
        for _cell, abort in self.running.values():
            abort.set("interrupted")
        self.pool.halt()  # a cell waiting for its own services does not wait on
        self._spawn(self._notify())

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """Around writes into the results folder: a failure stops the run (`broke`)."""
        try:
            yield
        except OSError as error:
            self.broke(error)

    async def _notify(self) -> None:
        async with self.changed:
            self.changed.notify_all()

    def _abort_users(self, service: str, reason: str, details: str, only: str | None) -> None:
        """A service died: every running cell that uses it (or `only` that cell, whose own
        instance it was) stops with its reason."""
        for cell, abort in self.running.values():
            if self.pool.uses(cell, service) and only in (None, cell.id):
                abort.set(reason, details)

    # Cells

    def _want(self) -> None:
        """Start the services of the cells that come next. With `--start when-needed`, a
        service starts once the work ahead of its first cell (recorded durations, in the
        order workers take cells, over the workers) is under SERVICE_LEAD seconds, or that
        cell is among the next 2×jobs: it boots while the cells before it run, and is
        stopped after its last (`_release`). With `--start all`, every service at once."""
        if self.stopping:
            return
        jobs = self.options.jobs
        ahead = 0.0
        for index, cell in enumerate(self.pending):
            if self.options.start != "all" and index >= 2 * jobs and ahead / jobs > SERVICE_LEAD:
                break
            for key in self.pool.wants(cell):
                self.pool.want(key)
            ahead += self.expected[cell.id]

    async def _next(self) -> Cell | None:
        async with self.changed:
            while True:
                if self.stopping or not self.pending:
                    return None
                self._want()
                for cell in self.pending:
                    if self.pool.settled(cell):
                        self.pending.remove(cell)
                        self.pool.take(cell)
                        return cell
                await self.changed.wait()

    async def _worker(self) -> None:
        while (cell := await self._next()) is not None:
            try:
                await self._run_cell(cell)
            finally:
                self.pool.release(cell)
                await self._notify()

    def paths(self, cell: Cell) -> tuple[Path, Path]:
        """Where the cell's JUnit and log go, in a real level folder (a link is replaced)."""
        folder = self.folder.level(cell.level)
        return folder / f"{cell.name}.xml", folder / f"{cell.name}.log"

    async def _run_cell(self, cell: Cell) -> None:
        try:
            junit_path, log = self.paths(cell)
        except OSError as error:
            self.broke(error)
            return
        broken = self.pool.broken(cell)
        if broken is not None:
            reason, _, details = broken.partition("\n")
            self.fail(cell, reason, details)
            return
        service_env = self.pool.env(cell)
        assert self.scratch is not None
        python = await cell_python.prepare(self.matrix, cell, self.base_env, self.scratch)
        if isinstance(python, str):  # why its environment cannot be had, and the tool's output
            reason, _, details = python.partition("\n")
            self.fail(cell, reason, details)
            return
        own = await self.pool.start_own(cell)  # its own instances (`scope: cell`)
        if own is not None:
            reason, _, details = own.partition("\n")
            self.fail(cell, reason, details)
            return
        timeout = self.options.timeout if self.options.timeout is not None else cell.timeout
        project = cell_project(self.matrix, cell, self.run_id)
        outcome = Outcome(Status.ERROR)
        recorded = seen = ""
        earlier: list[EarlierAttempt] = []  # kept aside, each as <cell>.attempt-N.xml/.log
        for attempt in range(1, self.options.retries + 2):
            space = namespace(self.run_id, cell, attempt)
            env = cell_env(
                cell,
                self.base_env,
                service_env,
                junit_path,
                space,
                results=self.options.results_dir,
            )
            if project is not None:  # the run's own project, not the profile's `name:`
                env["COMPOSE_PROJECT_NAME"] = project.name
            assert self.scratch is not None
            pythons = self.scratch / f"{cell.level}-{cell.name}-{attempt}.pythons"
            if python is not None:
                env = python.env(env, pythons)
            values = cell_values(cell, junit_path, space)
            try:
                command = cell_command(cell, values, env, self.options.extra_args)
            except UnsafeValue as error:  # no quoting keeps it data where it stands
                self.fail(cell, f"its run line cannot take a value: {error}")
                return
            if self.stopping == "interrupted":
                # Stopped while it waited (its environment, its services): never started, so
                # what an earlier run left of it stays as it was.
                outcome = Outcome(Status.ERROR, "interrupted", attempt=attempt, interrupted=True)
                break
            # A service that died or lost its port while the cell waited (for its environment,
            # between attempts) is not what the cell would use: an error, never a start.
            gone = self.pool.check(cell)
            if gone is not None and attempt == 1:
                reason, _, details = gone.partition("\n")
                self.fail(cell, reason, details)
                return
            if gone is not None:  # the earlier attempts, kept aside, stay in its result
                outcome = self._as_error(cell, junit_path, gone, Outcome(Status.ERROR))
                outcome.attempt = attempt
                break
            if attempt == 1 and not self._clear(cell):  # the results folder cannot be written
                outcome = Outcome(Status.ERROR, "interrupted", attempt=attempt, interrupted=True)
                break
            abort = Abort()
            if project is not None:  # before: a killed run leaves it to `matrixgen clean`
                self.ledger.compose_up(project.name, project.profile)
            self.running[cell.id] = (cell, abort)
            self.since[cell.id] = process_clock()
            self.progress.started(cell, attempt, command)
            try:
                outcome = await run_attempt(
                    cell,
                    command=command,
                    env=env,
                    cwd=self.matrix.root,
                    junit_path=junit_path,
                    log=log,
                    timeout=timeout,
                    abort=abort,
                    attempt=attempt,
                    ledger=self.ledger,
                    on_log_error=self.broke,
                )
            except OSError as error:  # the results folder cannot be written
                self.broke(error)
                outcome = Outcome(Status.ERROR, "interrupted", attempt=attempt, interrupted=True)
            finally:
                del self.running[cell.id], self.since[cell.id]
                if project is not None:
                    await self._down(cell, project)
            await self._stop_orphans()
            if not outcome.interrupted:
                outcome = self._served(cell, outcome, junit_path)
            if python is not None and not outcome.interrupted:
                outcome, recorded, seen = python.judge(cell, outcome, pythons, junit_path)
            if not outcome.status.bad or self.stopping or attempt > self.options.retries:
                break
            try:
                kept = self.folder.keep_attempt(
                    cell, junit_path, log, attempt, outcome.status.value, outcome.reason
                )
            except OSError as error:
                self.broke(error)
                outcome = Outcome(Status.ERROR, "interrupted", attempt=attempt, interrupted=True)
                break
            earlier.append(kept)
            self.progress.retrying(cell, outcome)
        if outcome.interrupted:
            self.statuses[cell.id] = None
            self.progress.finished(cell, outcome, None)
            return
        retried = outcome.status is Status.PASSED and outcome.attempt > 1
        status = Status.FLAKY if retried else outcome.status
        if retried:  # the reason names the tests that failed before, with the first message
            outcome = dataclasses.replace(outcome, reason=flaky_reason(outcome.attempt, earlier))
        self.finish(cell, outcome, status, ran=True, python=recorded, pythons=seen, earlier=earlier)

    def _clear(self, cell: Cell) -> bool:
        """Clear what an earlier run left of the cell, as it starts (`ResultsFolder.clear`);
        False when the results folder cannot be written (the run stops)."""
        try:
            self.folder.clear([cell])
        except OSError as error:
            self.broke(error)
            return False
        return True

    def _served(self, cell: Cell, outcome: Outcome, junit_path: Path) -> Outcome:
        """The attempt as its services let it count: one whose service is no longer what it
        used (died, or another process on its port) is an error, whatever it reported."""
        gone = self.pool.check(cell)
        if gone is None or outcome.status is Status.ERROR:
            return outcome
        return self._as_error(cell, junit_path, gone, outcome)

    def _as_error(self, cell: Cell, junit_path: Path, why: str, outcome: Outcome) -> Outcome:
        """The attempt made an error for `why` (a reason line, then details), its JUnit
        replaced by one that says so."""
        reason, _, details = why.partition("\n")
        try:
            stamp.synthesize(
                junit_path,
                cell,
                outcome=Status.ERROR,
                message=reason,
                details=f"{outcome.output}\n{details}".strip(),
                duration=outcome.duration,
            )
        except OSError as error:
            self.broke(error)
            return dataclasses.replace(outcome, interrupted=True)
        return dataclasses.replace(outcome, status=Status.ERROR, reason=reason)

    async def _down(self, cell: Cell, project: CellProject) -> None:
        """Bring the cell's compose project down; teardown awaits it even if this task is
        cancelled."""

        async def down() -> None:
            why = await project.down(self.base_env)
            if why:
                self.progress.note(f"compose project {project.name} of {cell.id}: {why}")
            else:
                self.ledger.compose_down(project.name)

        downing = asyncio.ensure_future(down())
        self.stops.add(downing)
        downing.add_done_callback(self.stops.discard)
        with contextlib.suppress(Exception):
            await asyncio.shield(downing)

    async def _stop_orphans(self) -> None:
        """Stop the daemons finished cells left (see `reaper`), not those of running cells."""
        found = reaper.orphans(
            keep=self.ledger.live(),
            since=self.began,
            marker=self.marker,
            badge=self.ledger.badge_id,
        )
        starting = min(self.ledger.starting.values(), default=float("inf"))
        chosen = reaper.left_by_finished_cells(found, running=self.since, starting=starting)
        names = await asyncio.to_thread(reaper.stop, chosen) if chosen else []
        if names:
            self.progress.note(f"stopped what finished cells left running: {', '.join(names)}")

    def finish(
        self,
        cell: Cell,
        outcome: Outcome,
        status: Status,
        *,
        ran: bool,
        python: str = "",
        pythons: str = "",
        earlier: list[EarlierAttempt] | None = None,
    ) -> None:
        junit_path = self.options.results_dir / cell.level / f"{cell.name}.xml"
        props = stamp.properties(
            cell,
            attempt=outcome.attempt,
            duration=outcome.duration,
            status=status,
            reason=outcome.reason,
            python=python,
            pythons=pythons,
            args=self.options.extra_args if ran else (),
            services=self.pool.described(cell),
            earlier=earlier or (),
        )
        try:
            stamp.stamp(junit_path, props)
        except OSError as error:
            with contextlib.suppress(OSError):
                junit_path.unlink(missing_ok=True)  # unstamped, it would pass for a result
            self.broke(error)
            self.statuses[cell.id] = None
            self.progress.finished(cell, outcome, None)
            return
        self.statuses[cell.id] = status
        if ran:
            self.durations[cell.id] = outcome.duration
        self.progress.finished(cell, outcome, status)
        if status.bad and self.options.fail_fast and not self.stopping:
            self.stopping = f"--fail-fast: {cell.id} {status.value}"

    def _synthesize(self, cell: Cell, status: Status, reason: str, details: str) -> None:
        try:
            junit_path, _ = self.paths(cell)
            self.folder.clear([cell])  # an earlier run's log beside this result would mislead
            stamp.synthesize(
                junit_path, cell, outcome=status, message=reason, details=details, duration=0.0
            )
        except OSError as error:
            self.broke(error)
            self.statuses[cell.id] = None
            self.progress.finished(cell, Outcome(status, reason, interrupted=True), None)
            return
        self.finish(cell, Outcome(status, reason, output=details), status, ran=False)

    def fail(self, cell: Cell, reason: str, details: str = "") -> None:
        """The cell could not run: an error saying why (a broken service, no Python)."""
        self._synthesize(cell, Status.ERROR, reason, details)

    def skip(self, cell: Cell, reason: str) -> None:
        self._synthesize(cell, Status.SKIPPED, reason, "")

    def not_run(self) -> None:
        """Cells --fail-fast kept from starting are recorded as not run (a status of their
        own: a skip is what matrix.yaml asks for), naming the cell that stopped the run."""
        if self.interrupted or self.broken is not None:
            return
        for cell in self.pending:
            self._synthesize(cell, Status.NOT_RUN, f"stopped by {self.stopping}", "")
        self.pending.clear()


def order_longest_first(cells: list[Cell], durations: dict[str, float]) -> list[Cell]:
    """Longest recorded duration first; a cell never timed counts as the longest known,
    so that new cells do not end up as the straggler. Ties keep matrix order."""
    longest = max(durations.values(), default=0.0)
    return sorted(cells, key=lambda c: -durations.get(c.id, longest))


def exit_code(statuses: dict[str, Status | None], interrupted: bool) -> int:
    if interrupted:
        return INTERRUPTED
    return 1 if any(s is not None and s.bad for s in statuses.values()) else 0


async def execute(scheduler: Scheduler) -> int:
    """Run, and end with the exit code; raises ResultsFolderError (exit 2) when the results
    folder could not be written, after everything was stopped."""
    # Every way a terminal or a supervisor asks a process to stop (`Platform.stop_signals`)
    # stops every cell and service, and the run exits 130.
    remove = platform().on_stop(asyncio.get_running_loop(), scheduler.interrupt)
    start = time.monotonic()
    try:
        with reaper.subreaper():
            await scheduler.run()
    finally:
        remove()
        scheduler.not_run()
        with scheduler.writing():
            durations.record(scheduler.options.results_dir / durations.FILE, scheduler.durations)
    code = exit_code(scheduler.statuses, scheduler.interrupted)
    if scheduler.broken is not None:
        code = scheduler.broken.exit_code
    scheduler.progress.end(scheduler.statuses, time.monotonic() - start, code)
    if scheduler.broken is not None:
        raise scheduler.broken
    return code
