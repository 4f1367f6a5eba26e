"""The GitHub Actions workflow: one job per level over an explicit list of cells, and a gate.

The workflow is a list of `Job`s, each rendered by the template named after its kind
(`github-job-cells.yml.j2`, `github-job-gate.yml.j2`), so a new kind of job (shards,
affected cells) is one more builder here and one more template.

No free text reaches a `run:` line or a `${{ }}` expression: values travel in the
matrix `include:` list (YAML-quoted, `${{` neutralized) and reach shells through `env:`.

Actions are used at matrixgen's tags (`DEFAULT_ACTIONS`) unless `outputs.github.actions`
pins them, by commit SHA; templates write `uses: {{ uses("actions/checkout") }}`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from matrixgen.errors import ConfigError, did_you_mean
from matrixgen.jobs import CellEntry, cell_entry
from matrixgen.load.cells import Cell
from matrixgen.load.matrix import Matrix
from matrixgen.load.model import ACTION_REF, Coverage, GithubOutput
from matrixgen.load.names import GATE_JOB, PLAN_JOB, job_id
from matrixgen.marks import HASH
from matrixgen.plan import shard_count
from matrixgen.render.target import Output, RenderContext, Rendered
from matrixgen.render.templating import TemplateError

# The actions the shipped templates use, at the major-version tags matrixgen is tested
# with. A tag can be moved by whoever controls the action; `outputs.github.actions` pins
# commits instead (see the README).
DEFAULT_ACTIONS = {
    "actions/checkout": "v5",
    "actions/setup-python": "v6",
    "actions/upload-artifact": "v6",
    "actions/download-artifact": "v7",
    "actions/cache/restore": "v5",
    "actions/cache/save": "v5",
}


def expression(text: str) -> str:
    """`${{ text }}`: for templates, where `{{` would open a Jinja expression."""
    return "${{ " + text + " }}"


@dataclass(frozen=True)
class Job:
    kind: str  # picks the template: github-job-{kind}.yml.j2
    id: str
    name: str
    entries: list[CellEntry] = field(default_factory=list)
    needs: list[str] = field(default_factory=list)
    python: str = "3.11"
    plan: str = ""  # id of the plan job whose outputs give this job its matrix (`matrixgen.plan`)

    def any(self, key: str) -> bool:
        return any(getattr(entry, key) for entry in self.entries)


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


@dataclass(frozen=True)
class PlanJob(Job):
    affected: bool = False  # diff pull requests against their base: needs full history
    sharded: bool = False  # restore recorded durations from the cache
    outputs: tuple[str, ...] = ()  # one matrix per planned level job, by job id


def planned_jobs(matrix: Matrix, github: GithubOutput, jobs: list[Job]) -> list[Job]:
    """`jobs` (one per level) with the plan job first, and planned levels reading from it."""
    if not github.affected and not github.shards:
        return jobs
    levels = {job_id(cell.level): cell.level for cell in matrix.cells}
    planned: list[Job] = []
    for job in jobs:
        count = shard_count(github, levels[job.id])
        if count:
            name = f"{levels[job.id]} (shard {expression('matrix.shard')})"
            planned.append(replace(job, kind="shards", name=name, plan=PLAN_JOB))
        elif github.affected:
            planned.append(replace(job, plan=PLAN_JOB))
        else:
            planned.append(job)
    outputs = tuple(job.id for job in planned if job.plan)
    plan = PlanJob(
        "plan", PLAN_JOB, "plan the matrix", python=github.python,
        affected=github.affected, sharded=bool(github.shards), outputs=outputs,
    )  # fmt: skip
    return [plan, *planned]


def gate_job(jobs: list[Job], github: GithubOutput) -> Job:
    python = github.coverage.python if github.coverage else github.python
    plan = next((job.id for job in jobs if job.kind == "plan"), "")
    needs = [job.id for job in jobs]
    return Job("gate", GATE_JOB, "matrix gate", needs=needs, python=python, plan=plan)


def workflow_jobs(matrix: Matrix) -> list[Job]:
    github = matrix.model.outputs.github or GithubOutput()
    # validate (`load.clashes`) refuses levels whose job ids clash or take `gate` or `plan`.
    jobs = cell_jobs(matrix, github)
    jobs = planned_jobs(matrix, github, jobs)
    return [*jobs, gate_job(jobs, github)]


def repository(action: str) -> str:
    """`owner/repo` of an action (`actions/cache` of `actions/cache/save`)."""
    return "/".join(action.split("/")[:2])


class Actions:
    """`uses:` values: the user's pins (by action, or by its `owner/repo`), else the default
    tags; remembers which pins the workflow used, so a pin for no action is reported."""

    def __init__(self, pins: dict[str, str]) -> None:
        self.pins = pins
        self.used: set[str] = set()

    def __call__(self, action: str) -> str:
        key = action if action in self.pins else repository(action)
        if key in self.pins:
            self.used.add(key)
            match = ACTION_REF.match(self.pins[key])
            assert match is not None  # validated by the model
            note = f"  # {match['note']}" if match["note"] else ""
            return f"{action}@{match['ref']}{note}"
        if action in DEFAULT_ACTIONS:
            return f"{action}@{DEFAULT_ACTIONS[action]}"
        raise TemplateError(
            f"a template uses the action '{action}', which matrixgen has no ref for; "
            "pin it in `outputs.github.actions`"
        )

    def unused(self, matrix: Matrix) -> None:
        """Raise ConfigError for each pin of an action that neither this workflow nor any
        other matrixgen renders uses (a typo, most likely). A pin for an action that only
        other settings use (actions/cache, with shards) stays valid."""
        known = {*DEFAULT_ACTIONS, *map(repository, DEFAULT_ACTIONS)}
        problems = [
            matrix.document.problem(
                ("outputs", "github", "actions", name),
                f"the workflow uses no action '{name}'"
                f"{did_you_mean(name, sorted(known | self.used))}; fix the name or remove the pin",
                key=True,
            )
            for name in self.pins
            if name not in self.used and name not in known
        ]
        if problems:
            raise ConfigError(problems)


class GithubTarget:
    name = "github"

    def enabled(self, matrix: Matrix) -> bool:
        return matrix.model.outputs.github is not None

    def render(self, context: RenderContext) -> Rendered:
        matrix = context.matrix
        github = matrix.model.outputs.github or GithubOutput()
        coverage: Coverage | None = github.coverage
        actions = Actions(github.actions)
        body = context.templates.render(
            "github-workflow.yml.j2",
            name=f"{matrix.model.name} matrix" if matrix.model.name else "matrix",
            jobs=workflow_jobs(matrix),
            runs_on=github.runs_on,
            install="\n".join(matrix.model.outputs.requirements),
            matrix_file=context.source,
            coverage=coverage,
            expression=expression,
            uses=actions,
        )
        actions.unused(matrix)
        return Rendered([Output(github.file, body, HASH)])
