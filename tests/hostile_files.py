"""Files a pull request or an artifact can plant where matrixgen reads (issue 19, item 3).

Each command must refuse them at once in one line: never hang on a FIFO, never read
/dev/zero or a 200 MB file into memory, never a RecursionError on deep JSON. The CLI runs
in-process through `main()` (`support.cli.invoke`: exit codes and messages as a user sees
them) under an alarm, so a read that blocks is interrupted and fails the test instead of
hanging the suite; what is tested is the file, not the process boundary, which cost a
process start (~0.4 s of CPU) per call.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from support.cli import invoke

KINDS = ("fifo", "dev-zero", "sparse", "deep-json")
FIFO = "it is a named pipe (FIFO), not a regular file"
DEVICE = "it is a character device, not a regular file"
LINK = (
    "it is a symbolic link; matrixgen reads only regular files, never through a link "
    "(copy the file itself into the results folder)"
)
DEEP = "lists or objects nested deeper than 64 levels"
SPARSE_MIB = 200


def plant(path: Path, kind: str) -> None:
    """Put a file of `kind` at `path`, in place of whatever was there."""
    if path.is_symlink() or path.exists():
        path.unlink()
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "dev-zero":
        path.symlink_to("/dev/zero")
    elif kind == "sparse":  # claims 200 MB, costs no disk
        with open(path, "wb") as stream:
            stream.truncate(SPARSE_MIB * 2**20)
    elif kind == "deep-json":
        path.write_text("[" * 100_000 + "]" * 100_000)
    else:
        raise ValueError(kind)


def too_big(limit_mib: int) -> str:
    return f"the file is {SPARSE_MIB:.1f} MiB, over the {limit_mib} MiB limit"


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str
    seconds: float


@contextmanager
def hang_guard(seconds: int) -> Iterator[None]:
    """Interrupts the block after `seconds` with TimeoutError: a blocked open() or read() is
    ended by the signal (PEP 475 retries it only when the handler returns)."""

    def expired(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError(f"matrixgen ran for {seconds} s: a read blocked")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def matrixgen(root: Path, *args: str, timeout: int = 60) -> Ran:
    """`matrixgen -C root ARGS` through `main()`; a hang is a TimeoutError, a failed test."""
    start = time.monotonic()
    with hang_guard(timeout):
        done = invoke("-C", str(root), *args)
    ran = Ran(done.code, done.out, done.err, time.monotonic() - start)
    assert "Traceback" not in ran.err, ran.err
    return ran
