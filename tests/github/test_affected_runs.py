"""`affected: true`, run as a runner would (`runner.py`): a pull request whose change
affects no cell skips every level job, and the gate passes on the empty selection; one that
affects a cell runs that cell alone."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import GIT_ENV, Project, git
from .runner import Runner, step
from .test_workflow_runs import CELL

MATRIX = """\
version: 1
name: affected
axes:
  area:
    values:
      core: {paths: ["core/"]}
      docs: {paths: ["docs/"]}
levels:
  unit:
    axes: [area]
    run: python cell.py ${junit} pass
outputs:
  matrixgen: matrixgen-cli
  github: {file: .github/workflows/matrix.yml, affected: true}
"""

RUNNER_ENV = {**GIT_ENV, "PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}


def pull_request(project: Project, tmp_path: Path, changed: str) -> Runner:
    """The project pushed to master, then a pull request that changes `changed`."""
    workflow = project.workflow()
    git(project.root, "add", "-A")
    git(project.root, "commit", "-q", "-m", "the project")
    git(project.root, "update-ref", "refs/remotes/origin/master", "HEAD")  # as if merged
    project.write(changed, "changed\n")
    git(project.root, "add", "-A")
    git(project.root, "commit", "-q", "-m", "the pull request")
    return Runner(
        workflow, project.root, tmp_path / "runner", event="pull_request",
        github={"ref": "refs/pull/7/merge", "ref_name": "7/merge", "base_ref": "master",
                "event": {"repository": {"default_branch": "master"}}},
        env=RUNNER_ENV,
    )  # fmt: skip


@pytest.mark.slow
def test_a_pull_request_that_affects_no_cell_passes_the_gate(
    clone: Callable[..., Project], tmp_path: Path
) -> None:
    project = clone(MATRIX, {"cell.py": CELL, "README.md": "hello\n"})
    jobs = pull_request(project, tmp_path, "README.md").run()
    assert jobs["plan"].outputs["unit-size"] == "0"
    assert jobs["unit"].result == "skipped"
    gate = jobs["gate"]
    report = step(
        gate.lines[0], "Report, and fail on any failed cell or selected cell without a result"
    )
    assert report.outcome == "success", report.output
    assert gate.result == "success", [(s.name, s.outcome, s.output) for s in gate.lines[0].steps]


@pytest.mark.slow
def test_a_pull_request_runs_the_cells_it_affects_and_only_those(
    clone: Callable[..., Project], tmp_path: Path
) -> None:
    project = clone(MATRIX, {"cell.py": CELL, "README.md": "hello\n"})
    jobs = pull_request(project, tmp_path, "docs/index.md").run()
    assert [line.matrix["id"] for line in jobs["unit"].lines] == ["unit/docs"]
    assert jobs["gate"].result == "success"
