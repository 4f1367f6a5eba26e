"""GitLab's limits and the GitHub features it has its own answer to: shards (refused,
located), `needs:` of at most 50 jobs (a level refused, located; the gate then orders by
its stage), pip's cache (`cache:` keyed on two files), `matrixgen diff` in a merge request's
pipeline (a `matrix diff` job, its summary an artifact), and the hint a missing git ref
gives under GitLab (GIT_DEPTH)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

from support.cli import invoke
from support.project import Project

from .conftest import pipeline
from .test_pipeline import TWO_LEVELS


def many(count: int) -> str:
    """TWO_LEVELS with `count` colours, no excludes or includes: `unit` has 2 × count
    cells, `slow` (which needs `unit`) count."""
    values = ", ".join(f"v{i}" for i in range(count))
    text = TWO_LEVELS.replace("color: [red, blue, green]", f"color: [{values}]")
    text = text.replace("  - match: {color: blue, size: m}\n    reason: no blue m\n", "")
    text = text.replace("exclude:\n", "").replace("{color: [red, blue]}", "[color]")
    return text.replace("include:\n  - {level: slow, color: green}\n", "")


def test_shards_are_refused_at_their_key(project: Callable[..., Project]) -> None:
    text = TWO_LEVELS.replace(
        "  gitlab: .gitlab-ci.yml\n", "  gitlab: .gitlab-ci.yml\n  github: {shards: {unit: 2}}\n"
    )
    project(text)
    result = invoke("validate")
    assert result.code == 2
    assert result.err.startswith("matrix.yaml:25:12: outputs.github.shards: the GitLab pipeline")
    assert "has no shards yet" in result.err
    assert "drop `shards` or leave outputs.gitlab out" in result.err


def test_a_level_that_would_need_more_than_50_jobs_is_refused(
    project: Callable[..., Project],
) -> None:
    project(many(26))  # unit: 52 cells, which slow needs
    result = invoke("validate")
    assert result.code == 2
    assert result.err.startswith("matrix.yaml:15:14: levels.slow.github.needs: GitLab job(s) of ")
    assert "level 'slow' would need 52 jobs (the cells of unit)" in result.err
    assert "GitLab lets one job need at most 50" in result.err
    assert "drop levels from its `github.needs`" in result.err

    # Within the limit: the level needs `unit`, and so does the gate by name.
    made = project(many(20).replace("[color]", "{color: [v0]}"))  # 40 + 1 cells
    loaded = pipeline(made)
    assert loaded["slow"]["needs"] == ["unit"]
    assert loaded["matrix gate"]["needs"] == ["unit", "slow"]


def test_the_gate_of_more_than_50_cells_waits_for_its_stage(
    project: Callable[..., Project],
) -> None:
    text = many(26).replace("    github: {needs: [unit]}\n", "")  # 52 + 26 cells, no needs
    made = project(text)
    assert invoke("validate").code == 0
    loaded = pipeline(made)
    gate = loaded["matrix gate"]
    # `.post` runs after every other stage, with the artifacts of all their jobs.
    assert gate["stage"] == ".post" and gate["when"] == "always"
    assert "needs" not in gate
    assert "more than GitLab's 50 `needs:`" in made.read(".gitlab-ci.yml")


def test_pip_cache_is_keyed_on_two_dependency_files(project: Callable[..., Project]) -> None:
    alone = project(TWO_LEVELS)  # no packaging file: matrix.yaml alone
    assert pipeline(alone)[".matrixgen-cell"]["cache"]["key"]["files"] == ["matrix.yaml"]

    made = project(TWO_LEVELS, {"pyproject.toml": "[project]\nname = 'x'\n", "setup.py": ""})
    cell = pipeline(made)[".matrixgen-cell"]
    assert cell["cache"] == {
        "key": {"files": ["matrix.yaml", "pyproject.toml"], "prefix": "pip"},
        "paths": [".matrixgen-ci/pip-cache/"],
    }
    # Inside the project, where GitLab caches; GitLab expands the variable itself.
    assert cell["variables"] == {"PIP_CACHE_DIR": "$CI_PROJECT_DIR/.matrixgen-ci/pip-cache"}

    off = project(TWO_LEVELS.replace("gitlab: .gitlab-ci.yml", "gitlab: {cache: false}"))
    cell = pipeline(off)[".matrixgen-cell"]
    assert "cache" not in cell and "variables" not in cell


def test_the_diff_job_runs_on_merge_requests_with_full_history(
    project: Callable[..., Project],
) -> None:
    assert "matrix diff" not in pipeline(project(TWO_LEVELS))
    made = project(TWO_LEVELS.replace("gitlab: .gitlab-ci.yml", "gitlab: {diff: true}"))
    job = pipeline(made)["matrix diff"]
    assert job["stage"] == ".pre" and job["extends"] == ".matrixgen"
    assert job["variables"] == {"GIT_DEPTH": "0", "MATRIXGEN_SUMMARY": "matrix-diff.md"}
    script = job["script"][0]
    assert '[ "${CI_PIPELINE_SOURCE:-}" != merge_request_event ]' in script
    assert (
        'matrixgen diff --file "$MATRIXGEN_FILE" --summary "$CI_MERGE_REQUEST_DIFF_BASE_SHA"'
        in script
    )
    # A lost check name or tuple (exit 1) is a warning; bad input (2) fails the job.
    assert job["allow_failure"] == {"exit_codes": [1]}
    assert job["artifacts"] == {
        "when": "always",
        "expose_as": "matrix diff",
        "paths": ["matrix-diff.md"],
    }


GIT = {
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
}


def git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", *args], cwd=root, env={**os.environ, **GIT}, check=True, capture_output=True
    )


def test_diff_under_gitlab_names_git_depth_and_writes_its_summary(
    project: Callable[..., Project], tmp_path: Path
) -> None:
    made = project(TWO_LEVELS)
    git(made.root, "init", "-q", "-b", "main")
    git(made.root, "add", "-A")
    git(made.root, "commit", "-qm", "matrix")
    gitlab = {"GITLAB_CI": "true", "GITHUB_ACTIONS": None}

    result = invoke("diff", "no-such-ref", env=gitlab)
    assert result.code == 2
    assert "unknown git ref 'no-such-ref'; fetch it first (in GitLab CI: GIT_DEPTH: 0" in result.err
    assert "fetch-depth" not in result.err
    result = invoke("diff", "no-such-ref", env={"GITLAB_CI": None, "GITHUB_ACTIONS": "true"})
    assert "actions/checkout with fetch-depth: 0" in result.err and "GIT_DEPTH" not in result.err

    result = invoke("diff", "--summary", "main", env=gitlab)
    assert result.code == 2
    assert "--summary: $MATRIXGEN_SUMMARY is not set" in result.err

    made.write("matrix.yaml", TWO_LEVELS.replace("green", "teal"))
    summary = tmp_path / "matrix-diff.md"
    result = invoke("diff", "--summary", "main", env={**gitlab, "MATRIXGEN_SUMMARY": str(summary)})
    assert result.code == 0, result.err
    assert "unit/green-s" in result.out  # the report, in the job's log
    assert "::warning" not in result.out  # GitLab reads no annotations
    text = summary.read_text()
    assert text.startswith("### Matrix diff: nothing lost\n")
    assert "unit/green-s" in text


def test_validate_warns_what_the_gitlab_jobs_do_not_have(
    project: Callable[..., Project],
) -> None:
    """GitLab jobs run on runners of the same tags, each in its image: a matrix of several
    Pythons in one image, of several runners, or with GitHub's own steps and env, says so
    (a warning, exit 0)."""
    project(TWO_LEVELS)
    quiet = invoke("validate")
    assert quiet.code == 0 and "outputs.gitlab" not in quiet.err, quiet.err
    text = TWO_LEVELS.replace(
        "  size: [s, m]\n",
        "  size: [s, m]\n"
        "  python: ['3.12', '3.13']\n"
        "  os:\n"
        "    values:\n"
        "      linux: {github: {runs-on: ubuntu-latest}}\n"
        "      mac: {github: {runs-on: macos-latest}}\n",
    )
    text = text.replace("    axes: [color, size]\n", "    axes: [color, size, python, os]\n")
    text = text.replace(
        "    github: {needs: [unit]}\n",
        "    github: {needs: [unit], env: {A: b}, steps: {before: [{run: make}]}}\n",
    )
    project(text)
    result = invoke("validate")
    assert result.code == 0, result.err
    (line,) = [x for x in result.err.splitlines() if "outputs.gitlab" in x]
    assert line.startswith("matrix.yaml:29:3: outputs.gitlab: warning: the GitLab pipeline differs")
    assert "cells of 2 Pythons (3.12, 3.13) run in the runner's own Python" in line
    assert "a cell whose Python it lacks fails ('Python X not found')" in line
    assert "give each Python its image (outputs.gitlab.image: python:${python}-slim)" in line
    assert "cells of 2 runners (ubuntu-latest, macos-latest) run on the runners" in line
    assert "levels.slow.github.steps, levels.slow.github.env (GitHub's) are not in its jobs" in line

    # An image per Python: that part goes; runners and GitHub's steps and env stay.
    text = text.replace("  gitlab: .gitlab-ci.yml\n", '  gitlab: {image: "python:${python}"}\n')
    # `slow` has no python axis: a level's own image
    project(
        text.replace(
            "    github: {needs: [unit], env",
            "    gitlab: {image: python:3.13}\n    github: {needs: [unit], env",
        )
    )
    result = invoke("validate")
    assert result.code == 0, result.err
    (line,) = [x for x in result.err.splitlines() if "outputs.gitlab" in x]
    assert "Pythons" not in line, line
    assert "cells of 2 runners (ubuntu-latest, macos-latest) run on the runners" in line
    assert "levels.slow.github.steps, levels.slow.github.env (GitHub's) are not in its jobs" in line
