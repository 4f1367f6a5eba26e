"""The status of each cell, from its JUnit files, as DESIGN's support-matrix table defines it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from matrixgen.load.cells import Cell
from matrixgen.results.junit import Failure, JUnitFile


class Status(str, Enum):
    PASSED = "passed"
    FLAKY = "flaky"
    FAILED = "failed"
    ERROR = "error"  # no trustworthy result: crash, timeout, unreadable JUnit
    SKIPPED = "skipped"
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


SYMBOLS = {
    Status.PASSED: "✅",
    Status.FLAKY: "⚠️",
    Status.FAILED: "❌",
    Status.ERROR: "❌",
    Status.SKIPPED: "⏭",
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
    Status.MISSING,
    Status.FAILED,
    Status.ERROR,
]
STAMPED = {
    s.value: s for s in (Status.PASSED, Status.FLAKY, Status.FAILED, Status.ERROR, Status.SKIPPED)
}


def worst(statuses: Iterable[Status]) -> Status:
    return max(statuses, key=lambda s: s.severity, default=Status.DECLARED)


@dataclass
class CellStatus:
    cell: Cell
    status: Status
    reason: str | None = None
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    duration: float | None = None
    failures: list[Failure] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    exclude: int | None = None  # index into `exclude:` for excluded cells

    @property
    def id(self) -> str:
        return self.cell.id

    def to_json(self, root: Path) -> dict[str, object]:
        return {
            "id": self.cell.id,
            "level": self.cell.level,
            "suite": self.cell.suite,
            "cell": self.cell.name,
            "values": dict(self.cell.values),
            "status": self.status.value,
            "reason": self.reason,
            "tests": {"passed": self.passed, "failed": self.failed, "skipped": self.skipped},
            "duration": None if self.duration is None else round(self.duration, 3),
            "files": [_relative(path, root) for path in self.files],
            "failures": [
                {"test": f.test, "kind": f.kind, "message": f.message} for f in self.failures
            ],
        }


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def file_status(junit: JUnitFile) -> tuple[Status, str | None]:
    """One file's verdict: its problem, what matrixgen run stamped, else its test cases."""
    if junit.problem is not None:
        return Status.ERROR, f"unreadable JUnit: {junit.problem}"
    stamped = STAMPED.get(junit.properties.get("matrixgen.status", "").strip().lower())
    reason = junit.properties.get("matrixgen.reason") or None
    if stamped is Status.ERROR:
        first = (
            junit.failures[0].message.splitlines()[0]
            if junit.failures and junit.failures[0].message
            else None
        )
        return Status.ERROR, reason or first or "matrixgen run recorded an error"
    if junit.failed or stamped is Status.FAILED:  # run saw a failure (exit code) the file may not
        return Status.FAILED, reason
    if junit.skipped and not junit.passed:
        return Status.SKIPPED, reason or "; ".join(junit.skip_reasons) or None
    if not junit.tests:
        if stamped is Status.SKIPPED:
            return Status.SKIPPED, reason
        return Status.ERROR, reason or "the JUnit file holds no test cases"
    if junit.flaky or stamped is Status.FLAKY:
        return Status.FLAKY, reason or ("passed on a retry" if stamped is Status.FLAKY else None)
    return Status.PASSED, None


def _attempt(junit: JUnitFile) -> int:
    try:
        return int(junit.properties.get("matrixgen.attempt", "1"))
    except ValueError:
        return 1


def cell_status(cell: Cell, files: Sequence[JUnitFile]) -> CellStatus:
    """Fold every file of one cell: counts add up, the worst verdict wins.

    When files carry several `matrixgen.attempt` stamps, only the last attempt counts,
    and a pass after failed attempts is flaky.
    """
    if not files:
        return CellStatus(cell, Status.MISSING, "no JUnit result")
    last = max(_attempt(f) for f in files)
    final = [f for f in files if _attempt(f) == last]
    verdicts = [file_status(f) for f in final]
    status = worst(s for s, _ in verdicts)
    earlier = [file_status(f)[0] for f in files if _attempt(f) < last]
    if status is Status.PASSED and any(s in (Status.FAILED, Status.ERROR) for s in earlier):
        status = Status.FLAKY
    reasons = list(dict.fromkeys(r for s, r in verdicts if s is status and r))
    if status is Status.FLAKY and not reasons:
        reasons = [f"passed on attempt {last}"]
    durations = [d for d in (_stamped_duration(f) for f in final) if d is not None]
    return CellStatus(
        cell,
        status,
        "; ".join(reasons) or None,
        passed=sum(f.passed for f in final),
        failed=sum(f.failed for f in final),
        skipped=sum(f.skipped for f in final),
        duration=sum(durations) if durations else None,
        failures=[failure for f in final for failure in f.failures],
        files=sorted(f.path for f in files),
    )


def _stamped_duration(junit: JUnitFile) -> float | None:
    """The wall-clock time `matrixgen run` stamped, else the time the runner wrote."""
    text = junit.properties.get("matrixgen.duration")
    if text:
        try:
            return max(float(text), 0.0)
        except ValueError:
            pass
    return junit.duration
