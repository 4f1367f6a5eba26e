"""Projects for the workflow's tests: matrix.yaml (and files) in a folder, or in a git clone
whose default branch is `master`, rendered through the call the CLI makes."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from support.project import Project, project_maker

# git without the machine's configuration: no init.defaultBranch, no identity.
GIT_ENV = {
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
}


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=True,
        env={**os.environ, **GIT_ENV},
    )  # fmt: skip
    return done.stdout.strip()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Project]:
    """A project folder (not a git work tree: the default branch is `main`)."""
    for name, value in GIT_ENV.items():
        monkeypatch.setenv(name, value)

    return project_maker(tmp_path, monkeypatch)


@pytest.fixture
def clone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Project]:
    """A clone of a repository whose default branch is `master`: `origin/HEAD` says so."""
    for name, value in GIT_ENV.items():
        monkeypatch.setenv(name, value)

    def make(text: str, files: dict[str, str] | None = None) -> Project:
        upstream = tmp_path / "upstream"
        upstream.mkdir()
        git(upstream, "init", "-q", "-b", "master")
        git(upstream, "commit", "-q", "--allow-empty", "-m", "start")
        git(tmp_path, "clone", "-q", str(upstream), "project")
        made = Project(tmp_path / "project")
        made.write("matrix.yaml", text)
        for relative, content in (files or {}).items():
            made.write(relative, content)
        monkeypatch.chdir(made.root)
        return made

    return make
