"""The one shape every output target has: matrix in, files (or regions of files) out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from matrixgen.marks import Comment, Markers

if TYPE_CHECKING:
    from matrixgen.load.matrix import Matrix
    from matrixgen.render.templating import Templates


@dataclass(frozen=True)
class Region:
    """The generated part of a file the user owns (noxfile.py, a docs page)."""

    markers: Markers
    new_file: Callable[[str], str]  # the whole text of a new file around the region


@dataclass(frozen=True)
class Output:
    path: str  # relative to the project root, with forward slashes
    body: str  # the generated text, without header or markers
    comment: Comment
    region: Region | None = None  # None: matrixgen owns the whole file


@dataclass(frozen=True)
class Rendered:
    outputs: list[Output]
    # Globs (relative to the root) where generated files of this target live; a generated
    # file found there that is not in `outputs` belongs to a vanished cell and is deleted.
    owned: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RenderContext:
    matrix: Matrix
    templates: Templates

    @property
    def root(self) -> Path:
        return self.matrix.root

    @property
    def source(self) -> str:
        """matrix.yaml's name as generated files mention it (relative to the root)."""
        return self.matrix.source.path.name


class Target(Protocol):
    name: str

    def enabled(self, matrix: Matrix) -> bool: ...

    def render(self, context: RenderContext) -> Rendered: ...
