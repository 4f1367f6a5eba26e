"""`matrixgen run` never writes through a symbolic link planted in the results folder: a
linked level folder, `<cell>.log`, `<cell>.xml`, durations.json, `.matrixgen` and its lock
are replaced by real ones, and the files they pointed at stay as they were."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from matrixgen.files import create_file, real_folder, write_atomic
from tests.run.conftest import Project

LEVELS = """\
    version: 1
    levels:
      linked: {run: PROGRAM pass}
      planted: {run: PROGRAM pass}
"""


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {
        str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_links_in_the_results_folder_are_replaced_never_followed(project: Project) -> None:
    project.write(LEVELS)
    victim = project.root / "victim"
    (victim / "dot").mkdir(parents=True)
    for name in ("linked.xml", "linked.log", "secret.txt", "durations.json", "dot/lock"):
        (victim / name).write_text("mine, not matrixgen's\n")
    before = snapshot(victim)
    results = project.root / "results"
    (results / "planted").mkdir(parents=True)
    (results / "linked").symlink_to(victim)  # a level folder
    (results / "planted" / "planted.xml").symlink_to(victim / "secret.txt")
    (results / "planted" / "planted.log").symlink_to(victim / "secret.txt")
    (results / "durations.json").symlink_to(victim / "durations.json")
    (results / ".matrixgen").symlink_to(victim / "dot")  # the lock and the ledgers
    assert project.run() == 0, project.output
    assert snapshot(victim) == before  # not one byte, not one new file
    for folder in ("linked", "planted", ".matrixgen"):
        assert not (results / folder).is_symlink() and (results / folder).is_dir()
    for path in (
        results / "linked" / "linked.xml",
        results / "linked" / "linked.log",
        results / "planted" / "planted.xml",
        results / "planted" / "planted.log",
        results / "durations.json",
        results / ".matrixgen" / "lock",
    ):
        assert not path.is_symlink() and path.is_file(), path
    assert project.result("planted/planted")["matrixgen.status"] == "passed"
    assert "linked/linked" in (results / "durations.json").read_text()
    assert (results / ".matrixgen" / "lock").read_text() == f"{os.getpid()}\n"


def test_the_file_helpers_replace_links_and_refuse_files_where_folders_belong(
    tmp_path: Path,
) -> None:
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "x").write_text("mine\n")
    base = tmp_path / "results"
    base.mkdir()
    (base / "level").symlink_to(victim)
    assert real_folder(base, "level", "deeper") == base / "level" / "deeper"
    assert not (base / "level").is_symlink() and os.listdir(victim) == ["x"]
    (base / "file").write_text("")
    with pytest.raises(NotADirectoryError, match="exists and is not a folder"):
        real_folder(base, "file", "below")
    (base / "out").symlink_to(victim / "x")
    os.close(create_file(base / "out"))
    assert (base / "out").read_text() == "" and (victim / "x").read_text() == "mine\n"
    (base / "page").symlink_to(victim / "x")
    write_atomic(base / "page", "new\n")
    assert not (base / "page").is_symlink() and (victim / "x").read_text() == "mine\n"
