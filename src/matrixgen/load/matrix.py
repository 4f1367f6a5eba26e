"""The loaded matrix: the pipeline's result, and how commands select cells from it."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from matrixgen.errors import ConfigError, Problem, UsageError, did_you_mean
from matrixgen.load import computed as computed_axes
from matrixgen.load.cells import Cell
from matrixgen.load.clashes import check_cell_names, check_value_names
from matrixgen.load.computed import ComputedAxis
from matrixgen.load.covering import check_cover_fields, cover_problems
from matrixgen.load.document import Document
from matrixgen.load.expand import Expansion, Removed, expand, suites
from matrixgen.load.github.checks import check_cells, check_github
from matrixgen.load.github.job_options import check_job_option_cells, check_job_options
from matrixgen.load.harness import check_env_names, check_harness
from matrixgen.load.loader import Source, locate, read_document, validate_schema
from matrixgen.load.model import MatrixFile
from matrixgen.load.outputs import check_install_lines, check_paths
from matrixgen.load.probes import check_ready_probes
from matrixgen.load.references import check_expansion, check_references
from matrixgen.load.selection import select
from matrixgen.load.service_values import check_service_values
from matrixgen.load.size import check_size
from matrixgen.load.targets import check_target_cells, check_targets
from matrixgen.load.unused import check_unused_settings


@dataclass
class Matrix:
    source: Source
    document: Document
    model: MatrixFile
    expansion: Expansion
    # Axes whose values a command prints (`values: {from: ...}`), and, when it did not run,
    # the cells of their stand-in values: each stands for a level's cells of one
    # combination of declared values, and is in no listing (`load.computed`).
    computed: dict[str, ComputedAxis] = field(default_factory=dict)
    pending: list[Cell] = field(default_factory=list)

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
        return select(
            self.cells,
            selectors,
            level=level,
            where=where,
            levels=list(self.model.levels),
            axes=list(self.model.axes),
        )


def load(
    directory: Path | None = None,
    file: str | None = None,
    *,
    text: str | None = None,
    compute: bool = False,
    env: Mapping[str, str] | None = None,
) -> Matrix:
    """Read, validate and expand matrix.yaml. Raises `ConfigError` with every problem found.

    `text` stands in for the file's content; the files it names (compose files, overlays)
    are then not looked for, since such a text need not belong to the folder. `compute`
    runs the commands of computed axes (`load.computed`) in the folder, with `env`;
    without it their cells are `pending`.
    """
    source = locate(directory, file)
    document = read_document(source, text)
    computed, problems = computed_axes.find(document)
    problems += computed_axes.named(document, computed)
    if problems:
        raise ConfigError(problems)
    if computed:
        values = computed_axes.stand_ins(computed)
        if compute:
            found = os.environ if env is None else env
            values = {
                name: computed_axes.compute(document, axis, source.root, found)
                for name, axis in computed.items()
            }
        document = computed_axes.with_values(document, values)
    matrix = _load(source, document, text)
    if computed:
        matrix.computed = computed
        if not compute:
            cells = matrix.expansion.cells
            matrix.pending = [c for c in cells if any(a in c.values for a in computed)]
            matrix.expansion.cells = [c for c in cells if not any(a in c.values for a in computed)]
    return matrix


def _load(source: Source, document: Document, text: str | None) -> Matrix:
    try:
        model = validate_schema(document)
    except ConfigError as error:
        from matrixgen.load.pruning import salvage  # only for a file the schema refuses

        # The reference problems too, as far as the schema errors leave a model to check.
        raise ConfigError([*error.problems, *salvage(document)]) from None
    problems = check_model(document, model, source.root if text is None else None)
    if problems:
        raise ConfigError(problems)
    expansion = expand(model)
    problems = check_expansion(document, model, expansion)
    problems += cover_problems(document, model, expansion.covers)
    problems += check_cell_names(document, model, expansion.cells)
    problems += check_target_cells(document, model, expansion.cells)
    problems += check_cells(document, model, expansion.cells)
    problems += check_job_option_cells(document, model, expansion.cells)
    root = source.root if text is None else None
    problems += check_service_values(document, model, expansion.cells, root)
    if problems:
        raise ConfigError(problems)
    return Matrix(source, document, model, expansion)


def check_model(document: Document, model: MatrixFile, root: Path | None) -> list[Problem]:
    """Every check of a valid model before expansion; `root` (when given) holds the files.

    `check_size` is among them so that a matrix too big to expand is refused unexpanded.
    """
    return [
        *check_references(document, model),
        *check_value_names(document, model),
        *check_size(document, model),
        *check_cover_fields(document, model, suites(model)),
        *check_ready_probes(document, model),
        *check_unused_settings(document, model),
        *check_paths(document, model, root),
        *check_harness(document, model, root),
        *check_env_names(document, model),
        *check_install_lines(document, model),
        *check_targets(document, model),
        *check_github(document, model),
        *check_job_options(document, model),
    ]
