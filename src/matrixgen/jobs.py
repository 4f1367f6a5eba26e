"""What a CI job of one cell needs, as plain data: its job id, timeout, artifact and installs.

Shared by the rendered workflow (`render.github`) and the plan its `plan` job makes at run
time (`plan`), which must list cells exactly as the rendered file would.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from matrixgen.load.cells import Cell
from matrixgen.load.matrix import Matrix
from matrixgen.load.model import GithubOutput
from matrixgen.load.names import artifact_name

DEFAULT_TIMEOUT_MINUTES = 360  # GitHub's own default for a job
SETUP_MINUTES = 10  # checkout, setup-python and installs, on top of the cell's own timeout


@dataclass(frozen=True)
class CellEntry:
    """One line of a level job's `strategy.matrix.include`."""

    cell: str
    id: str
    python: str
    timeout: int  # minutes
    artifact: str  # unique per cell; artifact names may not contain '/'
    apt: str  # space-separated Debian packages
    pip: str  # newline-separated requirement lines
    npm: str  # space-separated npm packages


def timeout_minutes(cell: Cell) -> int:
    if cell.timeout is None:
        return DEFAULT_TIMEOUT_MINUTES
    return math.ceil(cell.timeout / 60) + SETUP_MINUTES


def cell_entry(matrix: Matrix, cell: Cell, github: GithubOutput) -> CellEntry:
    apt: list[str] = []
    pip: list[str] = []
    npm: list[str] = []
    for name in cell.services:
        install = matrix.model.services[name].install
        apt.extend(install.apt)
        pip.extend(install.pip)
        npm.extend(install.npm)
    return CellEntry(
        cell=cell.name,
        id=cell.id,
        python=cell.python or github.python,
        timeout=timeout_minutes(cell),
        artifact=artifact_name(cell),
        apt=" ".join(dict.fromkeys(apt)),
        pip="\n".join(dict.fromkeys(pip)),
        npm=" ".join(dict.fromkeys(npm)),
    )
