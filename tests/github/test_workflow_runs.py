"""The generated workflow, run as a runner would run it (`runner.py`): levels in order, a
project's steps, retries, an allowed failure, the gate's branch check, and durations of
every cell merged from artifacts downloaded into one folder."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from matrixgen.render.github import git_default_branch

from .checks import assert_valid
from .conftest import GIT_ENV, Project, git
from .runner import Runner, step

# A cell's command: writes its JUnit file; `prepared` passes when the project's step ran
# before it, `flaky` fails its first attempt, `fail` always fails.
CELL = """\
import os, sys
from pathlib import Path
junit, mode = Path(sys.argv[1]), sys.argv[2]
ok = True
if mode == "prepared":
    ok = Path("prepared.txt").read_text().strip() == "ready"
elif mode == "flaky":
    marker = Path(".tried-" + os.environ["MATRIXGEN_CELL"].replace("/", "-"))
    ok = marker.exists()
    marker.touch()
elif mode == "fail":
    ok = False
failure = "" if ok else '<failure message="no"/>'
junit.parent.mkdir(parents=True, exist_ok=True)
junit.write_text(
    f'<testsuite name="t" tests="1"><testcase classname="t" name="test">{failure}</testcase>'
    "</testsuite>"
)
sys.exit(0 if ok else 1)
"""

MATRIX = """\
version: 1
name: runs
axes:
  x: ["1", "2"]
  y: ["1", "2"]
levels:
  unit:
    axes: [x]
    run: python cell.py ${junit} prepared
    github:
      steps:
        before: [{name: Prepare, run: echo ready > prepared.txt}]
        after: [{name: Note, if: always(), run: echo noted >> "$GITHUB_STEP_SUMMARY"}]
  flaky:
    axes: [x, y]
    run: python cell.py ${junit} flaky
    github: {retries: 1}
  experimental:
    run: python cell.py ${junit} fail
    allowed-failure: true
outputs:
  matrixgen: matrixgen-cli
  github: {file: .github/workflows/matrix.yml, order: true}
"""

# The machine's matrixgen is installed: the install steps find it without an index.
RUNNER_ENV = {**GIT_ENV, "PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}


def pushed_to_master(project: Project, tmp_path: Path, order: int = 1) -> Runner:
    workflow = project.workflow()
    assert_valid(project.path)
    return Runner(
        workflow,
        project.root,
        tmp_path / "runner",
        event="push",
        github={
            "ref": "refs/heads/master",
            "ref_name": "master",
            "event": {"repository": {"default_branch": "master"}},
        },
        env=RUNNER_ENV,
        artifact_order=order,
    )


@pytest.mark.slow
def test_the_workflow_runs_levels_in_order_and_the_gate_passes_with_an_allowed_failure(
    clone: Callable[..., Project], tmp_path: Path
) -> None:
    project = clone(MATRIX, {"cell.py": CELL})
    runner = pushed_to_master(project, tmp_path)
    workflow = runner.workflow
    assert workflow["on"]["push"] == {"branches": ["master"]}  # read from origin/HEAD
    assert workflow["jobs"]["flaky"]["needs"] == ["unit"]
    assert workflow["jobs"]["experimental"]["needs"] == ["unit", "flaky"]
    jobs = runner.run()

    unit = jobs["unit"]
    assert unit.result == "success"
    assert [line.matrix["cell"] for line in unit.lines] == ["1", "2"]
    names = [s.name for s in unit.lines[0].steps]
    assert names.index("Prepare") < names.index("Run the cell") < names.index("Note")
    flaky = jobs["flaky"]
    assert flaky.result == "success"
    assert [line.matrix["name"] for line in flaky.lines] == [
        "x=1, y=1", "x=1, y=2", "x=2, y=1", "x=2, y=2",
    ]  # fmt: skip
    run_cell = step(flaky.lines[0], "Run the cell")
    assert "FLAKY flaky/1-1" in run_cell.output  # failed once, passed on the retry
    experimental = jobs["experimental"]
    assert experimental.lines[0].result == "failure"
    assert experimental.result == "success"  # continue-on-error: what `needs` sees

    # No artifact carries durations.json, so none overwrites another in the download.
    artifacts = sorted(p.name for p in runner.artifacts.iterdir())
    assert len(artifacts) == 7
    assert not list(runner.artifacts.glob("*/durations.json"))
    gate = jobs["gate"]
    assert gate.result == "success", [(s.name, s.outcome, s.output) for s in gate.lines[0].steps]
    report = step(gate.lines[0], "Report, and fail on any failed or missing cell")
    assert "::warning title=experimental/experimental::failed (allowed failure)" in report.output
    assert step(gate.lines[0], "Fail when a level job failed or was cancelled").outcome == (
        "skipped"
    )
    workspace = Path(gate.lines[0].env["GITHUB_WORKSPACE"])
    durations = json.loads((workspace / "results" / "durations.json").read_text())
    cells = ["unit/1", "unit/2", "flaky/1-1", "flaky/1-2", "flaky/2-1", "flaky/2-2"]
    assert sorted(durations) == sorted([*cells, "experimental/experimental"])


@pytest.mark.slow
def test_a_failed_level_stops_the_levels_after_it(
    clone: Callable[..., Project], tmp_path: Path
) -> None:
    project = clone(MATRIX.replace("prepared\n", "fail\n", 1), {"cell.py": CELL})
    runner = pushed_to_master(project, tmp_path)
    jobs = runner.run(only=["unit", "flaky", "experimental"])
    assert jobs["unit"].result == "failure"
    assert jobs["flaky"].result == "skipped" and not jobs["flaky"].lines
    assert jobs["experimental"].result == "skipped"


@pytest.mark.slow
@pytest.mark.parametrize("order", [1, -1], ids=["by-name", "reversed"])
def test_durations_of_every_cell_survive_the_merged_download_in_any_order(
    clone: Callable[..., Project], tmp_path: Path, order: int
) -> None:
    text = MATRIX.replace("  github: {file: .github/workflows/matrix.yml, order: true}",
                          "  github: {file: .github/workflows/matrix.yml}")  # fmt: skip
    project = clone(text.replace(" prepared\n", " pass\n"), {"cell.py": CELL})
    runner = pushed_to_master(project, tmp_path, order)
    jobs = runner.run(only=["flaky", "gate"])
    gate = jobs["gate"].lines[0]
    workspace = Path(gate.env["GITHUB_WORKSPACE"])
    durations = json.loads((workspace / "results" / "durations.json").read_text())
    assert sorted(durations) == ["flaky/1-1", "flaky/1-2", "flaky/2-1", "flaky/2-2"]
    assert all(seconds > 0 for seconds in durations.values())


@pytest.mark.slow  # the gate job, run through the runner
def test_the_gate_points_origin_head_at_the_default_branch_before_render_check(
    clone: Callable[..., Project], tmp_path: Path
) -> None:
    project = clone(MATRIX, {"cell.py": CELL})
    runner = pushed_to_master(project, tmp_path)
    runner.event = "pull_request"  # checked out detached, with no origin/HEAD
    runner.github = {
        "ref": "refs/pull/7/merge",
        "ref_name": "7/merge",
        "event": {"repository": {"default_branch": "master"}},
    }
    gate = runner.run(only=["gate"])["gate"].lines[0]
    check = step(gate, "Check that generated files match the matrix")
    assert check.outcome == "success", check.output
    # Without that step, the checkout would read another branch and render --check fail.
    fresh = tmp_path / "checkout"
    git(tmp_path, "clone", "-q", str(project.root), str(fresh))
    git(fresh, "switch", "--detach", "-q")
    git(fresh, "symbolic-ref", "-d", "refs/remotes/origin/HEAD")
    assert git_default_branch(fresh) == "main"
    git(fresh, "symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/master")
    assert git_default_branch(fresh) == "master"


@pytest.mark.slow  # the gate job, run through the runner
def test_a_scheduled_run_names_the_default_branch_through_its_ref(
    clone: Callable[..., Project], tmp_path: Path
) -> None:
    project = clone(MATRIX.replace("order: true", "order: true, on: {schedule: ['0 3 * * 1']}"),
                    {"cell.py": CELL})  # fmt: skip
    runner = pushed_to_master(project, tmp_path)
    runner.event = "schedule"  # its event names no repository, and it runs on the default branch
    runner.github = {"ref": "refs/heads/master", "ref_name": "master", "event": {}}
    gate = runner.run(only=["gate"])["gate"].lines[0]
    check = step(gate, "Check that generated files match the matrix")
    assert check.outcome == "success", check.output
