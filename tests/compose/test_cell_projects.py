"""matrixgen brings down the compose project of a cell whose tests run in a container,
however the cell ends: passed, timed out, or interrupted with Ctrl-C.

The fixture's run lines only `docker compose run --rm tester`; its `hangs` tester never
ends. `compose_engine` fails the test when any container, network or volume is left.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support.cli import process

pytestmark = [pytest.mark.services, pytest.mark.slow]


def _containers(env: dict[str, str], profile: str) -> list[str]:
    """The containers of the projects a run made of the profile named `profile`: its name
    and the run's token, `PROFILE-0123456789ab` (see `ledger.compose_name`)."""
    done = subprocess.run(
        ["docker", "ps", "-a", "--format",
         '{{.Label "com.docker.compose.project"}} {{.Names}} {{.Status}}'],
        env=env, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    run_project = re.compile(re.escape(profile) + r"-[0-9a-f]{12}")
    return [
        line.partition(" ")[2]
        for line in done.stdout.splitlines()
        if run_project.fullmatch(line.partition(" ")[0])
    ]


def test_each_cell_project_goes_down_after_a_pass_and_a_timeout_with_results_elsewhere(
    sleeper: Path, tmp_path: Path, engine_turn: None, compose_engine: dict[str, str]
) -> None:
    elsewhere = tmp_path / "elsewhere"
    run = process(sleeper, "run", "--results", str(elsewhere), env=compose_engine)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "could not clean up" not in run.stdout + run.stderr
    # The tester wrote through the mount of MATRIXGEN_RESULTS: --results, not ./results.
    assert not (sleeper / "results").exists()
    report = process(sleeper, "report", str(elsewhere), "--json", "-")
    cells = {c["id"]: c for c in json.loads(report.stdout)["cells"]}
    assert cells["component/writes"]["status"] == "passed"
    assert cells["component/writes"]["tests"]["passed"] == 1
    assert cells["component/hangs"]["status"] == "error"
    assert cells["component/hangs"]["reason"].startswith("timed out after 20s")
    for cell in ("writes", "hangs"):
        assert _containers(compose_engine, f"sleeper-component-{cell}") == []


def test_ctrl_c_brings_the_running_cell_project_down(
    sleeper: Path, engine_turn: None, compose_engine: dict[str, str]
) -> None:
    run = subprocess.Popen(
        [sys.executable, "-m", "matrixgen", "-C", str(sleeper), "run", "component/hangs"],
        env=compose_engine, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not any(
            "tester" in line and " Up " in f" {line} "
            for line in _containers(compose_engine, "sleeper-component-hangs")
        ):
            assert time.monotonic() < deadline, "the tester never came up"
            assert run.poll() is None, run.communicate()[0]
            time.sleep(0.3)
        os.kill(run.pid, signal.SIGINT)
        output, _ = run.communicate(timeout=60)
    finally:
        if run.poll() is None:  # pragma: no cover - only when the test already failed
            run.kill()
            run.communicate()
    assert run.returncode == 130, output
    assert "could not clean up" not in output
    assert _containers(compose_engine, "sleeper-component-hangs") == []
    assert list((sleeper / "results").glob(".matrixgen/run-*.json")) == [], "a ledger was kept"
