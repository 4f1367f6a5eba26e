from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from matrixgen.load.matrix import Matrix, load
from matrixgen.render import render_outputs

from .helpers import copy_fixture


class Project:
    """A project folder with matrix.yaml; renders through the same call the CLI makes."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.lines: list[str] = []

    def matrix(self) -> Matrix:
        # From inside the project, as a user runs it: messages name plain `matrix.yaml`.
        return load(self.root) if Path.cwd() != self.root else load()

    def render(self, *, check: bool = False, dry_run: bool = False, force: bool = False) -> int:
        self.lines = []
        return render_outputs(
            self.matrix(), check=check, dry_run=dry_run, force=force, echo=self.lines.append
        )

    def read(self, relative: str) -> str:
        return (self.root / relative).read_text(encoding="utf-8")

    def write(self, relative: str, text: str) -> None:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    def files(self) -> dict[str, str]:
        return {
            p.relative_to(self.root).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted(self.root.rglob("*"))
            if p.is_file()
        }

    def actions(self) -> dict[str, str]:
        """path -> created/updated/unchanged/deleted, from the last render's lines."""
        return {
            line.split()[1]: line.split()[0] for line in self.lines if line.split()[0] in ACTIONS
        }


ACTIONS = {"created", "updated", "unchanged", "deleted"}


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
