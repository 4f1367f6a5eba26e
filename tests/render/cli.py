"""`matrixgen` in-process, as the console script runs it: exit code, stdout, stderr."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from matrixgen.cli import main


@dataclass(frozen=True)
class Outcome:
    code: int
    out: str
    err: str


def matrixgen(capsys: pytest.CaptureFixture[str], root: Path, *args: str) -> Outcome:
    """Run `matrixgen -C root ARGS` through `main` (errors become exit codes, no traceback)."""
    capsys.readouterr()
    try:
        main(["-C", str(root), *args])
        code = 0
    except SystemExit as exited:
        code = exited.code if isinstance(exited.code, int) else 1
    captured = capsys.readouterr()
    return Outcome(code, captured.out, captured.err)
