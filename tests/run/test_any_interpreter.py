"""Any interpreter, isolated cells (issue 21): CPython 3.6 and 3.9 and PyPy cells run green
through `matrixgen run`, `nox -s` and the generated workflow run step by step; each cell's
environment holds exactly what it declares, and results never depend on the order of cells.
Real interpreters of this machine (pyenv, Debian's pypy3), real nox, real pip/uv."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest
from support import yamls
from support.cli import process
from support.project import Project, build_tree

from run.test_interpreters import build_wheel
from run.test_python_axis import need

OLD = ["3.6", "3.9", "pypy3.9"]
CHECK = """\
import sys
what = "%s-%d.%d" % (sys.implementation.name, sys.version_info[0], sys.version_info[1])
try:
    import tinypkg
    has = "tinypkg"
except ImportError:
    has = "bare"
open(sys.argv[1], "w").write(
    "<testsuite tests='1'><testcase classname='check' name='%s %s'/></testsuite>" % (what, has)
)
"""


def wheel(root: Path) -> None:
    """A pure-Python wheel, made by hand: installs offline with pip and uv alike."""
    build_wheel(root)


def names(xml: Path) -> str:
    """The name of the JUnit file's one test case: what ran it, and what it saw."""
    case = ElementTree.parse(xml).find(".//testcase")
    assert case is not None, xml.read_text()
    return case.get("name", "")


def report(root: Path) -> dict[str, dict[str, object]]:
    done = process(root, "report", "--json", "-", timeout=600)
    return {cell["id"]: cell for cell in json.loads(done.stdout)["cells"]}


OLD_MATRIX = """\
version: 1
axes:
  python: ["3.6", "3.9", "pypy3.9"]
levels:
  unit:
    axes: [python]
    run: python check.py ${junit}
outputs:
  matrixgen: "-e %s"
  install: ["--no-index", "./dist/tinypkg-1.0-py3-none-any.whl"]
  nox: noxfile.py
  github: {file: .github/workflows/matrix.yml, branch: main}
"""


@pytest.mark.slow
def test_old_pythons_and_pypy_run_green_in_run_nox_and_the_workflow(tmp_path: Path) -> None:
    need(*OLD)
    checkout = Path(__file__).resolve().parents[2]
    build_tree(tmp_path, {"check.py": CHECK, "matrix.yaml": OLD_MATRIX % checkout})
    wheel(tmp_path)
    assert process(tmp_path, "render", timeout=120).returncode == 0

    done = process(tmp_path, "run", "-j", "2", timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    expected = {"3.6": "cpython-3.6", "3.9": "cpython-3.9", "pypy3.9": "pypy-3.9"}
    for value, ran in expected.items():
        xml = tmp_path / "results" / "unit" / f"{value}.xml"
        assert names(xml) == f"{ran} tinypkg", xml.read_text()
    cells = report(tmp_path)
    assert {cells[f"unit/{v}"]["status"] for v in expected} == {"passed"}
    recorded = (tmp_path / "results" / "unit" / "pypy3.9.xml").read_text()
    assert 'name="matrixgen.python" value="pypy3.9.' in recorded

    # nox: the session calls matrixgen from nox's own environment, whatever the cell's Python.
    for value in expected:
        (tmp_path / "results" / "unit" / f"{value}.xml").unlink()
        nox = subprocess.run(
            [sys.executable, "-m", "nox", "-s", f"unit({value})"],
            cwd=tmp_path, capture_output=True, text=True, timeout=900,
        )  # fmt: skip
        assert nox.returncode == 0, nox.stdout + nox.stderr
        assert names(tmp_path / "results" / "unit" / f"{value}.xml") == f"{expected[value]} tinypkg"

    # The generated workflow, step by step: matrixgen apart from the job's Python.
    from github.runner import Runner  # tests/github: the local runner of generated workflows

    workflow = yamls.load((tmp_path / ".github/workflows/matrix.yml").read_text())
    runner = Runner(workflow, tmp_path, tmp_path.parent / f"{tmp_path.name}-runner")
    jobs = runner.run(only=["unit"])
    lines = {line.matrix["python"]: line for line in jobs["unit"].lines}
    assert set(lines) == set(expected)
    for value, line in lines.items():
        failed = [(s.name, s.output[-1500:]) for s in line.steps if s.outcome == "failure"]
        assert line.result == "success", failed
        workspace = Path(line.env["GITHUB_WORKSPACE"])
        xml = workspace / "results" / "unit" / f"{value}.xml"
        assert names(xml) == f"{expected[value]} tinypkg"


ORDER_MATRIX = """\
version: 1
axes:
  python: ["%s"]
  kind:
    values:
      installs: {}
      reads: {}
      declares: {install: {pip: ["--no-index", "./dist/tinypkg-1.0-py3-none-any.whl"]}}
levels:
  unit:
    axes: [python, kind]
    run: python cell.py ${kind} ${junit}
"""
# `installs` installs the wheel while it runs (what a `pip install` in `run:` does);
# `reads` must never see it; `declares` has it because it says so.
CELL = """\
import subprocess, sys
kind, junit = sys.argv[1], sys.argv[2]
if kind == "installs":
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-index",
                    "./dist/tinypkg-1.0-py3-none-any.whl"], check=True)
try:
    import tinypkg
    has = True
except ImportError:
    has = False
ok = has == (kind != "reads")
body = "" if ok else "<failure message='tinypkg %s'/>" % ("present" if has else "absent")
open(junit, "w").write(
    "<testsuite tests='1'><testcase classname='c' name='%s'>%s</testcase></testsuite>"
    % (kind, body)
)
"""


def run_in_order(root: Path, order: list[str]) -> dict[str, tuple[object, object]]:
    """One run, cells started in `order` (-j 1; recorded durations, longest first)."""
    durations = {f"unit/{name}": float(len(order) - index) for index, name in enumerate(order)}
    (root / "results").mkdir(exist_ok=True)
    (root / "results" / "durations.json").write_text(json.dumps(durations))
    done = process(root, "run", "-j", "1", timeout=900)
    started = [
        line.split("start ", 1)[1].strip() for line in done.stdout.splitlines() if "start " in line
    ]
    assert started == [f"unit/{name}" for name in order], done.stdout
    return {cell: (data["status"], data.get("reason")) for cell, data in report(root).items()}


@pytest.mark.slow
def test_results_do_not_depend_on_the_order_of_cells(tmp_path: Path) -> None:
    python = f"{sys.version_info[0]}.{sys.version_info[1]}"
    build_tree(tmp_path, {"matrix.yaml": ORDER_MATRIX % python, "cell.py": CELL})
    wheel(tmp_path)
    cells = [f"{python}-installs", f"{python}-reads", f"{python}-declares"]
    first = run_in_order(tmp_path, cells)
    second = run_in_order(tmp_path, list(reversed(cells)))
    assert first == second
    assert first[f"unit/{python}-reads"][0] == "passed"
    assert first[f"unit/{python}-declares"][0] == "passed"
    status, reason = first[f"unit/{python}-installs"]
    assert status == "error"
    assert "did not run as declared" in str(reason) and "+tinypkg-1.0" in str(reason)


def test_an_unsupported_python_value_is_a_located_validate_error(tmp_path: Path) -> None:
    project = Project(build_tree(tmp_path, {
        "matrix.yaml": 'version: 1\naxes:\n  python: ["3.12", "2.7", "jython2.7"]\n'
        "levels:\n  unit: {axes: [python], run: 'true'}\n",
    }))  # fmt: skip
    done = process(project.root, "validate", timeout=120)
    assert done.returncode == 2
    assert "matrix.yaml:3:" in done.stderr
    assert "the python value '2.7' names no interpreter" in done.stderr
    assert "needs Python 3.6 or later" in done.stderr
    assert "the python value 'jython2.7' names no interpreter" in done.stderr
    assert "such as pypy3.10" in done.stderr
    assert "Traceback" not in done.stderr
