"""A results folder matrixgen cannot write (read-only, full) is one located line and exit 2,
never a traceback; everything started is stopped and no file is left half-written.

Tests run as root, where a mode of 0o555 stops nothing: the folders here are tmpfs mounts,
one read-only, one of 64 KiB."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from matrixgen.errors import ResultsFolderError
from tests.run.conftest import Project, tagged

Mount = Callable[[Path, str], Path]


@pytest.fixture
def tmpfs() -> Iterator[Mount]:
    """Mount a tmpfs with `options` on a folder; unmounted after the test."""
    mounted: list[Path] = []

    def mount(folder: Path, options: str) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() != 0 or shutil.which("mount") is None:
            pytest.skip("needs root to mount a tmpfs")
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
        mounted.append(folder)
        return folder

    yield mount
    for folder in reversed(mounted):
        if subprocess.run(["umount", str(folder)], check=False).returncode != 0:
            subprocess.run(["umount", "-l", str(folder)], check=False)


CELLS = f"""\
    version: 1
    levels:
      small: {{run: PROGRAM pass}}
      chatty:
        run: >-
          {sys.executable} -c "import sys;
          [sys.stdout.write('chatty output line ' * 4 + chr(10)) for _ in range(4000)]"
          && PROGRAM pass
      after: {{run: PROGRAM pass}}
"""


def test_a_read_only_results_folder(project: Project, tmpfs: Mount) -> None:
    project.write(CELLS)
    results = tmpfs(project.root / "results", "ro,size=1m")
    done = project.matrixgen("run")
    assert done.returncode == 2
    assert done.stderr == (
        f"{results}/.matrixgen: cannot write: Read-only file system; make it writable, "
        "or write results elsewhere with --results DIR\n"
    )
    assert done.stdout == ""
    assert not (project.records / "started-small-small").exists()  # nothing ran
    assert os.listdir(results) == []


def test_a_full_disk_stops_the_run_with_one_line(project: Project, tmpfs: Mount) -> None:
    project.write(CELLS)
    results = tmpfs(project.root / "results", "size=64k")
    done = project.matrixgen("run", "small", "chatty", "after")
    assert done.returncode == 2, done.stdout + done.stderr
    line = (
        f"{results}/chatty/chatty.log: cannot write: No space left on device; "
        "free some space, or write results elsewhere with --results DIR"
    )
    assert done.stderr == line + "\n"
    assert f"stopping: {line}" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr
    assert "PASSED small/small" in done.stdout
    assert "INTERRUPTED chatty/chatty" in done.stdout
    assert "start after/after" not in done.stdout  # nothing new started once it was full
    assert done.stdout.rstrip().endswith("(exit 2)")
    assert tagged(project.tag) == []
    # Nothing half-written: every JUnit file is whole, no temporary is left, no ledger.
    files = sorted(str(p.relative_to(results)) for p in results.rglob("*") if p.is_file())
    assert [f for f in files if f.endswith(".tmp") or "run-" in f] == []
    assert "chatty/chatty.xml" not in files
    for name in files:
        if name.endswith(".xml"):
            ET.parse(results / name)
    ET.parse(results / "small" / "small.xml")


BIG_JUNIT = f"""\
    version: 1
    levels:
      big:
        run: >-
          {sys.executable} -c "import os; open(os.environ['MATRIXGEN_JUNIT'], 'w').write(
          '<testsuite tests=\\'1\\'><testcase classname=\\'c\\' name=\\'t\\'>'
          '<system-out>' + 'y' * 36000 + '</system-out></testcase></testsuite>')"
"""


def test_a_disk_that_fills_while_the_junit_is_stamped(project: Project, tmpfs: Mount) -> None:
    """The cell's own 36 kB JUnit fits; stamping it needs a second copy, which does not."""
    project.write(BIG_JUNIT)
    results = tmpfs(project.root / "results", "size=64k")
    with pytest.raises(ResultsFolderError) as raised:
        project.run()
    assert str(raised.value) == (
        f"{results}/big/big.xml: cannot write: No space left on device; "
        "free some space, or write results elsewhere with --results DIR"
    )
    assert raised.value.exit_code == 2
    assert "INTERRUPTED big/big" in project.output
    assert project.output.rstrip().endswith("(exit 2)")
    left = sorted(str(p.relative_to(results)) for p in results.rglob("*") if p.is_file())
    assert left == [".matrixgen/lock", "big/big.log"]  # no unstamped JUnit, no temporary
