"""The compose project of a cell whose tests run in containers (its level's or suite's
`compose.files`): its run line brings the cell's profile up, and matrixgen brings it down.

The project goes into the ledger before the cell starts, so a killed run leaves it to
`matrixgen clean`; after the cell, however it ended (passed, failed, timed out, Ctrl-C),
`docker compose down --volumes --remove-orphans` removes its containers, the testers that
`docker compose run` started, its networks and its volumes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from matrixgen.load.cells import Cell
from matrixgen.load.matrix import Matrix
from matrixgen.load.names import compose_project, profile_path
from matrixgen.run.leftovers import compose_down


@dataclass(frozen=True)
class CellProject:
    name: str
    profile: Path

    async def down(self, env: Mapping[str, str]) -> str:
        """'' when the project is down (or never came up), else why not."""
        return await asyncio.to_thread(compose_down, self.name, str(self.profile), env)


def cell_project(matrix: Matrix, cell: Cell) -> CellProject | None:
    """The project of the cell's generated profile; None for a cell without compose files
    of its own (its services, if any, are matrixgen's to start and stop)."""
    pattern = matrix.model.outputs.compose
    if not cell.harness or pattern is None:
        return None
    name = compose_project(matrix.model.name or matrix.root.resolve().name, cell)
    return CellProject(name, matrix.root / profile_path(pattern, cell))
