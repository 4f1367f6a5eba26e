"""What every level shares: the cell's settings from `matrixgen run`, and unique names.

`matrixgen run` sets MATRIXGEN_BACKEND / MATRIXGEN_MODE / MATRIXGEN_TRANSPORT (the
cell's axis values) and MATRIXGEN_NAMESPACE (unique per cell). Run by hand, a level
falls back to every supported combination it can reach.
"""

from __future__ import annotations

import os
import re
import time
import uuid
from collections.abc import Callable
from typing import TypeVar

import pytest

from state_proxy.config import SUPPORTED_MODES
from state_proxy.connector import Mode


def setting(axis: str) -> str | None:
    return os.environ.get(f"MATRIXGEN_{axis.upper()}") or None


def cell_combinations() -> list[tuple[str, str]]:
    """(backend, mode) pairs this run covers: the cell's, or every supported pair."""
    backend, mode = setting("backend"), setting("mode")
    return [
        (b, m)
        for b, modes in SUPPORTED_MODES.items()
        for m in modes
        if backend in (None, b) and mode in (None, m)
    ]


_COMBINATIONS = cell_combinations()


@pytest.fixture(params=_COMBINATIONS, ids=[f"{b}-{m}" for b, m in _COMBINATIONS])
def combination(request: pytest.FixtureRequest) -> tuple[str, str]:
    """Each (backend, mode) pair this run covers, for the connector contract tests."""
    value: tuple[str, str] = request.param
    return value


@pytest.fixture
def mode(combination: tuple[str, str]) -> Mode:
    return Mode(combination[1])


T = TypeVar("T")


def probe_until(fn: Callable[[], T], *, interval: float, timeout: float) -> T:
    """`fn()` once it stops raising; its last error after `timeout` seconds. (The tests'
    own: matrixgen is the CI's tool, not in the cells' Python.)"""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return fn()
        except Exception:
            if time.monotonic() + interval > deadline:
                raise
        time.sleep(interval)


def require_env(*names: str) -> dict[str, str]:
    """The named endpoint variables; missing ones fail under CI and skip elsewhere."""
    missing = [name for name in names if not os.environ.get(name)]
    if missing:
        message = f"needs {', '.join(missing)} (run this level through `matrixgen run`)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return dict(os.environ)


@pytest.fixture
def namespace() -> str:
    """A bucket/queue name unique to this test: the cell's namespace plus a random suffix.

    Bucket names allow lowercase letters, digits and hyphens, 3 to 63 characters.
    """
    cell = re.sub(r"[^a-z0-9-]+", "-", (os.environ.get("MATRIXGEN_NAMESPACE") or "sp").lower())
    return f"{cell.strip('-')[:40]}-{uuid.uuid4().hex[:12]}"
