"""The GitHub Actions workflow: one job per level over an explicit list of cells, and a gate.

The workflow is a list of `Job`s, each rendered by the template named after its kind
(`github-job-cells.yml.j2`, `github-job-gate.yml.j2`), so a new kind of job (shards,
affected cells) is one more builder here and one more template.

No free text reaches a `run:` line or a `${{ }}` expression: values travel in the
matrix `include:` list (YAML-quoted, `${{` neutralized) and reach shells through `env:`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from matrixgen.cells import Cell
from matrixgen.errors import MatrixgenError
from matrixgen.matrix import Matrix
from matrixgen.model import Coverage, GithubOutput
from matrixgen.render.marks import HASH
from matrixgen.render.target import Output, RenderContext, Rendered

DEFAULT_TIMEOUT_MINUTES = 360  # GitHub's own default for a job
SETUP_MINUTES = 10  # checkout, setup-python and installs, on top of the cell's own timeout


def expression(text: str) -> str:
    """`${{ text }}`: for templates, where `{{` would open a Jinja expression."""
    return "${{ " + text + " }}"


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


@dataclass(frozen=True)
class Job:
    kind: str  # picks the template: github-job-{kind}.yml.j2
    id: str
    name: str
    entries: list[CellEntry] = field(default_factory=list)
    needs: list[str] = field(default_factory=list)
    python: str = "3.11"
    plan: str = ""  # id of the plan job whose outputs give this job its matrix (github_plan.py)

    def any(self, key: str) -> bool:
        return any(getattr(entry, key) for entry in self.entries)


def job_id(level: str) -> str:
    # Job ids: a letter or '_' first, then letters, digits, '-' and '_'.
    name = re.sub(r"[^A-Za-z0-9_-]", "_", level)
    return name if re.match(r"[A-Za-z_]", name) else f"level_{name}"


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
        artifact=f"{cell.level}-{cell.name}",
        apt=" ".join(dict.fromkeys(apt)),
        pip="\n".join(dict.fromkeys(pip)),
        npm=" ".join(dict.fromkeys(npm)),
    )


def cell_jobs(matrix: Matrix, github: GithubOutput) -> list[Job]:
    """One job per level; its matrix lists the level's cells explicitly, in matrix order."""
    by_level: dict[str, list[Cell]] = {}
    for cell in matrix.cells:
        by_level.setdefault(cell.level, []).append(cell)
    jobs: list[Job] = []
    for level, cells in by_level.items():
        entries = [cell_entry(matrix, cell, github) for cell in cells]
        name = f"{level} ({expression('matrix.cell')})"
        jobs.append(Job("cells", job_id(level), name, entries, python=github.python))
    return jobs


def gate_job(jobs: list[Job], github: GithubOutput) -> Job:
    taken = {job.id for job in jobs}
    gate_id = "gate" if "gate" not in taken else "matrixgen-gate"
    python = github.coverage.python if github.coverage else github.python
    plan = next((job.id for job in jobs if job.kind == "plan"), "")
    needs = [job.id for job in jobs]
    return Job("gate", gate_id, "matrix gate", needs=needs, python=python, plan=plan)


def workflow_jobs(matrix: Matrix) -> list[Job]:
    github = matrix.model.outputs.github or GithubOutput()
    jobs = cell_jobs(matrix, github)
    ids = [job.id for job in jobs]
    clash = sorted({i for i in ids if ids.count(i) > 1})
    if clash:
        raise MatrixgenError(f"levels map to the same GitHub job id {clash[0]!r}; rename one level")
    from matrixgen.render.github_plan import planned_jobs  # it builds on this module

    jobs = planned_jobs(matrix, github, jobs)
    return [*jobs, gate_job(jobs, github)]


class GithubTarget:
    name = "github"

    def enabled(self, matrix: Matrix) -> bool:
        return matrix.model.outputs.github is not None

    def render(self, context: RenderContext) -> Rendered:
        matrix = context.matrix
        github = matrix.model.outputs.github or GithubOutput()
        coverage: Coverage | None = github.coverage
        body = context.templates.render(
            "github-workflow.yml.j2",
            name=f"{matrix.model.name} matrix" if matrix.model.name else "matrix",
            jobs=workflow_jobs(matrix),
            runs_on=github.runs_on,
            install="\n".join(matrix.model.outputs.install),
            matrix_file=context.source,
            coverage=coverage,
            expression=expression,
        )
        return Rendered([Output(github.file, body, HASH)])
