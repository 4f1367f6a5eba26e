"""`outputs.github.on`, the default branch (given, or read from git the same way every time),
and `concurrency`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from matrixgen.render.github import git_default_branch

from .checks import assert_valid
from .conftest import Project, git

LEVELS = """\
version: 1
levels:
  unit:
    run: pytest --junitxml=${junit}
"""


def with_github(settings: str = "") -> str:
    return LEVELS + "outputs:\n  github:\n    file: .github/workflows/matrix.yml\n" + settings


def head(text: str) -> str:
    """The workflow from `on:` to `env:` (its triggers, permissions and concurrency)."""
    return text[text.index("on:\n") : text.index("env:\n")]


def test_by_default_pushes_to_the_default_branch_and_every_pull_request_run_it(
    project: Callable[..., Project],
) -> None:
    made = project(with_github())
    assert made.render() == 0
    assert head(made.read(".github/workflows/matrix.yml")) == (
        "on:\n"
        "  push:\n"
        '    branches: ["main"]\n'
        "  pull_request:\n"
        "  workflow_dispatch:\n"
        "permissions:\n"
        "  contents: read  # all any job needs: artifacts and the cache use the runner's own "
        "token\n"
        "concurrency:\n"
        "  # A new push to a pull request cancels its run in progress; every other run "
        "completes.\n"
        "  group: ${{ github.workflow }}-${{ github.event_name == 'pull_request' && github.ref "
        "|| github.run_id }}\n"
        "  cancel-in-progress: true\n"
    )
    assert_valid(made.path)


def test_events_filters_and_schedule_are_written_as_given(
    project: Callable[..., Project],
) -> None:
    made = project(
        with_github(
            "    branch: trunk\n"
            "    concurrency: false\n"
            "    on:\n"
            "      push: {branches: [trunk, 'release/**'], paths-ignore: ['docs/**', '*.md']}\n"
            "      pull_request: {branches: [trunk], paths: ['src/**', matrix.yaml]}\n"
            "      schedule: ['0 3 * * 1', '30 12 1 * *']\n"
            "      workflow_dispatch: false\n"
        )
    )
    assert made.render() == 0
    assert head(made.read(".github/workflows/matrix.yml")) == (
        "on:\n"
        "  push:\n"
        '    branches: ["trunk", "release/**"]\n'
        "    paths-ignore:\n"
        '      - "docs/**"\n'
        '      - "*.md"\n'
        "  pull_request:\n"
        '    branches: ["trunk"]\n'
        "    paths:\n"
        '      - "src/**"\n'
        '      - "matrix.yaml"\n'
        "  schedule:\n"
        '    - cron: "0 3 * * 1"\n'
        '    - cron: "30 12 1 * *"\n'
        "permissions:\n"
        "  contents: read  # all any job needs: artifacts and the cache use the runner's own "
        "token\n"
    )
    # zizmor's auditor persona asks for concurrency limits (turned off here), and reads a
    # push to `release/**` as publishing, where a pip cache could be poisoned (the README
    # says so: this workflow publishes nothing, and `cache: false` turns the cache off).
    assert_valid(made.path, "concurrency-limits", "cache-poisoning")
    made.write("matrix.yaml", made.read("matrix.yaml") + "    cache: false\n")
    assert made.render() == 0
    assert_valid(made.path, "concurrency-limits")


def test_a_given_branch_is_written_and_the_gate_reads_no_git(
    project: Callable[..., Project],
) -> None:
    made = project(with_github("    branch: master\n    on: {pull_request: false}\n"))
    workflow = made.workflow()
    assert workflow["on"] == {"push": {"branches": ["master"]}, "workflow_dispatch": None}
    check = next(
        s for s in workflow["jobs"]["gate"]["steps"]
        if s.get("name") == "Check that generated files match the matrix"
    )  # fmt: skip
    assert check == {
        "name": "Check that generated files match the matrix",
        "run": 'matrixgen render --file "$MATRIXGEN_FILE" --check',
    }


def test_without_a_given_branch_the_gate_points_origin_head_first(
    project: Callable[..., Project],
) -> None:
    workflow = project(with_github()).workflow()
    check = next(
        s for s in workflow["jobs"]["gate"]["steps"]
        if s.get("name") == "Check that generated files match the matrix"
    )  # fmt: skip
    assert check["env"] == {
        "DEFAULT_BRANCH": "${{ github.event.repository.default_branch || github.ref_name }}"
    }
    assert check["run"] == (
        'git symbolic-ref refs/remotes/origin/HEAD "refs/remotes/origin/$DEFAULT_BRANCH"\n'
        'matrixgen render --file "$MATRIXGEN_FILE" --check\n'
    )


def test_the_default_branch_of_a_clone_is_origin_head(clone: Callable[..., Project]) -> None:
    made = clone(with_github())
    git(made.root, "switch", "-q", "-c", "feature")  # rendered on another branch: still master
    assert made.workflow()["on"]["push"] == {"branches": ["master"]}
    assert made.render(check=True) == 0  # read the same way again


def test_without_origin_head_init_default_branch_then_the_current_branch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repository = tmp_path / "repository"
    repository.mkdir()
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    git(repository, "init", "-q", "-b", "develop")
    assert git_default_branch(repository) == "develop"
    git(repository, "config", "init.defaultBranch", "trunk")
    assert git_default_branch(repository) == "trunk"
    git(repository, "symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/stable")
    assert git_default_branch(repository) == "stable"
    assert git_default_branch(tmp_path / "not-a-repository") == "main"


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (
            "    on: {push: {paths: [src], paths-ignore: [docs]}}\n",
            "outputs.github.on.push: GitHub takes `paths:` or `paths-ignore:` for one event, "
            "not both; keep one (a `!glob` in `paths:` excludes)",
        ),
        (
            "    on: {schedule: ['0 3 * *']}\n",
            "outputs.github.on.schedule[0]: '0 3 * *' is not a cron line: write its five "
            "fields, minute hour day month weekday (UTC), e.g. '0 3 * * 1' for Mondays at 03:00",
        ),
        (
            "    branch: a..b\n",
            "outputs.github.branch: 'a..b' is not a branch name or pattern: no space, control "
            "character, '..', '~', '^', ':' or '\\', and not '-' first",
        ),
        (
            "    on: {pull_request: {branches: ['-x']}}\n",
            "outputs.github.on.pull_request.branches[0]: '-x' is not a branch name or pattern",
        ),
        (
            "    on: {push: false, pull_request: false, workflow_dispatch: false}\n",
            "outputs.github.on: no event runs the workflow (push, pull_request and "
            "workflow_dispatch are off, no schedule); turn one on",
        ),
    ],
    ids=["paths-and-ignore", "cron", "branch", "option-branch", "nothing"],
)
def test_triggers_that_cannot_work_are_located_errors(
    project: Callable[..., Project], settings: str, message: str
) -> None:
    from matrixgen.errors import ConfigError

    made = project(with_github(settings))
    with pytest.raises(ConfigError) as raised:
        made.render()
    assert message in str(raised.value)
