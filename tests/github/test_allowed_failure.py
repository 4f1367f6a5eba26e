"""An allowed failure: its cell runs and fails, `report` says so in the table, the JSON and
the console, and neither `report --check-complete` (the gate) nor a missing result of it
fails."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from support.cli import invoke

from .conftest import Project

MATRIX = """\
version: 1
axes:
  python: {values: {"3.11": {}, "3.15": {allowed-failure: true}}}
  mode: [fast, slow]
levels:
  unit:
    axes: [mode]
    with: {python: "3.11"}
    run: python write.py ${junit} ${mode}
  experimental:
    axes: [mode]
    allowed-failure: true
    run: python write.py ${junit} fail
outputs:
  docs: {file: docs/matrix.md, rows: [mode], columns: level}
"""

WRITE = """\
import sys
from pathlib import Path
junit, mode = Path(sys.argv[1]), sys.argv[2]
failure = '<failure message="broken"/>' if mode == "fail" else ""
junit.parent.mkdir(parents=True, exist_ok=True)
junit.write_text(
    f'<testsuite name="t" tests="1"><testcase classname="t" name="x">{failure}</testcase>'
    "</testsuite>"
)
sys.exit(1 if failure else 0)
"""


def matrixgen(*args: str) -> tuple[int, str]:
    """Exit code and all it printed (stdout, then stderr) of `matrixgen ARGS` through main."""
    result = invoke(*args)
    return result.code, result.out + result.err


@pytest.fixture
def ran(project: Callable[..., Project]) -> Project:
    made = project(MATRIX, {"write.py": WRITE})
    code, output = matrixgen("run", "experimental/fast", "unit")
    assert code == 1, output  # run says the truth: a cell failed
    return made


def test_an_allowed_failure_fails_neither_the_report_nor_the_gate(ran: Project) -> None:
    code, output = matrixgen("report", "--check-complete", "--json", "report.json")
    assert code == 0, output
    assert "❌ experimental/fast: failed (allowed failure): 1 of 1 test failed" in output
    # Not run at all: missing, and allowed to be.
    assert "❔ experimental/slow: missing (allowed failure): no JUnit result" in output
    cells = {c["id"]: c for c in json.loads(ran.read("report.json"))["cells"]}
    fast = cells["experimental/fast"]
    assert (fast["status"], fast["allowed_failure"]) == ("failed", True)
    assert cells["unit/fast"]["allowed_failure"] is False
    table = ran.read("docs/matrix.md")
    assert "| fast | ✅ | ❌ allowed failure |" in table
    assert "| slow | ✅ | ❔ allowed failure |" in table


def test_under_github_actions_an_allowed_failure_is_a_warning(ran: Project) -> None:
    result = invoke("report", env={"GITHUB_ACTIONS": "true"})
    assert result.code == 0, result.err
    assert (
        "::warning title=experimental/fast::failed (allowed failure): 1 of 1 test failed"
        in result.out + result.err
    )


def test_a_failure_that_is_not_allowed_still_fails_the_report(
    ran: Project,
) -> None:
    ran.write("matrix.yaml", ran.read("matrix.yaml").replace("    allowed-failure: true\n", ""))
    code, output = matrixgen("report")
    assert code == 1
    assert "❌ experimental/fast: failed: 1 of 1 test failed" in output


def test_an_allowed_value_marks_every_cell_with_it(project: Callable[..., Project]) -> None:
    from matrixgen.load.github.checks import allowed_failure
    from matrixgen.load.matrix import load

    made = project(
        MATRIX.replace(
            "    axes: [mode]\n    with:", "    axes: [python, mode]\n    with:"
        ).replace('    with: {python: "3.11"}\n', "")
    )
    matrix = load(made.root)
    allowed = {c.id for c in matrix.cells if allowed_failure(matrix.model, c)}
    assert allowed == {
        "unit/3.15-fast", "unit/3.15-slow", "experimental/fast", "experimental/slow",
    }  # fmt: skip
