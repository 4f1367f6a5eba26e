"""A job's container, `if:` and `max-parallel`, and the project's own jobs after the cells
(`outputs.github.jobs`): rendered as GitHub's keys, clean under the linters, located errors
for what cannot work, and the workflow run: a cell in its job container runs on the image's
Python, a level whose `if:` is false is skipped without failing the gate, and the extra job
runs after the gate."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from support import wheelhouse, yamls
from support.cli import invoke

from matrixgen.errors import ConfigError
from matrixgen.outcome.junit import read_junit

from .checks import assert_valid
from .conftest import GIT_ENV, Project
from .runner import Runner, step

IMAGE = "matrixgen-test/python:3.11-bookworm"  # built locally: Debian's Python 3.11

CELL = """\
import platform, sys
from pathlib import Path
junit = Path(sys.argv[1])
junit.parent.mkdir(parents=True, exist_ok=True)
print("cell python", sys.executable, platform.python_version())
junit.write_text('<testsuite name="t" tests="1"><testcase classname="t" name="ok"/></testsuite>')
"""

MATRIX = f"""\
version: 1
name: options
axes:
  python:
    values:
      "3.11": {{github: {{container: {{image: "{IMAGE}", env: {{IN_IMAGE: "yes"}}}}}}}}
      "3.12": {{}}
levels:
  unit:
    axes: [python]
    run: python cell.py ${{junit}}
    github: {{max-parallel: 1}}
  nightly:
    run: python cell.py ${{junit}}
    github:
      if: github.repository == 'owner/repo'
outputs:
  matrixgen: matrixgen-cli
  github:
    file: .github/workflows/matrix.yml
    branch: main
    jobs:
      report:
        name: Coverage report
        needs: [gate]
        if: always()
        env: {{KIND: combined}}
        steps:
          - name: Combine
            run: echo "report $KIND" >> "$GITHUB_STEP_SUMMARY"
"""


def test_container_if_max_parallel_and_extra_jobs_are_written_as_githubs_keys(
    project: Callable[..., Project],
) -> None:
    made = project(MATRIX, {"cell.py": CELL})
    workflow = made.workflow()
    assert_valid(made.path, "unpinned-images")  # the image is not pinned by digest
    unit = workflow["jobs"]["unit"]
    assert unit["container"] == {"image": "${{ matrix.container }}", "env": {"IN_IMAGE": "yes"}}
    assert unit["defaults"] == {"run": {"shell": "bash"}}  # a container's default is sh
    assert unit["strategy"]["max-parallel"] == 1
    lines = unit["strategy"]["matrix"]["include"]
    assert [line["container"] for line in lines] == [IMAGE, ""]  # "": on the runner
    setup = [s for s in unit["steps"] if s.get("uses", "").startswith("actions/setup-python")]
    assert [s["if"] for s in setup] == ["matrix.container == ''"]  # the cell's, on the runner
    assert any(s.get("uses", "").startswith("astral-sh/setup-uv") for s in unit["steps"])
    assert workflow["jobs"]["nightly"]["if"] == "${{ github.repository == 'owner/repo' }}"
    assert "container" not in workflow["jobs"]["nightly"]
    report = workflow["jobs"]["report"]
    assert list(workflow["jobs"])[-1] == "report"
    assert report == {
        "name": "Coverage report", "needs": ["gate"], "if": "${{ always() }}",
        "runs-on": "ubuntu-latest", "env": {"KIND": "combined"},
        "steps": [{"name": "Combine", "run": 'echo "report $KIND" >> "$GITHUB_STEP_SUMMARY"'}],
    }  # fmt: skip


def test_a_level_whose_cells_all_run_in_one_image_sets_up_no_python_of_its_own(
    project: Callable[..., Project],
) -> None:
    text = f"""\
version: 1
axes:
  python: ["3.10", "3.11"]
levels:
  unit:
    axes: [python]
    run: python cell.py ${{junit}}
    github: {{container: "{IMAGE}"}}
outputs:
  matrixgen: matrixgen-cli
  github: {{file: .github/workflows/matrix.yml, branch: main}}
"""
    made = project(text, {"cell.py": CELL})
    unit = made.workflow()["jobs"]["unit"]
    assert_valid(made.path, "unpinned-images")
    assert unit["container"] == {"image": IMAGE}
    assert "container" not in unit["strategy"]["matrix"]["include"][0]
    assert not any("setup-python" in s.get("uses", "") for s in unit["steps"])


def test_a_container_image_naming_an_axis_is_each_cells_on_both_targets(
    project: Callable[..., Project],
) -> None:
    """`container: python:${python}` (closeio/tasktiger's `python:${{ matrix.python-version }}`)
    is each cell's image in the workflow's matrix lines, as in the GitLab jobs: it was written
    as it stands, `${python}` and all, into the job's `container:`."""
    text = """\
version: 1
axes:
  python: ["3.10", "3.11"]
levels:
  lint:
    axes: [python]
    run: python cell.py ${junit}
    github: {container: "python:${python}"}
outputs:
  matrixgen: matrixgen-cli
  github: {file: .github/workflows/matrix.yml, branch: main}
  gitlab: {file: .gitlab-ci.yml, image: "python:3.12"}
"""
    made = project(text, {"cell.py": CELL})
    lint = made.workflow()["jobs"]["lint"]
    assert_valid(made.path, "unpinned-images")
    assert lint["container"] == {"image": "${{ matrix.container }}"}
    lines = lint["strategy"]["matrix"]["include"]
    assert [line["container"] for line in lines] == ["python:3.10", "python:3.11"]
    assert not any("setup-python" in s.get("uses", "") for s in lint["steps"])
    pipeline = yamls.load((made.root / ".gitlab-ci.yml").read_text())
    assert [pipeline[f"lint (python:{v})"]["image"] for v in ("3.10", "3.11")] == [
        "python:3.10",
        "python:3.11",
    ]


@pytest.mark.parametrize(
    ("image", "message"),
    [
        (
            "python:${pythn}",
            "levels.lint.github.container: unknown axis 'pythn' in image 'python:${pythn}' "
            "(did you mean 'python'?)",
        ),
        (
            "python:${{ matrix.python-version }}",
            "reads GitHub's `matrix`, which in the generated job is matrixgen's",
        ),
        (
            "python:${db}",
            "image 'python:${db}' names ${db}, and cell lint/3.10 has no value of 'db'; give "
            "the cell's level or suite a container of its own (`github: {container: ...}`)",
        ),
    ],
    ids=["unknown-axis", "github-matrix", "no-value"],
)
@pytest.mark.parametrize("gitlab", [False, True], ids=["github", "both"])
def test_a_container_image_that_cannot_fill_is_one_located_error(
    project: Callable[..., Project], image: str, message: str, gitlab: bool
) -> None:
    text = f"""\
version: 1
axes:
  python: ["3.10", "3.11"]
  db: [sqlite]
levels:
  lint:
    axes: [python]
    run: python cell.py ${{junit}}
    github: {{container: "{image}"}}
  other: {{axes: [db], run: "python cell.py ${{junit}}"}}
outputs:
  matrixgen: matrixgen-cli
  github: {{file: .github/workflows/matrix.yml, branch: main}}
"""
    if gitlab:  # the container is the GitLab job's image too, checked once
        text += '  gitlab: {file: .gitlab-ci.yml, image: "python:3.12"}\n'
    made = project(text, {"cell.py": CELL})
    with pytest.raises(ConfigError) as raised:
        made.render()
    assert message in str(raised.value)
    # the short form's key: it has no `image:` (GitLab's check named one, which is not there)
    assert "matrix.yaml:9:25: levels.lint.github.container: " in str(raised.value)
    assert len(raised.value.problems) == 1, str(raised.value)


def _matrix_with(change: tuple[str, str]) -> str:
    assert change[0] in MATRIX, change[0]
    return MATRIX.replace(*change)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("      report:\n", "      Unit:\n"),
            "outputs.github.jobs.Unit: job id 'Unit' is already the job of level 'unit''s",
        ),
        (
            ("      report:\n", "      gate:\n"),
            "job id 'gate' is already the gate job's",
        ),
        (
            ("needs: [gate]", "needs: [gaet]"),
            "outputs.github.jobs.report.needs[0]: 'gaet' is no job of the workflow (did you mean "
            "'gate'?)",
        ),
        (
            ("needs: [gate]", "needs: [report]"),
            "job 'report' cannot wait for itself",
        ),
        (
            ("github: {max-parallel: 1}", "github: {max-parallel: 0}"),
            "levels.unit.github.max-parallel: must be greater than or equal to 1, got 0",
        ),
        (
            ('"3.12": {}', '"3.12": {github: {runs-on: macos-14}}'),
            "",  # no container there: valid
        ),
        (
            ('"3.11": {github: {container:', '"3.11": {github: {runs-on: macos-14, container:'),
            "cell unit/3.11 runs on 'macos-14', and GitHub runs job containers on Linux",
        ),
        (
            ("github: {max-parallel: 1}", "github: {container: other:1}"),
            "cell unit/3.11 would run in a container of 'other:1' here",
        ),
        (
            ("github: {max-parallel: 1}", "github: {install: {apt: [libpq-dev]}}"),
            "cell unit/3.11 needs apt or npm packages",
        ),
        (
            ("    branch: main\n", "    branch: main\n    affected: true\n"),
            "levels.nightly.github.if: a level's `if:` is not supported with `affected:`",
        ),
        (
            ('IN_IMAGE: "yes"', 'GITHUB_X: "yes"'),
            "'GITHUB_X' is reserved",
        ),
        (
            ("    branch: main\n", "    branch: main\n    shards: {unit: 1}\n"),
            "cell unit/3.11 is of a sharded level",
        ),
    ],
    ids=[
        "clash-level", "clash-gate", "unknown-need", "self-need", "max-parallel", "macos-host",
        "macos-container", "two-containers", "apt", "if-affected", "env-name", "shards",
    ],
)  # fmt: skip
def test_options_that_cannot_work_are_located_errors(
    project: Callable[..., Project], change: tuple[str, str], message: str
) -> None:
    text = _matrix_with(change)
    if "shards" in change[1]:  # a level's `if:` is an error with shards of its own
        text = text.replace("      if: github.repository == 'owner/repo'\n", "      env: {}\n")
    made = project(text, {"cell.py": CELL})
    if not message:
        made.render()
        return
    with pytest.raises(ConfigError) as raised:
        made.render()
    assert message in str(raised.value)
    assert "matrix.yaml:" in str(raised.value)


def test_extra_jobs_that_wait_for_each_other_and_suite_options_are_located_errors(
    project: Callable[..., Project],
) -> None:
    text = """\
version: 1
levels:
  nightly:
    suites:
      a: {run: "python cell.py ${junit}", github: {max-parallel: 2}}
      b: {run: "python cell.py ${junit}", github: {if: true}}
outputs:
  matrixgen: matrixgen-cli
  github:
    file: .github/workflows/matrix.yml
    jobs:
      report: {needs: [other], steps: [{run: "true"}]}
      other: {needs: [report], steps: [{run: "true"}]}
"""
    made = project(text, {"cell.py": CELL})
    with pytest.raises(ConfigError) as raised:
        made.render()
    message = str(raised.value)
    assert "jobs 'report' and 'other' wait for each other" in message
    assert "levels.nightly.suites.a.github.max-parallel: `max-parallel` limits" in message
    assert "levels.nightly.suites.b.github.if: level 'nightly' runs its 2 suites in one job" in (
        message
    )


@pytest.fixture(scope="module")
def python_image(docker_engine: dict[str, str], tmp_path_factory: pytest.TempPathFactory
                 ) -> Iterator[str]:  # fmt: skip
    """`IMAGE`: the engine's Debian base (its Python 3.11) under the name the workflow uses,
    built offline."""
    context = tmp_path_factory.mktemp("image")
    (context / "Dockerfile").write_text(
        "FROM matrixgen/debian-services:bookworm\nENV IMAGE_MARK=python-3.11-bookworm\n"
    )
    done = subprocess.run(
        ["docker", "build", "--network=none", "-q", "-t", IMAGE, str(context)],
        env=docker_engine, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    yield IMAGE


@pytest.fixture(scope="session")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The run's wheelhouse (`support.wheelhouse.shared`): matrixgen's wheels, and the
    setuptools and wheel `uv venv --seed` puts in a venv of the image's 3.11."""
    return wheelhouse.shared(tmp_path_factory)


@pytest.mark.slow
def test_the_workflow_runs_a_cell_in_its_container_skips_a_level_and_runs_the_extra_job(
    project: Callable[..., Project], tmp_path: Path, compose_engine: dict[str, str],
    python_image: str, wheels: Path,
) -> None:  # fmt: skip
    made = project(MATRIX, {"cell.py": CELL})
    env = {
        **compose_engine, **GIT_ENV, "UV_OFFLINE": "true", "UV_FIND_LINKS": str(wheels),
        "UV_PYTHON_DOWNLOADS": "never", "PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }  # fmt: skip
    runner = Runner(
        made.workflow(), made.root, tmp_path / "runner", github={"repository": "fork/repo"},
        env=env, container_mounts=[str(wheels)],
    )  # fmt: skip
    jobs = runner.run()
    in_image, on_runner = jobs["unit"].lines
    for line in (in_image, on_runner):
        run = step(line, "Run the cell")
        shown = "\n".join(f"{s.name} {s.outcome} {s.output[-3000:]}" for s in line.steps)
        assert run.outcome == "success", shown
    assert in_image.container_image == IMAGE and on_runner.container_image == ""
    assert [s.outcome for s in in_image.steps if s.name.startswith("actions/setup-python")] == [
        "skipped"
    ]
    # The cell ran on the image's interpreter (Debian's 3.11.2), not this machine's 3.11.
    junit = read_junit(next(runner.artifacts.glob("*/unit/3.11.xml")))
    image_python = subprocess.run(
        ["docker", "run", "--rm", IMAGE, "python3", "-c",
         "import platform; print(platform.python_version())"],
        env=compose_engine, capture_output=True, text=True, timeout=120, check=True,
    ).stdout.strip()  # fmt: skip
    assert junit.properties["matrixgen.python"] == image_python
    assert f"/bin/python {image_python}" in step(in_image, "Run the cell").output
    assert jobs["nightly"].result == "skipped"  # a fork: its `if:` is false
    gate = jobs["gate"]
    assert gate.result == "success", [(s.name, s.outcome, s.output) for s in gate.lines[0].steps]
    report = jobs["report"]
    assert report.result == "success"
    assert [s.name for s in report.lines[0].steps] == ["Combine"]


# closeio/tasktiger's CI: a cell's job in an image, and Redis as a service container of
# that job, reached by its name on its own port (GitHub puts both on a network of the job).
SERVED = f"""\
version: 1
name: served
axes:
  store:
    values:
      redis: {{services: [redis], github: {{container: "{IMAGE}"}}}}
      memory: {{}}
services:
  redis:
    process:
      command: [redis-server, --port, "${{port}}", --save, ""]
      ready: {{tcp: "${{host}}:${{port}}"}}
    env: {{STORE_URL: "redis://${{host}}:${{port}}/0"}}
    github:
      image: redis:7.4-alpine
      port: 6379
      options: --health-cmd "redis-cli ping" --health-interval 1s --health-retries 30
levels:
  unit:
    axes: [store]
    run: python store.py ${{junit}}
outputs:
  matrixgen: matrixgen-cli
  github: {{file: .github/workflows/matrix.yml, branch: main}}
"""
STORE = """\
import os, socket, sys
from pathlib import Path
url = os.environ.get("STORE_URL")
if url:
    host, port = url.removeprefix("redis://").split("/")[0].split(":")
    with socket.create_connection((host, int(port)), timeout=5) as connection:
        connection.sendall(b"PING\\r\\n")
        assert connection.recv(100).startswith(b"+PONG")
    print("redis at", host, port, "answered")
junit = Path(sys.argv[1])
junit.parent.mkdir(parents=True, exist_ok=True)
junit.write_text('<testsuite name="t" tests="1"><testcase classname="t" name="ok"/></testsuite>')
"""


def test_a_container_jobs_service_container_is_given_by_its_name(
    project: Callable[..., Project],
) -> None:
    made = project(SERVED, {"store.py": STORE})
    steps = made.workflow()["jobs"]["unit"]["steps"]
    assert_valid(made.path, "unpinned-images")
    run = next(s for s in steps if s.get("name") == "Run the cell")
    assert run["env"]["JOB_CONTAINER"] == "${{ job.container.id }}"
    script = " ".join(run["run"].split())
    # In the job's container: the service by its name, on its own port; on the runner: the
    # runner's port GitHub mapped.
    assert (
        'if [ -n "$PORT_REDIS" ] && [ -n "$JOB_CONTAINER" ]; then provided+=('
        '--provided "redis=redis:6379") elif [ -n "$PORT_REDIS" ]; then provided+=('
        '--provided "redis=$PORT_REDIS") fi'
    ) in script, script


def test_a_loopback_address_of_a_container_jobs_service_is_a_located_warning(
    project: Callable[..., Project],
) -> None:
    project(SERVED.replace('ready: {tcp: "${host}:${port}"}', 'ready: {tcp: "127.0.0.1:${port}"}'))
    result = invoke("validate")
    assert result.code == 0, result.err
    assert [line for line in result.err.splitlines() if "container of its own" in line] == [
        "matrix.yaml:12:20: services.redis.process.ready.tcp: warning: in a GitHub job "
        "container service 'redis' is a container of its own, host 'redis', not 127.0.0.1; "
        "say ${host}, which each place fills with the service's address"
    ], result.err


@pytest.mark.slow
def test_the_workflow_runs_a_cell_in_its_container_against_its_service_container(
    project: Callable[..., Project], tmp_path: Path, compose_engine: dict[str, str],
    python_image: str, wheels: Path,
) -> None:  # fmt: skip
    made = project(SERVED, {"store.py": STORE})
    env = {
        **compose_engine, **GIT_ENV, "UV_OFFLINE": "true", "UV_FIND_LINKS": str(wheels),
        "UV_PYTHON_DOWNLOADS": "never", "PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }  # fmt: skip
    runner = Runner(
        made.workflow(), made.root, tmp_path / "runner", env=env, container_mounts=[str(wheels)]
    )
    jobs = runner.run()
    in_image, on_runner = jobs["unit"].lines
    for line in (in_image, on_runner):
        shown = "\n".join(f"{s.name} {s.outcome} {s.output[-3000:]}" for s in line.steps)
        assert step(line, "Run the cell").outcome == "success", shown
    assert in_image.container_image == IMAGE and on_runner.container_image == ""
    assert "redis at redis 6379 answered" in step(in_image, "Run the cell").output
    junit = read_junit(next(runner.artifacts.glob("*/unit/redis.xml")))
    assert junit.properties["matrixgen.service.redis"] == "provided redis:6379"
    gate = jobs["gate"]
    assert gate.result == "success", [(s.name, s.outcome, s.output) for s in gate.lines[0].steps]
