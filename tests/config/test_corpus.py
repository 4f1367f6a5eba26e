"""Each broken file in corpus/ fails `validate` with exactly the messages in NAME.expected."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from support.cli import Result
from support.golden import assert_golden

CORPUS = Path(__file__).parent / "corpus"
CASES = sorted(path.name for path in CORPUS.glob("*.yaml"))


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 30


@pytest.mark.parametrize("name", CASES)
def test_broken_file_is_reported(
    name: str, matrixgen: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(CORPUS)
    result = matrixgen("validate", "-f", name)
    assert result.code == 2, result
    assert result.out == ""
    assert "Traceback" not in result.err
    for line in result.err.splitlines():
        # FILE:LINE:COL: [key.path: ]message
        assert line.startswith(f"{name}:"), line
        _, line_no, column, _ = line.split(":", 3)
        assert int(line_no) >= 1 and int(column) >= 1
    assert_golden(CORPUS / name.replace(".yaml", ".expected"), result.err)


def test_no_traceback_from_the_console_script() -> None:
    """The real process: a user error is one line on stderr and exit code 2."""
    done = subprocess.run(
        [sys.executable, "-m", "matrixgen", "validate", "-f", "unquoted_float.yaml"],
        cwd=CORPUS,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr == (CORPUS / "unquoted_float.expected").read_text(encoding="utf-8")
    assert "Traceback" not in done.stderr


def test_debug_shows_the_traceback(
    matrixgen: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(CORPUS)
    result = matrixgen("--debug", "validate", "-f", "version_2.yaml")
    assert result.code == 2  # the error's own exit code, traceback or not
    assert "Traceback (most recent call last)" in result.err
    assert "ConfigError" in result.err and "unsupported version 2" in result.err
