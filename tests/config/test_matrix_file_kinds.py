"""matrix.yaml from a pull request: a FIFO, a link to /dev/zero, a huge file — refused at once."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest


def validate(root: Path) -> tuple[int, str, float]:
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "matrixgen", "-C", str(root), "validate"],
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    return done.returncode, done.stderr, time.monotonic() - start


@pytest.mark.parametrize(
    ("make", "why"),
    [
        (lambda p: os.mkfifo(p), "it is a named pipe (FIFO), not a regular file"),
        (lambda p: p.symlink_to("/dev/zero"), "it is a character device, not a regular file"),
        (lambda p: p.write_bytes(b"#" * (9 * 2**20)), "over the 8 MiB limit"),
    ],
)
def test_a_matrix_file_that_is_no_file_is_refused_at_once(
    tmp_path: Path, make: object, why: str
) -> None:
    make(tmp_path / "matrix.yaml")  # type: ignore[operator]
    code, err, seconds = validate(tmp_path)
    assert code == 2 and why in err and "matrix.yaml:1:1: cannot read it:" in err, err
    assert seconds < 10


def test_a_link_to_a_real_matrix_file_is_read(tmp_path: Path) -> None:
    (tmp_path / "real.yaml").write_text("version: 1\nlevels: {unit: {run: pytest}}\n")
    (tmp_path / "matrix.yaml").symlink_to("real.yaml")
    code, err, _ = validate(tmp_path)
    assert code == 0, err
