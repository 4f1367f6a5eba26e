"""Find JUnit files under results folders and attribute each to a cell of the matrix."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from matrixgen.load.cells import Cell
from matrixgen.load.github.checks import allowed_failure
from matrixgen.load.matrix import Matrix
from matrixgen.outcome.attempts import is_attempt_file
from matrixgen.outcome.junit import JUnitFile, read_junit
from matrixgen.outcome.status import Status
from matrixgen.results.status import CellStatus, cell_status


@dataclass
class Collection:
    statuses: dict[str, CellStatus]  # every cell of the matrix, then every excluded cell, by id
    warnings: list[str] = field(default_factory=list)
    files: int = 0

    def of(self, *wanted: Status) -> list[CellStatus]:
        return [s for s in self.statuses.values() if s.status in wanted]


def junit_paths(folders: Sequence[Path]) -> list[Path]:
    """Every *.xml below the folders, sorted, each once (folders may overlap).

    Entries named *.xml that are not regular files (a folder, a FIFO, a link) are listed
    too: the reader refuses them with a reason, so a planted `x.xml` is reported, never
    silently passed over. Links to folders are not followed (os.walk's default); a real
    folder named *.xml is also searched. An earlier attempt's file (`<cell>.attempt-N.xml`,
    kept by `run --retries`) is not a result: the final file records what it said.
    """
    found: dict[Path, None] = {}
    for folder in folders:
        for directory, subdirs, names in os.walk(folder):
            subdirs.sort()
            for name in sorted([*subdirs, *names]):
                if name.lower().endswith(".xml") and not is_attempt_file(name):
                    found.setdefault(Path(directory, name), None)
    return list(found)


class Attributor:
    """Which cell a file belongs to: its `matrixgen.cell` stamp, else its path.

    The path forms are what `matrixgen run` writes (`<level>/<cell>.xml`) and what
    CI artifact downloads make of it (`<artifact>/<level>/<cell>.xml`, or a folder named
    after the cell holding a runner's own file names).
    """

    def __init__(self, matrix: Matrix) -> None:
        self.cells = {c.id: c for c in matrix.cells}
        self.excluded = {r.cell.id for r in matrix.removed}
        by_name: dict[str, list[Cell]] = {}
        for cell in matrix.cells:
            by_name.setdefault(cell.name, []).append(cell)
        self.unique_names = {name: cells[0] for name, cells in by_name.items() if len(cells) == 1}

    def by_stamp(self, junit: JUnitFile) -> tuple[Cell | None, str | None]:
        stamp = junit.properties.get("matrixgen.cell")
        if stamp is None:
            return None, None
        cell = self.cells.get(stamp)
        if cell is not None:
            return cell, None
        if stamp in self.excluded:
            return None, f"{junit.path}: ignored, its cell {stamp} is excluded by matrix.yaml"
        return None, f"{junit.path}: ignored, its cell {stamp} is not in the matrix (stale result?)"

    def by_path(self, path: Path, folder: Path) -> Cell | None:
        parts = list(path.relative_to(folder).parts)
        parts[-1] = path.stem
        for index in range(len(parts) - 1, -1, -1):
            if index > 0 and f"{parts[index - 1]}/{parts[index]}" in self.cells:
                return self.cells[f"{parts[index - 1]}/{parts[index]}"]
            if parts[index] in self.unique_names:
                return self.unique_names[parts[index]]
        return None


def collect(matrix: Matrix, folders: Sequence[Path]) -> Collection:
    attributor = Attributor(matrix)
    files: dict[str, list[JUnitFile]] = {}
    warnings: list[str] = []
    count = 0
    for folder in folders:
        for path in junit_paths([folder]):
            junit = read_junit(path)
            count += 1
            cell, warning = attributor.by_stamp(junit)
            if cell is None and warning is None:
                cell = attributor.by_path(path, folder)
                if cell is None and junit.problem is not None:
                    warning = f"{path}: ignored, its path names no cell: {junit.problem}"
                elif cell is None:
                    warning = (
                        f"{path}: ignored, no matrixgen.cell property and its path names no cell"
                    )
            if warning is not None:
                warnings.append(warning)
            elif cell is not None:
                files.setdefault(cell.id, []).append(junit)
    statuses = {cell.id: cell_status(cell, files.get(cell.id, [])) for cell in matrix.cells}
    for status in statuses.values():
        status.reason = _without_root(status.reason, matrix.root)
        status.allowed_failure = allowed_failure(matrix.model, status.cell)
    _add_excluded(matrix, statuses)
    return Collection(statuses, warnings, count)


def skeleton(matrix: Matrix) -> dict[str, CellStatus]:
    """Statuses before anything ran: declared cells and excluded ones (the docs skeleton)."""
    statuses = {cell.id: CellStatus(cell, Status.DECLARED) for cell in matrix.cells}
    _add_excluded(matrix, statuses)
    return statuses


def _add_excluded(matrix: Matrix, statuses: dict[str, CellStatus]) -> None:
    # An include can bring back an excluded id with other values; the cell that runs wins.
    for removed in matrix.removed:
        if removed.cell.id not in statuses:
            reason = matrix.model.exclude[removed.exclude].reason
            statuses[removed.cell.id] = CellStatus(
                removed.cell, Status.EXCLUDED, reason, exclude=removed.exclude
            )


def _without_root(reason: str | None, root: Path) -> str | None:
    """Reasons land in a committed docs page: no machine's absolute paths in them."""
    if not reason:
        return reason
    for prefix in dict.fromkeys([str(root.resolve()), str(root.absolute())]):
        reason = reason.replace(prefix + os.sep, "").replace(prefix, ".")
    return reason
