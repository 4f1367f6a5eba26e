"""Fixtures for the matrix.yaml tests: run the real CLI in-process, compare golden files."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from matrixgen.cli import main


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def matrixgen(capsys: pytest.CaptureFixture[str]) -> Callable[..., Result]:
    """Run `matrixgen ARGS` through `main`, exactly as the console script does."""

    def run(*args: str) -> Result:
        capsys.readouterr()
        try:
            main(list(args))
            code = 0
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else 1
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run
