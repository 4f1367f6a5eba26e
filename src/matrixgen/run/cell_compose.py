"""The compose project of a cell whose tests run in containers (its level's or suite's
`compose.files`): its run line brings the cell's profile up, and matrixgen brings it down.

The project is the run's own: the profile's `name:` with a token of the project folder, the
run and the profile (`ledger.compose_name`), which reaches the cell's `docker compose` calls
as COMPOSE_PROJECT_NAME (it wins over `name:`; the profile itself stays the same on every
machine). So a profile brought up by hand, or by another run, is never this run's to take
down, and `matrixgen clean` can tell the project it names from any other (issue 19).

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
from matrixgen.run.ledger import compose_name
from matrixgen.run.leftovers import compose_down


@dataclass(frozen=True)
class CellProject:
    name: str
    profile: Path

    async def down(self, env: Mapping[str, str]) -> str | None:
        """'' when the project is down (or never came up), else why not."""
        return await asyncio.to_thread(compose_down, self.name, str(self.profile), env)


def cell_project(matrix: Matrix, cell: Cell, run_id: str) -> CellProject | None:
    """The project of the cell's generated profile in run `run_id`; None for a cell without
    compose files of its own (its services, if any, are matrixgen's to start and stop)."""
    pattern = matrix.model.outputs.compose
    if not cell.harness or pattern is None:
        return None
    profile = matrix.root / profile_path(pattern, cell)
    stem = compose_project(matrix.model.name or matrix.root.resolve().name, cell)
    return CellProject(compose_name(stem, matrix.root, run_id, profile), profile)
