"""A cell's own environment: exactly what it declares, on the Python it declares, and proof.

A cell of a `python` axis, or one with `install:` lines of its own (on a value, its level
or suite), runs in a venv that holds exactly what it declares (`declared`): its interpreter,
`outputs.install`, its services' pip packages and its `install:` lines, installed under
their `install.env`. Cells that declare the same share one built venv (`interpreters.prepare`);
matrixgen itself is never in it. Around each attempt: `python_seen` notes every Python that
starts, and the venv's fingerprint is compared before and after. After: a cell that ran
Python, but never the declared one, is an error; a cell whose venv changed while it ran (a
`pip install` in its `run:`) is an error, its venv is built again before another cell gets
it; the interpreter that ran is stamped on its JUnit (`matrixgen.python`), which `report`
checks. A cell that declares none of this runs in the environment matrixgen was started in.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from matrixgen.errors import InstallError
from matrixgen.load.cells import Cell
from matrixgen.load.matrix import Matrix
from matrixgen.load.model import CellInstall
from matrixgen.outcome import stamp
from matrixgen.outcome.junit import read_junit
from matrixgen.outcome.status import Status
from matrixgen.outcome.verdict import RAN
from matrixgen.run import interpreters, python_seen
from matrixgen.run.attempt import Outcome


@dataclass(frozen=True)
class Declared:
    """What a cell's environment holds: requirement lines, and the env they install under."""

    lines: list[str]
    env: dict[str, str]
    own: bool  # the cell has `install:` lines or env of its own (on a value, level or suite)


def _own_installs(matrix: Matrix, cell: Cell) -> list[CellInstall]:
    model = matrix.model
    found = [
        model.axes[axis].values[value].install
        for axis, value in cell.values.items()
        if axis in model.axes and value in model.axes[axis].values
    ]
    level = model.levels[cell.level]
    found.append(level.install)
    suite = (level.suites or {}).get(cell.suite)
    if suite is not None:
        found.append(suite.install)
    return found


def declared(matrix: Matrix, cell: Cell) -> Declared:
    """The project's lines, its services' pip packages, then the cell's values', level's and
    suite's `install:` lines; their env in the same order (a later one wins)."""
    lines = list(matrix.model.outputs.install)
    for name in cell.services:
        lines.extend(matrix.model.services[name].install.pip)
    env: dict[str, str] = {}
    own = _own_installs(matrix, cell)
    for install in own:
        lines.extend(install.pip)
        env.update(install.env)
    return Declared(list(dict.fromkeys(lines)), env, any(i.pip or i.env for i in own))


@dataclass(frozen=True)
class CellPython:
    declared: str | None  # the python value; None: the env's own `python` was the base
    prepared: interpreters.Prepared
    folder: Path  # holds the noting sitecustomize, private to this run

    def env(self, env: Mapping[str, str], log: Path) -> dict[str, str]:
        return python_seen.watched(self.prepared.apply(env), self.folder, log)

    def judge(
        self, cell: Cell, outcome: Outcome, log: Path, junit_path: Path
    ) -> tuple[Outcome, str, str]:
        """The outcome (an error when another Python ran, or when the cell changed its
        environment), the interpreter to stamp, and all seen."""
        seen = python_seen.read(log)
        ran = seen.ran(self.declared) if self.declared is not None else None
        recorded = ran or (seen.versions[0] if seen.versions else self.prepared.version)
        reason = ""
        if self.declared is not None and seen.versions and ran is None:
            reason = (
                f"ran on Python {seen.versions[0]} ({seen.executables[0]}), not on Python "
                f"{self.declared}: its command called another interpreter; run tools as "
                "`python -m ...` or list them in outputs.install so the cell's venv has them"
            )
        elif interpreters.changed(self.prepared.venv):
            reason = self._changed()
        if reason and outcome.status in RAN:
            if read_junit(junit_path).tests:
                stamp.add_error(junit_path, cell, message=reason, details=outcome.output)
            outcome = replace(outcome, status=Status.ERROR, reason=reason)
        return outcome, recorded if self.declared is not None else "", ",".join(seen.versions)

    def _changed(self) -> str:
        """Why the cell did not run as declared; its venv is built again for the next cell."""
        venv = self.prepared.venv
        now = interpreters.installed(venv)
        before = set(self.prepared.holds)
        interpreters.discard(venv)
        diff = [f"+{name}" for name in sorted(now - before)]
        diff += [f"-{name}" for name in sorted(before - now)]
        what = f" ({', '.join(diff)})" if diff else ""
        return (
            f"did not run as declared: its environment changed while it ran{what}; matrixgen "
            "builds it again for the next cell. Declare what the cell needs under `install:` "
            "(on its level, suite or a value) instead of installing it in `run:`"
        )


async def prepare(
    matrix: Matrix, cell: Cell, env: Mapping[str, str], folder: Path
) -> CellPython | str | None:
    """The cell's environment, or why it cannot be had (an error of the cell, with the
    reason); None when the cell declares neither a Python nor `install:` lines of its own,
    and runs in the environment matrixgen was started in."""
    wanted = declared(matrix, cell)
    if cell.python is None and not wanted.own:
        return None
    try:
        prepared = await asyncio.to_thread(
            interpreters.prepare, cell.python, wanted.lines, matrix.root, env, wanted.env
        )
    except InstallError as error:
        what = f"Python {cell.python}" if cell.python else "the environment"
        return f"could not prepare {what} for the cell: {error}"
    if isinstance(prepared, interpreters.Missing):
        return prepared.reason
    python_seen.install(folder)
    return CellPython(cell.python, prepared, folder)
