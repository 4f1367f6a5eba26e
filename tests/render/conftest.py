"""Projects for the render tests: the storage-proxy fixture, or a matrix.yaml text."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from support.project import Project

from .helpers import copy_fixture


@pytest.fixture
def storage_proxy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    root = copy_fixture("storage-proxy", tmp_path / "storage-proxy")
    monkeypatch.chdir(root)
    return Project(root)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], Project]:
    """A project from a matrix.yaml text."""

    def make(text: str) -> Project:
        root = tmp_path / "project"
        root.mkdir(exist_ok=True)
        (root / "matrix.yaml").write_text(text, encoding="utf-8")
        monkeypatch.chdir(root)
        return Project(root)

    return make
