"""Checks of a job's container, `if:` and `max-parallel`, and of the project's own jobs
(`outputs.github.jobs`), beyond the schema; each problem located at the key that causes it.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Mapping, Sequence

from matrixgen.errors import Problem, did_you_mean
from matrixgen.load import placeholders
from matrixgen.load.cells import Cell
from matrixgen.load.document import Document, PathKey, format_path
from matrixgen.load.github.checks import (
    _check_env_name,
    _check_runner,
    _check_step,
    cell_github,
    container_key,
    containers_said,
    macos_label,
    windows_label,
)
from matrixgen.load.github.model import GithubContainer, GithubExtraJob, GithubOutput
from matrixgen.load.images import image_key, unfilled, unfilled_problem, unknown_axis_problem
from matrixgen.load.model import MatrixFile
from matrixgen.load.names import GATE_JOB, PLAN_JOB, job_id


def plan_job(github: GithubOutput) -> bool:
    """Whether the workflow has a plan job (`affected`, `shards`)."""
    return bool(github.affected or github.shards)


def check_job_options(doc: Document, model: MatrixFile) -> Iterator[Problem]:
    github = model.outputs.github
    if github is None:
        return
    for name, level in model.levels.items():
        where: PathKey = ("levels", name, "github")
        if level.github is not None:
            yield from _check_container(doc, model, (*where, "container"), level.github.container)
            if level.github.if_ is not None and plan_job(github):
                yield doc.problem(
                    (*where, "if"),
                    "a level's `if:` is not supported with `affected:` or `shards:` (the gate "
                    "could not tell a skipped level from missing cells); drop one of them",
                    key=True,
                )
        suites = level.suites or {}
        for suite_name, suite in suites.items():
            if suite.github is None:
                continue
            suite_where: PathKey = ("levels", name, "suites", suite_name, "github")
            yield from _check_container(
                doc, model, (*suite_where, "container"), suite.github.container
            )
            if suite.github.max_parallel is not None:
                yield doc.problem(
                    (*suite_where, "max-parallel"),
                    "`max-parallel` limits a level's job, which runs every suite of the level; "
                    "set it on the level",
                    key=True,
                )
            if suite.github.if_ is not None and (len(suites) > 1 or plan_job(github)):
                yield doc.problem(
                    (*suite_where, "if"),
                    f"level '{name}' runs its {len(suites)} suites in one job, and a job's "
                    "`if:` cannot tell them apart; set `if:` on the level, or give the suite "
                    "a level of its own",
                    key=True,
                )
    for axis, declared in model.axes.items():
        for value, entry in declared.values.items():
            if entry.github is not None:
                where = ("axes", axis, "values", value, "github", "container")
                yield from _check_container(doc, model, where, entry.github.container)
    yield from _check_extra_jobs(doc, model, github)


def _check_container(
    doc: Document,
    model: MatrixFile,
    where: PathKey,
    container: GithubContainer | None,
    *,
    cells: bool = True,
) -> Iterator[Problem]:
    """`cells`: the container is a cell's job's, whose `${axis}` its image may name (a job of
    the project's own is copied as written)."""
    if container is None:
        return
    for name in container.env:
        yield from _check_env_name(doc, (*where, "env", name), name)
    if not cells:
        return
    for name, _ in placeholders.names(container.image):
        if re.match(r"\{\s*matrix\.", name):
            problem = (
                f"image '{container.image}' reads GitHub's `matrix`, which in the generated "
                "job is matrixgen's, not the workflow's you copied it from; name the cell's "
                "axes instead: `python:${python}` is each cell's Python"
            )
        elif name.startswith("{"):
            continue  # another GitHub expression (`${{ vars.REGISTRY }}`): GitHub's to expand
        elif name not in model.axes:
            problem = unknown_axis_problem(container.image, name, model, container=True)
        else:
            continue
        yield doc.problem(image_key(doc, where), problem)
        return


def _check_extra_jobs(doc: Document, model: MatrixFile, github: GithubOutput) -> Iterator[Problem]:
    """Ids that clash with no job matrixgen writes, `needs:` that name jobs of the workflow,
    no cycle."""
    levels = {job_id(level).lower(): level for level in model.levels}
    own = {GATE_JOB: "the gate job", **({PLAN_JOB: "the plan job"} if plan_job(github) else {})}
    seen: dict[str, str] = {}
    for name, job in github.jobs.items():
        where: PathKey = ("outputs", "github", "jobs", name)
        taken = own.get(name.lower()) or (
            f"the job of level '{levels[name.lower()]}'" if name.lower() in levels else None
        )
        taken = taken or (f"job '{seen[name.lower()]}'" if name.lower() in seen else None)
        if taken is not None:
            yield doc.problem(
                where,
                f"job id '{name}' is already {taken}'s (GitHub compares job ids ignoring case); "
                "rename this job",
                key=True,
            )
        seen.setdefault(name.lower(), name)
        known = [*own, *model.levels, *(other for other in github.jobs if other != name)]
        for index, need in enumerate(job.needs):
            if need == name:
                yield doc.problem((*where, "needs", index), f"job '{name}' cannot wait for itself")
            elif need not in known:
                yield doc.problem(
                    (*where, "needs", index),
                    f"'{need}' is no job of the workflow{did_you_mean(need, known)}; a job "
                    f"here may wait for {', '.join(own)}, a level or another of these jobs",
                )
            elif name in _upstream(github.jobs, need):
                yield doc.problem(
                    (*where, "needs", index),
                    f"jobs '{name}' and '{need}' wait for each other (through `needs:`), so "
                    "neither would ever start; remove one of the two",
                )
        if job.runs_on is not None:
            yield from _check_runner(doc, (*where, "runs-on"), job.runs_on)
        for env_name in job.env:
            yield from _check_env_name(doc, (*where, "env", env_name), env_name)
        yield from _check_container(doc, model, (*where, "container"), job.container, cells=False)
        ids: dict[str, int] = {}
        for index, step in enumerate(job.steps):
            yield from _check_step(doc, (*where, "steps", index), step)
            if step.id is not None and ids.setdefault(step.id, index) != index:
                yield doc.problem(
                    (*where, "steps", index, "id"),
                    f"step id '{step.id}' is already the id of steps[{ids[step.id]}]; step ids "
                    "are unique within a job",
                )


def _upstream(jobs: Mapping[str, GithubExtraJob], start: str) -> set[str]:
    """Every extra job `start` waits for, directly or through others."""
    seen: set[str] = set()
    stack = [start]
    while stack:
        job = jobs.get(stack.pop())
        for need in job.needs if job is not None else ():
            if need not in seen:
                seen.add(need)
                stack.append(need)
    return seen


def check_job_option_cells(
    doc: Document, model: MatrixFile, cells: Sequence[Cell]
) -> Iterator[Problem]:
    """A cell's job has one container, on a Linux runner, without what a container job
    cannot do; a level's containers differ only in their image."""
    github = model.outputs.github
    if github is None:
        return
    reported: set[PathKey] = set()
    by_level: dict[str, tuple[PathKey, GithubContainer]] = {}
    for cell in cells:
        found = containers_said(model, cell)
        for (first, one), (second, other) in itertools.pairwise(found):
            if container_key(one) != container_key(other) and second not in reported:
                reported.add(second)
                yield doc.problem(
                    second,
                    f"cell {cell.id} would run in a container of '{other.image}' here and of "
                    f"'{one.image}' by {format_path(first)} (with their own env and options); "
                    "a job has one container: set it in one place",
                )
        if not found:
            continue
        where, container = found[-1]
        missing = unfilled(container.image, model, cell)
        if missing and where not in reported and not _gitlab_image(model, cell, where):
            reported.add(where)
            yield doc.problem(
                image_key(doc, where),
                unfilled_problem(container.image, missing, cell, container=True),
            )
        folded = cell_github(model, cell, github)
        label = macos_label(folded.runs_on) or windows_label(folded.runs_on)
        problem = None
        if label is not None:
            problem = f"runs on '{label}', and GitHub runs job containers on Linux runners only"
        elif _sharded(github, cell.level):
            problem = "is of a sharded level (`outputs.github.shards`): shards run on the runner"
        elif folded.apt or folded.npm or _service_packages(model, cell):
            problem = (
                "needs apt or npm packages, which the job installs on the runner, with sudo; "
                "put them into the image instead"
            )
        if problem is not None and where not in reported:
            reported.add(where)
            yield doc.problem(where, f"cell {cell.id} {problem}")
        earlier = by_level.setdefault(cell.level, (where, container))
        shared = (earlier[1].env, earlier[1].options) == (container.env, container.options)
        if not shared and where not in reported:
            reported.add(where)
            yield doc.problem(
                where,
                f"the jobs of level '{cell.level}' run in containers with different `env:` or "
                f"`options:` (here and at {format_path(earlier[0])}); GitHub's job takes them "
                "once, and only the image from each cell: make them the same",
            )


def _gitlab_image(model: MatrixFile, cell: Cell, where: PathKey) -> bool:
    """Whether the container is also the cell's GitLab image, whose check says the same."""
    setting = getattr(model.outputs, "gitlab", None)
    if setting is None:
        return False
    # Imported here: the GitLab images take the GitHub container from this package.
    from matrixgen.load.gitlab.images import image_setting
    from matrixgen.load.gitlab.jobs import gitlab_of

    image = image_setting(model, gitlab_of(setting), cell)
    return image is not None and image.where == (*where, "image")


def _service_packages(model: MatrixFile, cell: Cell) -> bool:
    return any(
        model.services[name].install.apt or model.services[name].install.npm
        for name in cell.services
        if model.services[name].github is None
    )


def _sharded(github: GithubOutput, level: str) -> bool:
    shards = github.shards
    return bool(shards.get(level) if isinstance(shards, dict) else shards)
