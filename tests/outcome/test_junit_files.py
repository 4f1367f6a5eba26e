"""The reader opens only regular files: a FIFO, a link, a folder or a device named *.xml is a
reason, at once, never a hang or a read of /dev/zero until memory runs out."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from matrixgen import files
from matrixgen.outcome.junit import read_bytes, read_junit

OK = b'<testsuite><testcase name="t"/></testsuite>'
LINK = (
    "it is a symbolic link; matrixgen reads only regular files, never through a link "
    "(copy the file itself into the results folder)"
)


@pytest.fixture(autouse=True)
def _every_test_is_quick(quick: None) -> None:
    """Every test here is bounded by the shared `quick` fixture (tests/conftest.py)."""


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "x.xml")
    junit = read_junit(tmp_path / "x.xml")
    assert (junit.problem, junit.tests) == ("it is a named pipe (FIFO), not a regular file", 0)


def test_a_link_to_dev_zero_is_refused_unread(tmp_path: Path) -> None:
    (tmp_path / "x.xml").symlink_to("/dev/zero")
    assert read_junit(tmp_path / "x.xml").problem == LINK


def test_a_link_to_a_good_file_outside_the_folder_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.xml"
    outside.write_bytes(OK)
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "x.xml").symlink_to(outside)
    junit = read_junit(tmp_path / "results" / "x.xml")
    assert (junit.problem, junit.passed) == (LINK, 0)
    assert read_junit(outside).passed == 1


def test_a_folder_and_a_device_are_refused(tmp_path: Path) -> None:
    (tmp_path / "x.xml").mkdir()
    assert read_junit(tmp_path / "x.xml").problem == "it is a folder, not a file"
    assert read_junit(Path("/dev/zero")).problem == "it is a character device, not a regular file"


def test_following_links_reaches_regular_files_only(tmp_path: Path) -> None:
    (tmp_path / "page.md").write_bytes(b"text")
    (tmp_path / "link.md").symlink_to(tmp_path / "page.md")
    (tmp_path / "zero.md").symlink_to("/dev/zero")
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "fifo.md").symlink_to(tmp_path / "fifo")
    assert read_bytes(tmp_path / "link.md", links=True) == b"text"
    assert read_bytes(tmp_path / "link.md") == LINK
    assert read_bytes(tmp_path / "zero.md", links=True) == (
        "it is a character device, not a regular file"
    )
    assert read_bytes(tmp_path / "fifo.md", links=True) == (
        "it is a named pipe (FIFO), not a regular file"
    )


def test_the_opened_descriptor_is_checked_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A FIFO swapped in after the check: the non-blocking open returns, fstat refuses it."""
    os.mkfifo(tmp_path / "x.xml")
    regular = os.stat_result((stat.S_IFREG | 0o644, *[0] * 9))
    monkeypatch.setattr(files.os, "lstat", lambda path: regular)
    assert read_junit(tmp_path / "x.xml").problem == "it is a named pipe (FIFO), not a regular file"


def test_at_most_the_cap_plus_one_byte_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file that claims a small size (it grew, or lies) is read only up to the cap."""
    path = tmp_path / "x.xml"
    path.write_bytes(b"<testsuite>" + b" " * 4096 + b"</testsuite>")
    real_fstat = os.fstat
    reads: list[int] = []
    real_read = os.read

    def small(fd: int) -> os.stat_result:
        found = real_fstat(fd)
        return os.stat_result((found.st_mode, *[0] * 5, 10, 0, 0, 0))  # st_size 10

    def counted(fd: int, n: int) -> bytes:
        reads.append(n)
        return real_read(fd, n)

    monkeypatch.setattr(files.os, "fstat", small)
    monkeypatch.setattr(files.os, "read", counted)
    assert read_junit(path, max_bytes=1000).problem == (
        "the file grew past the 1,000 bytes limit while it was read"
    )
    assert sum(reads) == 1001
