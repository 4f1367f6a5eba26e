"""Windows runners (issue 21, item 6): a value whose runner is Windows gets jobs that run
there — every step in bash (Git Bash; GitHub runs `run:` steps in pwsh by default) — and what
needs Linux (apt packages, service containers, docker compose) is a located validate error.

A real project has 10 of its 48 jobs on Windows: a python axis crossed with an os axis whose
values are runners. What `matrixgen run` does there is tested on Linux through the portable
platform (tests/run/test_platform.py); nothing here ran on real Windows."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from support.golden import assert_golden

from matrixgen.errors import ConfigError

from .checks import assert_valid
from .conftest import Project

GOLDEN = Path(__file__).with_name("golden")

WINDOWS = """\
version: 1
name: windows
axes:
  python: ["3.12", "3.13"]
  os:
    values:
      linux: {github: {runs-on: ubuntu-latest}}
      windows: {github: {runs-on: windows-latest}}
services:
  web:
    process:
      command: [python, -m, http.server, --bind, 127.0.0.1, "${port}"]
      ready: {http: "http://127.0.0.1:${port}/"}
levels:
  unit:
    axes: [python, os]
    run: "pytest tests/unit --junitxml=${junit}"
  component:
    axes: [os]
    services: [web]
    run: "pytest tests/component --junitxml=${junit}"
    github: {steps: {before: [{name: Build, run: make build}]}}
outputs:
  github: .github/workflows/matrix.yml
"""


def test_windows_values_get_jobs_whose_steps_run_in_bash(project: Callable[..., Project]) -> None:
    made = project(WINDOWS)
    assert made.render() == 0
    assert_golden(GOLDEN / "windows.yml", made.read(".github/workflows/matrix.yml"))
    assert_valid(made.path)
    jobs = made.workflow()["jobs"]
    for level in ("unit", "component"):
        job = jobs[level]
        assert job["defaults"] == {"run": {"shell": "bash"}}
        runners = [line["runs-on"] for line in job["strategy"]["matrix"]["include"]]
        assert "windows-latest" in runners and "ubuntu-latest" in runners
        assert not any("apt-get" in str(step.get("run", "")) for step in job["steps"])
    assert "defaults" not in jobs["gate"]  # Linux only: as it always was


def test_a_level_only_on_linux_keeps_the_default_shell(project: Callable[..., Project]) -> None:
    made = project(WINDOWS.replace("windows-latest", "ubuntu-24.04"))
    assert made.render() == 0
    assert all("defaults" not in job for job in made.workflow()["jobs"].values())


def test_sharded_windows_jobs_pass_actionlint_the_schema_and_zizmor(
    project: Callable[..., Project],
) -> None:
    made = project(
        WINDOWS.replace(
            "outputs:\n  github: .github/workflows/matrix.yml\n",
            "outputs:\n  github:\n    file: .github/workflows/matrix.yml\n    shards: {unit: 2}\n",
        )
    )
    assert made.render() == 0
    assert_valid(made.path)
    assert made.workflow()["jobs"]["unit"]["defaults"] == {"run": {"shell": "bash"}}


COMPOSE_ONLY = WINDOWS.replace(
    """    process:
      command: [python, -m, http.server, --bind, 127.0.0.1, "${port}"]
      ready: {http: "http://127.0.0.1:${port}/"}
""",
    "    compose: compose/web.yml\n",
)
CONTAINER = WINDOWS.replace(
    '      ready: {http: "http://127.0.0.1:${port}/"}\n',
    '      ready: {http: "http://127.0.0.1:${port}/"}\n'
    '    github: {image: "nginx:1.27", port: 80}\n',
)
APT = WINDOWS.replace(
    '    run: "pytest tests/unit',
    '    github: {install: {apt: [libpq-dev]}}\n    run: "pytest tests/unit',
)


@pytest.mark.parametrize(
    ("text", "files", "message"),
    [
        (
            COMPOSE_ONLY,
            {"compose/web.yml": "services:\n  web: {image: 'nginx:1.27'}\n"},
            "matrix.yaml:10:3: services.web: cell component/windows runs on 'windows-latest', "
            "and service 'web' has no `process:`, so its job would start it with docker "
            "compose; a Windows runner runs no Linux containers: give it a `process:` that "
            "runs on Windows, or run the cell on Linux",
        ),
        (
            CONTAINER,
            {},
            "services.web.github: cell component/windows runs on 'windows-latest', and GitHub "
            "runs service containers on Linux runners only; run it on Linux, or drop `github:` "
            "to start the service natively",
        ),
        (
            APT,
            {},
            "levels.unit: cell unit/3.12-windows runs on 'windows-latest', which has no "
            "apt-get, and needs the Debian packages libpq-dev; run it on Linux or drop them",
        ),
    ],
    ids=["compose", "container", "apt"],
)
def test_what_needs_linux_is_a_located_error_on_a_windows_runner(
    project: Callable[..., Project], text: str, files: dict[str, str], message: str
) -> None:
    made = project(text, files)
    with pytest.raises(ConfigError) as raised:
        made.render()
    assert message in str(raised.value)
