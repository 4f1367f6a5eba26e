"""noxfile.py: one session per level, parametrized by cell id, so names read `component(gcs-lww)`.

The level is the session's tag, and so is every value of the cell as `axis=value`
(`nox -t backend=gcs`) and, where no other axis, level or suite has that name, bare
(`nox -t gcs`). An axis named `python` becomes the session's Python, so `nox -p 3.12`
selects by it. The user owns the rest of noxfile.py: only the marked region is generated.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from matrixgen.load.cells import Cell
from matrixgen.load.matrix import Matrix
from matrixgen.load.names import function_name
from matrixgen.marks import HASH, Markers
from matrixgen.render.target import Output, Region, RenderContext, Rendered
from matrixgen.render.user_sessions import check_noxfile

MARKERS = Markers("sessions", HASH)

NEW_NOXFILE = '''\
"""Nox sessions.

matrixgen render owns the region between the matrixgen:sessions markers: one session per
level of matrix.yaml, e.g. nox -s "{example}", nox -t {tag}. Everything else here is yours.
"""

{region}

# Your own sessions go below; matrixgen render never touches them.
'''


@dataclass(frozen=True)
class Param:
    cell: str
    python: str | None
    tags: list[str]


@dataclass(frozen=True)
class LevelSession:
    name: str
    function: str
    description: str
    python: bool
    params: list[Param]


def shared_names(matrix: Matrix) -> set[str]:
    """Value names that a bare `nox -t NAME` could mean more than one way: a value of
    several axes (`8` of x and of y), or also a level's or a suite's name."""
    owners: dict[str, int] = {}
    for axis in matrix.model.axes.values():
        for value in axis.values:
            owners[value] = owners.get(value, 0) + 1
    for name, level in matrix.model.levels.items():
        for other in [name, *(level.suites or {})]:
            owners[other] = owners.get(other, 0) + 1
    return {name for name, count in owners.items() if count > 1}


def cell_tags(cell: Cell, shared: set[str]) -> list[str]:
    """`axis=value` for each value (`nox -t backend=gcs`), and the bare value (`nox -t gcs`)
    where that names it alone; the suite in a level of several."""
    tags: list[str] = []
    for axis, value in cell.values.items():
        tags += [value, f"{axis}={value}"] if value not in shared else [f"{axis}={value}"]
    if cell.suite_count > 1:
        tags.append(cell.suite)
    return list(dict.fromkeys(tags))


def level_sessions(matrix: Matrix) -> list[LevelSession]:
    by_level: dict[str, list[Cell]] = {}
    for cell in matrix.cells:
        by_level.setdefault(cell.level, []).append(cell)
    shared = shared_names(matrix)
    sessions = []
    for level, cells in by_level.items():
        params = [
            Param(cell=cell.name, python=cell.python, tags=cell_tags(cell, shared))
            for cell in cells
        ]
        python = any(p.python is not None for p in params)
        description = level_description(matrix, cells)
        sessions.append(LevelSession(level, function_name(level), description, python, params))
    return sessions


def level_description(matrix: Matrix, cells: list[Cell]) -> str:
    """What `nox -l` says of each of the level's sessions: `Integration — by Transport ×
    Storage backend, with Mode: LWW`, the axes its cells vary in and the values they share, by
    title and label. nox gives every parametrization of a session the one docstring
    (nox/sessions.py, SessionRunner.description; wntrblm/nox#392); the cell's own values are
    its tags, on the same line. One session per cell would give each its own, but `nox -s
    unit` would no longer select a level."""
    label = cells[0].level_label or cells[0].level
    spanned = list(dict.fromkeys(axis for cell in cells for axis in cell.spanned))
    first = cells[0]
    pinned = [
        axis
        for axis in first.values
        if axis not in spanned and all(c.values.get(axis) == first.values[axis] for c in cells)
    ]

    def title(axis: str) -> str:
        declared = matrix.model.axes[axis].title
        return declared or axis.capitalize()

    parts = ["by " + " × ".join(title(axis) for axis in spanned)] if spanned else []
    if pinned:
        shared = (f"{title(axis)}: {first.labels.get(axis, first.values[axis])}" for axis in pinned)
        parts.append("with " + ", ".join(shared))
    text = f"{label} — {', '.join(parts)}" if parts else label
    return " ".join(text.split())  # one line: nox shows the first


class NoxTarget:
    name = "nox"

    def enabled(self, matrix: Matrix) -> bool:
        return matrix.model.outputs.nox is not None

    def render(self, context: RenderContext) -> Rendered:
        matrix = context.matrix
        path = matrix.model.outputs.nox or "noxfile.py"
        # nox runs sessions in the noxfile's folder; point matrixgen back at matrix.yaml from there.
        relative = os.path.relpath(context.root / context.source, (context.root / path).parent)
        matrix_args = [] if relative == "matrix.yaml" else ["-f", relative.replace(os.sep, "/")]
        sessions = level_sessions(matrix)
        levels = [session.name for session in sessions]
        check_noxfile(context.root, path, MARKERS, levels, matrix.source.display)
        first = sessions[0]
        example = f"{first.name}({first.params[0].cell})"
        body = context.templates.render(
            "nox-sessions.py.j2",
            levels=sessions,
            matrixgen_line=matrix.model.outputs.matrixgen_line,
            matrix_args=matrix_args,
            example=example,
        )

        def new_file(region: str) -> str:
            return NEW_NOXFILE.format(region=region.rstrip("\n"), example=example, tag=first.name)

        return Rendered([Output(path, body, HASH, Region(MARKERS, new_file))])
