"""The one verdict: each branch, the exit-code texts, and what a Python version matches."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from matrixgen import pythons
from matrixgen.outcome.junit import read_junit
from matrixgen.outcome.status import Status
from matrixgen.outcome.verdict import (
    Verdict,
    checked_python,
    exit_text,
    of_content,
    of_file,
)


def junit(tmp_path: Path, cases: str, properties: str = "") -> Path:
    path = tmp_path / "x.xml"
    props = f"<properties>{properties}</properties>" if properties else ""
    path.write_text(f"<testsuite>{props}{cases}</testsuite>")
    return path


@pytest.mark.parametrize(
    ("code", "text"),
    [
        (2, "exited with code 2"),
        (-signal.SIGKILL, "was killed by SIGKILL"),
        (-200, "was killed by signal 200"),
        (128 + signal.SIGTERM, "exited with code 143 (SIGTERM)"),
        (255, "exited with code 255"),
    ],
)
def test_exit_text(code: int, text: str) -> None:
    assert exit_text(code) == text


@pytest.mark.parametrize(
    ("cases", "code", "expected"),
    [
        ("<testcase name='a'/>", 0, Verdict(Status.PASSED)),
        ("<testcase name='a'/>", None, Verdict(Status.PASSED)),
        (
            "<testcase name='a'><failure/></testcase>",
            0,
            Verdict(Status.FAILED, "1 of 1 test failed"),
        ),
        (
            "<testcase name='a'/>",
            3,
            Verdict(Status.ERROR, "exited with code 3 although its JUnit reports no failure"),
        ),
        ("", 0, Verdict(Status.ERROR, "the JUnit file holds no test cases")),
        (
            "<testcase name='a'><skipped message='no db'/></testcase>",
            0,
            Verdict(Status.SKIPPED, "no db"),
        ),
        (
            "<testcase name='a'><skipped/></testcase>",
            0,
            Verdict(Status.SKIPPED, "every test was skipped"),
        ),
        (
            "<testcase classname='c' name='a'><flakyError message='x'/></testcase>"
            "<testcase name='b'/>",
            0,
            Verdict(Status.FLAKY, "1 passed on a rerun by the test runner: c.a"),
        ),
    ],
)
def test_of_content(tmp_path: Path, cases: str, code: int | None, expected: Verdict) -> None:
    assert of_content(read_junit(junit(tmp_path, cases)), code) == expected


def test_many_flaky_tests_are_named_up_to_five(tmp_path: Path) -> None:
    cases = "".join(f"<testcase name='t{i}'><flakyFailure/></testcase>" for i in range(7))
    verdict = of_content(read_junit(junit(tmp_path, cases)))
    assert verdict == Verdict(
        Status.FLAKY, "7 passed on a rerun by the test runner: t0, t1, t2, t3, t4 …"
    )


def test_a_stamp_never_makes_a_file_better_than_its_content(tmp_path: Path) -> None:
    failing = "<testcase name='a'><failure/></testcase>"
    stamp = "<property name='matrixgen.status' value='passed'/>"
    assert of_file(read_junit(junit(tmp_path, failing, stamp))).status is Status.FAILED
    stamp = (
        "<property name='matrixgen.status' value='skipped'/>"
        "<property name='matrixgen.reason' value='needs kind'/>"
    )
    assert of_file(read_junit(junit(tmp_path, "", stamp))) == Verdict(Status.SKIPPED, "needs kind")


@pytest.mark.parametrize(
    ("version", "declared", "matches"),
    [
        ("3.10.13", "3.10", True),
        ("3.11.7", "3.10", False),
        ("3.13.0t", "3.13t", True),
        ("3.13.0", "3.13t", False),
        ("3.13.0t", "3.13", False),
        ("3.14.0rc1", "3.14", True),
        ("pypy3.10", "pypy3.10", True),
        ("3.1.0", "3.10", False),
    ],
)
def test_python_matches(version: str, declared: str, matches: bool) -> None:
    assert pythons.matches(version, declared) is matches


def test_checked_python_only_judges_cells_that_ran() -> None:
    skipped = Verdict(Status.SKIPPED, "Python 3.10 not found")
    assert checked_python(skipped, None, "3.10") == skipped
    passed = Verdict(Status.PASSED)
    assert checked_python(passed, "3.10.13", "3.10") == passed
    assert checked_python(passed, None, None) == passed
    assert checked_python(passed, "3.11.7", "3.10") == Verdict(
        Status.ERROR, "ran on Python 3.11.7, not on Python 3.10"
    )
