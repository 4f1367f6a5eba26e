"""`matrixgen run --provided NAME=[HOST:]PORT`: a service already running (a CI job's
service container, a developer's own server) is used, probed and set up, never started
or stopped, and the result says where it ran."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from matrixgen.probe import probe_until
from matrixgen.run.options import parse_provided
from matrixgen.run.processes import free_port, port_is_free
from tests.run.conftest import Project

pytestmark = [pytest.mark.services, pytest.mark.usefixtures("services_installed")]

MATRIX = """\
    version: 1
    axes:
      store:
        values:
          redis: {services: [redis]}
          memory: {}
    services:
    SERVICES_REDIS
        setup: [[redis-cli, -p, "${port}", set, seeded, "yes"]]
    levels:
      unit:
        axes: [store]
        run: PROGRAM pass
"""


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[int]:
    """A redis-server this test starts (without the run's tag): what a CI job's service
    container is to `matrixgen run`."""
    port = free_port()
    data = tmp_path / "own-redis"
    data.mkdir()
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--dir", str(data)],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        probe_until(lambda: subprocess.run(["redis-cli", "-p", str(port), "ping"], check=True,
                                           capture_output=True), timeout=10)  # fmt: skip
        yield port
    finally:
        server.terminate()
        server.wait(10)


def test_a_provided_service_is_used_set_up_and_left_running(
    project: Project, own_redis: int
) -> None:
    project.write(MATRIX)
    assert project.run(provided={"redis": ("127.0.0.1", own_redis)}) == 0
    assert f"service redis starting: provided, port {own_redis}" in project.output
    assert project.seen("unit/redis")["REDIS_URL"] == f"redis://127.0.0.1:{own_redis}/0"
    result = project.result("unit/redis")
    assert result["matrixgen.status"] == "passed"
    assert result["matrixgen.service.redis"] == f"provided 127.0.0.1:{own_redis}"
    assert "matrixgen.service.redis" not in project.result("unit/memory")
    seeded = subprocess.run(["redis-cli", "-p", str(own_redis), "get", "seeded"],
                            capture_output=True, text=True, check=True)  # fmt: skip
    assert seeded.stdout.strip() == "yes"  # its setup ran against the provided server
    assert not port_is_free(own_redis)  # and the run left it running


def test_without_provided_the_same_cell_starts_its_own_service(project: Project) -> None:
    project.write(MATRIX)
    assert project.run("unit/redis") == 0
    assert project.result("unit/redis")["matrixgen.service.redis"] == "native"


def test_a_provided_service_that_does_not_answer_fails_its_cells_not_the_run(
    project: Project,
) -> None:
    # `ready: log:` cannot watch a server the run did not start: the port is probed instead.
    # (Replaced in the written file: MATRIX names its service block SERVICES_REDIS.)
    project.write(MATRIX)
    written = (project.root / "matrix.yaml").read_text()
    changed = written.replace('ready: {tcp: "127.0.0.1:${port}"}', 'ready: {log: "Ready"}')
    changed = changed.replace("timeout: 20s", "timeout: 1s")
    assert changed.count('ready: {log: "Ready"}') == 1 and "timeout: 1s" in changed
    (project.root / "matrix.yaml").write_text(changed)
    port = free_port()
    assert project.run(provided={"redis": ("127.0.0.1", port)}) == 1
    failed = project.result("unit/redis")
    assert failed["matrixgen.status"] == "error"
    assert f"connect 127.0.0.1:{port}" in failed["matrixgen.reason"]
    assert project.result("unit/memory")["matrixgen.status"] == "passed"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--provided", "redis"], "expected NAME=PORT or NAME=HOST:PORT"),
        (["--provided", "redis=99999"], "with a port 1-65535, got 'redis=99999'"),
        (["--provided", "redis=1", "--provided", "redis=2"], "service redis is given twice"),
        (["--provided", "rediss=6379"], "unknown service 'rediss' (did you mean 'redis'?)"),
    ],
    ids=["no-port", "port-range", "twice", "unknown"],
)
def test_a_provided_option_that_cannot_work_is_a_usage_error(
    project: Project, args: list[str], message: str
) -> None:
    project.write(MATRIX)
    process = project.cli(*args)
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 2, output
    assert message in output
    assert "Traceback" not in output
    assert not (project.root / "results").exists()


def test_a_host_may_be_given() -> None:
    assert parse_provided(["redis=6379", "db=10.0.0.5:5432"]) == {
        "redis": ("127.0.0.1", 6379),
        "db": ("10.0.0.5", 5432),
    }


def test_run_help_names_the_option() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "matrixgen", "run", "--help"],
        capture_output=True, text=True, env=dict(os.environ), check=True,
    )  # fmt: skip
    assert "--provided NAME=[HOST:]PORT" in done.stdout
