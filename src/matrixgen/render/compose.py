"""Compose profiles: one file per cell that needs services, at `outputs.compose`.

A profile `include:`s, as one merged model, the shared compose file of every service
the cell needs and then the overlays of its matching overrides (so an overlay may
change a shared service), under a project name of its own. The cell's env is kept in
`x-matrixgen.env`, for whoever starts the profile (compose has no top-level env).
"""

from __future__ import annotations

import os
import re
from pathlib import PurePosixPath

from matrixgen.errors import MatrixgenError
from matrixgen.load.cells import Cell
from matrixgen.load.matrix import Matrix
from matrixgen.load.names import profile_path
from matrixgen.load.placeholders import substitute
from matrixgen.marks import HASH
from matrixgen.render.target import Output, RenderContext, Rendered


class _Keep(dict[str, str]):
    """Placeholder values; a name only known at run time (`${namespace}`) stays as written."""

    def __missing__(self, key: str) -> str:
        return "${" + key + "}"


def owned_glob(pattern: str) -> str:
    return re.sub(r"\$\{[^}]*\}", "*", pattern)


def project_name(matrix: Matrix, cell: Cell) -> str:
    # Compose project names: lowercase letters, digits, '-' and '_'; a letter or digit first.
    base = matrix.model.name or matrix.root.resolve().name or "matrix"
    name = re.sub(r"[^a-z0-9_-]+", "-", f"{base}-{cell.level}-{cell.name}".lower()).strip("-_")
    return name or "matrix"


def cell_env(cell: Cell) -> dict[str, str]:
    values = _Keep(cell.values)
    values.update(level=cell.level, suite=cell.suite, cell=cell.name)
    return {key: substitute(text, values) for key, text in cell.env.items()}


def includes(matrix: Matrix, cell: Cell, profile: str) -> list[str]:
    """The shared files of the cell's services, then its overlays, relative to the profile."""
    files = [matrix.model.services[s].compose for s in cell.services]
    wanted = [f for f in files if f] + list(cell.overlays)
    folder = (matrix.root / profile).parent
    return [
        PurePosixPath(os.path.relpath(matrix.root / f, folder)).as_posix()
        for f in dict.fromkeys(wanted)
    ]


class ComposeTarget:
    name = "compose"

    def enabled(self, matrix: Matrix) -> bool:
        return matrix.model.outputs.compose is not None

    def render(self, context: RenderContext) -> Rendered:
        matrix = context.matrix
        pattern = matrix.model.outputs.compose or ""
        outputs: list[Output] = []
        seen: dict[str, str] = {}
        for cell in matrix.cells:
            path = profile_path(pattern, cell)
            paths = includes(matrix, cell, path)
            if not paths:
                continue  # no service with a compose file, no overlay: nothing to start
            if path in seen:
                raise MatrixgenError(
                    f"outputs.compose puts cells {seen[path]} and {cell.id} in one file ({path}); "
                    "add ${level} and ${cell} to the pattern"
                )
            seen[path] = cell.id
            body = context.templates.render(
                "compose-profile.yml.j2",
                project=project_name(matrix, cell),
                cell=cell.id,
                includes=paths,
                env=cell_env(cell),
            )
            outputs.append(Output(path, body, HASH))
        return Rendered(outputs, owned=[owned_glob(pattern)])
