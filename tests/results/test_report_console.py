"""`matrixgen report` prints the support table after its summary line (`--quiet` leaves it
out): the docs table's text, laid out as plain text, inert to the terminal."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from support.cli import Result, invoke, on_terminal
from support.golden import assert_golden

from matrixgen.load.matrix import load
from matrixgen.results.collect import collect
from matrixgen.results.console import console_table
from tests.config.test_terminal_text import ALL, assert_inert

from .helpers import DESIGN, junit, write


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copy(DESIGN / "matrix.yaml", tmp_path / "matrix.yaml")
    shutil.copytree(DESIGN / "testing", tmp_path / "testing")
    files = {}
    for cell in load(tmp_path).cells:
        text = junit(cell.id, passed=3)
        if cell.id == "unit/s3-cas":
            text = junit(cell.id, passed=1, failed=1)
        elif cell.level == "e2e":
            text = junit(cell.id, passed=0, skipped=1, status="skipped", reason="needs kind")
        files[f"results/{cell.level}/{cell.name}.xml"] = text
    write(tmp_path, files)
    return tmp_path


def report(project: Path, *args: str) -> Result:
    return invoke("-C", str(project), "report", *args)


GOLDEN = Path(__file__).parent / "golden" / "console-table.txt"
TABLE = GOLDEN.read_text(encoding="utf-8").rstrip("\n")  # the design matrix's, with results


def test_the_table_follows_the_summary(project: Path) -> None:
    done = report(project)
    assert done.code == 1, done.out + done.err  # unit/s3-cas failed
    lines = done.out.splitlines()
    summary = next(i for i, line in enumerate(lines) if " JUnit files: " in line)
    assert lines[summary] == (
        "22 JUnit files: ❌ 1 failed · ⏭ 5 skipped · ✅ 16 passed · — 8 excluded"
    )
    assert "\n".join(lines[summary + 1 : summary + 1 + len(TABLE.splitlines())]) == TABLE
    assert lines[-1] == "❌ unit/s3-cas: failed: 1 of 2 tests failed"  # the errors stay last


def test_quiet_leaves_the_table_out(project: Path) -> None:
    report(project)  # writes the docs page: the next reports leave it unchanged
    loud, quiet = report(project), report(project, "--quiet")
    assert (quiet.code, quiet.err) == (1, "")
    assert quiet.out.splitlines() == [
        line for line in loud.out.splitlines() if line not in TABLE.splitlines()
    ]
    assert "Storage backend" not in quiet.out and "¹ skipped" not in quiet.out
    assert report(project, "-q").out == quiet.out


def test_with_json_on_stdout_the_table_goes_to_stderr(project: Path) -> None:
    done = report(project, "--json", "-")
    assert json.loads(done.out)["summary"]["failed"] == 1
    assert TABLE in done.err


def test_a_terminal_width_wraps_the_table_within_it(project: Path) -> None:
    matrix = load(project)
    statuses = collect(matrix, [project / "results"]).statuses
    narrow = console_table(matrix, statuses, width=60)
    assert max(len(line) for line in narrow.splitlines()) <= 60
    assert len(narrow.splitlines()) > len(TABLE.splitlines()) and "…" not in narrow  # wrapped
    assert "¹ skipped: needs kind" in narrow
    assert_golden(GOLDEN, console_table(matrix, statuses) + "\n")  # no width: never wrapped


def test_labels_and_reasons_print_inert(tmp_path: Path) -> None:
    evil = json.dumps(ALL + " [bold red]markup[/] :smile:")  # YAML double-quoted
    (tmp_path / "matrix.yaml").write_text(
        f"version: 1\naxes:\n  backend:\n    title: {evil}\n    values:\n"
        f"      s3: {{label: {evil}}}\n      gone: {{label: gone}}\n"
        f"levels:\n  unit: {{label: {evil}, axes: [backend], run: 'true'}}\n"
        f"exclude:\n  - match: {{backend: gone}}\n    reason: {evil}\n",
        encoding="utf-8",
    )
    write(tmp_path, {"results/unit/s3.xml": junit("unit/s3", passed=2)})
    code, output = on_terminal(tmp_path, "report")
    assert code == 0, output
    assert_inert(output)
    assert output.count("\\u001b]0;pwned\\u0007") == 4  # title, label, level, the note
    assert output.count("[bold red]markup[/] :smile:") == 4  # rich markup stays text
