"""After `matrixgen run` is killed with SIGKILL, its ledger lets `matrixgen clean`, or the next
run into the same results folder, stop what it left and remove its data folders."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

import psutil
import pytest

from matrixgen.probe import probe_until
from matrixgen.run import clean_results
from matrixgen.run.ledger import OWNER, badge_path
from matrixgen.run.processes import holds
from tests.run.conftest import Project
from tests.run.forged import forge
from tests.run.test_signals import LONG, listeners, running

pytestmark = [pytest.mark.services, pytest.mark.usefixtures("services_installed")]

QUICK = LONG.replace('env: {CELL_SECONDS: "120"}', 'env: {CELL_SECONDS: "0"}')


def killed_run(project: Project) -> dict[str, object]:
    """A run with redis and a 120 s cell, killed with SIGKILL once the cell runs; its ledger."""
    project.write(LONG)
    run = project.cli()
    try:

        def the_cell_runs() -> None:
            assert (project.records / "started-component-slow").exists()
            assert "redis-server" in running(project)

        probe_until(the_cell_runs, timeout=60)
        run.send_signal(signal.SIGKILL)
        run.communicate(timeout=30)
    finally:
        if run.poll() is None:
            run.kill()
    (ledger,) = (project.root / "results" / ".matrixgen").glob("run-*.json")
    data: dict[str, object] = json.loads(ledger.read_text())
    data["path"] = ledger
    return data


def assert_left(project: Project, ledger: dict[str, object]) -> list[Path]:
    """What the dead run left: redis, the cell, their data folders."""
    left = running(project)
    assert "redis-server" in left and "python" in left and "sh" in left
    folders = [Path(str(f)) for f in ledger["folders"]]  # type: ignore[attr-defined]
    assert len(folders) == 2  # redis's data folder and the run's own scratch folder
    assert all(f.is_dir() and (f / OWNER).read_text() == ledger["run"] for f in folders)
    whats = sorted(str(p["what"]) for p in ledger["processes"])  # type: ignore[attr-defined]
    assert whats == ["cell component/slow", "process of service redis"]
    # redis wrote its title over its environment, marker included: what proves it is the
    # run's is the badge it still holds open.
    (redis,) = [p for p in listeners(project.ports()) if p.name() == "redis-server"]
    badge = os.stat(badge_path(Path(str(ledger["path"]))))
    assert redis.environ() == {} and holds(redis, (badge.st_dev, badge.st_ino))
    return folders


def assert_nothing_left(project: Project, ledger: dict[str, object], folders: list[Path]) -> None:
    assert running(project) == []
    assert not listeners(project.ports())
    assert not any(f.exists() for f in folders)
    assert not Path(str(ledger["path"])).exists()
    assert not badge_path(Path(str(ledger["path"]))).exists()


def test_clean_stops_what_a_killed_run_left(project: Project) -> None:
    ledger = killed_run(project)
    folders = assert_left(project, ledger)
    done = project.matrixgen("clean")
    assert done.returncode == 0, done.stderr
    line = done.stdout.splitlines()[0]
    run_id, pid = str(ledger["run"]), ledger["pid"]
    assert line.startswith(f"cleaned up after run {run_id[:8]} (pid {pid}, no longer running): ")
    assert "redis-server (pid " in line and "sh (pid " in line and "python (pid " in line
    assert all(f"removed {f}" in line for f in folders)
    assert_nothing_left(project, ledger, folders)
    again = project.matrixgen("clean")
    assert again.returncode == 0
    assert again.stdout.startswith("nothing to clean in ")


def test_the_next_run_cleans_up_first(project: Project) -> None:
    ledger = killed_run(project)
    folders = assert_left(project, ledger)
    project.write(QUICK)
    assert project.run() == 0, project.output
    assert f"cleaned up after run {str(ledger['run'])[:8]} (pid {ledger['pid']}" in project.output
    assert "PASSED component/slow" in project.output
    assert_nothing_left(project, ledger, folders)
    assert list((project.root / "results" / ".matrixgen").glob("run-*.json")) == []


def test_a_ledger_names_only_what_it_may_touch(tmp_path: Path) -> None:
    """A planted ledger cannot make clean kill a stranger or remove a folder it did not make
    (not even through an owner file that is a FIFO); a live run's ledger is left alone."""
    results = tmp_path / "results"
    stranger = subprocess.Popen(["sleep", "60"])
    mine = tmp_path / "matrixgen-precious"
    mine.mkdir()
    (mine / OWNER).write_text("someone else")
    piped = tmp_path / "matrixgen-piped"
    piped.mkdir()
    os.mkfifo(piped / OWNER)  # read as a file, it would block clean forever
    me = psutil.Process()
    try:
        dead_ledger = forge(
            results, pid=stranger.pid, created=1.0,  # its pid, not its start time: dead
            processes=[(stranger.pid, 2.0), (me.pid, me.create_time())],
            folders=[str(mine), str(piped), "/", str(tmp_path / "matrixgen-gone")],
        )  # fmt: skip
        alive = forge(results, pid=me.pid, created=me.create_time())
        lines: list[str] = []
        assert clean_results(results, os.environ, lines.append, root=tmp_path) == 1
        assert stranger.poll() is None and me.is_running()  # pid matches, start time does not;
        # this process matches but is the one cleaning (and lacks the marker)
        assert mine.is_dir() and piped.is_dir() and Path("/").is_dir()
        run_id = dead_ledger.stem.removeprefix("run-")
        assert lines == [
            f"cleaned up after run {run_id[:8]} (pid {stranger.pid}, no longer running): "
            f"left running {me.name()} (pid {me.pid}): nothing shows this run started them",
            f"  could not clean: {mine} (not a data folder this run made); "
            f"{piped} (not a data folder this run made); / (not a data folder this run made); "
            f"its ledger {dead_ledger} is kept",
        ]
        assert alive.exists() and badge_path(alive).exists()  # alive: untouched
    finally:
        stranger.kill()
        stranger.wait()
