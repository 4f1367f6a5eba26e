"""The status of each cell in a report, folded from its JUnit files (see `outcome.verdict`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from matrixgen.load.cells import Cell
from matrixgen.outcome import properties
from matrixgen.outcome.attempts import EarlierAttempt, of_properties
from matrixgen.outcome.junit import Failure, JUnitFile
from matrixgen.outcome.status import Status, worst
from matrixgen.outcome.verdict import of_file


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
    allowed_failure: bool = False  # matrix.yaml lets it fail: it never fails the report
    args: str = ""  # what `matrixgen run ... -- ARGS` gave it, shell-quoted: not run as declared
    earlier: list[EarlierAttempt] = field(default_factory=list)  # retried attempts: what failed

    @property
    def id(self) -> str:
        return self.cell.id

    @property
    def tolerated(self) -> bool:
        """Failed, an error or missing, and allowed to be: shown, but failing nothing."""
        return self.allowed_failure and (self.status.bad or self.status is Status.MISSING)

    def to_json(self, root: Path) -> dict[str, object]:
        return {
            "id": self.cell.id,
            "level": self.cell.level,
            "suite": self.cell.suite,
            "cell": self.cell.name,
            "values": dict(self.cell.values),
            "status": self.status.value,
            "reason": self.reason,
            "allowed_failure": self.allowed_failure,
            "tests": {"passed": self.passed, "failed": self.failed, "skipped": self.skipped},
            "duration": None if self.duration is None else round(self.duration, 3),
            "files": [_relative(path, root) for path in self.files],
            "failures": [
                {"test": f.test, "kind": f.kind, "message": f.message} for f in self.failures
            ],
            "earlier_attempts": [attempt.to_json() for attempt in self.earlier],
        }


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def cell_status(cell: Cell, files: Sequence[JUnitFile]) -> CellStatus:
    """Fold every file of one cell: counts add up, the worst verdict wins.

    A file cannot improve another: `matrixgen run` writes one file per cell, stamped with
    the verdict of its last attempt (flaky when a retry passed), so a second file that
    claims a later `matrixgen.attempt` is only one more file, judged on its own. Flaky
    comes from a file's own verdict: run's stamp, or a runner's rerun elements.
    """
    if not files:
        return CellStatus(cell, Status.MISSING, "no JUnit result")
    verdicts = [of_file(f, cell.python) for f in files]
    status = worst(v.status for v in verdicts)
    reasons = list(dict.fromkeys(v.reason for v in verdicts if v.status is status and v.reason))
    # A pass under `-- -k one_test` is not the cell passing: say so wherever the reason goes
    # (JSON, and a note under the docs table); `report` says it on the console too.
    given = list(dict.fromkeys(a for f in files if (a := f.properties.get(properties.ARGS))))
    reasons += [f"ran with extra arguments {args}, not as declared" for args in given]
    durations = [d for d in (_stamped_duration(f) for f in files) if d is not None]
    return CellStatus(
        cell,
        status,
        "; ".join(reasons) or None,
        passed=sum(f.passed for f in files),
        failed=sum(f.failed for f in files),
        skipped=sum(f.skipped for f in files),
        duration=sum(durations) if durations else None,
        failures=[failure for f in files for failure in f.failures],
        files=sorted(f.path for f in files),
        args="; ".join(given),
        earlier=[attempt for f in files for attempt in of_properties(f.properties)],
    )


def _stamped_duration(junit: JUnitFile) -> float | None:
    """The wall-clock time `matrixgen run` stamped, else the time the runner wrote."""
    text = junit.properties.get(properties.DURATION)
    if text:
        try:
            return max(float(text), 0.0)
        except ValueError:
            pass
    return junit.duration
