"""`report --junit FILE`: every cell's JUnit in one file, for CI test-report consumers.

Built with junitparser (a well-kept library for exactly this), from files the hardened
reader accepted: each test case is renamed `level/cell :: name` so the cells stay apart,
each suite keeps its properties (matrixgen's stamps included), and the report's verdict
is never lost — a cell the report calls an error (a missing result, a wrong Python, a
non-zero exit) gets a test case with that error even when its own cases all passed.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from matrixgen.outcome.junit import read_bytes, read_junit
from matrixgen.outcome.status import Status
from matrixgen.results.status import CellStatus

if TYPE_CHECKING:
    from junitparser import TestSuite

# A cell `run --fail-fast` did not start is in its file as a skipped test case, saying why.
SHOWN = (
    Status.PASSED,
    Status.FLAKY,
    Status.FAILED,
    Status.ERROR,
    Status.SKIPPED,
    Status.NOT_RUN,
    Status.MISSING,
)


def merged_junit(statuses: Iterable[CellStatus]) -> bytes:
    from junitparser import Error, JUnitXml, TestCase, TestSuite

    merged = JUnitXml(name="matrixgen")
    for status in statuses:
        if status.status not in SHOWN:
            continue
        cell = status.cell.id
        suites = [s for path in status.files for s in _suites(path)]
        for suite in suites:
            renamed = TestSuite(f"{cell} :: {suite.name}" if suite.name else cell)
            for prop in suite.properties():
                renamed.add_property(prop.name, prop.value)
            for case in suite:
                case.name = f"{cell} :: {case.name}"
                renamed.add_testcase(case)
            renamed.update_statistics()
            merged.add_testsuite(renamed)
        bad = status.status in (Status.ERROR, Status.MISSING)
        if bad and not any(s.errors or s.failures for s in suites):
            verdict = TestSuite(cell)
            case = TestCase(f"{cell} :: matrixgen verdict", classname="matrixgen")
            case.result = [Error(status.reason or status.status.value, status.status.value)]
            verdict.add_testcase(case)
            verdict.update_statistics()
            merged.add_testsuite(verdict)
    merged.update_statistics()
    text: bytes = merged.tostring()
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + text


def _suites(path: Path) -> list[TestSuite]:
    """The suites of one accepted file; [] when the reader refused it (the verdict says why)."""
    from junitparser import JUnitXml, TestSuite

    data = read_bytes(path)
    if isinstance(data, str) or read_junit(path).problem is not None:
        return []
    parsed = JUnitXml.fromstring(data)  # ElementTree parses bytes, honouring the declared encoding
    return [parsed] if isinstance(parsed, TestSuite) else list(parsed)
