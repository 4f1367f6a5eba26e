"""A run owns its results folder: a second run (or `clean`) into it stops at once, naming
the first; another folder (`--results DIR`) works alongside."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from support.cli import Result, invoke

from matrixgen.errors import ResultsFolderError
from matrixgen.probe import probe_until
from matrixgen.run import clean_results
from matrixgen.run.results_folder import ResultsFolder
from tests.run.conftest import TAG, Project

TWO_LEVELS = """\
    version: 1
    levels:
      slow: {env: {CELL_SECONDS: "120"}, run: PROGRAM pass}
      quick: {run: PROGRAM pass}
"""


def matrixgen(project: Project, *args: str) -> Result:
    """`matrixgen -C ROOT ARGS` through `main()` with the project's variables: only the first
    run needs a process of its own (it is signalled); a process each for the others cost
    ~0.5 s of CPU and tested nothing more."""
    variables = {TAG: project.tag, "CELL_RECORDS": str(project.records)}
    return invoke(
        "-C", str(project.root), *args, env={**variables, "GITHUB_ACTIONS": None, "CI": None}
    )


def test_a_second_run_into_the_same_folder_stops_at_once(project: Project) -> None:
    project.write(TWO_LEVELS)
    results = project.root / "results"
    first = project.cli("slow")
    try:
        probe_until(lambda: (project.records / "started-slow-slow").exists() or 1 / 0, timeout=60)
        second = matrixgen(project, "run", "quick")
        assert first.poll() is None  # it did not wait for the first run's 120 s cell to end
        assert second.code == 2
        assert second.out == ""
        assert second.err == (
            f"{results}: another matrixgen run (pid {first.pid}) is using this results folder; "
            "wait for it to end, or give this run its own folder with --results DIR\n"
        )
        assert not (project.records / "started-quick-quick").exists()  # it started nothing
        cleaning = matrixgen(project, "clean")
        assert cleaning.code == 2
        assert f"another matrixgen run (pid {first.pid})" in cleaning.err
        elsewhere = matrixgen(project, "run", "quick", "--results", "other")
        assert elsewhere.code == 0, elsewhere.out
        assert (project.root / "other" / "quick" / "quick.xml").is_file()
        assert not (results / "quick").exists()
        assert first.poll() is None  # the first run went on undisturbed
        first.send_signal(signal.SIGTERM)
        output, _ = first.communicate(timeout=30)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == 130, output
    # Its lock went with it: the folder is free again.
    after = matrixgen(project, "run", "quick")
    assert after.code == 0, after.out + after.err
    assert (results / "quick" / "quick.xml").is_file()


def test_the_lock_is_one_per_folder_and_goes_with_its_holder(tmp_path: Path) -> None:
    results = tmp_path / "results"
    first = ResultsFolder.take(results)
    assert first is not None
    with pytest.raises(ResultsFolderError, match=rf"another matrixgen run \(pid {os.getpid()}\)"):
        ResultsFolder.take(results)  # a second open file is a second holder, even here
    other = ResultsFolder.take(tmp_path / "other")
    assert other is not None
    first.release()
    other.release()
    again = ResultsFolder.take(results)
    assert again is not None
    again.release()
    lock = results / ".matrixgen" / "lock"
    lock.unlink()
    lock.symlink_to(tmp_path / "elsewhere")  # a planted link: replaced, never followed
    planted = ResultsFolder.take(results)
    assert planted is not None
    planted.release()
    assert not lock.is_symlink() and not (tmp_path / "elsewhere").exists()
    assert ResultsFolder.take(tmp_path / "missing", create=False) is None
    lines: list[str] = []
    assert clean_results(tmp_path / "missing", {}, lines.append, root=tmp_path) == 0
    assert lines == [f"nothing to clean: no results folder {tmp_path / 'missing'}"]
    assert not (tmp_path / "missing").exists()
