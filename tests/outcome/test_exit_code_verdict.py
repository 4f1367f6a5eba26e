"""`junit: false`: a cell that writes no JUnit by declaration is passed or failed by its exit
code alone, says so ("no test details"), and the report reads the file `run` wrote alike."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from matrixgen.load.cells import Cell
from matrixgen.outcome import stamp
from matrixgen.outcome.junit import read_junit
from matrixgen.outcome.status import Status
from matrixgen.outcome.verdict import NO_TEST_DETAILS, Verdict, of_exit_code, of_file

CELL = Cell(
    level="component", suite="worker", name="worker-redis", values={"store": "redis"},
    spanned=("store",), labels={"store": "Redis"}, services=(), env={}, run="true",
    junit=False,
)  # fmt: skip


@pytest.mark.parametrize(
    ("code", "verdict"),
    [
        (0, Verdict(Status.PASSED, "no test details (junit: false)")),
        (1, Verdict(Status.FAILED, "exited with code 1; no test details (junit: false)")),
        (-signal.SIGKILL, Verdict(Status.FAILED, f"was killed by SIGKILL; {NO_TEST_DETAILS}")),
    ],
)
def test_the_exit_code_decides(code: int, verdict: Verdict) -> None:
    assert of_exit_code(code) == verdict


@pytest.mark.parametrize("code", [0, 3])
def test_the_file_run_writes_reads_back_as_the_same_verdict(tmp_path: Path, code: int) -> None:
    path = tmp_path / "component" / "worker-redis.xml"
    verdict = of_exit_code(code)
    stamp.synthesize(path, CELL, outcome=verdict.status, message=verdict.reason or "",
                     details="the output", duration=1.5)  # fmt: skip
    props = stamp.properties(
        CELL, attempt=1, duration=1.5, status=verdict.status, reason=verdict.reason or ""
    )
    stamp.stamp(path, props)
    junit = read_junit(path)
    assert junit.problem is None
    assert (junit.tests, junit.failed) == (1, 0 if code == 0 else 1)
    assert of_file(junit) == verdict
