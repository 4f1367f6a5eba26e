"""The record of a cell's earlier attempts: the file names, the properties and the reason."""

from __future__ import annotations

from pathlib import Path

from matrixgen.outcome.attempts import (
    EarlierAttempt,
    attempt_path,
    flaky_reason,
    is_attempt_file,
    of_junit,
    of_properties,
    to_properties,
)
from matrixgen.outcome.junit import read_junit


def test_attempt_files_sit_beside_the_final_ones() -> None:
    assert attempt_path(Path("results/unit/a.xml"), 1) == Path("results/unit/a.attempt-1.xml")
    assert attempt_path(Path("results/unit/a-b.log"), 12) == Path("results/unit/a-b.attempt-12.log")
    assert is_attempt_file("a.attempt-1.xml") and is_attempt_file("a.ATTEMPT-2.XML")
    assert is_attempt_file("a.attempt-3.log")
    assert not is_attempt_file("a.xml")
    assert not is_attempt_file("attempt-1.xml")  # a cell named attempt-1 is a cell
    assert not is_attempt_file("a.attempt-x.xml")


def test_an_attempts_junit_gives_the_tests_that_failed_not_matrixgens_own(tmp_path: Path) -> None:
    path = tmp_path / "a.xml"
    path.write_text(
        '<testsuite tests="4">'
        '<testcase classname="t" name="one"><failure message="boom">trace</failure></testcase>'
        '<testcase classname="t" name="one"><error message="again"/></testcase>'
        '<testcase classname="t" name="two"><error message=""/></testcase>'
        '<testcase classname="t" name="ok"/>'
        '<testcase classname="matrixgen.unit" name="a (matrixgen)">'
        '<error message="exited with code 1 although its JUnit reports no failure"/></testcase>'
        "</testsuite>"
    )
    attempt = of_junit(1, "failed", "2 of 4 tests failed", read_junit(path), level="unit")
    assert attempt == EarlierAttempt(1, "failed", ("t.one", "t.two"), "boom\ntrace")
    crashed = of_junit(2, "error", "was killed by SIGKILL", None, level="unit")
    assert crashed == EarlierAttempt(2, "error", (), "was killed by SIGKILL")
    long = of_junit(3, "error", "x" * 2000, None, level="unit")
    assert len(long.message) == 500


def test_attempts_round_trip_through_properties() -> None:
    attempts = [
        EarlierAttempt(1, "failed", ("t.test_x[a,b]", "t.test_y"), "assert 1 == 2"),
        EarlierAttempt(2, "error", (), "timed out after 4s"),
    ]
    props = to_properties(attempts)
    assert props["matrixgen.attempt.1.failed"] == "t.test_x[a,b]\nt.test_y"
    unrelated = {"matrixgen.attempt": "3", "matrixgen.attempt.x.status": "failed"}
    assert of_properties({**props, **unrelated}) == attempts
    # A hand-edited file with a field missing still reads.
    assert of_properties({"matrixgen.attempt.4.status": "failed"}) == [
        EarlierAttempt(4, "failed", (), "")
    ]
    assert attempts[0].to_json() == {
        "attempt": 1, "status": "failed", "failed": ["t.test_x[a,b]", "t.test_y"],
        "message": "assert 1 == 2",
    }  # fmt: skip


def test_the_flaky_reason_names_the_tests_and_the_first_message() -> None:
    many = tuple(f"t.test_{n}" for n in range(7))
    reason = flaky_reason(
        4,
        [
            EarlierAttempt(1, "failed", ("t.test_x",), "assert 1 == 2\nlong traceback"),
            EarlierAttempt(2, "failed", many, ""),
            EarlierAttempt(3, "error", (), "was killed by SIGABRT"),
        ],
    )
    assert reason == (
        "passed on attempt 4; attempt 1 failed: t.test_x (assert 1 == 2); "
        "attempt 2 failed: t.test_0, t.test_1, t.test_2, t.test_3, t.test_4 and 2 more; "
        "attempt 3 error: was killed by SIGABRT"
    )
    assert flaky_reason(2, [EarlierAttempt(1, "error", (), "")]) == (
        "passed on attempt 2; attempt 1 error"
    )
