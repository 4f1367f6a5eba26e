"""The bundled example, copied for one test: a run in place would share the example's own
folder (its ledger, its compose projects' folder) with any other run of it, in another
worker or another job on this machine, and the Docker check could not tell them apart."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "state-proxy"
NOT_COPIED = shutil.ignore_patterns(
    "results", ".matrixgen", ".nox", "__pycache__", "*.egg-info", ".*_cache"
)


@pytest.fixture
def example_copy(tmp_path: Path) -> Path:
    """A copy of examples/state-proxy in this test's folder (the installed example package
    is the checkout's: the same code)."""
    return Path(shutil.copytree(EXAMPLE, tmp_path / "state-proxy", ignore=NOT_COPIED))
