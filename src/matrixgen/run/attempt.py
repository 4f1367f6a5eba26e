"""One attempt at one cell: its env, its command, its deadline, and what its JUnit says."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import re
import signal
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from matrixgen.load.cells import Cell
from matrixgen.load.placeholders import substitute
from matrixgen.run import junit
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
    status: str  # passed | failed | error | skipped | interrupted
    reason: str = ""
    duration: float = 0.0
    output: str = ""  # tail of the cell's output
    attempt: int = 1


def namespace(run_id: str, cell: Cell, attempt: int) -> str:
    """Short, lowercase, alphanumeric, unique per run, cell and attempt: valid as a bucket,
    queue, topic or key prefix on every emulator (3+ characters, starts with a letter)."""
    digest = hashlib.sha256(cell.id.encode()).hexdigest()[:6]
    return f"mg{run_id[:6]}{digest}{attempt}"


def env_name(axis: str) -> str:
    return "MATRIXGEN_" + re.sub(r"[^A-Z0-9_]", "_", axis.upper())


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
) -> dict[str, str]:
    """os env + the services' env + the cell's env (placeholders filled) + MATRIXGEN_*."""
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
        }
    )
    return env


def cell_command(cell: Cell, values: Mapping[str, str], env: Mapping[str, str]) -> str | list[str]:
    if isinstance(cell.run, str):
        return substitute(cell.run, values, env)
    return [substitute(part, values, env) for part in cell.run]


def _exit_text(code: int) -> str:
    if code < 0:
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    if code > 128:  # a shell reports a signal that killed its command as 128 + N
        with contextlib.suppress(ValueError):
            return f"exited with code {code} ({signal.Signals(code - 128).name})"
    return f"exited with code {code}"


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
) -> Outcome:
    """Run the cell's command once and leave a JUnit file at `junit_path` that says how it went."""
    junit_path.unlink(missing_ok=True)
    junit_path.parent.mkdir(parents=True, exist_ok=True)
    log.write_text(f"+ {command if isinstance(command, str) else ' '.join(command)}\n")
    start = time.monotonic()
    try:
        process = await spawn(command, env=env, cwd=cwd, log=log)
    except OSError as error:
        reason = f"could not start: {error.strerror or error}"
        return _error(cell, junit_path, reason, "", 0.0, attempt)
    exited = asyncio.ensure_future(process.wait())
    aborted = asyncio.ensure_future(abort.event.wait())
    finished = was_aborted = False
    try:
        await asyncio.wait({exited, aborted}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finished = exited.done()
        was_aborted = not finished and abort.event.is_set()
    finally:
        aborted.cancel()
        # Timed out, aborted or cancelled: kill the whole group. Finished: the background
        # children the leader left behind are the cell's too.
        await terminate(process, grace=1.0 if exited.done() else CELL_GRACE)
    duration = time.monotonic() - start
    output = tail(log)
    code = process.returncode
    assert code is not None
    if was_aborted:
        if abort.reason == "interrupted":
            junit_path.unlink(missing_ok=True)  # no trustworthy result: the report says missing
            return Outcome("interrupted", abort.reason, duration, output, attempt)
        details = f"{output}\n{abort.details}".strip()
        return _error(cell, junit_path, abort.reason, details, duration, attempt, output)
    if not finished:
        reason = f"timed out after {timeout:g}s; its process group was killed"
        return _error(cell, junit_path, reason, output, duration, attempt, output)
    try:
        counts = junit.read(junit_path)
    except ValueError as error:
        return _error(
            cell, junit_path, f"{_exit_text(code)} and {error}", output, duration, attempt, output
        )
    if counts is None:
        hint = "pass ${junit} or $MATRIXGEN_JUNIT to the test runner"
        reason = f"{_exit_text(code)} and wrote no JUnit at {junit_path} ({hint})"
        return _error(cell, junit_path, reason, output, duration, attempt, output)
    if counts.failed:
        return Outcome(
            "failed", f"{counts.failed} of {counts.tests} tests failed", duration, output, attempt
        )
    if code != 0:
        reason = f"{_exit_text(code)} although its JUnit reports no failure"
        junit.add_error(junit_path, cell, message=reason, details=output)
        return Outcome("error", reason, duration, output, attempt)
    if counts.tests and counts.skipped == counts.tests:
        return Outcome(
            "skipped", counts.skip_message or "every test was skipped", duration, output, attempt
        )
    return Outcome("passed", "", duration, output, attempt)


def _error(
    cell: Cell,
    path: Path,
    reason: str,
    details: str,
    duration: float,
    attempt: int,
    output: str = "",
) -> Outcome:
    junit.synthesize(
        path, cell, outcome="error", message=reason, details=details, duration=duration
    )
    return Outcome("error", reason, duration, output, attempt)
