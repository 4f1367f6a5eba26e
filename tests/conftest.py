"""Shared test fixtures."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable

import pytest


@pytest.fixture
def require_binary() -> Callable[[str], str]:
    """Path of a service binary. Missing: skip locally, fail under CI=true.

    A CI run that skips a service test proves nothing, so there it fails.
    """

    def find(name: str) -> str:
        path = shutil.which(name) or (
            name if os.path.isabs(name) and os.access(name, os.X_OK) else None
        )
        if path is None:
            message = f"{name} is not installed; run `bash scripts/install.sh`"
            if os.environ.get("CI"):
                pytest.fail(message)
            pytest.skip(message)
        return path

    return find
