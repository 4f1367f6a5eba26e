"""The JUnit writer: stamping keeps the cell's own file, synthesized files say why."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from matrixgen.load.cells import Cell
from matrixgen.outcome import stamp as junit
from matrixgen.outcome.junit import read_junit
from matrixgen.outcome.status import Status

CELL = Cell(
    level="component", suite="component", name="gcs-lww", values={"backend": "gcs", "mode": "lww"},
    spanned=("backend", "mode"), labels={}, services=("gcs",), env={}, run="pytest",
)  # fmt: skip


def counts(path: Path) -> tuple[int, int, int, list[str]]:
    read = read_junit(path)
    assert read.problem is None
    return read.tests, read.failed, read.skipped, read.skip_reasons


def props(path: Path) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for prop in ET.parse(path).getroot().iter("property"):
        found.setdefault(prop.get("name", ""), []).append(prop.get("value", ""))
    return found


def test_stamp_keeps_every_suite_and_replaces_old_stamps(tmp_path: Path) -> None:
    path = tmp_path / "cell.xml"
    path.write_text(
        "<testsuites><testsuite name='a' tests='1'><properties>"
        "<property name='mine' value='1'/><property name='matrixgen.status' value='stale'/>"
        "</properties><testcase name='t1'/></testsuite><testsuite name='b' tests='1'>"
        "<testcase name='t2'><failure message='x'/></testcase></testsuite></testsuites>"
    )
    stamps = junit.properties(CELL, attempt=2, duration=1.5, status="flaky", reason="")
    junit.stamp(path, stamps)
    found = props(path)
    assert found["mine"] == ["1"]
    assert found["matrixgen.status"] == ["flaky", "flaky"]  # one per suite, the stale one gone
    assert found["matrixgen.cell"] == ["component/gcs-lww"] * 2
    assert found["matrixgen.value.backend"] == ["gcs"] * 2
    assert found["matrixgen.attempt"] == ["2"] * 2
    assert found["matrixgen.duration"] == ["1.500"] * 2
    assert counts(path) == (2, 1, 0, [])


def test_synthesized_error_carries_output_without_breaking_xml(tmp_path: Path) -> None:
    path = tmp_path / "component" / "gcs-lww.xml"
    junit.synthesize(path, CELL, outcome=Status.ERROR, message="timed out after 3s",
                     details="\x1b[31mred\x1b[0m tail", duration=3.0)  # fmt: skip
    error = ET.parse(path).getroot().find(".//error")
    assert error is not None and error.get("message") == "timed out after 3s"
    assert error.text is not None and "red" in error.text and "\x1b" not in error.text
    assert counts(path) == (1, 1, 0, [])


def test_skipped_and_added_errors(tmp_path: Path) -> None:
    path = tmp_path / "s.xml"
    junit.synthesize(
        path, CELL, outcome=Status.SKIPPED, message="requires kind", details="", duration=0
    )
    assert counts(path) == (1, 0, 1, ["requires kind"])
    own = tmp_path / "own.xml"
    own.write_text("<testsuite name='p' tests='1'><testcase name='t'/></testsuite>")
    junit.add_error(own, CELL, message="exited with code 5", details="no tests ran")
    assert counts(own) == (2, 1, 0, [])
