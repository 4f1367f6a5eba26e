"""A service's CI install as steps (`install.steps`): what installs an emulator that no
runner archive has. They run in the jobs of the cells that need the service, after the
packages and before the project's steps, and only there; run as a runner would."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from matrixgen.errors import MatrixgenError

from .checks import assert_valid
from .conftest import GIT_ENV, Project
from .runner import Runner, step
from .test_workflow_runs import CELL

MATRIX = """\
version: 1
name: steps
axes:
  store:
    values:
      plain: {}
      emulated: {services: [emulator]}
services:
  emulator:
    process: {command: [python, -m, http.server, "${port}"], ready: {tcp: "127.0.0.1:${port}"}}
    install:
      steps:
        - name: Install the emulator
          run: echo ready > prepared.txt
levels:
  unit:
    axes: [store]
    run: python cell.py ${junit} ${mode}
  e2e:
    axes: {store: [emulated]}
    run: python cell.py ${junit} prepared
overrides:
  - match: {level: unit, store: plain}
    env: {mode: pass}
  - match: {level: unit, store: emulated}
    env: {mode: prepared}
outputs:
  matrixgen: matrixgen-cli
  github: {file: .github/workflows/matrix.yml, branch: master}
"""


@pytest.mark.slow  # runs the workflow's jobs through tests/github/runner.py
def test_the_steps_are_in_the_jobs_that_need_the_service_and_only_run_there(
    project: Callable[..., Project], tmp_path: Path
) -> None:
    made = project(MATRIX.replace("${mode}", "$mode"), {"cell.py": CELL})
    workflow = made.workflow()
    assert_valid(made.path)
    unit = workflow["jobs"]["unit"]
    names = [s.get("name") for s in unit["steps"]]
    installed = names.index("Install the emulator")
    assert names.index("Install matrixgen apart from the job's Python") < installed
    assert installed < names.index("Run the cell")
    guarded = unit["steps"][installed]
    assert guarded["if"] == "contains(format(' {0} ', matrix.setup), ' emulator ')"
    lines = {line["cell"]: line["setup"] for line in unit["strategy"]["matrix"]["include"]}
    assert lines == {"plain": "", "emulated": "emulator"}
    # Every cell of e2e needs it: the step is there as written.
    e2e = next(
        s for s in workflow["jobs"]["e2e"]["steps"] if s.get("name") == "Install the emulator"
    )
    assert "if" not in e2e

    runner = Runner(workflow, made.root, tmp_path / "runner", env=dict(GIT_ENV))
    jobs = runner.run(only=["unit", "e2e"])
    by_cell = {line.matrix["cell"]: line for line in jobs["unit"].lines}
    assert step(by_cell["plain"], "Install the emulator").outcome == "skipped"
    assert step(by_cell["emulated"], "Install the emulator").outcome == "success"
    assert jobs["unit"].result == jobs["e2e"].result == "success", [
        (s.name, s.outcome, s.output[-500:]) for line in jobs["unit"].lines for s in line.steps
    ]


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        ("[{run: make, uses: actions/x@v1}]", "exactly one of `uses:`"),
        ("[{name: x}]", "exactly one of `uses:`"),
        ("{run: make}", "services.emulator.install.steps"),
    ],
)
def test_bad_steps_are_refused_where_they_are(
    project: Callable[..., Project], steps: str, message: str
) -> None:
    declared = MATRIX[MATRIX.index("      steps:") : MATRIX.index("levels:")]
    text = MATRIX.replace(declared, f"      steps: {steps}\n")
    made = project(text, {"cell.py": CELL})
    with pytest.raises(MatrixgenError) as refused:
        made.render()
    assert message in str(refused.value)
