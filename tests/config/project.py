"""A project folder for `matrixgen validate`: matrix.yaml and the files it names."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest
from support.cli import Result


def validate(
    matrixgen: Callable[..., Result],
    root: Path,
    monkeypatch: pytest.MonkeyPatch,
    text: str,
    files: Iterable[str] = (),
) -> Result:
    """Write matrix.yaml (dedented) and empty `files` into `root`, then validate from there."""
    for name in files:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("services: {}\n", encoding="utf-8")
    (root / "matrix.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    monkeypatch.chdir(root)
    return matrixgen("validate")


def errors(result: Result) -> list[str]:
    """The problems of a failed validate, one line each; asserts exit code 2 and no stdout."""
    assert result.code == 2, result
    assert result.out == ""
    return result.err.splitlines()
