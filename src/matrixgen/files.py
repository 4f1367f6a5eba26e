"""Writing files the one safe way: a temporary file beside the target, then `os.replace`.

A reader (or a crash) never sees half a file, and a new file gets the mode the user's
umask gives any new file (tempfile's own 0600 would make a committed docs page private);
an existing file keeps its mode. A symbolic link at the target is replaced, never written
through. `real_folder` and `create_file` do the same for folders and files written piece
by piece (results of `matrixgen run`, logs).
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from pathlib import Path


def _umask() -> int:
    # The umask can only be read by setting it; set it straight back.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _new_file_mode() -> int:
    return 0o666 & ~_umask()


def write_atomic(path: Path, content: str | bytes) -> None:
    """Replace `path` with `content` (text is written as UTF-8, newlines as given).

    On failure nothing is left behind and the OSError names `path`, not the temporary.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        info = os.lstat(path)
        mode = stat.S_IMODE(info.st_mode) if stat.S_ISREG(info.st_mode) else _new_file_mode()
    except FileNotFoundError:
        mode = _new_file_mode()
    data = content.encode("utf-8") if isinstance(content, str) else content
    # A unique name: two writers of one file (two runs, two cells) never share a temporary.
    try:
        handle, temporary = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
        )
    except OSError as error:
        raise OSError(error.errno, error.strerror, str(path)) from error
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, mode)
        os.replace(temporary, path)  # replaces a link itself, never its target
    except BaseException as error:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise OSError(error.errno, error.strerror, str(path)) from error
        raise


def real_folder(base: Path, *parts: str) -> Path:
    """`base/parts...` as real folders, made where missing.

    A symbolic link on the way is replaced by an empty folder, never followed; `base`
    itself may be a link (the user named it). A file where a folder belongs is an error.
    """
    folder = base
    for part in parts:
        folder = folder / part
        try:
            info = os.lstat(folder)
        except FileNotFoundError:
            with contextlib.suppress(FileExistsError):  # made by someone else meanwhile
                os.mkdir(folder)
            continue
        if stat.S_ISLNK(info.st_mode):
            os.unlink(folder)
            os.mkdir(folder)
        elif not stat.S_ISDIR(info.st_mode):
            raise NotADirectoryError(errno.ENOTDIR, "exists and is not a folder", str(folder))
    return folder


def create_file(path: Path) -> int:
    """A new empty file at `path`, open for reading and writing (a file descriptor).

    Whatever was at `path` (a file, a symbolic link) is removed first: O_EXCL never
    follows a link, so the new file is always this one, and a link's target is untouched.
    """
    flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    for _ in range(3):
        try:
            return os.open(path, flags, 0o666)
        except FileExistsError:
            path.unlink()
    return os.open(path, flags, 0o666)
