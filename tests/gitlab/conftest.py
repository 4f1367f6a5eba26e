"""Projects for the GitLab pipeline's tests: matrix.yaml (and files) in a folder."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from support.project import Project, project_maker

PIPELINE = ".gitlab-ci.yml"


def pipeline(project: Project) -> dict[str, Any]:
    """The rendered pipeline, loaded (rendered first)."""
    assert project.render() == 0, project.lines
    loaded: dict[str, Any] = yaml.safe_load(project.read(PIPELINE))
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


# What builds an editable install of a hatchling project (the example's `-e .`) in pip's
# isolated build environment (hatchling asks for editables for an editable wheel): fetched
# once a session, by pip as this machine configures it.
BUILD_BACKEND = ("hatchling>=1.24", "editables~=0.3")


@pytest.fixture(scope="session")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """matrixgen's wheel and its dependencies' (`support.wheelhouse`, built in a process of
    its own), and the build backend's, for jobs that install with PIP_NO_INDEX. Built once a
    run, by the first xdist worker that asks, in the run's temp folder all workers share
    (each of them building it took 10-15 s of the 2 cores): the others wait on its lock."""
    from support import wheelhouse

    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    folder = shared / "gitlab-wheels"
    with open(shared / "gitlab-wheels.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if (folder / ".built").exists():
            return folder
        shutil.rmtree(folder, ignore_errors=True)  # a build that failed part way
        folder.mkdir()
        code = "import sys; from support import wheelhouse; wheelhouse.build(Path(sys.argv[1]))"
        env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
        subprocess.run(
            [sys.executable, "-c", f"from pathlib import Path; {code}", str(folder)],
            cwd=Path(wheelhouse.__file__).parents[1], env=env, check=True, timeout=600,
            capture_output=True,
        )  # fmt: skip
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "-d", str(folder), *BUILD_BACKEND],
            cwd=folder, env=env, check=True, timeout=600, capture_output=True,
        )  # fmt: skip
        (folder / ".built").touch()
    return folder
