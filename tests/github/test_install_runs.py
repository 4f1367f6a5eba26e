"""The install steps of a generated workflow, run as a runner would (`runner.py`):
`outputs.install` lines are requirements.txt lines, so a nested `-r FILE` names a file
relative to the project, as pip reads it from a requirements file in the project."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import GIT_ENV, Project
from .runner import Runner, step
from .test_workflow_runs import CELL

MATRIX = """\
version: 1
name: installs
services:
  store: {process: {command: [python, -m, http.server, "${port}"]}, install: {pip: [pip]}}
levels:
  unit:
    services: [store]
    run: python cell.py ${junit} pass
outputs:
  matrixgen: matrixgen-cli
  install: ["-r requirements/testing.txt", "-c requirements/constraints.txt"]
  github: {file: .github/workflows/matrix.yml, branch: master}
"""

FILES = {
    "cell.py": CELL,
    # Installed already: pip finds them without an index.
    "requirements/testing.txt": "-r base.txt\npytest\n",
    "requirements/base.txt": "click\n",
    "requirements/constraints.txt": "pip>=1\n",
}


@pytest.mark.slow
def test_install_lines_that_name_other_files_install_in_every_job(
    project: Callable[..., Project], tmp_path: Path
) -> None:
    made = project(MATRIX, FILES)
    runner = Runner(
        made.workflow(), made.root, tmp_path / "runner",
        env={**GIT_ENV, "PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
    )  # fmt: skip
    jobs = runner.run(only=["unit"])
    line = jobs["unit"].lines[0]
    install = step(line, "Install the project and the cell's Python packages")
    assert install.outcome == "success", install.output
    assert "Requirement already satisfied: click" in install.output  # the nested -r
    workspace = Path(line.env["GITHUB_WORKSPACE"])
    assert not list(workspace.glob(".matrixgen-install*"))  # the step leaves no file behind
    assert jobs["unit"].result == "success"
