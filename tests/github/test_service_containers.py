"""GitHub service containers: a service's `github:` form becomes a `services:` entry of the
jobs whose cells need it, started only for those lines, and `matrixgen run` in the job
uses the container (`--provided`) instead of starting the service; every other service
runs as `--services` says, chosen explicitly, never `auto`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from matrixgen.errors import ConfigError
from matrixgen.outcome.junit import read_junit

from .checks import assert_valid
from .conftest import GIT_ENV, Project
from .runner import Runner, step

# Connects to the store the cell's env names (PING, and where it keeps its data), and
# writes the cell's JUnit file.
CELL = """\
import os, socket, sys
from pathlib import Path
junit = Path(sys.argv[1])
url = os.environ.get("STORE_URL")
if url:
    host, port = url.removeprefix("redis://").split("/")[0].split(":")
    with socket.create_connection((host, int(port)), timeout=5) as connection:
        connection.sendall(b"PING\\r\\nCONFIG GET dir\\r\\n")
        answer = b""
        while answer.count(b"\\r\\n") < 6:
            answer += connection.recv(1024)
    print(answer.decode())
    assert answer.startswith(b"+PONG"), answer
junit.parent.mkdir(parents=True, exist_ok=True)
junit.write_text('<testsuite name="t" tests="1"><testcase classname="t" name="ping"/></testsuite>')
"""

MOTO = "services: {moto: {image: motoserver/moto:5.2.5}}\n"

MATRIX = """\
version: 1
name: containers
axes:
  store:
    values:
      redis: {services: [redis]}
      memory: {}
      s3: {services: [moto]}
services:
  redis:
    process:
      command: [redis-server, --port, "${port}", --bind, 127.0.0.1, --save, "", --dir, "${dir}"]
      ready: {tcp: "127.0.0.1:${port}"}
    install: {apt: [redis-server]}
    env: {STORE_URL: "redis://${host}:${port}/0"}
    github:
      image: redis:7.4-alpine
      port: 6379
      options: --health-cmd "redis-cli ping" --health-interval 1s --health-retries 30
  moto:
    compose: moto.yml
levels:
  unit:
    axes: [store]
    run: python cell.py ${junit}
outputs:
  matrixgen: matrixgen-cli
  github: {file: .github/workflows/matrix.yml, branch: main}
"""


def test_a_service_container_is_a_job_service_started_only_where_a_cell_needs_it(
    project: Callable[..., Project],
) -> None:
    made = project(MATRIX, {"cell.py": CELL, "moto.yml": MOTO})
    workflow = made.workflow()
    assert_valid(made.path, "unpinned-images")  # `redis:7.4-alpine`, not pinned by digest
    job = workflow["jobs"]["unit"]
    assert job["services"] == {
        "redis": {
            "image": "${{ matrix.images['redis'] || '' }}",
            "ports": ["6379/tcp"],
            "options": '--health-cmd "redis-cli ping" --health-interval 1s --health-retries 30',
        }
    }
    lines = {line["cell"]: line for line in job["strategy"]["matrix"]["include"]}
    assert [lines[c]["images"] for c in ("redis", "memory", "s3")] == [
        {"redis": "redis:7.4-alpine"}, {}, {},
    ]  # fmt: skip
    # moto has only a compose file: its cell runs with --services compose, the others native;
    # redis-server is the container's, so no line installs it.
    assert [lines[c]["services-mode"] for c in ("redis", "memory", "s3")] == [
        "native", "native", "compose",
    ]  # fmt: skip
    assert "apt" not in lines["redis"]
    run = next(s for s in job["steps"] if s.get("name") == "Run the cell")
    assert run["env"]["PORT_REDIS"] == "${{ job.services['redis'].ports['6379'] }}"
    assert run["run"].splitlines() == [
        "provided=()  # the service containers GitHub started for this line",
        '[ -z "$PORT_REDIS" ] || provided+=(--provided "redis=$PORT_REDIS")',
        'matrixgen run --file "$MATRIXGEN_FILE" --services "$SERVICES" "${provided[@]}" "$CELL"',
    ]


def test_one_image_every_cell_needs_and_a_fixed_port_are_written_as_they_are(
    project: Callable[..., Project],
) -> None:
    text = MATRIX.replace("      port: 6379\n", "      port: 6379\n      host-port: 6379\n")
    text = text.replace("      memory: {}\n      s3: {services: [moto]}\n", "")
    text = text.replace("      options:", "      env: {REDIS_ARGS: --save ''}\n      options:")
    made = project(text, {"cell.py": CELL, "moto.yml": MOTO})
    job = made.workflow()["jobs"]["unit"]
    assert job["services"]["redis"]["image"] == "redis:7.4-alpine"
    assert job["services"]["redis"]["ports"] == ["6379:6379"]
    assert job["services"]["redis"]["env"] == {"REDIS_ARGS": "--save ''"}
    assert "images" not in job["strategy"]["matrix"]["include"][0]
    run = next(s for s in job["steps"] if s.get("name") == "Run the cell")
    assert '--services native "${provided[@]}" "$CELL"' in run["run"]


@pytest.mark.slow
@pytest.mark.parametrize("shards", [False, True], ids=["cells", "shards"])
def test_the_job_runs_its_cell_against_the_container_and_the_result_says_so(
    clone: Callable[..., Project], tmp_path: Path, compose_engine: dict[str, str], shards: bool
) -> None:
    text = MATRIX.replace("      s3: {services: [moto]}\n", "")
    if shards:  # two cells, two shards: a shard's cells share their containers
        text = text.replace("branch: main}", "branch: main, shards: 1}")
    project = clone(text, {"cell.py": CELL, "moto.yml": MOTO})
    workflow = project.workflow()
    runner = Runner(
        workflow, project.root, tmp_path / "runner", event="push",
        github={"event": {"repository": {"default_branch": "master"}}},
        env={**compose_engine, **GIT_ENV, "PIP_NO_INDEX": "1",
             "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
    )  # fmt: skip
    jobs = runner.run()
    redis, memory = jobs["unit"].lines
    assert memory.containers == {}  # its image is empty: GitHub does not start the service
    port = redis.containers["redis"]["6379"]
    run = step(redis, "Run the shard's cells" if shards else "Run the cell")
    assert run.outcome == "success", run.output
    assert "/data" in run.output  # the container's data folder, not a native ${dir}
    assert memory.steps[-2].outcome == "success"
    [junit_file] = runner.artifacts.glob("*/unit/redis.xml")
    junit = read_junit(junit_file)
    assert junit.properties["matrixgen.service.redis"] == f"provided 127.0.0.1:{port}"
    gate = jobs["gate"]
    assert gate.result == "success", [(s.name, s.outcome, s.output) for s in gate.lines[0].steps]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("  redis:\n    process", "  redis.db:\n    process"),
            "services.redis.db.github: 'redis.db' cannot name a GitHub service container",
        ),
        (
            (
                "  moto:\n    compose: moto.yml\n",
                "  moto:\n    compose: moto.yml\n  REDIS:\n    compose: moto.yml\n"
                "    github: {image: redis, port: 6379}\n",
            ),
            "services 'redis' and 'REDIS' would be one service container to GitHub",
        ),
        (
            ("      port: 6379\n", "      port: 6379\n      env: {1X: y}\n"),
            "services.redis.github.env.1X: '1X' is not an env name",
        ),
        (
            (
                "      redis: {services: [redis]}",
                "      redis: {services: [redis, moto], github: {runs-on: macos-14}}",
            ),
            "cell unit/redis runs on 'macos-14', and GitHub runs service containers on Linux "
            "runners only",
        ),
        (
            (
                "  moto:\n    compose: moto.yml\n",
                "  moto:\n    compose: moto.yml\n  redis2:\n    compose: moto.yml\n"
                "    github: {image: redis, port: 6380, host-port: 6379}\n",
            ),
            "cell unit/redis needs services 'redis' and 'redis2', both on the runner's port 6379",
        ),
        (
            ("      port: 6379\n", "      port: 0\n"),
            "github.port: must be greater than or equal to 1",
        ),
    ],
    ids=["service-id", "case-clash", "env-name", "macos", "host-port-clash", "port"],
)
def test_service_containers_that_cannot_work_are_located_errors(
    project: Callable[..., Project], change: tuple[str, str], message: str
) -> None:
    text = MATRIX.replace(*change)
    if "redis2" in text:
        text = text.replace("redis: {services: [redis]}", "redis: {services: [redis, redis2]}")
        text = text.replace("      port: 6379\n", "      port: 6379\n      host-port: 6379\n")
    made = project(text, {"cell.py": CELL, "moto.yml": MOTO})
    with pytest.raises(ConfigError) as raised:
        made.render()
    assert message in str(raised.value)
    assert "matrix.yaml:" in str(raised.value)
    assert not made.path.exists()
