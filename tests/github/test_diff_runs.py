"""`outputs.github.diff: true`, run as a runner would (`runner.py`): on a pull request the plan
job diffs matrix.yaml against the base branch into the step summary; a renamed value and an
added axis each rename required checks, and the plan job still succeeds (the diff warns)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from .checks import assert_valid, zizmor_findings
from .conftest import Project, git
from .runner import Runner, step
from .test_affected_runs import RUNNER_ENV
from .test_workflow_runs import CELL

MATRIX = """\
version: 1
name: diffed
axes:
  backend: [s3, gcs]
levels:
  unit:
    axes: [backend]
    run: python cell.py ${junit} pass
outputs:
  matrixgen: matrixgen-cli
  github: {file: .github/workflows/matrix.yml, diff: true}
"""
DIFF_STEP = "Diff the matrix against the pull request's base"


def pull_request(project: Project, tmp_path: Path, changed: str) -> Runner:
    """MATRIX pushed to master, then a pull request whose matrix.yaml is `changed`."""
    project.workflow()
    git(project.root, "add", "-A")
    git(project.root, "commit", "-q", "-m", "the project")
    git(project.root, "update-ref", "refs/remotes/origin/master", "HEAD")  # as if merged
    project.write("matrix.yaml", changed)
    workflow = project.workflow()  # rendered again, as the pull request commits it
    git(project.root, "add", "-A")
    git(project.root, "commit", "-q", "-m", "the pull request")
    return Runner(
        workflow, project.root, tmp_path / "runner", event="pull_request",
        github={"ref": "refs/pull/7/merge", "ref_name": "7/merge", "base_ref": "master",
                "event": {"repository": {"default_branch": "master"}}},
        env=RUNNER_ENV,
    )  # fmt: skip


def test_the_workflow_has_the_diff_step_only_with_diff_on_and_passes_the_linters(
    clone: Callable[..., Project],
) -> None:
    project = clone(MATRIX, {"cell.py": CELL})
    plan = project.workflow()["jobs"]["plan"]
    diff = next(s for s in plan["steps"] if s.get("name") == DIFF_STEP)
    assert diff["if"] == "github.event_name == 'pull_request'"
    assert '"origin/$BASE_REF"' in diff["run"] and "--summary" in diff["run"]
    assert plan["steps"][0]["with"]["fetch-depth"] == 0
    assert "needs" not in project.workflow()["jobs"]["unit"]  # no level waits for the diff
    assert_valid(project.path)
    assert set(zizmor_findings(project.path)) <= {"unpinned-uses"}  # no pins here
    project.write("matrix.yaml", MATRIX.replace("diff: true", "diff: true, affected: true"))
    steps = [s.get("name") for s in project.workflow()["jobs"]["plan"]["steps"]]
    assert steps[-2:] == ["Plan the cells and shards", DIFF_STEP]
    assert_valid(project.path)
    project.write("matrix.yaml", MATRIX.replace(", diff: true", ""))
    assert "plan" not in project.workflow()["jobs"]


@pytest.mark.slow
def test_a_pull_request_that_renames_a_value_shows_the_renamed_checks(
    clone: Callable[..., Project], tmp_path: Path
) -> None:
    project = clone(MATRIX, {"cell.py": CELL})
    runner = pull_request(project, tmp_path, MATRIX.replace("[s3, gcs]", "[aws, gcs]"))
    jobs = runner.run(only=["plan"])
    line = jobs["plan"].lines[0]
    diff = step(line, DIFF_STEP)
    assert diff.outcome == "success", diff.output  # exit 1 warns, the plan goes on
    assert jobs["plan"].result == "success"
    assert "::warning title=matrixgen diff::1 checks renamed, 0 gone" in diff.output
    summary = line.summary
    assert summary.startswith("### Matrix diff: required check names or covered tuples lost\n")
    assert "matrix.yaml: the working tree against origin/master" in summary
    assert "    - unit/s3\n    + unit/aws\n" in summary
    assert "  renamed  unit (s3) -> unit (aws)\n" in summary


@pytest.mark.slow
def test_a_pull_request_that_adds_an_axis_renames_every_check_of_its_level(
    clone: Callable[..., Project], tmp_path: Path
) -> None:
    project = clone(MATRIX, {"cell.py": CELL})
    changed = MATRIX.replace("  backend: [s3, gcs]\n", "  backend: [s3, gcs]\n  mode: [lww, cas]\n")
    changed = changed.replace("axes: [backend]", "axes: [backend, mode]")
    jobs = pull_request(project, tmp_path, changed).run(only=["plan"])
    line = jobs["plan"].lines[0]
    assert step(line, DIFF_STEP).outcome == "success"
    summary = line.summary
    assert "cells: 4 added, 2 removed (2 before, 4 after)" in summary
    assert "checks: 2 renamed, 0 gone, 4 new" in summary
    assert "  renamed  unit (s3) -> unit (s3-lww), unit (s3-cas)\n" in summary
    assert "  renamed  unit (gcs) -> unit (gcs-lww), unit (gcs-cas)\n" in summary


@pytest.mark.slow
def test_a_push_runs_no_diff(clone: Callable[..., Project], tmp_path: Path) -> None:
    project = clone(MATRIX, {"cell.py": CELL})
    runner = pull_request(project, tmp_path, MATRIX.replace("[s3, gcs]", "[s3, gcs, redis]"))
    runner.event = "push"
    line = runner.run(only=["plan"])["plan"].lines[0]
    assert step(line, DIFF_STEP).outcome == "skipped"
    assert line.summary == ""
