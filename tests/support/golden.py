"""Golden files: the exact expected text in a file, rewritten with MATRIXGEN_UPDATE_GOLDEN=1."""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest


def updating() -> bool:
    return os.environ.get("MATRIXGEN_UPDATE_GOLDEN") == "1"


def assert_golden(path: Path, actual: str) -> None:
    """`actual` is the text of `path`; a difference fails with the unified diff.
    MATRIXGEN_UPDATE_GOLDEN=1 writes `actual` there instead (read the diff)."""
    if updating():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    if not path.exists():
        pytest.fail(f"{path} is missing; create it with MATRIXGEN_UPDATE_GOLDEN=1 and review it")
    expected = path.read_text(encoding="utf-8")
    if actual != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True), actual.splitlines(keepends=True),
                str(path), "actual",
            )
        )  # fmt: skip
        pytest.fail(
            f"output differs from {path.name}:\n{diff}\n"
            "If the change is intended, rerun with MATRIXGEN_UPDATE_GOLDEN=1 and review the diff."
        )
