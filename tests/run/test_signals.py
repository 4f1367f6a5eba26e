"""Every way of being asked to stop (SIGHUP, SIGINT, SIGQUIT, SIGTERM, a closed terminal)
stops every cell and service of a real `matrixgen run`, which then exits 130."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys

import psutil
import pytest

from matrixgen.probe import probe_until
from tests.run.conftest import Project, tagged

pytestmark = [pytest.mark.services, pytest.mark.usefixtures("services_installed")]

LONG = """\
    version: 1
    axes:
      speed: [slow]
    services:
    SERVICES_REDIS
    levels:
      component:
        axes: [speed]
        services: [redis]
        env: {CELL_SECONDS: "120"}
        run: PROGRAM pass
"""

# Makes the pty its controlling terminal, then becomes `matrixgen run`: closing the pty's
# master side is then what closing a terminal window or losing an ssh connection is.
ON_A_TERMINAL = (
    "import fcntl, os, sys, termios; fcntl.ioctl(0, termios.TIOCSCTTY, 0); "
    "os.execv(sys.executable, [sys.executable, '-m', 'matrixgen', *sys.argv[1:]])"
)


def running(project: Project) -> list[str]:
    """What is left of the run: processes under the test's tag, and whatever listens on the
    service ports the cell saw (redis overwrites its environment, tag included)."""
    found = {p.pid: p for p in tagged(project.tag)}
    found.update((p.pid, p) for p in listeners(project.ports()))
    return sorted(p.name() for p in found.values())


def listeners(ports: set[int]) -> list[psutil.Process]:
    pids = {
        c.pid for c in psutil.net_connections("tcp")
        if c.status == psutil.CONN_LISTEN and c.laddr and c.laddr.port in ports and c.pid
    }  # fmt: skip
    return [psutil.Process(pid) for pid in pids]


def the_cell_runs(project: Project, run: subprocess.Popen[str] | subprocess.Popen[bytes]) -> None:
    assert (project.records / "started-component-slow").exists()
    assert "redis-server" in running(project)
    assert run.poll() is None


def assert_stopped_cleanly(project: Project) -> None:
    assert running(project) == []
    results = project.root / "results"
    assert not (results / "component" / "slow.xml").exists()  # no result rather than a false one
    assert list((results / ".matrixgen").glob("run-*.json")) == []  # its ledger is gone


@pytest.mark.parametrize(
    "signum", [signal.SIGHUP, signal.SIGINT, signal.SIGQUIT, signal.SIGTERM], ids=lambda s: s.name
)
def test_each_stop_signal_stops_every_cell_and_service(project: Project, signum: int) -> None:
    project.write(LONG)
    run = project.cli()
    try:
        probe_until(lambda: the_cell_runs(project, run), timeout=60)
        run.send_signal(signum)
        output, _ = run.communicate(timeout=30)
    finally:
        if run.poll() is None:
            run.kill()
    assert run.returncode == 130, output
    assert f"{signal.Signals(signum).name}: stopping every cell and service" in output
    assert "INTERRUPTED component/slow" in output
    assert "service redis stopped" in output
    assert "0 interrupted" not in output and "1 interrupted in" in output
    assert "Traceback" not in output
    assert_stopped_cleanly(project)


def test_closing_its_terminal_stops_everything(project: Project) -> None:
    project.write(LONG)
    master, slave = os.openpty()
    run = subprocess.Popen(
        [sys.executable, "-c", ON_A_TERMINAL, "-C", str(project.root), "run"],
        stdin=slave, stdout=slave, stderr=slave, env=project.env, start_new_session=True,
    )  # fmt: skip
    os.close(slave)
    seen = b""
    try:

        def started() -> None:
            nonlocal seen
            # Read what it shows (its live view), or it would block on a full terminal.
            while select.select([master], [], [], 0.05)[0]:
                seen += os.read(master, 65536)
            the_cell_runs(project, run)

        probe_until(started, timeout=60)
        os.close(master)  # the terminal is gone: the kernel sends SIGHUP, writes fail with EIO
        master = -1
        code = run.wait(timeout=30)
    finally:
        if master >= 0:
            os.close(master)
        if run.poll() is None:
            run.kill()
            run.wait()
    assert b"1 cells, services: redis (native)" in seen  # it wrote to the terminal
    assert code == 130
    assert_stopped_cleanly(project)


def test_a_signal_during_an_in_process_run(project: Project) -> None:
    """run_cells called as a library: the handlers are there while it runs, and gone after."""
    project.write(LONG.replace("run: PROGRAM pass", "run: kill -QUIT $PPID; sleep 120"))
    before = signal.getsignal(signal.SIGQUIT)
    assert project.run() == 130, project.output
    assert "SIGQUIT: stopping every cell and service" in project.output
    assert "INTERRUPTED component/slow" in project.output
    assert "service redis stopped" in project.output
    assert signal.getsignal(signal.SIGQUIT) == before
