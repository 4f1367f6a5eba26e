"""The portable platform (Windows' code path) run on Linux: MATRIXGEN_PLATFORM=portable.

Nothing here runs on real Windows; what is exercised is the code Windows takes: no process
groups (a process tree stopped through psutil), no fcntl (lock files), no POSIX-only
signals, sh found on PATH, output pipes read by threads."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from matrixgen.probe import probe_until
from matrixgen.run import platform
from matrixgen.run.platform import Lock, Platform, _FileLock, choose
from tests.run.conftest import Project, tagged
from tests.run.test_signals import LONG, assert_stopped_cleanly, running, the_cell_runs

PORTABLE = {platform.VARIABLE: "portable"}


@pytest.fixture
def portable(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """This process on the portable platform (and its `matrixgen run` children)."""
    monkeypatch.setenv(platform.VARIABLE, "portable")
    platform.current.cache_clear()
    yield
    monkeypatch.delenv(platform.VARIABLE)
    platform.current.cache_clear()


def test_the_platform_is_chosen_by_sys_platform_unless_overridden() -> None:
    assert choose({}, "linux").name == "posix"
    assert choose({}, "darwin").name == "posix"
    assert choose({}, "win32").name == "portable"
    assert choose(PORTABLE, "linux").name == "portable"
    assert choose({platform.VARIABLE: "posix"}, "win32").name == "posix"
    assert choose({platform.VARIABLE: "bogus"}, "linux").name == "posix"


def test_portable_stop_signals_exist_on_windows() -> None:
    names = {s.name for s in Platform("portable").stop_signals}
    assert names <= {"SIGINT", "SIGTERM", "SIGBREAK"} and {"SIGINT", "SIGTERM"} <= names
    assert {s.name for s in Platform("posix").stop_signals} == {
        "SIGHUP", "SIGINT", "SIGQUIT", "SIGTERM"
    }  # fmt: skip


HOLDER = """\
import sys
from pathlib import Path
from matrixgen.run.platform import _FileLock
taken = _FileLock.take(Path(sys.argv[1]), wait=False)
print("taken" if not isinstance(taken, str) else "held by " + taken, flush=True)
sys.stdin.read()
"""


def _holder(path: Path) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    assert process.stdout.readline() == "taken\n"
    return process


def test_a_lock_file_excludes_a_live_holder_and_is_taken_over_from_a_dead_one(
    tmp_path: Path,
) -> None:
    path = tmp_path / "lock"
    holder = _holder(path)
    try:
        assert _FileLock.take(path, wait=False) == str(holder.pid)  # held: its pid
    finally:
        holder.kill()  # as SIGKILL or TerminateProcess: nothing removes the file
        holder.communicate()
    assert path.exists()
    mine = _FileLock.take(path, wait=False)
    assert isinstance(mine, Lock)
    assert list(tmp_path.iterdir()) == [path]  # the dead holder's file, renamed aside, is gone
    mine.release()
    assert not path.exists()


def test_a_lock_file_excludes_threads_of_one_process(tmp_path: Path) -> None:
    path = tmp_path / "lock"
    first = _FileLock.take(path, wait=False)
    assert isinstance(first, Lock)
    assert _FileLock.take(path, wait=False) == str(psutil.Process().pid)
    first.release()
    with Platform("portable").locked(path):
        assert path.exists()
    assert not path.exists()


def test_a_planted_link_is_no_lock(tmp_path: Path) -> None:
    (tmp_path / "elsewhere").write_text("1 2 3\n")
    (tmp_path / "lock").symlink_to(tmp_path / "elsewhere")
    taken = _FileLock.take(tmp_path / "lock", wait=False)
    assert isinstance(taken, Lock)
    assert (tmp_path / "elsewhere").read_text() == "1 2 3\n"  # written through: never
    taken.release()


@pytest.mark.services
@pytest.mark.usefixtures("services_installed", "portable")
def test_a_portable_run_with_a_service(project: Project) -> None:
    project.write(LONG.replace('"120"', '"0"'))
    done = project.matrixgen("run", "-j", "2")
    assert done.returncode == 0, done.stdout + done.stderr
    assert project.result("component/slow")["matrixgen.status"] == "passed"
    # `project` checks afterwards that nothing under its tag runs and the port is free.


@pytest.mark.services
@pytest.mark.usefixtures("services_installed", "portable")
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=lambda s: s.name)
def test_a_portable_run_stopped_leaves_nothing_running(project: Project, signum: int) -> None:
    project.write(LONG)
    run = project.cli()
    try:
        probe_until(lambda: the_cell_runs(project, run), timeout=60)
        # Not started in a session of their own: the cell and the service are in the
        # run's process group, and only psutil's walk of each tree stops them.
        assert all(psutil.Process(run.pid).children(recursive=True))
        run.send_signal(signum)
        output, _ = run.communicate(timeout=60)
    finally:
        if run.poll() is None:
            run.kill()
    assert run.returncode == 130, output
    assert f"{signal.Signals(signum).name}: stopping every cell and service" in output
    assert "Traceback" not in output
    assert_stopped_cleanly(project)
    assert running(project) == []


# A service whose environment stays readable: without a badge (no descriptor passing on
# Windows), what proves that a process is a dead run's is the marker in its environment,
# and redis overwrites its own (its title goes there).
SERVED = """\
    version: 1
    services:
      web:
        process:
          command: [PYTHON, -m, http.server, --bind, 127.0.0.1, "${port}"]
          ready: {http: "http://127.0.0.1:${port}/"}
          timeout: 20s
    levels:
      component:
        services: [web]
        env: {CELL_SECONDS: "DURATION"}
        run: PROGRAM pass
"""


@pytest.mark.usefixtures("portable")
def test_a_portable_run_killed_is_cleaned_by_the_next(project: Project) -> None:
    """SIGKILL: nothing of the run stops anything; the next run finds what it left by its
    ledger and marker, and takes over its results lock file (its holder is dead)."""
    served = SERVED.replace("PYTHON", sys.executable)
    project.write(served.replace("DURATION", "120"))
    run = project.cli()
    try:

        def both_run() -> None:
            assert (project.records / "started-component-component").exists()
            assert len(tagged(project.tag)) >= 3  # the service, the cell's sh and python

        probe_until(both_run, timeout=60)
        run.kill()
        run.communicate()
    finally:
        if run.poll() is None:
            run.kill()
    assert tagged(project.tag)  # killed: its children were left running
    assert (project.root / "results" / ".matrixgen" / "lock").exists()
    project.write(served.replace("DURATION", "0"))
    again = project.matrixgen("run")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "stopped what an earlier run left" in again.stdout + again.stderr or not tagged(
        project.tag
    )
    assert tagged(project.tag) == []
