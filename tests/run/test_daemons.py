"""Daemons a cell starts do not outlive it: matrixgen is a child subreaper, so they are
re-parented to it, and after each attempt what the finished cell left is stopped, even a
`redis-server --daemonize yes` that overwrote its environment (and the run marker with it)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import psutil
import pytest

from matrixgen.probe import probe_until
from matrixgen.run.processes import free_port, port_is_free
from matrixgen.run.reaper import Orphan, left_by_finished_cells
from tests.run.conftest import Project
from tests.run.test_signals import listeners

pytestmark = [pytest.mark.services, pytest.mark.usefixtures("services_installed")]

# A daemon the classic way, keeping its environment: fork, setsid, fork, the parents exit.
DOUBLE_FORK = (
    "import os, time\n"
    "if os.fork() == 0:\n"
    "    os.setsid()\n"
    "    if os.fork() == 0:\n"
    "        open(os.environ['CELL_RECORDS'] + '/daemon.pid', 'w').write(str(os.getpid()))\n"
    "        time.sleep(300)\n"
    "    os._exit(0)\n"
    "os.wait()\n"
)


def daemon_redis(port: int, folder: Path) -> str:
    return (
        f"redis-server --port {port} --bind 127.0.0.1 --save '' --daemonize yes "
        f"--dir {folder} --pidfile {folder}/redis-{port}.pid"
    )


def test_a_daemon_a_cell_starts_is_stopped_after_it(project: Project, tmp_path: Path) -> None:
    mine, used, kept = free_port(), free_port(), free_port()
    (project.root / "daemon.py").write_text(DOUBLE_FORK)
    project.write(
        f"""\
        version: 1
        axes:
          kind: [redis, forked, user]
        services:
        SERVICES_REDIS
        levels:
          component:
            axes: [kind]
            services: [redis]
            run: PROGRAM pass
        overrides:
          - match: {{kind: redis}}
            run: {daemon_redis(mine, tmp_path)} && PROGRAM pass
          - match: {{kind: forked}}
            run: {sys.executable} daemon.py && PROGRAM pass
          - match: {{kind: user}}
            run: >-
              {daemon_redis(used, tmp_path)} && sleep 2 &&
              redis-cli -p {used} ping > pong.txt && PROGRAM pass
        """
    )
    # Running before the run: not its to stop, though it lives in this process's tree.
    before = psutil.Popen(["redis-server", "--port", str(kept), "--save", ""],
                          start_new_session=True, stdout=-3)  # fmt: skip
    probe_until(lambda: listeners({kept}) or 1 / 0, timeout=10)
    time.sleep(0.2)  # well before the run: start times are in 10 ms ticks
    try:
        assert project.run(jobs=2) == 0, project.output
        assert before.poll() is None
    finally:
        before.terminate()
        before.wait()
    # The user cell's daemon lived on while its cell ran, though another cell ended meanwhile.
    assert (project.root / "pong.txt").read_text().strip() == "PONG"
    stopped = " ".join(
        line for line in project.output.splitlines()
        if "stopped what finished cells left running: " in line
    )  # fmt: skip
    assert stopped.count("redis-server (pid ") == 2  # one of each redis cell
    daemon = int((project.records / "daemon.pid").read_text())
    assert f"python (pid {daemon}, from component/forked)" in stopped
    assert not psutil.pid_exists(daemon) or psutil.Process(daemon).status() == "zombie"
    assert not listeners({mine, used}) and port_is_free(mine) and port_is_free(used)
    assert "service redis stopped" in project.output  # the run's own service, stopped as usual
    assert "killed processes left behind" not in project.output  # nothing was left for teardown


def orphan(created: float, *, marked: bool = False, cell: str = "") -> Orphan:
    return Orphan(psutil.Process(), created, marked, cell)


def test_whose_orphan_is_whose() -> None:
    found = [
        orphan(10.0, marked=True, cell="level/done"),  # its cell ended: stop
        orphan(10.0, marked=True, cell="level/running"),  # its cell still runs: keep
        orphan(10.0, marked=True),  # a service's (epmd): keep until teardown
        orphan(10.0),  # environment overwritten, before every running cell: stop
        orphan(25.0),  # overwritten, after a running cell started: maybe its, keep
        orphan(40.0),  # started while a spawn is under way: not recorded yet, keep
    ]
    chosen = left_by_finished_cells(found, running={"level/running": 20.0}, starting=39.0)
    assert chosen == [found[0], found[3]]
    nothing_runs = left_by_finished_cells(found, running={}, starting=float("inf"))
    assert nothing_runs == [found[0], found[1], found[3], found[4], found[5]]
