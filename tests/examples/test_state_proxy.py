"""The bundled example's whole local matrix through `matrixgen run`, against real emulators.

Every cell but k8s must pass, e2e included (the proxy as a container on the real Docker
engine, beside native emulators); the k8s cell must pass where kind and kubectl are on PATH
and be skipped where they are not (here); no process the run started (services, launchers,
epmd) may outlive it, nor any container, network or volume.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import psutil
import pytest

EMULATORS = (
    "moto_server",
    "redis-server",
    "/usr/lib/rabbitmq/bin/rabbitmq-server",
    "epmd",
    "/usr/lib/google-cloud-sdk/platform/pubsub-emulator/bin/cloud-pubsub-emulator",
)

pytestmark = pytest.mark.services


def tagged(tag: str) -> list[psutil.Process]:
    """Live processes whose environment carries `tag`: everything the run started."""
    found = []
    for process in psutil.process_iter():
        try:
            if process.environ().get("STATE_PROXY_EXAMPLE_TEST") == tag:
                found.append(process)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return found


@pytest.fixture
def example_ready(require_binary: object) -> None:
    for binary in EMULATORS:
        require_binary(binary)  # type: ignore[operator]
    if importlib.util.find_spec("state_proxy") is None:
        message = "the example is not installed: pip install -e 'examples/state-proxy[test]'"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.mark.slow
@pytest.mark.usefixtures("example_ready")
def test_the_whole_local_matrix_passes_and_leaves_nothing_running(
    tmp_path: Path, compose_engine: dict[str, str], example_copy: Path
) -> None:
    tag = uuid.uuid4().hex
    env = {**compose_engine, "STATE_PROXY_EXAMPLE_TEST": tag}
    env.pop("MATRIXGEN_NAMESPACE", None)
    results = tmp_path / "results"
    matrixgen = [sys.executable, "-m", "matrixgen", "-C", str(example_copy)]

    run = subprocess.run(
        [*matrixgen, "run", "-j", "2", "--services", "native", "--results", str(results)],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    leftovers = tagged(tag)
    for process in leftovers:  # clean up before asserting, so a failure leaks nothing
        process.kill()
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    assert not leftovers, [" ".join(p.cmdline()) for p in leftovers if p.is_running()]

    report_file = tmp_path / "report.json"
    report = subprocess.run(
        [
            *matrixgen,
            "report",
            str(results),
            "--docs",
            str(tmp_path / "table.md"),
            "--json",
            str(report_file),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert report.returncode == 0, report.stdout + report.stderr
    cells = [c for c in json.loads(report_file.read_text())["cells"] if c["status"] != "excluded"]
    run_cells = {c["id"]: c for c in cells if c["level"] != "k8s"}
    k8s_cells = [c for c in cells if c["level"] == "k8s"]

    assert len(run_cells) == 19 and len(k8s_cells) == 1
    assert {i: c["status"] for i, c in run_cells.items()} == dict.fromkeys(run_cells, "passed"), [
        (i, c["reason"]) for i, c in run_cells.items() if c["status"] != "passed"
    ]
    assert all(c["tests"]["passed"] > 0 and c["tests"]["skipped"] == 0 for c in run_cells.values())
    for cell in k8s_cells:  # runs where kind and kubectl are (GitHub's Ubuntu runners)
        if shutil.which("kind") and shutil.which("kubectl"):
            assert cell["status"] == "passed", cell["reason"]
        else:
            assert cell["status"] == "skipped"
            assert "is not on PATH" in cell["reason"]
    table = (tmp_path / "table.md").read_text()
    assert "| Redis | CAS | ✅ | ✅ | ✅ (sqs-redis) |" in table
