"""The GitLab CI pipeline: a stage per level, a `parallel: matrix:` job per level (or per
what GitLab sets per job, `load.gitlab.jobs`) listing exactly its cells, and a gate.

Each entry of a job's matrix is one cell, every variable a one-value list, so GitLab's
expansion makes exactly the cells: no product, no excludes of its own. A value all of a
job's cells share is a variable of the job instead. Values reach the scripts only as
variables (`$$` keeps GitLab from expanding a `$` in them), and scripts quote them.
The command a cell's job runs is the GitHub workflow's: `matrixgen run --file ...
--services ... --retries ... CELL`.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from matrixgen.errors import ConfigError
from matrixgen.load.cells import Cell
from matrixgen.load.github.checks import cell_github, needs_closure
from matrixgen.load.gitlab.images import pipeline_image
from matrixgen.load.gitlab.jobs import (
    GATE_JOB,
    GATE_STAGE,
    NEEDS_LIMIT,
    GitlabJob,
    alias,
    cell_job,
    github_of,
    gitlab_of,
    level_jobs,
)
from matrixgen.load.gitlab.model import GitlabOutput
from matrixgen.load.matrix import Matrix
from matrixgen.load.targets import setting
from matrixgen.marks import HASH
from matrixgen.render.pip_cache import dependency_files
from matrixgen.render.target import Output, RenderContext, Rendered
from matrixgen.render.templating import yaml_quote

# The variables of a cell's job, in this order (CELL first: GitLab names each job of a
# matrix by its values, `unit: [unit/s3-lww]`).
VARIABLES = (
    "CELL",
    "MATRIXGEN_SERVICES",
    "MATRIXGEN_RETRIES",
    "MATRIXGEN_APT",
    "MATRIXGEN_NPM",
    "MATRIXGEN_PIP",
    "MATRIXGEN_SETUP",
)


def quote(value: object) -> str:
    """A YAML double-quoted scalar GitLab reads as exactly str(value): `$` doubled."""
    return yaml_quote(str(value).replace("$", "$$"))


def quote_list(values: Iterable[object]) -> str:
    """A YAML flow list of `quote`d scalars."""
    return "[" + ", ".join(quote(value) for value in values) + "]"


def cell_variables(matrix: Matrix, gitlab: GitlabOutput, cell: Cell) -> dict[str, str]:
    """What one cell's job is told: its id, how it gets its services, what it installs
    (the level's and suite's packages, and those of the services it starts itself)."""
    model = matrix.model
    settings = cell_github(model, cell, github_of(model))
    job = cell_job(model, gitlab, cell)
    containers = {name for name, _image in job.containers}
    apt, pip, npm = list(settings.apt), list(settings.pip), list(settings.npm)
    setup = []
    for name in (s for s in cell.services if s not in containers):
        install = model.services[name].install
        apt += install.apt
        pip += install.pip
        npm += install.npm
        if install.steps:
            setup.append(name)
    return {
        **dict(job.env),  # its job container's env (the names of the rest are not its)
        "CELL": cell.id,
        "MATRIXGEN_SERVICES": job.services,
        "MATRIXGEN_RETRIES": str(settings.retries),
        "MATRIXGEN_APT": " ".join(dict.fromkeys(apt)),
        "MATRIXGEN_NPM": " ".join(dict.fromkeys(npm)),
        "MATRIXGEN_PIP": "\n".join(dict.fromkeys(pip)),
        "MATRIXGEN_SETUP": " ".join(setup),
    }


@dataclass(frozen=True)
class Container:
    image: str
    alias: str
    port: int
    env: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Job:
    name: str
    stage: str
    needs: tuple[str, ...]
    timeout: int | None
    allowed_failure: bool
    variables: tuple[tuple[str, str], ...]  # shared by every cell of the job
    entries: tuple[tuple[tuple[str, str], ...], ...]  # per cell: what differs
    containers: tuple[Container, ...]
    provided: str  # `--provided` values: NAME=HOST:PORT, space-separated
    image: str | None  # `image:`; None: the runner's own


def job(matrix: Matrix, gitlab: GitlabOutput, found: GitlabJob, needs: Sequence[str]) -> Job:
    lines = [cell_variables(matrix, gitlab, cell) for cell in found.cells]
    # matrixgen's, then a job container's env (kept when empty: it is set so on GitHub).
    names = [*VARIABLES, *sorted({n for line in lines for n in line} - set(VARIABLES))]
    shared = [n for n in names if n != "CELL" and len({line.get(n) for line in lines}) == 1]

    def said(line: dict[str, str], name: str) -> bool:  # an empty matrixgen value: unset
        return name in line and (name not in VARIABLES or bool(line[name]))

    containers = []
    for name, image in found.containers:
        declared = matrix.model.services[name].github
        assert declared is not None  # a container is a service with one
        containers.append(
            Container(image, alias(name), declared.port, tuple(sorted(declared.env.items())))
        )
    return Job(
        name=found.name,
        stage=found.level,
        needs=tuple(needs),
        timeout=found.timeout,
        allowed_failure=found.allowed_failure,
        variables=tuple((n, lines[0][n]) for n in shared if said(lines[0], n)),
        # An empty value of matrixgen's is left out (the scripts read `${NAME:-}`): GitLab
        # names each job of the matrix by its entry's values.
        entries=tuple(
            tuple((n, line[n]) for n in names if n not in shared and said(line, n))
            for line in lines
        ),
        containers=tuple(containers),
        provided=" ".join(
            f"{n}={alias(n)}:{c.port}"
            for n, c in zip((n for n, _i in found.containers), containers, strict=True)
        ),
        image=found.image,
    )


def pipeline_jobs(matrix: Matrix, gitlab: GitlabOutput) -> list[Job]:
    if matrix.pending:
        levels = sorted({cell.level for cell in matrix.pending})
        raise ConfigError(
            [
                matrix.document.problem(
                    ("outputs", "gitlab"),
                    f"level(s) {', '.join(levels)} have values computed at run time, and a "
                    "GitLab pipeline lists its cells when rendered; leave `outputs.gitlab` out "
                    "or give the axis its values",
                    key=True,
                )
            ]
        )
    found = level_jobs(matrix.model, gitlab, matrix.cells)
    by_level: dict[str, list[str]] = {}
    for each in found:
        by_level.setdefault(each.level, []).append(each.name)
    closure = needs_closure(matrix.model)
    return [
        job(
            matrix,
            gitlab,
            each,
            [name for level in closure[each.level] for name in by_level.get(level, [])],
        )
        for each in found
    ]


def setup_scripts(matrix: Matrix) -> list[tuple[str, str, tuple[tuple[str, str], ...]]]:
    """(service, script, env) of the services' `install.steps`: their `run:` scripts, which
    a cell's job runs when it starts that service itself (`MATRIXGEN_SETUP` names it)."""
    scripts = []
    for name, service in matrix.model.services.items():
        for step in service.install.steps:
            if step.run is not None:
                env = tuple((k, str(v)) for k, v in (step.env or {}).items())
                scripts.append((name, step.run, env))
    return scripts


class GitlabTarget:
    name = "gitlab"

    def enabled(self, matrix: Matrix) -> bool:
        return setting(matrix.model, "gitlab") is not None

    def render(self, context: RenderContext) -> Rendered:
        matrix = context.matrix
        gitlab = gitlab_of(setting(matrix.model, "gitlab"))
        jobs = pipeline_jobs(matrix, gitlab)
        github = matrix.model.outputs.github
        # A needed `parallel: matrix:` counts each of its jobs against GitLab's limit.
        gate_needs = [j.name for j in jobs] if len(matrix.cells) <= NEEDS_LIMIT else None
        # GitLab keys a cache on at most two files: matrix.yaml and the first packaging file.
        cache = dependency_files(context.root, context.source, matrix.model)[:2]
        # The gate's and `matrix diff`'s image: the pipeline's default; a cell's job says
        # its own where it differs.
        image = pipeline_image(matrix.model, gitlab, matrix.cells)
        body = context.templates.render(
            "gitlab-ci.yml.j2",
            stages=[level for level in matrix.model.levels if any(j.stage == level for j in jobs)],
            jobs=jobs,
            gate=GATE_JOB,
            gate_stage=GATE_STAGE,
            gitlab=gitlab,
            image=image,
            matrix_file=context.source,
            matrixgen_line=matrix.model.outputs.matrixgen_line,
            install="\n".join(matrix.model.outputs.install),
            setup=setup_scripts(matrix),
            cache=cache if gitlab.cache else [],
            gate_needs=gate_needs,
            # render --check reads the default branch from git when the workflow names none
            branch_from_git=github is not None and github.branch is None,
            q=quote,
            qlist=quote_list,
            shell=shlex.quote,
        )
        return Rendered([Output(gitlab.file, body, HASH)])
