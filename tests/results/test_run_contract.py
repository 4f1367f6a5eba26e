"""What `matrixgen run` writes (matrixgen.run.junit) is what `matrixgen report` reads."""

from __future__ import annotations

from pathlib import Path

from matrixgen.load.matrix import load
from matrixgen.outcome.stamp import properties, stamp, synthesize
from matrixgen.outcome.status import Status
from matrixgen.results.collect import collect

from .helpers import DESIGN, junit, write


def test_stamped_and_synthesized_files_become_statuses(tmp_path: Path) -> None:
    matrix = load(DESIGN)
    results = tmp_path / "results"

    def stamped(cell_id: str, *, status: str, reason: str = "", attempt: int = 1) -> None:
        cell = matrix.cell(cell_id)
        path = results / cell.level / f"{cell.name}.xml"
        if status in ("error", "skipped"):  # run writes the file itself: the cell could not
            synthesize(
                path, cell, outcome=status, message=reason, details="log tail", duration=90.0
            )
        else:  # the runner wrote it; run adds who it is
            write(results, {f"{cell.level}/{cell.name}.xml": junit(None, passed=4)})
        stamp(path, properties(cell, attempt=attempt, duration=12.5, status=status, reason=reason))

    stamped("component/s3-lww", status=Status.FLAKY, attempt=2)
    stamped("component/gcs-lww", status=Status.ERROR, reason="timed out after 90s")
    stamped("e2e/sqs-s3", status=Status.SKIPPED, reason="requires docker, kind")

    statuses = collect(matrix, [results]).statuses
    flaky, error, skipped = (
        statuses[i] for i in ("component/s3-lww", "component/gcs-lww", "e2e/sqs-s3")
    )
    assert (flaky.status, flaky.reason, flaky.passed, flaky.duration) == (
        Status.FLAKY,
        "passed on a retry",
        4,
        12.5,
    )
    assert (error.status, error.reason) == (Status.ERROR, "timed out after 90s")
    assert (skipped.status, skipped.reason, skipped.skipped) == (
        Status.SKIPPED,
        "requires docker, kind",
        1,
    )
