"""`matrixgen report`: collect → statuses → docs table, JSON, HTML, GitHub summary, durations."""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from matrixgen.errors import UsageError
from matrixgen.files import write_atomic
from matrixgen.load.matrix import Matrix
from matrixgen.outcome import durations
from matrixgen.outcome.status import Status
from matrixgen.results.collect import Collection, collect
from matrixgen.results.docs import docs_page, failed_count
from matrixgen.results.html import html_report
from matrixgen.results.status import CellStatus
from matrixgen.results.summary import github_summary, headline

Echo = Callable[..., Any]
STDOUT = Path("-")


@dataclass
class ReportOptions:
    results_dirs: list[Path] = field(default_factory=list)  # [] means <root>/results
    docs: Path | None = None  # [default: outputs.docs.file]
    check: bool = False  # leave the docs page alone; exit 1 when it differs
    check_complete: bool = False  # exit 1 when a cell that should have run has no result
    github_summary: bool = False
    json_file: Path | None = None  # Path("-") is stdout
    html_file: Path | None = None
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
    if options.docs is not None:
        return options.docs
    if matrix.model.outputs.docs is not None:
        return matrix.root / matrix.model.outputs.docs.file
    return None


def update_docs(
    matrix: Matrix, path: Path, statuses: Mapping[str, CellStatus], *, check: bool, echo: Echo
) -> bool:
    """Write the table into the page (or compare, under --check). True when the page is stale.

    The region is the one `matrixgen render` writes (same markers, same meta line), so a
    later `render --check` keeps these results until matrix.yaml changes the table's layout.
    """
    old = path.read_text(encoding="utf-8") if path.exists() else None
    new = docs_page(matrix, old, statuses, name=str(path))
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
    write_atomic(path, new)
    echo(f"{'created' if old is None else 'updated'} {path}")
    return False


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
    )


def report_results(matrix: Matrix, options: ReportOptions, *, echo: Echo) -> int:
    """Exit code 1 when a cell failed, is missing (--check-complete), or the docs are stale."""
    options = _rooted(options, matrix.root)
    to_stdout = options.json_file == STDOUT

    def say(text: str) -> None:  # JSON on stdout stays parseable: people's lines go to stderr
        echo(text, err=True) if to_stdout else echo(text)

    summary_path = options.env.get("GITHUB_STEP_SUMMARY")
    if options.github_summary and not summary_path:
        raise UsageError(
            "--github-summary: $GITHUB_STEP_SUMMARY is not set (GitHub Actions sets it)"
        )
    folders = _folders(matrix, options, say)
    collection = collect(matrix, folders)
    statuses = collection.statuses
    for warning in collection.warnings:
        say(f"warning: {warning}")

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
        return _verdict(collection, options, stale, say)  # --check writes nothing
    if options.json_file is not None and not to_stdout:
        write_atomic(options.json_file, text)
        say(f"wrote {options.json_file}")
    if options.html_file is not None:
        write_atomic(options.html_file, html_report(matrix, statuses))
        say(f"wrote {options.html_file}")
    if options.github_summary and summary_path:
        with open(summary_path, "a", encoding="utf-8") as stream:
            stream.write(github_summary(matrix, statuses))
    if folders:
        durations.record(folders[0] / durations.FILE, ran_durations(statuses))

    return _verdict(collection, options, stale, say)


def _verdict(
    collection: Collection, options: ReportOptions, stale: bool, say: Callable[[str], None]
) -> int:
    say(f"{collection.files} JUnit files: {headline(collection.statuses)}")
    in_actions = options.env.get("GITHUB_ACTIONS") == "true"
    bad = collection.of(Status.FAILED, Status.ERROR)
    missing = collection.of(Status.MISSING)
    for status in bad + (missing if options.check_complete else []):
        detail = status.reason or failed_count(status)
        if in_actions:  # annotations on the run page; workflow commands end at a newline
            say(f"::error title={status.id}::{status.status.value}: {' '.join(detail.split())}")
        else:
            say(f"{status.status.symbol} {status.id}: {status.status.value}: {detail}")
    if missing and options.check_complete:
        say(f"{len(missing)} cells have no result; each should have run (--check-complete)")
    return 1 if bad or stale or (missing and options.check_complete) else 0
