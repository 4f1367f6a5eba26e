"""A project folder: matrix.yaml and its files, rendered through the call the CLI makes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from matrixgen.load.matrix import Matrix, load
from matrixgen.render import render_outputs
from support import yamls

WORKFLOW = ".github/workflows/matrix.yml"
ACTIONS = {"created", "updated", "unchanged", "deleted"}


def build_tree(root: Path, files: dict[str, str]) -> Path:
    """Write `files` (relative path -> text) under `root`; returns `root`."""
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


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
        build_tree(self.root, {relative: text})

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

    def workflow(self) -> dict[str, Any]:
        """The rendered GitHub workflow, loaded (rendered first)."""
        assert self.render() == 0, self.lines
        loaded: dict[Any, Any] = yamls.load(self.read(WORKFLOW))
        loaded["on"] = loaded.pop(True)  # YAML 1.1 reads the key `on` as true; GitHub does not
        return loaded

    @property
    def path(self) -> Path:
        """The workflow's path."""
        return self.root / WORKFLOW


def project_maker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Project]:
    """`make(matrix_text, files)`: a Project in `tmp_path/project` with that matrix.yaml and
    those files, the test's working folder from then on (the CI-target tests' fixture)."""

    def make(text: str, files: dict[str, str] | None = None) -> Project:
        root = tmp_path / "project"
        root.mkdir(exist_ok=True)
        made = Project(root)
        made.write("matrix.yaml", text)
        for relative, content in (files or {}).items():
            made.write(relative, content)
        monkeypatch.chdir(root)
        return made

    return make
