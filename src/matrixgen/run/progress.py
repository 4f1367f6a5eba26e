"""What the user sees while cells run: a live view on a terminal, one line per event elsewhere.

Plain lines are for CI logs and pipes (nothing redraws); under GitHub Actions each
finished cell's output is folded into a `::group::` and failures become `::error::`
annotations, as cibuildwheel's logger does. Lines are coloured by status where colour is
wanted (`palette`); the live view adds an estimate of the time left (`eta`). Either way
the run ends with a recap of the cells that failed or erred and where their logs are,
then the one summary line.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from matrixgen.ci import PLAIN, Provider, detect
from matrixgen.load.cells import Cell
from matrixgen.outcome import durations
from matrixgen.outcome.attempts import attempt_path
from matrixgen.outcome.status import STAMPED, Status
from matrixgen.run.attempt import Outcome
from matrixgen.run.eta import clock, seconds_left
from matrixgen.run.palette import SERVICE_STYLE, STATUS_STYLE, paint, wants_colour
from matrixgen.terminal import inert

if TYPE_CHECKING:
    from rich.console import RenderableType
    from rich.live import Live

    from matrixgen.run.options import RunOptions

INTERRUPTED = "interrupted"  # a cell stopped by Ctrl-C/SIGTERM: no status, no result
ORDER = (*STAMPED, INTERRUPTED)  # the statuses a run stamps, in that order, then Ctrl-C


def word(status: Status | None) -> str:
    """How a cell's end is counted and shown: its status, or `interrupted`."""
    return INTERRUPTED if status is None else status.value


class Progress:
    """Plain progress: one line per event."""

    def __init__(
        self,
        stream: TextIO,
        *,
        results: Path,
        root: Path,
        quiet: bool = False,
        verbose: bool = False,
        ci: Provider = PLAIN,
        colour: bool = False,
    ) -> None:
        self.stream, self.quiet, self.verbose, self.ci = stream, quiet, verbose, ci
        self.results, self.root, self.colour = results, root, colour
        self.start = time.monotonic()
        self.cells: list[Cell] = []
        self.total = 0
        self.done = 0
        self.bad: dict[str, tuple[Cell, Status, str]] = {}  # failed and erred: for the recap

    def _line(self, text: str, style: str | None = None) -> None:
        self._raw(f"[{time.monotonic() - self.start:6.1f}s] {paint(text, style, self.colour)}")

    def begin(self, cells: list[Cell], services: Mapping[str, str], results: str) -> None:
        self.cells = list(cells)
        self.total = len(cells)
        if not self.quiet:
            used = ", ".join(f"{n} ({m})" for n, m in services.items()) or "none"
            self._line(f"{len(cells)} cells, services: {used}; results in {results}")

    def service(self, name: str, state: str, detail: str = "") -> None:
        if not self.quiet or state in ("failed", "died"):
            text = f"service {name} {state}" + (f": {detail}" if detail else "")
            self._line(text, SERVICE_STYLE.get(state))

    def service_log(self, name: str, tail: str, log: Path | None) -> None:
        """Why a service failed or died, in its own words: the last lines of its log (also
        without -v), and where the whole log is kept."""
        if tail:
            self._raw(inert(_indent(tail)))
        if log is not None:
            self._line(f"service {name} log: {self._shown(log)}", SERVICE_STYLE.get("failed"))

    def started(self, cell: Cell, attempt: int, command: str | list[str]) -> None:
        if self.verbose:
            shown = command if isinstance(command, str) else " ".join(command)
            self._line(
                f"start {cell.id}" + (f" (attempt {attempt})" if attempt > 1 else "") + f": {shown}"
            )
        elif not self.quiet:
            self._line(f"start {cell.id}" + (f" (attempt {attempt})" if attempt > 1 else ""))

    def retrying(self, cell: Cell, outcome: Outcome) -> None:
        """Where the attempt's files go: the next attempt writes the cell's own paths."""
        if not self.quiet:
            junit = self.results / cell.level / f"{cell.name}.xml"
            kept = self._shown(attempt_path(junit, outcome.attempt))
            self._line(
                f"retry {cell.id}: attempt {outcome.attempt} {outcome.status.value}: "
                f"{outcome.reason} (kept as {kept} and .log)",
                "yellow",
            )

    def finished(self, cell: Cell, outcome: Outcome, status: Status | None) -> None:
        self.done += 1
        failing = status is not None and status.bad
        if failing:
            assert status is not None
            self.bad[cell.id] = (cell, status, outcome.reason)
        if self.quiet and not failing:
            return
        reason = f": {outcome.reason.splitlines()[0]}" if outcome.reason else ""
        count = f"[{self.done}/{self.total}]"
        text = f"{word(status).upper()} {cell.id} ({outcome.duration:.1f}s) {count}{reason}"
        # Only the provider's own markers may hold control characters (GitLab's sections do).
        output = inert(outcome.output)
        group = self.ci.group(inert(text), output) if outcome.output else None
        if group is not None:
            self._raw(group)
        else:
            self._line(text, STATUS_STYLE[word(status)])
            if outcome.output and (self.verbose or failing):
                self._raw(inert(_indent(outcome.output)))
        annotation = self.ci.annotation("error", f"{cell.id} {word(status)}", outcome.reason)
        if failing and annotation is not None:
            self._raw(inert(annotation))

    def _raw(self, text: str) -> None:
        self.stream.write(text + "\n")
        self.stream.flush()

    def note(self, text: str) -> None:
        self._line(text)

    def end(self, statuses: Mapping[str, Status | None], elapsed: float, code: int) -> None:
        for line, style in self.recap():
            self._raw(paint(line, style, self.colour))
        words = [word(s) for s in statuses.values()]
        counts = [f"{words.count(k)} {k}" for k in ORDER]
        shown = ", ".join(c for c in counts if not c.startswith("0 "))
        summary = f"{shown or 'no cells'} in {elapsed:.1f}s (exit {code})"
        self._raw(paint(summary, "green" if code == 0 else "bold red", self.colour))

    def recap(self) -> list[tuple[str, str]]:
        """Lines, with their styles, on the cells that failed or erred, in matrix order:
        status, id, log, why."""
        order = {cell.id: index for index, cell in enumerate(self.cells)}
        bad = sorted(self.bad.values(), key=lambda item: order.get(item[0].id, len(order)))
        if not bad:
            return []
        rows = [(status.value, cell.id, self._log(cell), reason) for cell, status, reason in bad]
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        lines = [(f"{len(rows)} cell{'s' if len(rows) != 1 else ''} did not pass:", "red")]
        for row in rows:
            why = row[3].splitlines()[0] if row[3] else ""
            line = "  " + "  ".join(row[i].ljust(widths[i]) for i in range(3))
            lines.append(((line + f"  {why}").rstrip(), STATUS_STYLE[row[0]]))
        return lines

    def _log(self, cell: Cell) -> str:
        """Where the cell's log is, relative to the project when inside it; `no log` for
        a cell that never started (its service failed, its Python is missing)."""
        log = self.results / cell.level / f"{cell.name}.log"
        return self._shown(log) if log.is_file() else "no log"

    def _shown(self, path: Path) -> str:
        """Relative to the project when inside it."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    def close(self) -> None:
        pass


def _indent(text: str) -> str:
    return "\n".join(f"    | {line}" for line in text.splitlines())


class LiveProgress(Progress):
    """A rich live table of services and running cells, with the time left as far as
    recorded durations tell (`eta`); finished failures print above it."""

    def __init__(
        self,
        stream: TextIO,
        *,
        results: Path,
        root: Path,
        quiet: bool = False,
        verbose: bool = False,
        colour: bool = False,
        recorded: Mapping[str, float] | None = None,
        jobs: int = 1,
    ) -> None:
        super().__init__(
            stream, results=results, root=root, quiet=quiet, verbose=verbose, colour=colour
        )
        from rich.console import Console
        from rich.live import Live

        # Colour as `palette` decided (NO_COLOR, FORCE_COLOR, a terminal), not as rich
        # would from the process environment.
        self.console = Console(
            file=stream, color_system="auto" if colour else None, no_color=not colour
        )
        self.recorded = dict(recorded or {})
        self.jobs = jobs
        self.services: dict[str, str] = {}
        self.running: dict[str, float] = {}
        self.ended: set[str] = set()
        self.counts: dict[str, int] = {}
        self.live: Live = Live(
            console=self.console, refresh_per_second=4, get_renderable=self._view, transient=True
        )

    def _line(self, text: str, style: str | None = None) -> None:
        self._raw(paint(text, style, self.colour))

    def _raw(self, text: str) -> None:
        from rich.text import Text

        if self.live.is_started:  # the table under the line then has this event in it too
            self.live.refresh()
        self.console.print(Text.from_ansi(text), highlight=False)

    def begin(self, cells: list[Cell], services: Mapping[str, str], results: str) -> None:
        super().begin(cells, services, results)
        self.live.start(refresh=True)  # not the empty view Live rendered when it was made

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
        self.ended.add(cell.id)
        self.counts[word(status)] = self.counts.get(word(status), 0) + 1
        super().finished(cell, outcome, status)

    def _view(self) -> RenderableType:
        from rich.table import Table
        from rich.text import Text

        table = Table.grid(padding=(0, 2))
        for name, state in self.services.items():
            table.add_row(
                f"service {name}", Text(inert(state), SERVICE_STYLE.get(state.split()[0], ""))
            )
        now = time.monotonic()
        for cell_id, since in sorted(self.running.items(), key=lambda item: item[1]):
            table.add_row(Text(f"running {cell_id}", "cyan"), f"{now - since:.0f}s")
        queued = [c.id for c in self.cells if c.id not in self.ended and c.id not in self.running]
        counts = Text(f"{len(queued)} queued, {len(self.running)} running")
        for kind, count in self.counts.items():
            counts.append(", ").append(f"{count} {kind}", STATUS_STYLE[kind])
        elapsed = f"{now - self.start:.0f}s elapsed"
        ran = {cell_id: now - since for cell_id, since in self.running.items()}
        left = seconds_left(self.recorded, queued, ran, self.jobs)
        if left is not None and (queued or ran):
            elapsed += f", about {clock(left)} left"
        table.add_row(elapsed, counts)
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
    colour = wants_colour(stream, options.env)
    live = options.live
    if live is None:
        live = stream.isatty() and not options.env.get("CI") and not options.quiet
    results, root = options.results_dir, options.root
    if live:
        # The scheduler reads the same file, and warns when it is unusable.
        recorded = durations.read(results / durations.FILE)
        return LiveProgress(
            stream,
            results=results,
            root=root,
            quiet=options.quiet,
            verbose=options.verbose,
            colour=colour,
            recorded=recorded,
            jobs=options.jobs,
        )
    return Progress(
        stream,
        results=results,
        root=root,
        quiet=options.quiet,
        verbose=options.verbose,
        ci=detect(options.env),
        colour=colour,
    )
