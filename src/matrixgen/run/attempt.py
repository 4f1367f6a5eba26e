"""One attempt at one cell: its env, its command, its deadline, and what its JUnit says."""

from __future__ import annotations

import asyncio
import hashlib
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from matrixgen.load.cells import Cell
from matrixgen.load.harness import writes_junit
from matrixgen.load.names import env_name
from matrixgen.load.placeholders import fill_command, substitute
from matrixgen.outcome import stamp
from matrixgen.outcome.junit import read_junit
from matrixgen.outcome.status import Status
from matrixgen.outcome.verdict import exit_text, of_content, of_exit_code
from matrixgen.run.ledger import Ledger
from matrixgen.run.logs import Log
from matrixgen.run.processes import spawn, tail, terminate

CELL_GRACE = 3.0  # seconds between SIGTERM and SIGKILL of a cell's process group


@dataclass
class Abort:
    """Set by the scheduler to stop a running cell: a service it uses died, or Ctrl-C."""

    event: asyncio.Event = field(default_factory=asyncio.Event)
    reason: str = ""
    details: str = ""

    def set(self, reason: str, details: str = "") -> None:
        if not self.event.is_set():
            self.reason, self.details = reason, details
            self.event.set()


@dataclass
class Outcome:
    status: Status  # of this attempt: passed, flaky, failed, error or skipped
    reason: str = ""
    duration: float = 0.0
    output: str = ""  # tail of the cell's output
    attempt: int = 1
    interrupted: bool = False  # stopped by Ctrl-C/SIGTERM: no result at all


def namespace(run_id: str, cell: Cell, attempt: int) -> str:
    """Short, lowercase, alphanumeric, unique per run, cell and attempt: valid as a bucket,
    queue, topic or key prefix on every emulator (3+ characters, starts with a letter)."""
    digest = hashlib.sha256(cell.id.encode()).hexdigest()[:6]
    return f"mg{run_id[:6]}{digest}{attempt}"


def cell_values(cell: Cell, junit_path: Path, space: str) -> dict[str, str]:
    return {
        **cell.values,
        "level": cell.level,
        "suite": cell.suite,
        "cell": cell.name,
        "junit": str(junit_path),
        "namespace": space,
    }


def cell_env(
    cell: Cell,
    base: Mapping[str, str],
    service_env: Mapping[str, str],
    junit_path: Path,
    space: str,
    *,
    results: Path,
) -> dict[str, str]:
    """os env + the services' env + the cell's env (placeholders filled) + MATRIXGEN_*.

    MATRIXGEN_RESULTS (absolute) is what a cell's profile mounts at /results in its tester,
    so a tester writes its JUnit where this run reads it, wherever `--results` points."""
    env = {**base, **service_env}
    values = cell_values(cell, junit_path, space)
    env.update({key: substitute(text, values, env) for key, text in cell.env.items()})
    env.update({env_name(axis): value for axis, value in cell.values.items()})
    env.update(
        {
            "MATRIXGEN_CELL": cell.id,
            "MATRIXGEN_LEVEL": cell.level,
            "MATRIXGEN_SUITE": cell.suite,
            "MATRIXGEN_JUNIT": str(junit_path),
            "MATRIXGEN_NAMESPACE": space,
            "MATRIXGEN_RESULTS": str(results.absolute()),
        }
    )
    return env


def cell_command(
    cell: Cell, values: Mapping[str, str], env: Mapping[str, str], args: Sequence[str] = ()
) -> str | list[str]:
    """The cell's `run:` filled in; `args` (after `--`) where `${args}` is, else at its end."""
    return fill_command(cell.run, values, env, args)


async def run_attempt(
    cell: Cell,
    *,
    command: str | list[str],
    env: Mapping[str, str],
    cwd: Path,
    junit_path: Path,
    log: Path,
    timeout: float | None,
    abort: Abort,
    attempt: int,
    ledger: Ledger | None = None,
    on_log_error: Callable[[OSError], None] | None = None,
) -> Outcome:
    """Run the cell's command once and leave a JUnit file at `junit_path` that says how it went.

    Its output goes to `log` (capped, see `logs`); `on_log_error` hears a write there that
    failed. Raises OSError when the results folder cannot be written.
    """
    junit_path.unlink(missing_ok=True)  # a link planted there goes, never its target
    output = Log(log, on_error=on_log_error)
    try:
        shown = command if isinstance(command, str) else " ".join(command)
        output.write(f"+ {shown}\n".encode())
        start = time.monotonic()
        badge = ledger.badge if ledger is not None else None
        starting = spawn(command, env=env, cwd=cwd, log=output, badge=badge)
        try:
            process = await (ledger.start(f"cell {cell.id}", starting) if ledger else starting)
        except OSError as error:
            output.close()
            reason = f"could not start: {error.strerror or error}"
            return _error(cell, junit_path, reason, "", 0.0, attempt)
        exited = asyncio.ensure_future(process.wait())
        aborted = asyncio.ensure_future(abort.event.wait())
        finished = was_aborted = False
        try:
            await asyncio.wait(
                {exited, aborted}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
            )
            finished = exited.done()
            was_aborted = not finished and abort.event.is_set()
        finally:
            aborted.cancel()
            # Timed out, aborted or cancelled: kill the whole group. Finished: the background
            # children the leader left behind are the cell's too.
            await terminate(process, grace=1.0 if exited.done() else CELL_GRACE)
            await output.drain(0.5)
    finally:
        output.close()
    duration = time.monotonic() - start
    output_tail = tail(log)
    code = process.returncode
    assert code is not None
    if was_aborted:
        if abort.reason == "interrupted":
            junit_path.unlink(missing_ok=True)  # no trustworthy result: the report says missing
            return Outcome(
                Status.ERROR, abort.reason, duration, output_tail, attempt, interrupted=True
            )
        details = f"{output_tail}\n{abort.details}".strip()
        return _error(cell, junit_path, abort.reason, details, duration, attempt, output_tail)
    if not finished:
        reason = f"timed out after {timeout:g}s; its process group was killed"
        return _error(cell, junit_path, reason, output_tail, duration, attempt, output_tail)
    return _judge(cell, junit_path, code, duration, output_tail, attempt, root=cwd)


def _judge(
    cell: Cell,
    junit_path: Path,
    code: int,
    duration: float,
    output: str,
    attempt: int,
    *,
    root: Path,
) -> Outcome:
    """The attempt's verdict from its exit code and the JUnit it left (`outcome.verdict`)."""
    shown = _shown(junit_path, root)
    if not junit_path.is_file():
        if not cell.junit:  # declared: the exit code alone decides
            declared = of_exit_code(code)
            reason = declared.reason or ""
            details = output if declared.status is Status.FAILED else ""
            stamp.synthesize(
                junit_path,
                cell,
                outcome=declared.status,
                message=reason,
                details=details,
                duration=duration,
            )
            return Outcome(declared.status, reason, duration, output, attempt)
        if cell.tester is not None:
            hint = (
                f"its tester {cell.tester} writes it at $MATRIXGEN_JUNIT in its container: "
                "is the results folder mounted at /results (MATRIXGEN_RESULTS)?"
            )
        elif writes_junit(cell):
            hint = "its command passes the path; did the runner stop before writing it?"
        elif code != 0:  # it may have been told through a script or a noxfile, and crashed
            hint = (
                "did it stop before writing it? If the test runner is not told where, "
                "pass it ${junit} or $MATRIXGEN_JUNIT"
            )
        else:
            hint = (
                "pass ${junit} or $MATRIXGEN_JUNIT to the test runner, or declare "
                "junit: false for a cell that writes none"
            )
        reason = f"{exit_text(code)} and wrote no JUnit at {shown} ({hint})"
        return _error(cell, junit_path, reason, output, duration, attempt, output)
    junit = read_junit(junit_path)
    verdict = of_content(junit, code)
    if junit.problem is not None:
        reason = f"{exit_text(code)} and its JUnit at {shown} is unreadable: {junit.problem}"
        return _error(cell, junit_path, reason, output, duration, attempt, output)
    reason = verdict.reason or ""
    if verdict.status is Status.ERROR and junit.tests and not junit.failed:
        # The file alone would say passed: record in it why it cannot be trusted.
        stamp.add_error(junit_path, cell, message=reason, details=output)
    return Outcome(verdict.status, reason, duration, output, attempt)


def _shown(path: Path, root: Path) -> str:
    """A path as reasons show it: relative to the project, never a machine's absolute path."""
    try:
        return os.path.relpath(path, root).replace(os.sep, "/")
    except ValueError:  # pragma: no cover - another drive on Windows
        return path.name


def _error(
    cell: Cell,
    path: Path,
    reason: str,
    details: str,
    duration: float,
    attempt: int,
    output: str = "",
) -> Outcome:
    stamp.synthesize(
        path, cell, outcome=Status.ERROR, message=reason, details=details, duration=duration
    )
    return Outcome(Status.ERROR, reason, duration, output, attempt)
