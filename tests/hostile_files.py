"""Files a pull request or an artifact can plant where matrixgen reads (issue 19, item 3).

Each command must refuse them at once in one line: never hang on a FIFO, never read
/dev/zero or a 200 MB file into memory, never a RecursionError on deep JSON. The CLI runs
as a subprocess with a timeout, so a hang fails the test instead of hanging the suite.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

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


def matrixgen(root: Path, *args: str, timeout: float = 60) -> Ran:
    """`matrixgen -C root ARGS` as a subprocess; a hang is a TimeoutExpired, a failed test."""
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "matrixgen", "-C", str(root), *args],
        capture_output=True, text=True, timeout=timeout, check=False, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    ran = Ran(done.returncode, done.stdout, done.stderr, time.monotonic() - start)
    assert "Traceback" not in ran.err, ran.err
    return ran
