"""`outputs.github.installer: uv`: astral-sh/setup-uv instead of setup-python, the job's
Python a venv `uv venv` makes, and `uv pip install` for matrixgen, the project's lines and
the cells' own environments; the workflow checked by its consumers and run as a runner
would (`runner.py`: this machine's uv, a folder of wheels for an index)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from support import wheelhouse
from support.golden import assert_golden

from matrixgen.errors import ConfigError

from .checks import assert_valid
from .conftest import GIT_ENV, Project
from .runner import Runner, step

GOLDEN = Path(__file__).parent / "golden"

# A cell that fails unless it runs on the Python its cell declares, with the project's line
# (`click`) installed where it runs.
CELL = """\
import os, sys
from pathlib import Path
import click
junit = Path(sys.argv[1])
want = os.environ["MATRIXGEN_CELL"].split("/")[1]
ok = "%d.%d" % sys.version_info[:2] == want
junit.parent.mkdir(parents=True, exist_ok=True)
failure = "" if ok else '<failure message="python %s"/>' % sys.version
junit.write_text(
    '<testsuite name="t" tests="1"><testcase classname="t" name="test">%s</testcase>'
    "</testsuite>" % failure
)
sys.exit(0 if ok else 1)
"""

MATRIX = """\
version: 1
name: uv-project
axes:
  python: ["3.11", "3.12"]
levels:
  unit:
    axes: [python]
    run: python cell.py ${junit}
  lint:
    run: python -c "import click"
    junit: false
outputs:
  matrixgen: matrixgen-cli
  install: [click]
  github:
    {file: .github/workflows/matrix.yml, branch: main, installer: uv, coverage: {fail_under: 0}}
"""


@pytest.fixture(scope="session")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return wheelhouse.build(tmp_path_factory.mktemp("wheels"))


def test_uv_workflow_sets_up_with_uv_and_is_clean(project: Callable[..., Project]) -> None:
    made = project(MATRIX, {"cell.py": CELL})
    workflow = made.workflow()
    assert_valid(made.path)
    assert_golden(GOLDEN / "uv.yml", made.path.read_text(encoding="utf-8"))
    text = made.path.read_text(encoding="utf-8")
    assert "actions/setup-python" not in text and "pip install" in text
    assert "python -m pip" not in text
    unit = workflow["jobs"]["unit"]
    assert [line["python"] for line in unit["strategy"]["matrix"]["include"]] == ["3.11", "3.12"]
    assert unit["steps"][1]["uses"] == "astral-sh/setup-uv@v7"


def test_uv_spells_the_python_as_uv_asks_for_it(project: Callable[..., Project]) -> None:
    made = project(MATRIX.replace('["3.11", "3.12"]', '["3.14t", pypy3.10, "3.15-dev"]'))
    lines = made.workflow()["jobs"]["unit"]["strategy"]["matrix"]["include"]
    assert [line["python"] for line in lines] == ["3.14t", "pypy@3.10", "3.15"]
    assert "freethreaded" not in made.path.read_text(encoding="utf-8")


@pytest.mark.slow
def test_uv_workflow_runs_every_cell_green(
    project: Callable[..., Project], wheels: Path, tmp_path: Path
) -> None:
    # Without coverage: these cells write no coverage data for the gate to combine.
    made = project(MATRIX.replace(", coverage: {fail_under: 0}", ""), {"cell.py": CELL})
    env = {
        **GIT_ENV, "UV_NO_INDEX": "1", "UV_FIND_LINKS": str(wheels),
        "UV_PYTHON_DOWNLOADS": "never", "PIP_NO_INDEX": "1",
    }  # fmt: skip
    runner = Runner(made.workflow(), made.root, tmp_path / "runner", env=env)
    jobs = runner.run()
    for job in ("unit", "lint"):
        assert jobs[job].result == "success", [
            (s.name, s.outcome, s.output[-2000:]) for line in jobs[job].lines for s in line.steps
        ]
    for line in jobs["unit"].lines:
        assert line.setup_uv == {"enable-cache": "true", "cache-dependency-glob": "matrix.yaml\n"}
        assert not line.setup_python  # no setup-python at all
        setup = step(line, "Set up the job's Python with uv")
        assert setup.outcome == "success", setup.output
        assert line.env["VIRTUAL_ENV"].endswith("/python")  # $GITHUB_ENV, for later steps
    gate = jobs["gate"]
    failed = [(s.name, s.output[-3000:]) for s in gate.lines[0].steps if s.outcome == "failure"]
    assert gate.result == "success", failed
    report = step(gate.lines[0], "Report, and fail on any failed or missing cell")
    assert report.outcome == "success", report.output


def test_installer_is_pip_or_uv(project: Callable[..., Project]) -> None:
    made = project(MATRIX.replace("installer: uv", "installer: poetry"))
    with pytest.raises(ConfigError) as raised:
        made.matrix()
    message = str(raised.value)
    assert "matrix.yaml:16:" in message and "installer" in message, message
    assert "'pip'" in message and "'uv'" in message, message
