"""`on: {workflow_call: true}`, run as a runner would (`runner.py`): a second workflow calls
the matrix with a `cells` input, and only those cells run; the gate passes on them alone."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from .checks import assert_valid
from .conftest import GIT_ENV, Project
from .runner import Runner, step
from .test_workflow_runs import CELL

MATRIX = """\
version: 1
name: called
axes:
  area: [core, docs]
levels:
  unit:
    axes: [area]
    run: python cell.py ${junit} pass
  lint:
    run: python cell.py ${junit} pass
outputs:
  matrixgen: matrixgen-cli
  github: {file: .github/workflows/matrix.yml, on: {workflow_call: true}}
"""

RUNNER_ENV = {**GIT_ENV, "PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}


def called(project: Project, tmp_path: Path, cells: str) -> Runner:
    """The workflow as another workflow's job calls it (`uses:` with `cells`); the event is
    the caller's, here a manual run."""
    workflow = project.workflow()
    assert_valid(project.path)
    return Runner(
        workflow, project.root, tmp_path / "runner", event="workflow_dispatch",
        github={"ref": "refs/heads/master", "ref_name": "master",
                "event": {"repository": {"default_branch": "master"}}},
        env=RUNNER_ENV, inputs={"cells": cells},
    )  # fmt: skip


def test_a_callable_workflow_takes_a_cells_input_and_plans_every_level(
    project: Callable[..., Project],
) -> None:
    made = project(MATRIX)
    workflow = made.workflow()
    assert_valid(made.path)
    assert workflow["on"]["workflow_call"] == {
        "inputs": {
            "cells": {
                "description": "The cells to run: selectors as `matrixgen run` takes them (a "
                "level, level/cell, a glob), separated by spaces; empty: every cell",
                "type": "string",
                "required": False,
                "default": "",
            }
        }
    }
    plan = workflow["jobs"]["plan"]["steps"][-1]
    assert plan["env"] == {"CELLS": "${{ inputs.cells }}"}
    assert plan["run"] == (
        'matrixgen affected --file "$MATRIXGEN_FILE" --all --select "$CELLS" --github-output'
    )
    for level in ("unit", "lint"):
        assert workflow["jobs"][level]["needs"] == ["plan"]


@pytest.mark.slow
def test_a_calling_workflow_runs_the_cells_it_selects_and_only_those(
    clone: Callable[..., Project], tmp_path: Path
) -> None:
    project = clone(MATRIX, {"cell.py": CELL})
    jobs = called(project, tmp_path, "unit/docs lint").run()
    assert jobs["plan"].outputs["scope"] == "selected"
    assert [line.matrix["id"] for line in jobs["unit"].lines] == ["unit/docs"]
    assert [line.matrix["id"] for line in jobs["lint"].lines] == ["lint/lint"]
    gate = jobs["gate"].lines[0]
    report = step(gate, "Report, and fail on any failed cell or selected cell without a result")
    assert report.outcome == "success", report.output
    assert jobs["gate"].result == "success"


@pytest.mark.slow
def test_a_selection_that_names_no_cell_fails_the_plan_with_the_reason(
    clone: Callable[..., Project], tmp_path: Path
) -> None:
    project = clone(MATRIX, {"cell.py": CELL})
    plan = called(project, tmp_path, "unit/doc").run(only=["plan"])["plan"]
    assert plan.result == "failure"
    planned = step(plan.lines[0], "Plan the cells and shards")
    assert "unit/doc" in planned.output and "did you mean" in planned.output, planned.output
