"""The results folder a run owns while it runs.

- An exclusive lock (flock on `<results>/.matrixgen/lock`, which holds the owner's pid): a
  second run into the same folder stops at once, naming the first, instead of mixing
  results with it. The kernel drops the lock when its holder dies, even by SIGKILL.
- Real folders: a symbolic link planted inside (a level folder, `.matrixgen`) is
  replaced, never written through (`files.real_folder`, `files.create_file`).
- Earlier attempts kept: under `--retries`, an attempt that is retried leaves its JUnit and
  log as `<cell>.attempt-N.xml` / `.log` (`outcome.attempts`), and a new run clears them.
- One located line when it cannot be written (read-only, no permission, a full disk):
  `ResultsFolderError`, exit 2.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import glob
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from matrixgen.errors import ResultsFolderError
from matrixgen.files import create_file, real_folder
from matrixgen.load.cells import Cell
from matrixgen.outcome.attempts import EarlierAttempt, attempt_path, of_junit
from matrixgen.outcome.junit import read_junit
from matrixgen.run.ledger import FOLDER

LOCK = "lock"


def not_writable(error: OSError, path: Path | str | None = None) -> ResultsFolderError:
    # A rename names the path it writes second (an attempt kept, an atomic write's target).
    where = path if path is not None else error.filename2 or error.filename
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        fix = "free some space, or write results elsewhere with --results DIR"
    else:
        fix = "make it writable, or write results elsewhere with --results DIR"
    what = error.strerror or str(error)
    return ResultsFolderError(f"{where}: cannot write: {what}; {fix}")


@dataclass
class ResultsFolder:
    path: Path
    lock: int  # the open, locked lock file

    @classmethod
    def take(cls, path: Path, *, create: bool = True) -> ResultsFolder | None:
        """Lock `path` for this process (made when missing and `create`; else None)."""
        if not create and not path.is_dir():
            return None
        try:
            path.mkdir(parents=True, exist_ok=True)
            lock = _open_lock(real_folder(path, FOLDER) / LOCK)
        except OSError as error:
            raise not_writable(error) from None
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            if error.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                os.close(lock)
                raise not_writable(error, path) from None
            other = os.pread(lock, 32, 0).decode(errors="replace").strip() or "unknown"
            os.close(lock)
            raise ResultsFolderError(
                f"{path}: another matrixgen run (pid {other}) is using this results folder; "
                "wait for it to end, or give this run its own folder with --results DIR"
            ) from None
        try:
            os.ftruncate(lock, 0)
            os.pwrite(lock, f"{os.getpid()}\n".encode(), 0)
        except OSError as error:
            os.close(lock)
            raise not_writable(error, path / FOLDER / LOCK) from None
        return cls(path, lock)

    def release(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self.lock)

    def level(self, level: str) -> Path:
        """The folder of a level's results, a real one (a link there is replaced)."""
        return real_folder(self.path, level)

    def clear(self, cells: Iterable[Cell]) -> None:
        """A result left from an earlier run must not pass for this run's."""
        try:
            for cell in cells:
                folder = self.level(cell.level)
                (folder / f"{cell.name}.xml").unlink(missing_ok=True)
                for kept in sorted(folder.glob(f"{glob.escape(cell.name)}.attempt-*")):
                    kept.unlink(missing_ok=True)
        except OSError as error:
            raise not_writable(error) from None

    @staticmethod
    def keep_attempt(
        cell: Cell, junit_path: Path, log: Path, number: int, status: str, reason: str
    ) -> EarlierAttempt:
        """Move a retried attempt's JUnit and log aside (the next attempt writes the same
        paths) and say what failed in it. Raises OSError."""
        junit = read_junit(junit_path) if junit_path.is_file() else None
        for path in (junit_path, log):
            if path.is_file():
                os.replace(path, attempt_path(path, number))
        return of_junit(number, status, reason, junit, level=cell.level)


def _open_lock(path: Path) -> int:
    """The lock file, never through a link (one planted there is replaced)."""
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        return os.open(path, flags, 0o666)
    except OSError as error:
        if error.errno != errno.ELOOP:
            raise
    return create_file(path)
