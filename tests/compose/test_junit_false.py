"""`junit: false` through `matrixgen run` and `matrixgen report`: a cell whose command writes
no JUnit by declaration is passed or failed by its exit code, with "no test details", never
an error; a cell that declares nothing and writes none stays an error."""

from __future__ import annotations

import json
from pathlib import Path

from support.cli import process

MATRIX = """\
version: 1
levels:
  check:
    suites:
      ok: {run: "exit 0", junit: false}
      broken: {run: "echo it broke; exit 3", junit: false}
      wrote:
        run: echo '<testsuite><testcase name="t"/></testsuite>' > "$MATRIXGEN_JUNIT"
        junit: false
      silent: {run: "exit 0"}
"""


def test_the_exit_code_decides_for_junit_false_and_the_report_agrees(tmp_path: Path) -> None:
    (tmp_path / "matrix.yaml").write_text(MATRIX)
    run = process(tmp_path, "run")
    assert run.returncode == 1, run.stdout + run.stderr  # `broken` failed
    assert "PASSED check/ok" in run.stdout and "no test details (junit: false)" in run.stdout
    report = process(tmp_path, "report", "--json", "-")
    cells = {c["id"]: (c["status"], c["reason"]) for c in json.loads(report.stdout)["cells"]}
    assert cells == {
        "check/ok": ("passed", "no test details (junit: false)"),
        "check/broken": ("failed", "exited with code 3; no test details (junit: false)"),
        "check/wrote": ("passed", None),  # a JUnit it wrote anyway is read as usual
        "check/silent": (
            "error",
            "exited with code 0 and wrote no JUnit at results/check/silent.xml "
            "(pass ${junit} or $MATRIXGEN_JUNIT to the test runner, or declare junit: false "
            "for a cell that writes none)",
        ),
    }
    failure = (tmp_path / "results/check/broken.xml").read_text()
    assert "<failure" in failure and "it broke" in failure
