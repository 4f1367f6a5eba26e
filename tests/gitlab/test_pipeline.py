"""outputs.gitlab: a stage per level, a `parallel: matrix:` job listing exactly its cells,
`needs:` as the levels say, what GitLab sets per job (timeout, allow_failure, services)
splitting a level only where its cells differ, and a gate; validate's GitLab limits."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from support import yamls
from support.cli import invoke
from support.project import Project

from .conftest import PIPELINE, cells_of, pipeline

TWO_LEVELS = """\
version: 1
name: tiny
axes:
  color: [red, blue, green]
  size: [s, m]
levels:
  unit:
    axes: [color, size]
    run: python -c "print('unit')"
    timeout: 2m
  slow:
    axes: {color: [red, blue]}
    with: {size: s}
    run: python -c "print('slow')"
    github: {needs: [unit]}
exclude:
  - match: {color: blue, size: m}
    reason: no blue m
include:
  - {level: slow, color: green}
outputs:
  matrixgen: "-e /opt/matrixgen"
  install: ["-e .[test]"]
  gitlab: .gitlab-ci.yml
"""


def listed(level: str) -> list[str]:
    result = invoke("list", "--level", level, "--json")
    assert result.code == 0, result.err
    return [cell["id"] for cell in json.loads(result.out)]


def test_a_job_per_level_lists_exactly_its_cells(project: Callable[..., Project]) -> None:
    made = project(TWO_LEVELS)
    loaded = pipeline(made)
    assert loaded["stages"] == ["unit", "slow"]
    # Excludes and includes applied: GitLab expands nothing matrixgen did not list.
    assert cells_of(loaded["unit"]) == listed("unit")
    assert cells_of(loaded["slow"]) == listed("slow")
    assert "unit/blue-m" not in cells_of(loaded["unit"])
    assert "slow/green" in cells_of(loaded["slow"])
    assert loaded["unit"]["stage"] == "unit"
    assert loaded["unit"]["needs"] == []  # starts at once, as the level says
    assert loaded["slow"]["needs"] == ["unit"]
    assert loaded["unit"]["timeout"] == "2m"  # the cell's own timeout, exactly
    assert "timeout" not in loaded["slow"]
    # Values every cell of a job shares are the job's; the matrix says only the cell.
    assert loaded["unit"]["variables"] == {"MATRIXGEN_SERVICES": "native", "MATRIXGEN_RETRIES": "0"}
    assert loaded["unit"]["extends"] == ".matrixgen-cell"
    cell = loaded[".matrixgen-cell"]
    assert cell["artifacts"]["reports"]["junit"] == "results/*/*.xml"
    assert cell["artifacts"]["when"] == "always"
    run = cell["script"][-1]
    assert 'matrixgen run --file "$MATRIXGEN_FILE" --services "$MATRIXGEN_SERVICES"' in run
    assert loaded["variables"]["MATRIXGEN_REQUIREMENT"] == "-e /opt/matrixgen"
    assert loaded["variables"]["MATRIXGEN_INSTALL"] == "-e .[test]"
    gate = loaded["matrix gate"]
    assert gate["stage"] == ".post" and gate["when"] == "always"
    assert gate["needs"] == ["unit", "slow"]
    assert 'matrixgen render --file "$MATRIXGEN_FILE" --check' in gate["script"]
    assert 'matrixgen report --file "$MATRIXGEN_FILE" --check-complete results' in gate["script"]


def test_rendering_is_byte_identical_and_checked(project: Callable[..., Project]) -> None:
    made = project(TWO_LEVELS)
    assert made.render() == 0
    first = made.read(PIPELINE)
    assert made.render() == 0 and made.read(PIPELINE) == first
    assert made.render(check=True) == 0
    made.write(PIPELINE, first.replace("unit/red-s", "unit/red-x"))
    assert made.render(check=True) == 1


def test_what_gitlab_sets_per_job_splits_a_level(project: Callable[..., Project]) -> None:
    text = TWO_LEVELS.replace(
        "include:",
        "overrides:\n  - match: {level: unit, color: green}\n    timeout: 9m\n"
        "  - match: {level: slow, color: red}\n    allowed-failure: true\ninclude:",
    )
    loaded = pipeline(project(text))
    assert cells_of(loaded["unit (2m)"]) == ["unit/red-s", "unit/red-m", "unit/blue-s"]
    assert cells_of(loaded["unit (9m)"]) == ["unit/green-s", "unit/green-m"]
    assert loaded["unit (9m)"]["timeout"] == "9m"
    assert cells_of(loaded["slow (allowed to fail)"]) == ["slow/red"]
    assert loaded["slow (allowed to fail)"]["allow_failure"] is True
    assert "allow_failure" not in loaded["slow"]
    # A level waits for every job of the levels it needs; the gate for all of them.
    assert loaded["slow"]["needs"] == ["unit (2m)", "unit (9m)"]
    # Jobs in the order of their first cell.
    assert loaded["matrix gate"]["needs"] == [
        "unit (2m)", "unit (9m)", "slow (allowed to fail)", "slow"
    ]  # fmt: skip


def test_a_jobs_github_timeout_minutes_is_its_gitlab_timeout(
    project: Callable[..., Project],
) -> None:
    """`github.timeout-minutes` is the job's limit as declared, on either target; the cell's
    own timeout gives it where none is declared, as on GitHub."""
    text = TWO_LEVELS.replace(
        "    github: {needs: [unit]}\n", "    github: {needs: [unit], timeout-minutes: 25}\n"
    ).replace("    timeout: 2m\n", "    timeout: 2m\n    github: {timeout-minutes: 7}\n")
    made = project(text)
    loaded = pipeline(made)
    assert loaded["unit"]["timeout"] == "7m"
    assert loaded["slow"]["timeout"] == "25m"


SERVICES = """\
version: 1
axes:
  backend:
    values:
      redis: {services: [redis]}
      memory: {}
levels:
  unit:
    axes: [backend]
    run: python -m pytest
services:
  redis:
    process:
      command: [redis-server, --port, "${port}"]
      ready: {tcp: "127.0.0.1:${port}"}
    install: {apt: [redis-server]}
    env: {REDIS_URL: "redis://${host}:${port}/0"}
    github: {image: "redis:7", port: 6379, env: {A: "$x"}}
outputs:
  matrixgen: "-e /opt/matrixgen"
  gitlab: {file: ci/pipeline.yml, containers: CONTAINERS}
"""


def test_service_containers_or_native(project: Callable[..., Project]) -> None:
    made = project(SERVICES.replace("CONTAINERS", "true"))
    assert made.render() == 0
    loaded = yamls.load(made.read("ci/pipeline.yml"))
    job = loaded["unit (redis:7)"]
    assert job["services"] == [
        {"name": "redis:7", "alias": "redis", "variables": {"A": "$$x"}}
    ]  # `$$`: GitLab passes `$x` as it is
    assert job["variables"]["MATRIXGEN_PROVIDED"] == "redis=redis:6379"
    assert "MATRIXGEN_APT" not in job["variables"]  # a container installs nothing
    assert "services" not in loaded["unit"]
    # On a shell runner the service is started by `matrixgen run`, installed by apt.
    made.write("matrix.yaml", SERVICES.replace("CONTAINERS", "false"))
    assert made.render() == 0
    loaded = yamls.load(made.read("ci/pipeline.yml"))
    assert "services" not in loaded["unit"]
    entries = loaded["unit"]["parallel"]["matrix"]
    assert entries == [
        {"CELL": ["unit/redis"], "MATRIXGEN_APT": ["redis-server"]},
        {"CELL": ["unit/memory"]},  # no empty values: GitLab names its job by them
    ]


def test_a_loopback_address_of_a_service_container_is_a_located_warning(
    project: Callable[..., Project],
) -> None:
    # In a GitLab job the container is host `redis`: 127.0.0.1 (right natively, and on
    # GitHub, which maps the port) reaches nothing there; ${host} is right everywhere.
    text = SERVICES.replace(
        'env: {REDIS_URL: "redis://${host}:${port}/0"}',
        'env: {REDIS_URL: "redis://localhost:${port}/0", NAME: "localhost-like"}',
    )
    project(text.replace("CONTAINERS", "true"))
    result = invoke("validate")
    assert result.code == 0, result.err
    said = [line for line in result.err.splitlines() if "container of its own" in line]
    assert said == [
        "matrix.yaml:15:20: services.redis.process.ready.tcp: warning: in a GitLab job "
        "service 'redis' is a container of its own, host 'redis', not 127.0.0.1; say "
        "${host}, which each place fills with the service's address",
        "matrix.yaml:17:22: services.redis.env.REDIS_URL: warning: in a GitLab job service "
        "'redis' is a container of its own, host 'redis', not localhost; say ${host}, which "
        "each place fills with the service's address",
    ], result.err
    # Started natively in the job (containers: false), the service is on 127.0.0.1.
    project(text.replace("CONTAINERS", "false"))
    result = invoke("validate")
    assert result.code == 0 and "container of its own" not in result.err, result.err


def test_gitlab_limit_of_a_job_is_a_located_error(project: Callable[..., Project]) -> None:
    values = ", ".join(f"v{i}" for i in range(201))
    text = TWO_LEVELS.replace("color: [red, blue, green]", f"color: [{values}]")
    text = text.replace("  - match: {color: blue, size: m}\n    reason: no blue m\n", "")
    text = text.replace("exclude:\n", "").replace("{color: [red, blue]}", "[color]")
    text = text.replace("include:\n  - {level: slow, color: green}\n", "")
    project(text)
    result = invoke("validate")
    assert result.code == 2
    lines = [line for line in result.err.splitlines() if "would list" in line]
    assert lines[0].startswith("matrix.yaml:7:3: levels.unit: GitLab job 'unit' would list 402")
    assert lines[1].startswith("matrix.yaml:11:3: levels.slow: GitLab job 'slow' would list 201")
    assert "at most 200 jobs of one; split the level" in lines[1]
    assert len(lines) == 2


def test_a_level_named_after_a_gitlab_keyword(project: Callable[..., Project]) -> None:
    project(
        TWO_LEVELS.replace("  slow:", "  variables:").replace("level: slow", "level: variables")
    )
    result = invoke("validate")
    assert result.code == 2
    assert result.err.startswith("matrix.yaml:11:3: levels.variables: ")
    assert "level 'variables' would name a GitLab job 'variables'" in result.err
    assert "rename the level" in result.err


@pytest.mark.parametrize("setting", ["ci.yml", "{file: ci.yml}"])
def test_short_and_long_forms(project: Callable[..., Project], setting: str) -> None:
    made = project(TWO_LEVELS.replace("gitlab: .gitlab-ci.yml", f"gitlab: {setting}"))
    assert made.render() == 0
    assert yamls.load(made.read("ci.yml"))["stages"] == ["unit", "slow"]


STEPS = """\
version: 1
axes:
  backend:
    values:
      queue: {services: [queue]}
      memory: {}
levels:
  unit:
    axes: [backend]
    run: python -m pytest
services:
  queue:
    process:
      command: [python, -m, http.server, "${port}"]
      ready: {tcp: "127.0.0.1:${port}"}
    install:
      steps:
        - name: Install the queue
          env: {WHAT: "it's installed"}
          run: |
            echo "$WHAT" > installed.txt
outputs:
  matrixgen: "-e /opt/matrixgen"
  gitlab: .gitlab-ci.yml
"""


def test_a_services_install_script_runs_only_in_its_cells_jobs(
    project: Callable[..., Project], tmp_path: Path
) -> None:
    loaded = pipeline(project(STEPS))
    entries = loaded["unit"]["parallel"]["matrix"]
    assert entries == [
        {"CELL": ["unit/queue"], "MATRIXGEN_SETUP": ["queue"]},
        {"CELL": ["unit/memory"]},
    ]
    (script,) = [s for s in loaded[".matrixgen-cell"]["script"] if "installed.txt" in s]
    for setup, installed in (("queue", True), ("", False)):
        folder = tmp_path / (setup or "none")
        folder.mkdir()
        done = subprocess.run(
            ["bash", "-eo", "pipefail", "-c", script],
            cwd=folder, env={"PATH": os.environ["PATH"], "MATRIXGEN_SETUP": setup},
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        marker = folder / "installed.txt"
        assert marker.exists() == installed
        if installed:
            assert marker.read_text() == "it's installed\n"


def test_a_services_action_step_is_refused(project: Callable[..., Project]) -> None:
    project(
        STEPS.replace(
            "        - name: Install the queue\n",
            "        - uses: owner/setup-queue@v1\n        - name: Install the queue\n",
        )
    )
    result = invoke("validate")
    assert result.code == 2
    assert result.err == (
        "matrix.yaml:18:17: services.queue.install.steps[0].uses: a GitLab job runs no GitHub "
        "action (owner/setup-queue@v1); install the service with a `run:` step, or leave "
        "outputs.gitlab out\n"
    )


def test_the_gate_points_origin_head_when_the_branch_comes_from_git(
    project: Callable[..., Project],
) -> None:
    line = 'git symbolic-ref refs/remotes/origin/HEAD "refs/remotes/origin/$CI_DEFAULT_BRANCH"'
    with_github = TWO_LEVELS.replace("  gitlab:", "  github: .github/workflows/m.yml\n  gitlab:")
    assert line in pipeline(project(with_github))["matrix gate"]["script"]
    made = project(
        with_github.replace(
            "github: .github/workflows/m.yml", "github: {file: m.yml, branch: main}"
        )
    )
    assert line not in pipeline(made)["matrix gate"]["script"]
    made.write("matrix.yaml", TWO_LEVELS)
    assert line not in pipeline(made)["matrix gate"]["script"]


AREAS = """\
version: 1
axes:
  area:
    values:
      core: {paths: [core/]}
      docs: {paths: [docs/]}
levels:
  unit:
    axes: [area]
    run: python -c "print('unit')"
outputs:
  matrixgen: "-e /opt/matrixgen"
  gitlab: {file: .gitlab-ci.yml, affected: true}
"""
GIT_ENV = {
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
}


def git(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=root, env={**os.environ, **GIT_ENV}, check=True,
        capture_output=True, text=True,
    )  # fmt: skip
    return done.stdout.strip()


def test_affected_merge_requests_ask_matrixgen_in_each_cells_job(
    project: Callable[..., Project],
) -> None:
    """With `affected: true`, a cell's job first asks `matrixgen affected` about its own cell
    in a merge request's pipeline, and ends there, the cell recorded as not run, when the
    change does not affect it; what the jobs themselves add to the checkout (matrixgen's
    environment, earlier levels' results) is no change. Without it, no such step."""
    plain = pipeline(project(AREAS.replace(", affected: true", "")))
    assert "matrixgen affected" not in str(plain)
    made = project(AREAS, {"core/a.txt": "1\n", "docs/a.txt": "1\n"})
    script = pipeline(made)[".matrixgen-cell"]["script"][0]
    assert "matrixgen affected" in script
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "base"]):
        git(made.root, *args)
    base = git(made.root, "rev-parse", "HEAD")
    made.write("core/a.txt", "2\n")
    git(made.root, "commit", "-qam", "change core")
    made.write(".matrixgen-ci/bin/tool", "")  # as the jobs make them: untracked
    made.write("results/earlier/level.xml", "<testsuites/>")

    def job(cell: str, source: str) -> subprocess.CompletedProcess[str]:
        env = {
            **os.environ, **GIT_ENV, "CELL": cell, "MATRIXGEN_FILE": "matrix.yaml",
            "CI_PIPELINE_SOURCE": source, "CI_MERGE_REQUEST_DIFF_BASE_SHA": base,
        }  # fmt: skip
        return subprocess.run(
            ["bash", "-eo", "pipefail", "-c", script + "echo RUNS\n"],
            cwd=made.root, env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip

    docs = job("unit/docs", "merge_request_event")
    assert docs.returncode == 0, docs.stderr
    assert "unit/docs: not affected by this merge request; not run" in docs.stdout
    assert "RUNS" not in docs.stdout
    # The one file the change touched: not matrixgen's environment or earlier results.
    assert "1 files changed since" in docs.stderr, docs.stderr
    assert "  core/a.txt  -> area=core\n" in docs.stderr, docs.stderr
    reported = json.loads(invoke("report", "--json", "-", "results").out)
    status = {cell["id"]: cell for cell in reported["cells"]}
    assert status["unit/docs"]["status"] == "not-run"
    assert status["unit/docs"]["reason"] == (
        f"not affected by the change (since merge-base {base[:12]})"
    )
    assert status["unit/core"]["status"] == "missing"

    core = job("unit/core", "merge_request_event")
    assert core.returncode == 0, core.stderr
    assert "RUNS" in core.stdout
    assert not (made.root / "results" / "unit" / "core.xml").exists()
    push = job("unit/docs", "push")
    assert push.returncode == 0 and "RUNS" in push.stdout, push.stderr
