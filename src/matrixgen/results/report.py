"""`matrixgen report`: collect → statuses → docs table, JSON, HTML, GitHub summary, durations.

Every write goes through `_writing` (files it replaces through `_replace`): a file that
cannot be written (a read-only folder, a full disk, a device) is one line naming it and
exit 2, never a traceback and never half a file (`write_atomic` replaces whole files; the
summary is appended whole or cut back). Results folders and docs pages are read as
untrusted: only regular files, one console line per message. The docs page matrix.yaml
names follows render's path rule (`files.check_inside`): a link out of the project is
refused, never read nor replaced by a copy of what it points at.
"""

from __future__ import annotations

import contextlib
import difflib
import json
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from matrixgen.ci import GITHUB, detect
from matrixgen.errors import UsageError, WriteError
from matrixgen.files import check_inside, not_regular, read_text, write_atomic
from matrixgen.load.matrix import Matrix
from matrixgen.outcome import durations
from matrixgen.outcome.status import Status
from matrixgen.results.collect import Collection, collect
from matrixgen.results.console import console_table
from matrixgen.results.docs import docs_page, failed_count, page_format
from matrixgen.results.html import About, html_report
from matrixgen.results.merged import merged_junit
from matrixgen.results.status import CellStatus
from matrixgen.results.summary import github_summary, headline

Echo = Callable[..., Any]
STDOUT = Path("-")
DOCS_MAX_BYTES = 16 * 2**20


@contextlib.contextmanager
def _writing(path: Path | str, what: str) -> Iterator[None]:
    try:
        yield
    except OSError as error:
        why = error.strerror or str(error)
        raise WriteError(
            f"{path}: cannot write the {what}: {why}; nothing was written there. "
            "Make its folder writable, free some space, or choose another path"
        ) from None


def _replace(path: Path, content: str, what: str) -> None:
    """`write_atomic` in `_writing`; never over something that is not a file: replacing
    `--json /dev/null` would put a regular file where the device was."""
    try:
        mode: int | None = os.stat(path).st_mode
    except OSError:
        mode = None  # absent (or unreachable: the write says why)
    why = None if mode is None else not_regular(mode)
    if why is not None:
        raise WriteError(
            f"{path}: cannot write the {what}: {why}; matrixgen replaces whole files, "
            "so name a file (or - for stdout)"
        )
    with _writing(path, what):
        write_atomic(path, content)


def one_line(text: str) -> str:
    """Text from JUnit files on one console line: a newline in a reason must not start a
    line of its own (under GitHub Actions, a `::command::` the runner would obey)."""
    return " ".join(text.split())


@dataclass
class ReportOptions:
    results_dirs: list[Path] = field(default_factory=list)  # [] means <root>/results
    docs: Path | None = None  # [default: outputs.docs.file]
    check: bool = False  # leave the docs page alone; exit 1 when it differs
    check_complete: bool = False  # exit 1 when a cell that should have run has no result
    github_summary: bool = False
    json_file: Path | None = None  # Path("-") is stdout
    html_file: Path | None = None
    junit_file: Path | None = None  # one merged JUnit for CI test-report consumers
    quiet: bool = False  # leave the table out of the console output
    width: int | None = None  # the terminal's columns for the table (None: never wrapped)
    env: dict[str, str] = field(default_factory=dict)


def report_json(matrix: Matrix, collection: Collection) -> dict[str, Any]:
    counts = {s.value: 0 for s in Status if s is not Status.DECLARED}
    for status in collection.statuses.values():
        counts[status.status.value] += 1
    return {
        "matrix": matrix.model.name,
        "summary": counts,
        "complete": counts["missing"] == 0,
        "cells": [s.to_json(matrix.root) for s in collection.statuses.values()],
        "warnings": collection.warnings,
    }


def ran_durations(statuses: Mapping[str, CellStatus]) -> dict[str, float]:
    """Seconds of the cells that ran (skipped and missing cells have no duration worth keeping)."""
    ran = (Status.PASSED, Status.FLAKY, Status.FAILED, Status.ERROR)
    return {
        s.id: s.duration for s in statuses.values() if s.status in ran and s.duration is not None
    }


def _docs_path(matrix: Matrix, options: ReportOptions) -> Path | None:
    """The page to fill: `--docs FILE` as the user named it, else `outputs.docs.file`, which
    comes with the repository and so must stay inside the project, as `render` requires."""
    if options.docs is not None:
        return options.docs
    if matrix.model.outputs.docs is not None:
        check_inside(matrix.root, matrix.model.outputs.docs.file, matrix.source.path.name)
        return matrix.root / matrix.model.outputs.docs.file
    return None


def update_docs(
    matrix: Matrix, path: Path, statuses: Mapping[str, CellStatus], *, check: bool, echo: Echo
) -> bool:
    """Write the table into the page (or compare, under --check). True when the page is stale.

    The region is the one `matrixgen render` writes (same markers, same meta line), so a
    later `render --check` keeps these results until matrix.yaml changes the table's layout.
    """
    old = _read_page(path)
    new = docs_page(matrix, old, statuses, name=str(path), page=page_format(path))
    if new == old:
        echo(f"unchanged {path}")
        return False
    if check:
        diff = difflib.unified_diff(
            (old or "").splitlines(True), new.splitlines(True), str(path), f"{path} (from results)"
        )
        echo("".join(diff).rstrip("\n"))
        echo(f"{path} is stale; run `matrixgen report` to update it")
        return True
    _replace(path, new, "docs page")
    echo(f"{'created' if old is None else 'updated'} {path}")
    return False


def _read_page(path: Path) -> str | None:
    """The docs page, or None when there is none. It comes with the repository (a pull
    request can make it a link to /dev/zero or a FIFO): only a regular file is read."""
    return read_text(path, DOCS_MAX_BYTES, what="the docs page", links=True)


def _folders(matrix: Matrix, options: ReportOptions, echo: Echo) -> list[Path]:
    if not options.results_dirs:
        default = matrix.root / "results"
        if not default.is_dir():
            echo(f"warning: no results folder at {default}; every cell is missing")
            return []
        return [default]
    for folder in options.results_dirs:
        if not folder.is_dir():
            raise UsageError(
                f"results folder {folder} does not exist; pass the folder `matrixgen run` wrote"
            )
    return list(options.results_dirs)


def _rooted(options: ReportOptions, root: Path) -> ReportOptions:
    """Relative paths as if started where matrix.yaml is (`-C DIR` means 'run as if in DIR')."""

    def under(path: Path | None) -> Path | None:
        return path if path is None or path == STDOUT or path.is_absolute() else root / path

    return replace(
        options,
        results_dirs=[root / p for p in options.results_dirs],
        docs=under(options.docs),
        json_file=under(options.json_file),
        html_file=under(options.html_file),
        junit_file=under(options.junit_file),
    )


def report_results(matrix: Matrix, options: ReportOptions, *, echo: Echo) -> int:
    """Exit code 1 when a cell failed, is missing (--check-complete), or the docs are stale."""
    options = _rooted(options, matrix.root)
    to_stdout = options.json_file == STDOUT

    def say(text: str) -> None:  # JSON on stdout stays parseable: people's lines go to stderr
        echo(text, err=True) if to_stdout else echo(text)

    variable = GITHUB.summary_variable
    summary_path = options.env.get(variable) if variable else None
    if options.github_summary and not summary_path:
        raise UsageError(f"--github-summary: ${variable} is not set (GitHub Actions sets it)")
    folders = _folders(matrix, options, say)
    collection = collect(matrix, folders)
    statuses = collection.statuses
    for warning in collection.warnings:
        say(f"warning: {one_line(warning)}")

    stale = False
    docs = _docs_path(matrix, options)
    if docs is not None:
        stale = update_docs(matrix, docs, statuses, check=options.check, echo=say)
    elif options.check:
        raise UsageError(
            "--check: nothing to check; set outputs.docs in matrix.yaml or pass --docs FILE"
        )
    text = json.dumps(report_json(matrix, collection), indent=2, ensure_ascii=False) + "\n"
    if to_stdout:
        echo(text, nl=False)
    if options.check:
        return _verdict(matrix, collection, options, stale, say)  # --check writes nothing
    if options.json_file is not None and not to_stdout:
        _replace(options.json_file, text, "JSON report")
        say(f"wrote {options.json_file}")
    if options.html_file is not None:
        page = html_report(
            matrix,
            statuses,
            about=about(matrix.root, options.env),
            base=options.html_file.parent,
        )
        _replace(options.html_file, page, "HTML report")
        say(f"wrote {options.html_file}")
    if options.junit_file is not None:
        merged = merged_junit(statuses.values()).decode("utf-8")
        _replace(options.junit_file, merged, "merged JUnit file")
        say(f"wrote {options.junit_file}")
    if options.github_summary and summary_path:
        with _writing(summary_path, "GitHub step summary"):
            append_whole(Path(summary_path), github_summary(matrix, statuses))
    if folders:
        _record_durations(folders[0] / durations.FILE, ran_durations(statuses), say)

    return _verdict(matrix, collection, options, stale, say)


def append_whole(path: Path, text: str) -> None:
    """Append `text`, or leave the file as it was: a full disk must not leave half a
    summary (an unclosed `<details>` would swallow whatever a later step appends).
    Unbuffered, so that nothing is left to be flushed after the file is cut back."""
    data = text.encode("utf-8")
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)  # not on Windows
    descriptor = os.open(path, flags, 0o666)
    try:
        start = os.lseek(descriptor, 0, os.SEEK_END)
        try:
            written = 0
            while written < len(data):
                written += os.write(descriptor, data[written:])
        except OSError:
            with contextlib.suppress(OSError):
                os.ftruncate(descriptor, start)
            raise
    finally:
        os.close(descriptor)


def _record_durations(
    path: Path, measured: Mapping[str, float], say: Callable[[str], None]
) -> None:
    """Durations are a cache for the scheduler: not recording them is a warning, not an error.

    The file lies in the results folder, which may come from artifacts: only a regular file
    (or none) is read and replaced.
    """
    try:
        why = not_regular(os.lstat(path).st_mode) if os.path.lexists(path) else None
        if why is None:
            durations.record(path, measured, warn=lambda text: say(f"warning: {text}"))
            return
    except OSError as error:
        why = error.strerror or str(error)
    say(f"warning: {path}: durations not recorded: {why}")


def _verdict(
    matrix: Matrix,
    collection: Collection,
    options: ReportOptions,
    stale: bool,
    say: Callable[[str], None],
) -> int:
    say(f"{collection.files} JUnit files: {headline(collection.statuses)}")
    if not options.quiet:
        say(console_table(matrix, collection.statuses, options.width))
    ci = detect(options.env)
    bad = [s for s in collection.of(Status.FAILED, Status.ERROR) if not s.tolerated]
    missing = [s for s in collection.of(Status.MISSING) if not s.tolerated]

    def warn(status: CellStatus, text: str) -> None:
        annotation = ci.annotation("warning", status.id, text)
        say(annotation or f"{status.status.symbol} {status.id}: {text}")

    for status in (s for s in collection.statuses.values() if s.tolerated):
        # `allowed-failure:` in matrix.yaml: said as a warning, never in the exit code.
        detail = one_line(status.reason or failed_count(status))
        warn(status, f"{status.status.value} (allowed failure): {detail}")
    for status in collection.of(Status.FLAKY):
        # Passing, so never in the exit code, but which test flaked is worth a line.
        warn(status, f"flaky: {one_line(status.reason or 'passed on a retry')}")
    for status in (s for s in collection.statuses.values() if s.args):
        say(f"note: {status.id} ran with extra arguments {one_line(status.args)}, not as declared")
    for status in bad + (missing if options.check_complete else []):
        detail = f"{status.status.value}: {one_line(status.reason or failed_count(status))}"
        annotation = ci.annotation("error", status.id, detail)  # on the run's page
        say(annotation or f"{status.status.symbol} {status.id}: {detail}")
    if missing and options.check_complete:
        say(f"{len(missing)} cells have no result; each should have run (--check-complete)")
    return 1 if bad or stale or (missing and options.check_complete) else 0


def about(root: Path, env: Mapping[str, str]) -> About:
    """When, from which commit, where and with which Python the report is made."""
    import platform
    import socket
    import subprocess
    from datetime import datetime, timezone

    from matrixgen import __version__

    commit = env.get("GITHUB_SHA", "")
    if not commit:
        try:
            done = subprocess.run(
                ["git", "-C", str(root), "rev-parse", "--short=12", "HEAD"],
                capture_output=True,
                text=True,
                timeout=10,
                check=False,
                stdin=subprocess.DEVNULL,
            )
            commit = done.stdout.strip() if done.returncode == 0 else ""
        except (OSError, subprocess.TimeoutExpired):
            commit = ""
    return About(
        made=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        commit=commit[:12],
        host=socket.gethostname(),
        python=platform.python_version(),
        matrixgen=__version__,
    )
