"""Projects for the GitLab pipeline's tests: matrix.yaml (and files) in a folder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from support import wheelhouse, yamls
from support.project import Project, project_maker

PIPELINE = ".gitlab-ci.yml"


def pipeline(project: Project) -> dict[str, Any]:
    """The rendered pipeline, loaded (rendered first)."""
    assert project.render() == 0, project.lines
    loaded: dict[str, Any] = yamls.load(project.read(PIPELINE))
    return loaded


def cells_of(job: dict[str, Any]) -> list[str]:
    """The cells GitLab makes jobs of: one per `parallel: matrix:` entry, whose every
    variable is a one-value list (so GitLab's product is that one entry)."""
    found = []
    for entry in job["parallel"]["matrix"]:
        assert all(isinstance(v, list) and len(v) == 1 for v in entry.values()), entry
        found.append(entry["CELL"][0])
    return found


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Project]:
    return project_maker(tmp_path, monkeypatch)


@pytest.fixture(scope="session")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The run's wheelhouse (`support.wheelhouse.shared`), for jobs that install with
    PIP_NO_INDEX."""
    return wheelhouse.shared(tmp_path_factory)
