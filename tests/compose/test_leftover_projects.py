"""`matrixgen clean` brings down the compose projects a killed run left, and no other
(issue 19, item 2): not another project's stack, not a `matrixgen-*` name a ledger made up,
not the cell's profile brought up by hand, not a stack whose name a ledger derived right but
whose containers come from files outside the project. `compose_engine` fails a test that
leaves any container, network or volume."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psutil
import pytest
from engine_tools import compose
from support.cli import process

from matrixgen.run.ledger import badge_path, compose_name, ledger_path, run_marker
from matrixgen.run.processes import ours

pytestmark = [pytest.mark.services, pytest.mark.slow]

# Another project's stack: a container and a named volume, brought up by hand.
STACK = """\
services:
  app:
    image: matrixgen/debian-services:bookworm
    command: [sleep, infinity]
    stop_signal: SIGKILL
    volumes: [data:/data]
volumes:
  data:
"""


RUN_PROJECT = r"sleeper-component-hangs-[0-9a-f]{12}"  # the profile's name, the run's token
UP = ["running", "running", "volume"]


def docker(env: dict[str, str], *args: str) -> list[str]:
    done = subprocess.run(["docker", *args], env=env, capture_output=True, text=True,
                          timeout=120, check=True)  # fmt: skip
    return done.stdout.split()


def project_of(env: dict[str, str], project: str) -> list[str]:
    """The states of its containers, then `volume` for each of its volumes."""
    label = f"label=com.docker.compose.project={project}"
    states = docker(env, "ps", "-a", "--filter", label, "--format", "{{.State}}")
    return states + ["volume" for _ in docker(env, "volume", "ls", "-q", "--filter", label)]


def test_a_forged_ledger_brings_down_no_stack_it_names(
    sleeper: Path, tmp_path: Path, engine_turn: None, compose_engine: dict[str, str]
) -> None:
    env = compose_engine
    elsewhere = tmp_path / "billing" / "compose.yml"
    elsewhere.parent.mkdir()
    elsewhere.write_text(STACK)
    inside = sleeper / "testing" / "component" / "compose" / "app.yml"
    profile = sleeper / "testing" / "component" / "profiles" / "hangs.yml"
    run_id = uuid.uuid4().hex
    # A name derived right from this project, the ledger's run and a file inside the project,
    # taken by a stack whose containers come from a file outside it.
    derived = compose_name("matrixgen-app", sleeper, run_id, inside)
    by_hand = {"billing": elsewhere, "matrixgen-kafka-12345": elsewhere, derived: elsewhere}
    me = psutil.Process()
    try:
        for project, file in by_hand.items():
            docker(env, "compose", "-p", project, "-f", str(file), "up", "-d")
        # The cell's profile, as its comment says to run it by hand: the project its `name:`
        # gives, sleeper-component-hangs.
        results = {**env, "MATRIXGEN_RESULTS": str(tmp_path / "mine")}
        up = compose(profile, "up", "-d", "app", env=results)
        assert up.returncode == 0, up.stderr
        stacks = [*by_hand, "sleeper-component-hangs"]
        assert [project_of(env, p) for p in stacks] == [["running", "volume"]] * 4
        entries = [("billing", elsewhere), ("matrixgen-kafka-12345", inside),
                   ("sleeper-component-hangs", profile), (derived, inside)]  # fmt: skip
        folder = sleeper / "results"
        path = ledger_path(folder, run_id)
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps({
            "version": 2, "run": run_id, "marker": run_marker(run_id, folder), "pid": me.pid,
            "created": 1.0, "processes": [], "folders": [],
            "compose": [{"project": p, "file": str(f)} for p, f in entries],
        }))  # fmt: skip
        done = process(sleeper, "clean", env=env)
        assert (done.returncode, done.stderr) == (1, "")
        refused = "not a name this run gave a compose project"
        assert done.stdout.splitlines() == [
            f"cleaned up after run {run_id[:8]} (pid {me.pid}, no longer running): "
            "nothing of it was left",
            f"  could not clean: compose project billing (its compose file {elsewhere} is not "
            f"inside this project); compose project matrixgen-kafka-12345 ({refused}); "
            f"compose project sleeper-component-hangs ({refused}); compose project {derived} "
            f"(its containers come from {elsewhere}, not this project); its ledger {path} is kept",
        ]
        # and the clean that starts a run leaves them too
        ran = process(sleeper, "run", "component/writes", env=env)
        assert ran.returncode == 0, ran.stdout + ran.stderr
        assert "its ledger" in ran.stdout
        assert [project_of(env, p) for p in stacks] == [["running", "volume"]] * 4
    finally:
        for project, file in by_hand.items():
            docker(env, "compose", "-p", project, "-f", str(file), "down", "--volumes")
        compose(profile, "down", "--volumes", env={**env, "MATRIXGEN_RESULTS": "/tmp"})


def test_a_killed_run_is_cleaned_up_completely(
    sleeper: Path, engine_turn: None, compose_engine: dict[str, str]
) -> None:
    """SIGKILL the run while its cell's tester runs: the cell's processes, the run's scratch
    folder and the cell's compose project (containers, network, volume) are left, and the
    next `matrixgen clean` removes every one of them."""
    env = compose_engine
    run = subprocess.Popen(
        [sys.executable, "-m", "matrixgen", "-C", str(sleeper), "run", "component/hangs"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        while True:
            names = docker(env, "ps", "--format", '{{.Label "com.docker.compose.project"}}')
            projects = [n for n in names if re.fullmatch(RUN_PROJECT, n)]
            if projects and project_of(env, projects[0]) == UP:  # app, tester, volume
                break
            assert time.monotonic() < deadline, "the tester never came up"
            assert run.poll() is None, run.communicate()[0]
            time.sleep(0.3)
        os.kill(run.pid, signal.SIGKILL)
        run.communicate(timeout=30)
    finally:
        if run.poll() is None:  # pragma: no cover - only when the test already failed
            run.kill()
            run.communicate()
    (project,) = set(projects)
    (path,) = (sleeper / "results" / ".matrixgen").glob("run-*.json")
    ledger = json.loads(path.read_text())
    folders = [Path(f) for f in ledger["folders"]]
    left = [f"{p.name()} (pid {p.pid})" for p in ours(ledger["marker"])]
    assert any(name.startswith("docker") for name in left), left  # the cell's `compose run`
    assert folders and all(f.is_dir() for f in folders)
    assert project_of(env, project) == UP
    done = process(sleeper, "clean", env=env)
    assert (done.returncode, done.stderr) == (0, ""), done.stdout
    (line,) = done.stdout.splitlines()
    assert line.startswith(f"cleaned up after run {ledger['run'][:8]} (pid {run.pid}, no ")
    # Named: the cell's `docker` client (`docker compose run`), which lives as long as its
    # tester. A shell around it, or the compose plugin, may end on its own between the
    # snapshot above and `clean`; whatever is left, nothing with the run's marker survives.
    assert any(name in line for name in left if name.startswith("docker (")), (left, line)
    assert f"compose project {project} down" in line
    assert all(f"removed {f}" in line for f in folders)
    assert project_of(env, project) == []
    assert ours(ledger["marker"]) == [] and not any(f.exists() for f in folders)
    assert not path.exists() and not badge_path(path).exists()
