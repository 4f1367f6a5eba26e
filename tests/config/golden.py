"""Golden files: the exact expected text next to the input, with an update flag."""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest

HERE = Path(__file__).parent
DESIGN = HERE.parent / "data" / "design"
REPO = HERE.parent.parent
UPDATE = os.environ.get("MATRIXGEN_UPDATE_GOLDEN") == "1"


def assert_golden(path: Path, actual: str) -> None:
    """Compare with the expected text in `path`; MATRIXGEN_UPDATE_GOLDEN=1 rewrites it."""
    if UPDATE:
        path.write_text(actual, encoding="utf-8")
        return
    if not path.exists():
        pytest.fail(f"{path} is missing; create it with MATRIXGEN_UPDATE_GOLDEN=1 and review it")
    expected = path.read_text(encoding="utf-8")
    if actual != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True),
                actual.splitlines(keepends=True),
                str(path),
                "actual",
            )
        )
        pytest.fail(
            f"output differs from {path.name}:\n{diff}\n"
            "If the change is intended, rerun with MATRIXGEN_UPDATE_GOLDEN=1 and review the diff."
        )
