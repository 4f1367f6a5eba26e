"""The status of a cell, as DESIGN's support-matrix table defines it: one enum for every command."""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum


class Status(str, Enum):
    PASSED = "passed"
    FLAKY = "flaky"  # passed on a retry, or the runner reran a test that then passed
    FAILED = "failed"
    ERROR = "error"  # no trustworthy result: crash, timeout, unreadable JUnit, wrong Python
    SKIPPED = "skipped"
    # `run --fail-fast` stopped before it started: not a verdict on the cell, and unlike a
    # skip not something matrix.yaml asked for. One word, as a JSON value and a CSS class.
    NOT_RUN = "not-run"
    MISSING = "missing"  # should have run, and no result came back
    EXCLUDED = "excluded"
    DECLARED = "declared"  # rendered, not yet run: the docs skeleton

    @property
    def symbol(self) -> str:
        return SYMBOLS[self]

    @property
    def severity(self) -> int:
        """Higher is worse; the worst status of the cells in a table cell wins."""
        return SEVERITY.index(self)

    @property
    def bad(self) -> bool:
        """A status that fails `matrixgen run` and the gate."""
        return self in (Status.FAILED, Status.ERROR)


SYMBOLS = {
    Status.PASSED: "✅",
    Status.FLAKY: "⚠️",
    Status.FAILED: "❌",
    Status.ERROR: "❌",
    Status.SKIPPED: "⏭",
    Status.NOT_RUN: "⏹",
    Status.MISSING: "❔",
    Status.EXCLUDED: "—",
    Status.DECLARED: "○",
}
# Best to worst. A failure outranks a missing result: it is a known problem, not a possible one.
SEVERITY = [
    Status.EXCLUDED,
    Status.DECLARED,
    Status.PASSED,
    Status.SKIPPED,
    Status.FLAKY,
    Status.NOT_RUN,
    Status.MISSING,
    Status.FAILED,
    Status.ERROR,
]
# What `matrixgen run` may stamp on a file (the others are the report's own).
STAMPED = {
    s.value: s
    for s in (
        Status.PASSED,
        Status.FLAKY,
        Status.FAILED,
        Status.ERROR,
        Status.SKIPPED,
        Status.NOT_RUN,
    )
}


def worst(statuses: Iterable[Status]) -> Status:
    return max(statuses, key=lambda s: s.severity, default=Status.DECLARED)
