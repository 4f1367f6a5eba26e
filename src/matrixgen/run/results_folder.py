"""The results folder a run owns while it runs.

- An exclusive lock on `<results>/.matrixgen/lock`, which holds the owner's pid (flock on
  POSIX, a lock file elsewhere: `platform`): a second run into the same folder stops at
  once, naming the first, instead of mixing results with it. A holder's death, even by
  SIGKILL, frees it.
- Real folders: a symbolic link planted inside (a level folder, `.matrixgen`) is
  replaced, never written through (`files.real_folder`, `files.create_file`).
- Earlier attempts kept: under `--retries`, an attempt that is retried leaves its JUnit and
  log as `<cell>.attempt-N.xml` / `.log` (`outcome.attempts`), and a new run clears them.
- A cell's files of an earlier run are cleared as this run starts the cell or writes a
  result for it (`clear`), not when the run begins: an interrupted run leaves the cells it
  never started as they were, result and log together, instead of an old log beside no
  result, which `report` called missing (issue 21, item 5).
- Each service's log: `services/<name>.log`, or `services/<name>/<level>/<cell>.log` for a
  cell's own instance (`scope: cell`).
- One located line when it cannot be written (read-only, no permission, a full disk):
  `ResultsFolderError`, exit 2.
"""

from __future__ import annotations

import errno
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
from matrixgen.run.platform import Lock
from matrixgen.run.platform import current as platform

LOCK = "lock"
SERVICES = "services"  # the folder of service logs


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
    lock: Lock  # held while the run runs

    @classmethod
    def take(cls, path: Path, *, create: bool = True) -> ResultsFolder | None:
        """Lock `path` for this process (made when missing and `create`; else None)."""
        if not create and not path.is_dir():
            return None
        try:
            path.mkdir(parents=True, exist_ok=True)
            folder = real_folder(path, FOLDER)
        except OSError as error:
            raise not_writable(error) from None
        try:
            taken = platform().try_lock(folder / LOCK, _open_lock)
        except OSError as error:  # named when it names its file: opening or writing the lock
            raise not_writable(error, None if error.filename else path) from None
        if isinstance(taken, str):
            raise ResultsFolderError(
                f"{path}: another matrixgen run (pid {taken}) is using this results folder; "
                "wait for it to end, or give this run its own folder with --results DIR"
            ) from None
        return cls(path, taken)

    def release(self) -> None:
        self.lock.release()

    def level(self, level: str) -> Path:
        """The folder of a level's results, a real one (a link there is replaced)."""
        return real_folder(self.path, level)

    def clear(self, cells: Iterable[Cell]) -> None:
        """A result left from an earlier run must not pass for this run's: called as the run
        starts each cell, or writes a result for one it did not start. Its JUnit, log
        and earlier attempts go (links among them are removed, never followed). Raises
        OSError."""
        for cell in cells:
            folder = self.level(cell.level)
            (folder / f"{cell.name}.xml").unlink(missing_ok=True)
            (folder / f"{cell.name}.log").unlink(missing_ok=True)
            for kept in sorted(folder.glob(f"{glob.escape(cell.name)}.attempt-*")):
                kept.unlink(missing_ok=True)

    def service_log(self, name: str, cell: Cell | None = None) -> Path:
        """Where a service's log is kept, in real folders (a link there is replaced; the log
        itself is made by `logs.Log`, which replaces a link too). Raises OSError."""
        if cell is None:
            return real_folder(self.path, SERVICES) / f"{name}.log"
        return real_folder(self.path, SERVICES, name, cell.level) / f"{cell.name}.log"

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
