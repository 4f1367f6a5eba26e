"""The loaded matrix: the pipeline's result, and how commands select cells from it."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from matrixgen.errors import ConfigError, Problem, UsageError, did_you_mean
from matrixgen.load.cells import Cell
from matrixgen.load.clashes import check_cell_names, check_level_names, check_output_paths
from matrixgen.load.document import Document
from matrixgen.load.expand import Expansion, Removed, expand
from matrixgen.load.loader import Source, locate, read_document, validate_schema
from matrixgen.load.model import MatrixFile
from matrixgen.load.outputs import check_install_lines, check_paths
from matrixgen.load.probes import check_ready_probes
from matrixgen.load.pruning import salvage
from matrixgen.load.references import check_expansion, check_references
from matrixgen.load.size import check_size
from matrixgen.load.unused import check_unused_settings


@dataclass
class Matrix:
    source: Source
    document: Document
    model: MatrixFile
    expansion: Expansion

    @property
    def cells(self) -> list[Cell]:
        return self.expansion.cells

    @property
    def removed(self) -> list[Removed]:
        return self.expansion.removed

    @property
    def root(self) -> Path:
        return self.source.root

    def cell(self, cell_id: str) -> Cell:
        for cell in self.cells:
            if cell.id == cell_id:
                return cell
        raise UsageError(f"no cell '{cell_id}'{did_you_mean(cell_id, [c.id for c in self.cells])}")

    def select(
        self, selectors: Sequence[str] = (), *, level: str | None = None, where: str | None = None
    ) -> list[Cell]:
        """Cells matching any selector (all when none), a level, and `axis=value,...` conditions."""
        cells = self.cells
        if selectors:
            chosen: set[str] = set()  # ids: comparing Cells field by field is O(n²) on globs
            for selector in selectors:
                hits = [c for c in cells if matches(selector, c)]
                if not hits:
                    ids = [c.id for c in cells] + list(self.model.levels)
                    raise UsageError(
                        f"selector '{selector}' matches no cell{did_you_mean(selector, ids)}; "
                        "see `matrixgen list`"
                    )
                chosen.update(c.id for c in hits)
            cells = [c for c in cells if c.id in chosen]
        if level is not None:
            if level not in self.model.levels:
                raise UsageError(f"unknown level '{level}'{did_you_mean(level, self.model.levels)}")
            cells = [c for c in cells if c.level == level]
        for axis, value in parse_where(where):
            if axis not in self.model.axes and axis not in ("level", "suite"):
                raise UsageError(
                    f"--where: unknown axis '{axis}'{did_you_mean(axis, self.model.axes)}"
                )
            cells = [c for c in cells if value in _field(c, axis)]
        return cells


def _field(cell: Cell, key: str) -> tuple[str, ...]:
    if key == "level":
        return (cell.level,)
    if key == "suite":
        return (cell.suite,)
    value = cell.values.get(key)
    return (value,) if value is not None else ()


def parse_where(where: str | None) -> Iterable[tuple[str, str]]:
    if not where:
        return []
    pairs = []
    for part in where.split(","):
        axis, sep, value = part.partition("=")
        if not sep or not axis.strip() or not value.strip():
            raise UsageError(f"--where expects axis=value[,axis=value...], got '{part}'")
        pairs.append((axis.strip(), value.strip()))
    return pairs


def matches(selector: str, cell: Cell) -> bool:
    """`level/cell`, a level name, or a glob over ids (`*/gcs-*`)."""
    if selector == cell.level or selector == cell.id:
        return True
    return any(ch in selector for ch in "*?[") and fnmatch.fnmatchcase(cell.id, selector)


def load(
    directory: Path | None = None, file: str | None = None, *, text: str | None = None
) -> Matrix:
    """Read, validate and expand matrix.yaml. Raises `ConfigError` with every problem found.

    `text` stands in for the file's content; the files it names (compose files, overlays)
    are then not looked for, since such a text need not belong to the folder.
    """
    source = locate(directory, file)
    document = read_document(source, text)
    try:
        model = validate_schema(document)
    except ConfigError as error:
        # The reference problems too, as far as the schema errors leave a model to check.
        raise ConfigError([*error.problems, *salvage(document)]) from None
    problems = check_model(document, model, source.root if text is None else None)
    if problems:
        raise ConfigError(problems)
    expansion = expand(model)
    problems = check_expansion(document, model, expansion)
    problems += check_cell_names(document, model, expansion.cells)
    if problems:
        raise ConfigError(problems)
    return Matrix(source, document, model, expansion)


def check_model(document: Document, model: MatrixFile, root: Path | None) -> list[Problem]:
    """Every check of a valid model before expansion; `root` (when given) holds the files.

    `check_size` is among them so that a matrix too big to expand is refused unexpanded.
    """
    return [
        *check_references(document, model),
        *check_size(document, model),
        *check_ready_probes(document, model),
        *check_unused_settings(document, model),
        *check_paths(document, model, root),
        *check_install_lines(document, model),
        *check_level_names(document, model),
        *check_output_paths(document, model),
    ]
