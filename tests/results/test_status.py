"""Cell statuses: one file's verdict, folding several files, worst wins."""

from __future__ import annotations

from pathlib import Path

import pytest

from matrixgen.load.cells import Cell
from matrixgen.load.matrix import load
from matrixgen.outcome.junit import read_junit
from matrixgen.outcome.status import SEVERITY, Status, worst
from matrixgen.outcome.verdict import of_file
from matrixgen.results.status import cell_status

from .helpers import DESIGN, junit, write


@pytest.fixture
def cell() -> Cell:
    return load(DESIGN).cell("component/s3-lww")


def verdict(tmp_path: Path, text: str) -> tuple[Status, str | None]:
    path = write(tmp_path, {"x.xml": text}) / "x.xml"
    found = of_file(read_junit(path))
    return found.status, found.reason


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (junit("component/s3-lww", passed=3), (Status.PASSED, None)),
        (junit("component/s3-lww", passed=3, failed=1), (Status.FAILED, "1 of 4 tests failed")),
        (
            junit(
                "component/s3-lww", passed=0, skipped=2, status="skipped", reason="requires docker"
            ),
            (Status.SKIPPED, "requires docker"),
        ),
        (
            junit(None, passed=0, skipped=2, skip_message="needs kind"),
            (Status.SKIPPED, "needs kind"),
        ),
        (junit("component/s3-lww", passed=2, skipped=1), (Status.PASSED, None)),
        (junit("component/s3-lww", status="flaky"), (Status.FLAKY, "passed on a retry")),
        (
            junit(
                "component/s3-lww", passed=0, failed=1, status="error", reason="timed out after 90s"
            ),
            (Status.ERROR, "timed out after 90s"),
        ),
        (
            junit("component/s3-lww", passed=0, failed=1, status="error", message="Segfault"),
            (Status.ERROR, "Segfault"),
        ),
        (
            junit("component/s3-lww", passed=2, status="failed", reason="exit code 3"),
            (Status.FAILED, "exit code 3"),
        ),
        (junit(None, passed=0), (Status.ERROR, "the JUnit file holds no test cases")),
        (
            "<testsuite",
            (Status.ERROR, "unreadable JUnit: it ends early at line 1, column 1 (truncated?)"),
        ),
    ],
)
def test_of_file(tmp_path: Path, text: str, expected: tuple[Status, str | None]) -> None:
    assert verdict(tmp_path, text) == expected


def test_worst_wins_and_failures_outrank_missing() -> None:
    assert worst([Status.PASSED, Status.SKIPPED, Status.FLAKY]) is Status.FLAKY
    assert worst([Status.MISSING, Status.FAILED]) is Status.FAILED
    assert worst([Status.FAILED, Status.ERROR]) is Status.ERROR
    assert worst([Status.EXCLUDED, Status.PASSED]) is Status.PASSED
    assert worst([]) is Status.DECLARED
    assert SEVERITY[0] is Status.EXCLUDED and SEVERITY[-1] is Status.ERROR


def test_no_file_is_missing(cell: Cell) -> None:
    status = cell_status(cell, [])
    assert (status.status, status.reason) == (Status.MISSING, "no JUnit result")


def test_files_of_one_cell_add_up(tmp_path: Path, cell: Cell) -> None:
    write(
        tmp_path,
        {
            "a.xml": junit(None, passed=3, skipped=1, duration=2.0),
            "b.xml": junit(None, passed=1, failed=2, duration=0.5),
        },
    )
    status = cell_status(cell, [read_junit(tmp_path / "a.xml"), read_junit(tmp_path / "b.xml")])
    assert (status.status, status.passed, status.failed, status.skipped) == (Status.FAILED, 4, 2, 1)
    assert status.duration == pytest.approx(2.5)
    assert [f.test for f in status.failures] == [
        "tests.test_x.test_bad_0",
        "tests.test_x.test_bad_1",
    ]


def test_a_later_attempt_stamp_never_improves_another_file(tmp_path: Path, cell: Cell) -> None:
    # run writes one file per cell, stamped flaky when a retry passed; a second file that
    # claims attempt 2 is one more file, and the worst verdict still wins.
    write(
        tmp_path,
        {
            "1.xml": junit("component/s3-lww", passed=1, failed=1, attempt=1, duration=3.0),
            "2.xml": junit("component/s3-lww", passed=2, attempt=2, duration=4.0),
        },
    )
    status = cell_status(cell, [read_junit(tmp_path / "1.xml"), read_junit(tmp_path / "2.xml")])
    assert (status.status, status.reason) == (Status.FAILED, "1 of 2 tests failed")
    assert (status.passed, status.failed, status.duration) == (3, 1, 7.0)
    assert len(status.files) == 2


def test_flaky_comes_from_run_s_stamp(tmp_path: Path, cell: Cell) -> None:
    write(tmp_path, {"x.xml": junit("component/s3-lww", passed=2, status="flaky", attempt=2)})
    status = cell_status(cell, [read_junit(tmp_path / "x.xml")])
    assert (status.status, status.reason) == (Status.FLAKY, "passed on a retry")


def test_an_unreadable_file_makes_the_cell_an_error(tmp_path: Path, cell: Cell) -> None:
    write(tmp_path, {"ok.xml": junit(None, passed=5), "bad.xml": ""})
    status = cell_status(cell, [read_junit(tmp_path / "ok.xml"), read_junit(tmp_path / "bad.xml")])
    assert (status.status, status.reason) == (Status.ERROR, "unreadable JUnit: the file is empty")
