"""What the user sees while cells run: a live view on a terminal, one line per event elsewhere.

Plain lines are for CI logs and pipes (nothing redraws); under GitHub Actions each
finished cell's output is folded into a `::group::` and failures become `::error::`
annotations, as cibuildwheel's logger does.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, TextIO

from matrixgen.load.cells import Cell
from matrixgen.outcome.status import Status
from matrixgen.run.attempt import Outcome

if TYPE_CHECKING:
    from rich.console import RenderableType
    from rich.live import Live

    from matrixgen.run.options import RunOptions

INTERRUPTED = "interrupted"  # a cell stopped by Ctrl-C/SIGTERM: no status, no result
ORDER = (*(s.value for s in (Status.PASSED, Status.FLAKY, Status.FAILED, Status.ERROR,
                             Status.SKIPPED)), INTERRUPTED)  # fmt: skip


def word(status: Status | None) -> str:
    """How a cell's end is counted and shown: its status, or `interrupted`."""
    return INTERRUPTED if status is None else status.value


class Progress:
    """Plain progress: one line per event."""

    def __init__(
        self, stream: TextIO, *, quiet: bool = False, verbose: bool = False, github: bool = False
    ) -> None:
        self.stream, self.quiet, self.verbose, self.github = stream, quiet, verbose, github
        self.start = time.monotonic()
        self.total = 0
        self.done = 0

    def _line(self, text: str) -> None:
        self.stream.write(f"[{time.monotonic() - self.start:6.1f}s] {text}\n")
        self.stream.flush()

    def begin(self, cells: list[Cell], services: Mapping[str, str], results: str) -> None:
        self.total = len(cells)
        if not self.quiet:
            used = ", ".join(f"{n} ({m})" for n, m in services.items()) or "none"
            self._line(f"{len(cells)} cells, services: {used}; results in {results}")

    def service(self, name: str, state: str, detail: str = "") -> None:
        if not self.quiet or state in ("failed", "died"):
            self._line(f"service {name} {state}" + (f": {detail}" if detail else ""))

    def started(self, cell: Cell, attempt: int, command: str | list[str]) -> None:
        if self.verbose:
            shown = command if isinstance(command, str) else " ".join(command)
            self._line(
                f"start {cell.id}" + (f" (attempt {attempt})" if attempt > 1 else "") + f": {shown}"
            )
        elif not self.quiet:
            self._line(f"start {cell.id}" + (f" (attempt {attempt})" if attempt > 1 else ""))

    def retrying(self, cell: Cell, outcome: Outcome) -> None:
        if not self.quiet:
            self._line(
                f"retry {cell.id}: attempt {outcome.attempt} {outcome.status.value}: "
                f"{outcome.reason}"
            )

    def finished(self, cell: Cell, outcome: Outcome, status: Status | None) -> None:
        self.done += 1
        failing = status is not None and status.bad
        if self.quiet and not failing:
            return
        reason = f": {outcome.reason.splitlines()[0]}" if outcome.reason else ""
        count = f"[{self.done}/{self.total}]"
        text = f"{word(status).upper()} {cell.id} ({outcome.duration:.1f}s) {count}{reason}"
        if self.github and outcome.output:
            self._raw(f"::group::{text}\n{outcome.output}\n::endgroup::")
        else:
            self._line(text)
            if outcome.output and (self.verbose or failing):
                self._raw(_indent(outcome.output))
        if self.github and failing:
            self._raw(f"::error title={cell.id} {word(status)}::{_annotation(outcome.reason)}")

    def _raw(self, text: str) -> None:
        self.stream.write(text + "\n")
        self.stream.flush()

    def note(self, text: str) -> None:
        self._line(text)

    def end(self, statuses: Mapping[str, Status | None], elapsed: float, code: int) -> None:
        words = [word(s) for s in statuses.values()]
        counts = [f"{words.count(k)} {k}" for k in ORDER]
        shown = ", ".join(c for c in counts if not c.startswith("0 "))
        self._raw(f"{shown or 'no cells'} in {elapsed:.1f}s (exit {code})")

    def close(self) -> None:
        pass


def _indent(text: str) -> str:
    return "\n".join(f"    | {line}" for line in text.splitlines())


def _annotation(text: str) -> str:
    # Workflow commands end at a newline; GitHub decodes %0A back into one.
    return text.replace("%", "%25").replace("\r", "").replace("\n", "%0A")


class LiveProgress(Progress):
    """A rich live table of services and running cells; finished failures print above it."""

    def __init__(self, stream: TextIO, *, quiet: bool = False, verbose: bool = False) -> None:
        super().__init__(stream, quiet=quiet, verbose=verbose)
        from rich.console import Console
        from rich.live import Live

        self.console = Console(file=stream)
        self.services: dict[str, str] = {}
        self.running: dict[str, float] = {}
        self.counts: dict[str, int] = {}
        self.live: Live = Live(
            console=self.console, refresh_per_second=4, get_renderable=self._view, transient=True
        )

    def _line(self, text: str) -> None:
        self.console.print(text, markup=False, highlight=False)

    def _raw(self, text: str) -> None:
        self.console.print(text, markup=False, highlight=False)

    def begin(self, cells: list[Cell], services: Mapping[str, str], results: str) -> None:
        super().begin(cells, services, results)
        self.live.start()

    def service(self, name: str, state: str, detail: str = "") -> None:
        self.services[name] = state + (f" ({detail})" if detail and state != "failed" else "")
        if state in ("failed", "died"):
            super().service(name, state, detail)

    def started(self, cell: Cell, attempt: int, command: str | list[str]) -> None:
        self.running[cell.id] = time.monotonic()
        if self.verbose:
            super().started(cell, attempt, command)

    def finished(self, cell: Cell, outcome: Outcome, status: Status | None) -> None:
        self.running.pop(cell.id, None)
        self.counts[word(status)] = self.counts.get(word(status), 0) + 1
        super().finished(cell, outcome, status)

    def _view(self) -> RenderableType:
        from rich.table import Table

        table = Table.grid(padding=(0, 2))
        for name, state in self.services.items():
            table.add_row(f"service {name}", state)
        now = time.monotonic()
        for cell_id, since in sorted(self.running.items(), key=lambda item: item[1]):
            table.add_row(f"running {cell_id}", f"{now - since:.0f}s")
        queued = self.total - self.done - len(self.running)
        summary = ", ".join(f"{n} {k}" for k, n in self.counts.items())
        table.add_row(
            f"{now - self.start:.0f}s elapsed",
            f"{queued} queued, {len(self.running)} running, {summary}",
        )
        return table

    def end(self, statuses: Mapping[str, Status | None], elapsed: float, code: int) -> None:
        self.live.stop()
        super().end(statuses, elapsed, code)

    def close(self) -> None:
        self.live.stop()


class _Guarded(io.TextIOBase):
    """The progress stream, where a failed write stops the output, never the run: a closed
    terminal (EIO after SIGHUP) or a closed pipe (EPIPE) must not keep matrixgen from
    stopping its cells and services. The stream's file descriptor then points at
    /dev/null, so that what is still buffered cannot fail again at exit."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.broken = False

    def write(self, text: str) -> int:
        if not self.broken:
            try:
                self.stream.write(text)
            except (OSError, ValueError):
                self._break()
        return len(text)

    def flush(self) -> None:
        if not self.broken:
            try:
                self.stream.flush()
            except (OSError, ValueError):
                self._break()

    def _break(self) -> None:
        self.broken = True
        with contextlib.suppress(OSError, ValueError, io.UnsupportedOperation):
            fd = self.stream.fileno()
            nowhere = os.open(os.devnull, os.O_WRONLY)
            os.dup2(nowhere, fd)
            os.close(nowhere)

    def isatty(self) -> bool:
        try:
            return self.stream.isatty()
        except (OSError, ValueError):
            return False

    def fileno(self) -> int:
        return self.stream.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.stream, "encoding", None) or "utf-8"


def make_progress(options: RunOptions) -> Progress:
    stream: TextIO = _Guarded(options.stream or sys.stdout)  # type: ignore[assignment]
    live = options.live
    if live is None:
        live = stream.isatty() and not options.env.get("CI") and not options.quiet
    if live:
        return LiveProgress(stream, quiet=options.quiet, verbose=options.verbose)
    return Progress(
        stream,
        quiet=options.quiet,
        verbose=options.verbose,
        github=bool(options.env.get("GITHUB_ACTIONS")),
    )
