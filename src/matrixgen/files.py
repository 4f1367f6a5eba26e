"""Files, the one safe way: one atomic write, one bounded read, one project-path check.

Writing: a temporary file beside the target, then `os.replace`. A reader (or a crash)
never sees half a file, and a new file gets the mode the user's umask gives any new file
(tempfile's own 0600 would make a committed docs page private); an existing file keeps its
mode. A symbolic link at the target is replaced, never written through. `real_folder` and
`create_file` do the same for folders and files written piece by piece (results of
`matrixgen run`, logs).

Reading (`read_regular`, `read_text`, `load_json`): every file matrixgen reads may come
from a pull request or an artifact (issue 19), so each read is bounded: only a regular
file, opened without blocking, at most a cap of bytes, links out of the project refused,
JSON nesting capped before it is parsed. A refusal is a sentence, never a hang.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import stat
from pathlib import Path
from typing import Any

from matrixgen.errors import OutsideRootError, UnreadableFileError


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
    try:
        handle, temporary = _temporary(path)
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


def _temporary(path: Path) -> tuple[int, str]:
    """A new file beside `path`, open for writing: a random name, as tempfile.mkstemp makes
    (two writers of one file, two runs or cells, never share one), made with O_EXCL, so
    never a link's target. Not mkstemp itself: importing tempfile (shutil, bz2, lzma) was
    ~4 ms of an uncached `list`, which writes its cache (bench/list.py)."""
    flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | BINARY
    for _ in range(100):
        temporary = str(path.parent / f".{path.name}.{os.urandom(6).hex()}.tmp")
        try:
            return os.open(temporary, flags, 0o600), temporary
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no unused temporary name", str(path.parent))


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
    flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | BINARY
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
# Windows has none of the three, and opens in text mode (CRLF translated, Ctrl-Z read as
# the end) unless told O_BINARY, which only Windows has.
BINARY = getattr(os, "O_BINARY", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_OPEN_FLAGS = (
    os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | _NOFOLLOW | getattr(os, "O_CLOEXEC", 0) | BINARY
)


def not_regular(mode: int) -> str | None:
    """'it is a named pipe (FIFO), ...' for anything but a regular file; None for one."""
    if stat.S_ISREG(mode):
        return None
    kind = next((what for test, what in _KINDS if test(mode)), "not a regular file")
    return f"it is {kind}"


def _limit(max_bytes: int) -> str:
    return f"{max_bytes / 2**20:.0f} MiB" if max_bytes >= 2**20 else f"{max_bytes:,} bytes"


def _too_big(size: int, max_bytes: int) -> str:
    shown = f"{size / 2**20:.1f} MiB" if size >= 2**20 else f"{size:,} bytes"
    return f"the file is {shown}, over the {_limit(max_bytes)} limit"


# --- where a path leads ------------------------------------------------------------------


def inside(root: Path, relative: str | Path) -> bool:
    """Whether `root/relative`, symlinks resolved, is `root` or below it."""
    real_root = root.resolve()
    real = (root / relative).resolve()
    return real == real_root or real_root in real.parents


def outside_root(path: str, source: str, root: Path | None = None) -> str:
    """Why `path` (as matrix.yaml `source` names it) is refused: it leads out of the project.
    With `root`, a path that is itself a symbolic link says where the link points."""
    link, fix = "", ""
    with contextlib.suppress(OSError, ValueError):
        if root is not None and os.path.islink(root / path):
            link = f" (it is a symbolic link to {os.readlink(root / path)})"
            fix = ", or make it a regular file"
    return (
        f"{path} leads outside the project folder (the folder of {source}), "
        f"through '..', an absolute path or a symlink{link}; nothing written. Point the output "
        f"at a path inside that folder in `outputs:` of {source}{fix}"
    )


def check_inside(root: Path, relative: str, source: str) -> None:
    """The one path rule of every file matrix.yaml names for matrixgen to update (`render`
    and `report` alike): it stays inside the project folder, links resolved."""
    if not inside(root, relative):
        raise OutsideRootError(outside_root(relative, source, root))


# --- the one bounded reader ---------------------------------------------------------------


def read_regular(
    path: Path, max_bytes: int, *, links: bool = False, within: Path | None = None
) -> bytes | str:
    """The bytes of a regular file of at most `max_bytes`, or a sentence saying why not.

    Results folders come from CI artifacts and pull requests: a FIFO named `x.xml` would
    block a plain `open` forever, and a link to /dev/zero would read until memory runs out.
    So nothing but a regular file is opened (`lstat` first: a device is not even opened),
    links are refused rather than followed, the open never blocks (O_NONBLOCK), the opened
    descriptor is checked again (the path may have been swapped in between), and at most
    `max_bytes + 1` bytes are read whatever size it claims. `links=True` follows a link
    to a regular file (a docs page in a repository may be one); never to anything else.
    With `within` (the project folder), a link is followed only to a path inside it.
    """
    try:
        if links and within is not None:
            # Resolve first, then open the resolved path without following a link: what is
            # opened is what was checked (short of a folder on the way swapped meanwhile).
            real = Path(os.path.realpath(path))
            if not inside(within, real):
                return (
                    f"it is a symbolic link to {real}, outside the project folder; matrixgen "
                    "follows no link out of the project (copy the file itself into it)"
                )
            path, links = real, False
        why = not_regular((os.stat if links else os.lstat)(path).st_mode)
        if why is not None:
            return why
        descriptor = os.open(path, _OPEN_FLAGS & ~_NOFOLLOW if links else _OPEN_FLAGS)
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


def read_text(
    path: Path,
    max_bytes: int,
    *,
    what: str = "it",
    shown: str | None = None,
    links: bool = False,
    within: Path | None = None,
) -> str | None:
    """The UTF-8 text of `path` (newlines as written), None when there is none.

    Anything else is an UnreadableFileError of one line: the path (`shown`), what cannot
    be read (`what`), why, and what to do. A link that leads nowhere counts as no file
    (a write replaces the link itself).
    """
    name = str(path) if shown is None else shown
    if not os.path.lexists(path) or (links and not os.path.exists(path)):
        return None
    data = read_regular(path, max_bytes, links=links, within=within)
    if isinstance(data, str):
        raise UnreadableFileError(
            f"{name}: cannot read {what}: {data}; replace it with a regular UTF-8 file"
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise UnreadableFileError(
            f"{name}: cannot read {what}: not UTF-8 (byte {error.start}); save it as UTF-8"
        ) from None


# --- JSON without deep recursion ----------------------------------------------------------

JSON_MAX_DEPTH = 64  # what matrixgen writes nests 3 deep; json.loads recurses per level
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_INNERMOST = re.compile(r"\[\]|\{\}")
_RUN = re.compile(r"[\[{]+|[\]}]+")  # openers or closers in a row


def nests_deeper(text: str, max_depth: int = JSON_MAX_DEPTH) -> bool:
    """Whether brackets nest deeper than `max_depth` (or do not match), found without
    recursion: strings out, the depth counted a run of openers or closers at a time (100,000
    nested `[` are two runs), then one level of innermost pairs removed per round (at most
    `max_depth` rounds: what is left is pairs of different kinds, `[}`)."""
    if text.count("[") + text.count("{") <= max_depth:
        return False  # the common case, at the speed of str.count
    brackets = _NOT_BRACKET.sub("", _JSON_STRING.sub("", text))
    depth = 0
    for run in _RUN.findall(brackets):
        depth += len(run) if run[0] in "[{" else -len(run)
        if not 0 <= depth <= max_depth:
            return True
    if depth:
        return True
    for _ in range(max_depth):
        if not brackets:
            return False
        brackets = _INNERMOST.sub("", brackets)
    return bool(brackets)


def load_json(text: str | bytes, *, max_depth: int = JSON_MAX_DEPTH, **options: Any) -> Any:
    """`json.loads` that refuses nesting deeper than `max_depth` with a ValueError, before
    parsing: 100,000 nested `[` is a sentence, never a RecursionError. Bytes must be UTF-8
    (UnicodeDecodeError is a ValueError too); `options` go to `json.loads`."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    deep = ValueError(f"lists or objects nested deeper than {max_depth} levels")
    if nests_deeper(text, max_depth):
        with contextlib.suppress(RecursionError):  # brackets that do not match are a
            json.loads(text, **options)  # syntax error, said as json says it
        raise deep
    try:
        return json.loads(text, **options)
    except RecursionError:  # cannot happen below the cap; a sentence all the same
        raise deep from None
