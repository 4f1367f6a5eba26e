"""A cell of a `python` axis runs on that Python, and its result says which Python ran.

Before the cell: its interpreter (`interpreters.prepare`: the env as it is when its
`python` already is that version, else a cached venv with `outputs.install` and the pip
packages of the cell's services). Around each attempt: `python_seen` notes every Python
that starts. After: a cell that ran Python, but never the declared version, is an error;
the version that ran is stamped on its JUnit (`matrixgen.python`), which `report` checks.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from matrixgen.errors import InstallError
from matrixgen.load.cells import Cell
from matrixgen.load.matrix import Matrix
from matrixgen.outcome import stamp
from matrixgen.outcome.junit import read_junit
from matrixgen.outcome.status import Status
from matrixgen.outcome.verdict import RAN
from matrixgen.run import interpreters, python_seen
from matrixgen.run.attempt import Outcome


def requirements(matrix: Matrix, cell: Cell) -> list[str]:
    """What the cell's own venv holds: the project's lines, then its services' pip packages."""
    lines = list(matrix.model.outputs.install)
    for name in cell.services:
        lines.extend(matrix.model.services[name].install.pip)
    return list(dict.fromkeys(lines))


@dataclass(frozen=True)
class CellPython:
    declared: str
    prepared: interpreters.Prepared
    folder: Path  # holds the noting sitecustomize, private to this run

    def env(self, env: Mapping[str, str], log: Path) -> dict[str, str]:
        return python_seen.watched(self.prepared.apply(env), self.folder, log)

    def judge(
        self, cell: Cell, outcome: Outcome, log: Path, junit_path: Path
    ) -> tuple[Outcome, str, str]:
        """The outcome (an error when another Python ran), the version to stamp, all seen."""
        seen = python_seen.read(log)
        ran = seen.ran(self.declared)
        recorded = ran or (seen.versions[0] if seen.versions else self.prepared.version)
        if seen.versions and ran is None and outcome.status in RAN:
            reason = (
                f"ran on Python {seen.versions[0]} ({seen.executables[0]}), not on Python "
                f"{self.declared}: its command called another interpreter; run tools as "
                "`python -m ...` or list them in outputs.install so the cell's venv has them"
            )
            if read_junit(junit_path).tests:
                stamp.add_error(junit_path, cell, message=reason, details=outcome.output)
            outcome = replace(outcome, status=Status.ERROR, reason=reason)
        return outcome, recorded, ",".join(seen.versions)


async def prepare(
    matrix: Matrix, cell: Cell, env: Mapping[str, str], folder: Path
) -> CellPython | str:
    """The cell's Python, or why it cannot be had (an error of the cell, with the reason)."""
    assert cell.python is not None
    try:
        prepared = await asyncio.to_thread(
            interpreters.prepare, cell.python, requirements(matrix, cell), matrix.root, env
        )
    except InstallError as error:
        return f"could not prepare Python {cell.python} for the cell: {error}"
    if isinstance(prepared, interpreters.Missing):
        return prepared.reason
    python_seen.install(folder)
    return CellPython(cell.python, prepared, folder)
