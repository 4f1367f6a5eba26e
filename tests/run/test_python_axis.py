"""A `python` axis means the interpreter: each cell runs on its Python, or says why not."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from support.cli import process

from matrixgen.run.interpreters import find_interpreter

# Writes a JUnit file whose one test is named after the Python running it.
CHECK = """\
import sys
name = "runs-on-%d.%d" % sys.version_info[:2]
open(sys.argv[1], "w").write(
    "<testsuite tests='1'><testcase classname='check' name='%s'/></testsuite>" % name
)
"""


RUNNING = f"{sys.version_info[0]}.{sys.version_info[1]}"
# A Python other than the one running this suite: its cells need their own interpreter.
ELSEWHERE = next(v for v in ("3.10", "3.12", "3.13") if v != RUNNING)


def need(*versions: str) -> None:
    for version in versions:
        if find_interpreter(version, dict(os.environ)) is None:
            message = f"Python {version} is not installed; `pyenv install {version}`"
            if os.environ.get("CI"):
                pytest.fail(message)
            pytest.skip(message)


def report(root: Path) -> dict[str, dict[str, object]]:
    done = process(root, "report", "--json", "-", timeout=600)
    return {cell["id"]: cell for cell in json.loads(done.stdout)["cells"]}


def test_each_cell_runs_on_its_python_or_is_skipped(tmp_path: Path) -> None:
    need("3.10", "3.12")
    (tmp_path / "check.py").write_text(CHECK)
    (tmp_path / "matrix.yaml").write_text(
        'version: 1\naxes:\n  python: ["3.10", "3.12", "3.99"]\n'
        "levels:\n  unit:\n    axes: [python]\n    run: python check.py ${junit}\n"
    )
    # 3.99 is missing here: skipped when asked to (under CI=true it would fail the run).
    done = process(tmp_path, "run", "-j", "2", "--skip-missing-interpreters", timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    for version in ("3.10", "3.12"):
        text = (tmp_path / "results" / "unit" / f"{version}.xml").read_text()
        assert f'name="runs-on-{version}"' in text  # the test itself ran there
        assert f'name="matrixgen.python" value="{version}.' in text  # and run recorded it
    cells = report(tmp_path)
    assert cells["unit/3.10"]["status"] == cells["unit/3.12"]["status"] == "passed"
    assert cells["unit/3.99"]["status"] == "skipped"
    assert cells["unit/3.99"]["reason"] == (
        "Python 3.99 not found (looked for python3.99 on PATH, in pyenv and with uv)"
    )
    # A second run reuses the cells' environments.
    again = process(tmp_path, "run", "unit/3.10", timeout=600)
    assert again.returncode == 0, again.stdout + again.stderr


def test_a_cell_that_calls_another_python_is_an_error(tmp_path: Path) -> None:
    need(ELSEWHERE)
    (tmp_path / "check.py").write_text(CHECK)
    (tmp_path / "matrix.yaml").write_text(
        f'version: 1\naxes:\n  python: ["{ELSEWHERE}"]\n'
        f"levels:\n  unit: {{axes: [python], run: '{sys.executable} check.py ${{junit}}'}}\n"
    )
    done = process(tmp_path, "run", timeout=600)
    assert done.returncode == 1, done.stdout + done.stderr
    cell = report(tmp_path)[f"unit/{ELSEWHERE}"]
    assert cell["status"] == "error"
    assert str(cell["reason"]).startswith(
        f"ran on Python {RUNNING}.{sys.version_info[2]} ({sys.executable}), "
        f"not on Python {ELSEWHERE}"
    )


def test_report_refuses_a_result_without_or_with_another_python(tmp_path: Path) -> None:
    (tmp_path / "matrix.yaml").write_text(
        'version: 1\naxes:\n  python: ["3.10", "3.11", "3.12"]\n'
        "levels:\n  unit: {axes: [python], run: pytest}\n"
    )
    folder = tmp_path / "results" / "unit"
    folder.mkdir(parents=True)

    def result(version: str, recorded: str | None) -> None:
        python = f"<property name='matrixgen.python' value='{recorded}'/>" if recorded else ""
        (folder / f"{version}.xml").write_text(
            f"<testsuite tests='1'><properties><property name='matrixgen.cell' "
            f"value='unit/{version}'/><property name='matrixgen.status' value='passed'/>"
            f"{python}</properties><testcase name='t'/></testsuite>"
        )

    result("3.10", "3.11.7")
    result("3.11", None)
    result("3.12", "3.12.1")
    cells = report(tmp_path)
    assert (cells["unit/3.10"]["status"], cells["unit/3.10"]["reason"]) == (
        "error",
        "ran on Python 3.11.7, not on Python 3.10",
    )
    assert cells["unit/3.11"]["status"] == "error"
    assert "no record of the Python it ran on" in str(cells["unit/3.11"]["reason"])
    assert cells["unit/3.12"]["status"] == "passed"


def test_a_projects_own_sitecustomize_still_runs(tmp_path: Path) -> None:
    need("3.10")
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "sitecustomize.py").write_text("import os\nos.environ['OWN'] = 'yes'\n")
    (tmp_path / "check.py").write_text(
        "import os, sys\nassert os.environ.get('OWN') == 'yes', 'own sitecustomize lost'\n" + CHECK
    )
    (tmp_path / "matrix.yaml").write_text(
        'version: 1\naxes:\n  python: ["3.10"]\n'
        "levels:\n  unit:\n    axes: [python]\n    env: {PYTHONPATH: site}\n"
        "    run: python check.py ${junit}\n"
    )
    done = process(tmp_path, "run", timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr


def test_in_process_run_records_the_python_and_catches_another(tmp_path: Path) -> None:
    """The same paths as above through `run_cells` itself (no subprocess for matrixgen)."""
    need(ELSEWHERE)
    from matrixgen.load.matrix import load
    from matrixgen.run import RunOptions, run_cells

    (tmp_path / "check.py").write_text(CHECK)
    (tmp_path / "matrix.yaml").write_text(
        f'version: 1\naxes:\n  python: ["{ELSEWHERE}"]\nlevels:\n'
        "  good:\n    axes: [python]\n    run: python check.py ${junit}\n"
        f"  bad:\n    axes: [python]\n    run: {sys.executable} check.py ${{junit}}\n"
    )
    matrix = load(tmp_path)
    options = RunOptions(root=tmp_path, results_dir=tmp_path / "results", env=dict(os.environ))
    assert run_cells(matrix, matrix.cells, options) == 1
    good = (tmp_path / f"results/good/{ELSEWHERE}.xml").read_text()
    assert 'name="matrixgen.status" value="passed"' in good
    assert f'name="matrixgen.python" value="{ELSEWHERE}.' in good
    bad = (tmp_path / f"results/bad/{ELSEWHERE}.xml").read_text()
    assert 'name="matrixgen.status" value="error"' in bad
    assert f'name="matrixgen.pythons" value="{RUNNING}.' in bad
