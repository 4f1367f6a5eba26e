"""`report --junit FILE`: one merged JUnit that junitparser and a CI report tool both read."""

from __future__ import annotations

import shutil
from pathlib import Path

from junit2htmlreport.parser import Junit
from junitparser import JUnitXml
from support.cli import invoke

from .helpers import DESIGN, junit, write


def test_every_cell_with_its_verdict_in_one_file(tmp_path: Path) -> None:
    shutil.copytree(DESIGN, tmp_path, dirs_exist_ok=True)
    write(
        tmp_path,
        {
            "results/unit/s3-lww.xml": junit("unit/s3-lww", passed=2),
            "results/unit/s3-cas.xml": junit("unit/s3-cas", passed=1, failed=1),
            "results/unit/gcs-lww.xml": junit(
                "unit/gcs-lww", passed=1, status="error", reason="exited with code 3"
            ),
            "results/e2e/sqs-s3.xml": junit(
                "e2e/sqs-s3", passed=0, skipped=1, status="skipped", reason="requires kind"
            ),
            "results/unit/redis-cas.xml": "<testsuite",  # unreadable
        },
    )
    result = invoke("-C", str(tmp_path), "report", "--junit", "merged.xml")
    assert f"wrote {tmp_path / 'merged.xml'}" in result.out + result.err, result
    path = tmp_path / "merged.xml"

    xml = JUnitXml.fromfile(str(path))
    suites = {suite.name: suite for suite in xml}
    passing = suites["unit/s3-lww :: pytest"]
    assert [case.name for case in passing] == [
        "unit/s3-lww :: test_ok_0",
        "unit/s3-lww :: test_ok_1",
    ]
    props = {p.name: p.value for p in passing.properties()}
    assert props["matrixgen.cell"] == "unit/s3-lww" and props["matrixgen.status"] == "passed"
    assert suites["unit/s3-cas :: pytest"].failures == 1
    # The file's own cases passed, but the report says error: the verdict is a case of its own.
    verdict = [c for c in suites["unit/gcs-lww"] if c.name.endswith("matrixgen verdict")]
    assert verdict and verdict[0].result[0].message == "exited with code 3"
    assert suites["e2e/sqs-s3 :: pytest"].skipped == 1
    assert "unit/redis-cas" in suites  # unreadable: its error, nothing of the file
    missing = [s for name, s in suites.items() if name.startswith("component/")]
    assert missing and all(s.errors == 1 for s in missing)  # no result came back

    report = Junit(filename=str(path))  # what junit2html, a CI report tool, makes of it
    parsed = {suite.name: suite for suite in report.suites}
    assert set(parsed) == set(suites)
    assert [c.fullname() for c in parsed["unit/s3-cas :: pytest"].failed()] == [
        "tests.test_x : unit/s3-cas :: test_bad_0"
    ]
