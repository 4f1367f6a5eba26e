"""The jobs of a `.gitlab-ci.yml`: a level's cells in as few `parallel: matrix:` jobs as
GitLab allows, as plain data shared by the renderer (`render.gitlab`) and validate.

What GitLab sets per job, not per entry of its matrix (`timeout:`, `allow_failure:`,
`services:`, `image:`) splits a level: its cells that agree on all four share a job. Everything
else a cell's job needs (its packages, `--services`, `--retries`) is read exactly as the
GitHub workflow reads it (`github.checks.cell_github`, `github.jobs.cell_entry`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from matrixgen.load.cells import Cell
from matrixgen.load.github.checks import allowed_failure, cell_github
from matrixgen.load.github.model import GithubOutput
from matrixgen.load.gitlab.images import cell_image, container_env
from matrixgen.load.gitlab.model import GitlabOutput
from matrixgen.load.model import MatrixFile
from matrixgen.load.runtimes import ci_choice
from matrixgen.load.service_values import service_image

# GitLab makes at most this many jobs of one `parallel: matrix:`.
JOB_LIMIT = 200
# A job's `needs:` may name at most this many jobs, each job of a needed `parallel: matrix:`
# counted ("One job can only need 50 others"): https://docs.gitlab.com/ci/yaml/#needs
NEEDS_LIMIT = 50
GATE_JOB = "matrix gate"
GATE_STAGE = ".post"  # GitLab's own last stage: no level's stage can take it
# Top-level keys of .gitlab-ci.yml, which GitLab never reads as a job.
RESERVED = frozenset(
    {
        "default",
        "include",
        "stages",
        "variables",
        "workflow",
        "image",
        "services",
        "cache",
        "before_script",
        "after_script",
        "types",
        "spec",
    }
)


def github_of(model: MatrixFile) -> GithubOutput:
    return model.outputs.github or GithubOutput()


def gitlab_of(setting: GitlabOutput | str | None) -> GitlabOutput:
    if isinstance(setting, GitlabOutput):
        return setting
    return GitlabOutput() if setting is None else GitlabOutput(file=setting)


def alias(service: str) -> str:
    """The host name of a service container (`services:alias`): a DNS label."""
    return re.sub(r"[^a-z0-9-]", "-", service.lower()).strip("-") or "service"


@dataclass(frozen=True)
class CellJob:
    """What of one cell's job GitLab sets on the job itself."""

    timeout: int | None  # minutes; None: the project's limit
    allowed_failure: bool
    containers: tuple[tuple[str, str], ...]  # (service, image) run as `services:`
    services: str  # `matrixgen run --services` for the other services
    image: str | None = None  # `image:` (`images.cell_image`); None: the runner's own
    # The env of the GitHub job container that is its image (`images.container_env`): the
    # job's variables, as they are every step's env in the container on GitHub.
    env: tuple[tuple[str, str], ...] = ()


def cell_job(model: MatrixFile, gitlab: GitlabOutput, cell: Cell) -> CellJob:
    settings = cell_github(model, cell, github_of(model))
    containers = settings.containers if gitlab.containers else ()
    others = [model.services[name] for name in cell.services if name not in containers]
    # The job's limit on either target: its `github.timeout-minutes` as declared (the
    # workflow's `timeout-minutes:`), else the cell's timeout and the setup's minutes.
    timeout = settings.timeout_minutes
    if timeout is None and cell.timeout is not None:
        timeout = math.ceil(cell.timeout / 60) + gitlab.setup_minutes
    return CellJob(
        timeout=timeout,
        allowed_failure=allowed_failure(model, cell),
        containers=tuple((name, service_image(model, name, cell)) for name in containers),
        services=ci_choice(others),
        image=cell_image(model, gitlab, cell),
        env=tuple(container_env(model, gitlab, cell).items()),
    )


@dataclass(frozen=True)
class GitlabJob:
    name: str
    level: str
    cells: tuple[Cell, ...]
    timeout: int | None
    allowed_failure: bool
    containers: tuple[tuple[str, str], ...]
    image: str | None = None


Key = tuple[int | None, bool, tuple[tuple[str, str], ...], str | None]


def _shown(timeout: int | None) -> str:
    return "no timeout" if timeout is None else f"{timeout}m"


def level_jobs(model: MatrixFile, gitlab: GitlabOutput, cells: Sequence[Cell]) -> list[GitlabJob]:
    """The jobs of every level, in level order. A level whose cells all agree on what GitLab
    sets per job is one job named after it; else one job per setting, named by what differs
    (`e2e (20m)`, `unit (allowed to fail)`), numbered only where that is not enough."""
    jobs: list[GitlabJob] = []
    for level in model.levels:
        groups: dict[Key, list[Cell]] = {}
        settings: dict[Key, CellJob] = {}
        for cell in (c for c in cells if c.level == level):
            job = cell_job(model, gitlab, cell)
            key = (job.timeout, job.allowed_failure, job.containers, job.image)
            groups.setdefault(key, []).append(cell)
            settings[key] = job
        keys = list(groups)
        names: list[str] = []
        for key in keys:
            shown = settings[key]
            parts = []
            if len({settings[k].timeout for k in keys}) > 1:
                parts.append(_shown(shown.timeout))
            if len({settings[k].allowed_failure for k in keys}) > 1 and shown.allowed_failure:
                parts.append("allowed to fail")
            if len({settings[k].containers for k in keys}) > 1:
                parts.extend(image for _name, image in shown.containers)
            if len({settings[k].image for k in keys}) > 1 and shown.image is not None:
                parts.append(shown.image)
            names.append(f"{level} ({', '.join(parts)})" if parts else level)
        for index, key in enumerate(keys):
            name = names[index]
            if names.count(name) > 1:
                name = f"{name} #{names[: index + 1].count(name)}"
            same = settings[key]
            jobs.append(
                GitlabJob(
                    name,
                    level,
                    tuple(groups[key]),
                    same.timeout,
                    same.allowed_failure,
                    same.containers,
                    same.image,
                )
            )
    return jobs
