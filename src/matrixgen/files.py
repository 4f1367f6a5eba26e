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


_KINDS = (
    (
        stat.S_ISLNK,
        "a symbolic link; matrixgen reads only regular files, never through a link "
        "(copy the file itself into the results folder)",
    ),
    (stat.S_ISDIR, "a folder, not a file"),
    (stat.S_ISFIFO, "a named pipe (FIFO), not a regular file"),
    (stat.S_ISSOCK, "a socket, not a regular file"),
    (stat.S_ISCHR, "a character device, not a regular file"),
    (stat.S_ISBLK, "a block device, not a regular file"),
)
# Never wait on a FIFO's writer, never follow a link the check did not see.
_OPEN_FLAGS = os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC


def not_regular(mode: int) -> str | None:
    """'it is a named pipe (FIFO), ...' for anything but a regular file; None for one."""
    if stat.S_ISREG(mode):
        return None
    kind = next((what for test, what in _KINDS if test(mode)), "not a regular file")
    return f"it is {kind}"


def _limit(max_bytes: int) -> str:
    return f"{max_bytes / 2**20:.0f} MiB" if max_bytes >= 2**20 else f"{max_bytes:,} bytes"


def _too_big(size: int, max_bytes: int) -> str:
    return f"the file is {size / 2**20:.1f} MiB, over the {_limit(max_bytes)} limit"


def read_regular(path: Path, max_bytes: int, *, links: bool = False) -> bytes | str:
    """The bytes of a regular file of at most `max_bytes`, or a sentence saying why not.

    Results folders come from CI artifacts and pull requests: a FIFO named `x.xml` would
    block a plain `open` forever, and a link to /dev/zero would read until memory runs out.
    So nothing but a regular file is opened (`lstat` first: a device is not even opened),
    links are refused rather than followed, the open never blocks (O_NONBLOCK), the opened
    descriptor is checked again (the path may have been swapped in between), and at most
    `max_bytes + 1` bytes are read whatever size it claims. `links=True` follows a link
    to a regular file (a docs page in a repository may be one); never to anything else.
    """
    try:
        why = not_regular((os.stat if links else os.lstat)(path).st_mode)
        if why is not None:
            return why
        descriptor = os.open(path, _OPEN_FLAGS & ~os.O_NOFOLLOW if links else _OPEN_FLAGS)
    except OSError as error:
        return f"cannot read it: {error.strerror or error}"
    try:
        status = os.fstat(descriptor)
        why = not_regular(status.st_mode)
        if why is not None:
            return why
        if status.st_size > max_bytes:
            return _too_big(status.st_size, max_bytes)
        chunks: list[bytes] = []
        left = max_bytes + 1
        while left > 0:
            chunk = os.read(descriptor, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    except OSError as error:
        return f"cannot read it: {error.strerror or error}"
    finally:
        os.close(descriptor)
    data = b"".join(chunks)
    if len(data) > max_bytes:  # it grew after fstat
        return f"the file grew past the {_limit(max_bytes)} limit while it was read"
    return data
