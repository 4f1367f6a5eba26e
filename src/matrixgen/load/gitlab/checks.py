"""Checks of `outputs.gitlab` the schema cannot express, each located at its cause."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from matrixgen.errors import Problem
from matrixgen.load.cells import Cell
from matrixgen.load.document import Document, PathKey, format_path
from matrixgen.load.github.checks import cell_github, container_setting, needs_closure
from matrixgen.load.gitlab.images import carried_env, cell_image, check_images, image_setting
from matrixgen.load.gitlab.jobs import (
    JOB_LIMIT,
    NEEDS_LIMIT,
    RESERVED,
    github_of,
    gitlab_of,
    level_jobs,
)
from matrixgen.load.gitlab.model import GitlabOutput
from matrixgen.load.model import MatrixFile


def check_gitlab(doc: Document, model: MatrixFile) -> Iterator[Problem]:
    """A level's job is named after it: not one of GitLab's top-level keywords. A service's
    install steps run in a GitLab job as scripts: `run:` steps only. No shards: a GitLab
    pipeline runs a job per cell."""
    github = model.outputs.github
    if github is not None and github.shards:
        yield doc.problem(
            ("outputs", "github", "shards"),
            "the GitLab pipeline (outputs.gitlab) has no shards yet: it runs one job per cell, "
            "and a shard's cells would be planned at run time from recorded durations, which "
            "its `parallel: matrix:` cannot list; drop `shards` or leave outputs.gitlab out",
            key=True,
        )
    for name, service in model.services.items():
        for index, step in enumerate(service.install.steps):
            if step.uses is not None:
                yield doc.problem(
                    ("services", name, "install", "steps", index, "uses"),
                    f"a GitLab job runs no GitHub action ({step.uses}); install the service "
                    "with a `run:` step, or leave outputs.gitlab out",
                )
    for level in model.levels:
        if level in RESERVED:
            yield doc.problem(
                ("levels", level),
                f"level '{level}' would name a GitLab job '{level}', a top-level keyword of "
                ".gitlab-ci.yml that GitLab never runs as a job; rename the level",
                key=True,
            )


def check_gitlab_cells(
    doc: Document, model: MatrixFile, cells: Sequence[Cell], _taken: Mapping[str, str]
) -> Iterator[Problem]:
    """Each cell's image fills (`images.check_images`); GitLab makes at most `JOB_LIMIT` jobs
    of one `parallel: matrix:`, and a job needs at most `NEEDS_LIMIT` jobs, each cell of a
    needed level one of them."""
    gitlab = gitlab_of(getattr(model.outputs, "gitlab", None))
    images = list(check_images(doc, model, gitlab, cells))
    if images:  # the jobs are split by image: none to count until each fills
        yield from images
        return
    jobs = level_jobs(model, gitlab, cells)
    sizes = {
        level: sum(len(job.cells) for job in jobs if job.level == level) for level in model.levels
    }
    for level, needed in needs_closure(model).items():
        count = sum(sizes[need] for need in needed)
        if count > NEEDS_LIMIT and sizes[level]:
            level_model = model.levels[level]
            where: PathKey = ("levels", level)
            if level_model.github is not None and level_model.github.needs is not None:
                where = ("levels", level, "github", "needs")
            elif model.outputs.github is not None and model.outputs.github.order:
                where = ("outputs", "github", "order")
            yield doc.problem(
                where,
                f"GitLab job(s) of level '{level}' would need {count} jobs (the cells of "
                f"{', '.join(needed)}), and GitLab lets one job need at most {NEEDS_LIMIT}; "
                "let the level wait for fewer cells (drop levels from its `github.needs`, or "
                "`outputs.github.order`) or give the needed levels fewer cells",
                key=True,
            )
    for job in jobs:
        if len(job.cells) > JOB_LIMIT:
            yield doc.problem(
                ("levels", job.level),
                f"GitLab job '{job.name}' would list {len(job.cells)} cells in its "
                f"`parallel: matrix:`, and GitLab makes at most {JOB_LIMIT} jobs of one; split "
                "the level (`suites:`, or fewer axes) or exclude cells",
                key=True,
            )


def gitlab_warnings(doc: Document, model: MatrixFile, cells: Sequence[Cell]) -> list[Problem]:
    """What the GitHub workflow gives a cell's job and the GitLab pipeline does not, said at
    `outputs.gitlab`: cells of several Pythons that share an image (nothing installs each, as
    setup-python does) need an image that holds them all; every job runs on runners of the
    same tags; GitHub's own job settings (`github.steps`, `github.env`), a job container's
    options and the env it cannot carry (its image is the job's on a Docker executor, its
    env the job's variables; nothing on a shell runner) and the workflow's own jobs
    (`outputs.github.jobs`) are not in it."""
    setting = getattr(model.outputs, "gitlab", None)
    if setting is None:
        return []
    gitlab = gitlab_of(setting)
    github = github_of(model)
    settings = [cell_github(model, cell, github) for cell in cells]
    missing: list[str] = []
    by_image: dict[str | None, list[str]] = {}
    for cell in cells:
        if cell.python is not None:
            by_image.setdefault(cell_image(model, gitlab, cell), []).append(cell.python)
    for image, found in by_image.items():
        pythons = list(dict.fromkeys(found))
        if len(pythons) > 1:
            where = f"image {image}" if image else "the runner's own Python"
            missing.append(
                f"cells of {len(pythons)} Pythons ({', '.join(pythons)}) run in {where}, "
                "where GitHub's setup-python installs each: a cell whose Python it "
                "lacks fails ('Python X not found'); give each Python its image "
                "(outputs.gitlab.image: python:${python}-slim)"
            )
    runners = list(dict.fromkeys(_runner(s.runs_on) for s in settings))
    if len(runners) > 1:
        missing.append(
            f"cells of {len(runners)} runners ({', '.join(runners)}) run on the runners "
            "outputs.gitlab.tags chooses, all alike"
        )
    kept = [
        f"levels.{name}{'.suites.' + suite if suite else ''}.github.{key}"
        for name, level in model.levels.items()
        for suite, fields in [(None, level), *(level.suites or {}).items()]
        if fields.github is not None
        for key in ("steps", "env")
        if (key == "steps" and (fields.github.steps.before or fields.github.steps.after))
        or (key != "steps" and getattr(fields.github, key))
    ]
    if kept:
        missing.append(f"{', '.join(kept)} (GitHub's) are not in its jobs")
    missing.extend(_containers_left_out(model, gitlab, cells))
    if github.jobs:
        missing.append(
            f"the workflow's own jobs (outputs.github.jobs: {', '.join(github.jobs)}) are "
            "not in it: keep them in the project's .gitlab-ci.yml, which includes this file"
        )
    if not missing:
        return []
    return [
        doc.problem(
            ("outputs", "gitlab"),
            "warning: the GitLab pipeline differs from the GitHub workflow: " + "; ".join(missing),
            key=True,
        )
    ]


def _containers_left_out(
    model: MatrixFile, gitlab: GitlabOutput, cells: Sequence[Cell]
) -> Iterator[str]:
    """GitHub job containers (`github.container`) the pipeline does not give: on a Docker
    executor each is its cells' image (`images.image_setting`, where no `gitlab.image` says
    otherwise) and its env their job's variables, but not its options nor the env
    `images.carried_env` refuses; on a shell runner (no outputs.gitlab.image) none is."""
    said: dict[str, None] = {}
    for cell in cells:
        found = container_setting(model, cell)
        if found is None:
            continue
        where, container = found
        if gitlab.image is None:
            said[
                f"{format_path(where)} (GitHub's job container: set outputs.gitlab.image, a "
                "Docker executor, and it is its cells' image)"
            ] = None
        else:
            image = image_setting(model, gitlab, cell)
            if image is None or image.where != (*where, "image"):
                continue  # a `gitlab.image` of its own: the container is GitHub's alone
            left = [n for n, v in container.env.items() if not carried_env(n, v)]
            if left:
                said[
                    f"env {', '.join(left)} of {format_path(where)} (its image is the job's, "
                    "its other env the job's variables; GitLab sets CI_*, GITLAB_* and CELL "
                    "itself, and passes a `${{ }}` value as written)"
                ] = None
            if container.options:
                said[
                    f"the options of {format_path(where)} (its image is the job's; a Docker "
                    "executor's runner config sets docker's options)"
                ] = None
    yield from said


def _runner(runs_on: str | tuple[str, ...]) -> str:
    return runs_on if isinstance(runs_on, str) else "[" + ", ".join(runs_on) + "]"
