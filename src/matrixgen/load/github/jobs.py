"""What a CI job of one cell needs, as plain data: its job id, timeout, artifact and installs.

Shared by the rendered workflow (`render.github`) and the plan its `plan` job makes at run
time (`plan`), which must list cells exactly as the rendered file would. An entry's
`matrix()` is its line of a job's `strategy.matrix.include`, keyed as the templates read
it (`matrix.runs-on`, `matrix.allowed-failure`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from matrixgen import pythons
from matrixgen.load.cells import Cell
from matrixgen.load.github.checks import cell_github, job_name
from matrixgen.load.github.model import GithubOutput
from matrixgen.load.matrix import Matrix
from matrixgen.load.names import artifact_name
from matrixgen.load.service_values import service_image

DEFAULT_TIMEOUT_MINUTES = 360  # GitHub's own default for a job


@dataclass(frozen=True)
class JobEntry:
    """What one job of a level's matrix runs on and installs: a cell's, or a shard's."""

    python: str  # setup-python's python-version: "3.14" for the python value "3.14t" (uv's
    # request with `installer: uv`: "3.14t")
    timeout: int  # minutes
    artifact: str  # unique per job; artifact names may not contain '/'
    apt: str  # space-separated Debian packages
    pip: str  # newline-separated requirement lines
    npm: str  # space-separated npm packages
    freethreaded: bool = False
    prerelease: bool = False  # setup-python's allow-prereleases
    runs_on: str | tuple[str, ...] = "ubuntu-latest"
    env: Mapping[str, str] = field(default_factory=dict)
    suite: str = ""
    allowed_failure: bool = False
    retries: int = 0
    images: Mapping[str, str] = field(default_factory=dict)  # service container -> its image
    services_mode: str = "native"  # `matrixgen run --services` for the other services
    setup: str = ""  # space-separated services whose `install.steps` the job runs

    def matrix(self) -> dict[str, Any]:
        """This entry as a matrix line: `runs_on` is `runs-on`, `allowed_failure` ..."""
        # Shallow (asdict copies deeply: a third of a 10,000-cell render): every field is a
        # string, number or flag but these, made plain below.
        line = {each.name: getattr(self, each.name) for each in fields(self)}
        line["env"] = dict(self.env)
        line["images"] = dict(self.images)
        line["runs_on"] = self.runs_on if isinstance(self.runs_on, str) else list(self.runs_on)
        return {key.replace("_", "-"): value for key, value in line.items()}


@dataclass(frozen=True)
class CellEntry(JobEntry):
    """One line of a level job's `strategy.matrix.include`."""

    cell: str = ""
    id: str = ""
    name: str = ""  # what the job's name shows: the cell, or its values with their axes
    values: Mapping[str, str] = field(default_factory=dict)  # `matrix.values.python`: "3.14t"
    container: str = ""  # the image of the job's container ("": on the runner)

    def matrix(self) -> dict[str, Any]:
        line = super().matrix()
        line["values"] = dict(self.values)
        if not self.container:
            del line["container"]
        return line


def timeout_minutes(cell: Cell, limit: int | None, github: GithubOutput) -> int:
    """The job's `timeout-minutes`: its `github.timeout-minutes` (`limit`) as declared, else
    the cell's `timeout` plus `outputs.github.setup-minutes` (0 unless set: the timeout
    written is the timeout used), else GitHub's default."""
    if limit is not None:
        return limit
    if cell.timeout is None:
        return DEFAULT_TIMEOUT_MINUTES
    return math.ceil(cell.timeout / 60) + github.setup_minutes


def cell_entry(matrix: Matrix, cell: Cell, github: GithubOutput, name: str = "") -> CellEntry:
    settings = cell_github(matrix.model, cell, github)
    apt: list[str] = list(settings.apt)
    pip: list[str] = list(settings.pip)
    npm: list[str] = list(settings.npm)
    # A service the job gets as a container installs nothing: `install:` is what runs it
    # natively (and an apt server package would start and take its port).
    setup: list[str] = []
    for service in (s for s in cell.services if s not in settings.containers):
        install = matrix.model.services[service].install
        apt.extend(install.apt)
        pip.extend(install.pip)
        npm.extend(install.npm)
        if install.steps:
            setup.append(service)
    return CellEntry(
        cell=cell.name,
        id=cell.id,
        name=name or cell.name,
        values=dict(cell.values),
        container=settings.container.image if settings.container is not None else "",
        **job_python(cell, github, settings.python, settings.freethreaded, settings.prerelease),
        timeout=timeout_minutes(cell, settings.timeout_minutes, github),
        artifact=artifact_name(cell),
        apt=" ".join(dict.fromkeys(apt)),
        pip="\n".join(dict.fromkeys(pip)),
        npm=" ".join(dict.fromkeys(npm)),
        runs_on=settings.runs_on,
        env=settings.env,
        suite=cell.suite,
        allowed_failure=settings.allowed_failure,
        retries=settings.retries,
        images=container_images(matrix, cell, settings.containers),
        services_mode=settings.services,
        setup=" ".join(setup),
    )


def job_python(
    cell: Cell, github: GithubOutput, python: str, freethreaded: bool, prerelease: bool
) -> dict[str, Any]:
    """The job's Python as its installer asks for it: setup-python's `python-version` with
    its `freethreaded` and `allow-prereleases` inputs, or with `installer: uv` the request
    `uv venv --python` takes, which says the build itself (3.14t, pypy@3.10)."""
    if github.installer == "uv":
        value = cell.python or github.python
        parsed = pythons.parse(value)
        python = value if isinstance(parsed, str) else parsed.uv_request
        freethreaded = prerelease = False
    return {"python": python, "freethreaded": freethreaded, "prerelease": prerelease}


def container_images(matrix: Matrix, cell: Cell, containers: Sequence[str]) -> dict[str, str]:
    """The image of each service container of the cell's job, its `${axis}` filled from the
    cell (`postgres:${pg}` is `postgres:16` on the pg=16 line)."""
    return {name: service_image(matrix.model, name, cell) for name in containers}


def display_names(cells: Sequence[Cell]) -> dict[str, str]:
    """What a level's job names show for each cell: its id within the level, unless one
    value there could belong to several axes (`test (3.14-8-8)`: which 8 is x?); then every
    cell of the level shows its values with their axes (`python=3.14, x=8, y=8`)."""
    axes_of: dict[str, set[str]] = {}
    for cell in cells:
        for axis in cell.spanned:
            axes_of.setdefault(cell.values[axis], set()).add(axis)
    if all(len(axes) < 2 for axes in axes_of.values()):
        return {cell.id: cell.name for cell in cells}
    names = {}
    for cell in cells:
        parts = [cell.suite] if cell.suite_count > 1 else []
        parts += [f"{axis}={cell.values[axis]}" for axis in cell.spanned]
        names[cell.id] = ", ".join(parts) or cell.name
    return names


def job_names(matrix: Matrix, cells: Sequence[Cell]) -> tuple[dict[str, str], bool]:
    """The names of a level's jobs, by cell id, and whether they are whole job names (some
    cell of the level has a `github.name` template: each job is then named `matrix.name`,
    the others `<level> (<cell>)` in full) or what the job's `<level> (...)` shows."""
    shown = display_names(cells)
    named = {cell.id: job_name(matrix.model, cell) for cell in cells}
    if all(name is None for name in named.values()):
        return shown, False
    return {cell.id: named[cell.id] or f"{cell.level} ({shown[cell.id]})" for cell in cells}, True


def shard_count(github: GithubOutput, level: str) -> int | None:
    """The shards `outputs.github.shards` gives a level, if any."""
    shards = github.shards
    return shards.get(level) if isinstance(shards, dict) else shards
