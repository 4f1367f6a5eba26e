"""A forged or stale ledger harms nothing (issue 19, item 2): `matrixgen clean`, and the
clean at the start of every `matrixgen run`, stop only processes that carry the dead run's
marker in an environment they show or hold its badge; a ledger that is not what matrixgen
writes is one line, ignored, and never a traceback nor in the way of the next run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tracemalloc
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import pytest

from matrixgen.probe import probe_until
from matrixgen.run import clean_results
from matrixgen.run.ledger import FOLDER, ledger_path
from matrixgen.run.processes import free_port
from tests.run.conftest import Project
from tests.run.forged import forge, ledger
from tests.run.test_leftovers import QUICK
from tests.run.test_signals import listeners

pytestmark = [pytest.mark.services, pytest.mark.usefixtures("services_installed")]

IGNORED = "ignored it (delete it to silence this)"


@pytest.fixture
def strangers(tmp_path: Path) -> Iterator[list[psutil.Process]]:
    """Processes no matrixgen started whose environment reads empty: a shell started with
    `env -i` and its child, and a redis-server started as anyone starts it (redis writes its
    title over its environment)."""
    shell = psutil.Popen(["env", "-i", "sh", "-c", "sleep 300 & wait"], start_new_session=True)
    port = free_port()
    redis = psutil.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        probe_until(lambda: listeners({port}) or 1 / 0, timeout=10)
        (child,) = probe_until(lambda: shell.children() or 1 / 0, timeout=10)
        found = [shell, child, redis]
        # What made clean kill them: the shell's and redis's environment read empty, and the
        # child went with its parent's process tree.
        assert [shell.environ(), redis.environ()] == [{}, {}]
        yield found
    finally:
        for process in (shell, *shell.children(), redis):
            process.kill()
        for process in (shell, redis):
            process.wait()


def notes(output: str) -> list[str]:
    """The lines of a run's plain progress, without their times (`[   0.0s] `)."""
    return [line.partition("] ")[2] for line in output.splitlines()]


def alive(processes: list[psutil.Process]) -> bool:
    """Each still runs, the very process (same pid, same start time)."""
    return all(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in processes)


def test_a_forged_ledger_stops_none_of_the_strangers_it_names(
    project: Project, strangers: list[psutil.Process]
) -> None:
    results = project.root / "results"
    project.write(QUICK)
    me = psutil.Process()
    named = [(p.pid, p.create_time()) for p in strangers]

    def forged() -> str:
        """A ledger of a dead run naming each stranger with its right pid and start time."""
        path = forge(results, pid=me.pid, created=1.0, processes=named)
        run_id = path.stem.removeprefix("run-")
        spared = ", ".join(f"{p.name()} (pid {p.pid})" for p in strangers)
        return (
            f"cleaned up after run {run_id[:8]} (pid {me.pid}, no longer running): "
            f"left running {spared}: nothing shows this run started them"
        )

    line = forged()
    done = project.matrixgen("clean")
    assert (done.returncode, done.stdout, done.stderr) == (0, line + "\n", "")
    assert alive(strangers)
    line = forged()
    assert project.run() == 0, project.output
    assert line in notes(project.output)
    assert "PASSED component/slow" in project.output
    assert alive(strangers)
    assert list((results / FOLDER).iterdir()) == [results / FOLDER / "lock"]


def _junk(results: Path) -> dict[Path, tuple[str, str]]:
    """Ledgers that are not what matrixgen writes: path -> (content, why it is refused)."""

    def written(**fields: object) -> Callable[[str], str]:
        return lambda run_id: json.dumps(ledger(results, run_id, **fields))

    not_a_pid = "is not the pid of a process matrixgen starts"
    cases: list[tuple[Callable[[str], str], str]] = [
        (written(pid=pid), f"pid {json.dumps(pid)} {not_a_pid}")
        for pid in (-1, 0, -5, 1, 2**63, 10**30, "4242", True, 5.0, None)
    ]
    cases += [
        (written(processes=[{"pid": -5, "created": 1.0, "what": "x"}]),
         f"processes[0].pid -5 {not_a_pid}"),
        (written(processes=[[[[[["deep"]]]]]]), "processes[0] is not an object"),
        (written(processes={"pid": 3}), "processes is not a list"),
        (written(folders=[{"path": "/"}]),
         'folders[0] {"path": "/"} is not a string of 1 to 4096 characters'),
        (written(folders=["/tmp/a\0b"]),
         'folders[0] "/tmp/a\\u0000b" is not a string of 1 to 4096 characters'),
        (written(created=float("nan")), "created NaN is not a start time"),
        (written(extra=1), 'the ledger has an unknown key "extra"'),
        (written(version=1), "version 1, not 2"),
        (written(marker="MATRIXGEN_RUN_0123456789ABCDEF"),
         'marker "MATRIXGEN_RUN_0123456789ABCDEF" is not its run\'s in this folder'),
        (lambda _run_id: json.dumps(ledger(results, "0" * 32)),
         f'run "{"0" * 32}" is not the id in its file name'),
        (lambda _run_id: "[" * 200_000 + "]" * 200_000, "it is not JSON"),
        (lambda _run_id: "", "it is not JSON"),
        (lambda _run_id: "[]", "the ledger is not an object"),
    ]  # fmt: skip
    junk = {}
    for content, why in cases:
        run_id = uuid.uuid4().hex
        junk[ledger_path(results, run_id)] = (content(run_id), why)
    return junk


def test_a_ledger_matrixgen_did_not_write_is_one_line_and_no_obstacle(project: Project) -> None:
    results = project.root / "results"
    (results / FOLDER).mkdir(parents=True)
    junk = _junk(results)
    for path, (content, _why) in junk.items():
        path.write_text(content)
    expected = [f"{path}: not a ledger matrixgen wrote ({why}); {IGNORED}"
                for path, (_content, why) in sorted(junk.items())]  # fmt: skip
    project.write(QUICK)
    done = project.matrixgen("clean")
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.splitlines() == expected
    assert project.run() == 0, project.output  # ignored, not in the way
    assert "PASSED component/slow" in project.output
    assert all(line in notes(project.output) for line in expected)
    assert project.run() == 0, project.output  # and the next run too
    assert all(path.exists() for path in junk)  # not matrixgen's: not deleted either


def test_a_ledger_that_is_no_file_neither_hangs_nor_fills_memory(
    tmp_path: Path, quick: None
) -> None:
    folder = tmp_path / "results" / FOLDER
    folder.mkdir(parents=True)
    fifo, zero, big = (ledger_path(tmp_path / "results", uuid.uuid4().hex) for _ in range(3))
    os.mkfifo(fifo)  # opened plainly, it blocks until a writer comes
    zero.symlink_to("/dev/zero")  # read plainly, it fills memory
    with big.open("wb") as handle:
        handle.truncate(100 * 2**20)
    tracemalloc.start()
    try:
        lines: list[str] = []
        assert clean_results(tmp_path / "results", os.environ, lines.append, root=tmp_path) == 0
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2**20
    whys = {fifo: "it is a named pipe (FIFO)", zero: "it is a symbolic link",
            big: "the file is 100.0 MiB"}  # fmt: skip
    assert len(lines) == 3
    for line, path in zip(lines, sorted(whys), strict=True):
        assert line.startswith(f"{path}: not a ledger matrixgen wrote ({whys[path]}")
        assert line.endswith(f"); {IGNORED}")


def test_a_run_into_a_folder_with_a_ledger_of_pid_minus_one_works(project: Project) -> None:
    """`matrixgen run` end to end: a ledger of pid -1 is one line, and the run goes on (the
    attack round found a ValueError traceback there, and every later run blocked)."""
    results = project.root / "results"
    project.write(QUICK)
    path = forge(results, pid=os.getpid(), created=1.0)
    data = json.loads(path.read_text())
    data["pid"] = -1
    path.write_text(json.dumps(data))
    done = subprocess.run(
        [sys.executable, "-m", "matrixgen", "-C", str(project.root), "run"],
        env=project.env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    why = "pid -1 is not the pid of a process matrixgen starts"
    assert f"{path}: not a ledger matrixgen wrote ({why}); {IGNORED}" in done.stdout
