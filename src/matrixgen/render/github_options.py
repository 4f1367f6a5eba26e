"""A level job's container, `if:` and `max-parallel`, and the project's own jobs after the
cells (`outputs.github.jobs`), as the workflow's templates write them.

A job's container comes from the `github.container` of its cells' values, level or suite.
Where only some cells of a level run in one, each matrix line carries its image
(`matrix.container`, empty on the runner: GitHub then starts no container, actions/runner
#2235), and the cell's setup-python runs only in the others. matrixgen itself gets its Python
from uv in such a job (astral-sh/setup-uv, `uv venv`): setup-python's builds are for Ubuntu
runners, not for the image's distribution.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from matrixgen.load.cells import Cell
from matrixgen.load.document import PathKey
from matrixgen.load.github.checks import cell_github, needs_closure
from matrixgen.load.github.model import GithubContainer, GithubOutput, GithubStep
from matrixgen.load.model import MatrixFile
from matrixgen.load.names import job_id
from matrixgen.render.templating import github_quote


@dataclass(frozen=True)
class JobContainer:
    """`container:` of a job. Texts are YAML."""

    image: str
    env: tuple[tuple[str, str], ...] = ()
    options: str = ""
    mixed: bool = False  # some lines of the job run on the runner (an empty image)


def container_text(container: GithubContainer, image: str = "") -> JobContainer:
    return JobContainer(
        image=image or github_quote(container.image),
        env=tuple((name, github_quote(value)) for name, value in container.env.items()),
        options=github_quote(container.options) if container.options else "",
    )


def job_container(
    model: MatrixFile, github: GithubOutput, cells: Sequence[Cell]
) -> JobContainer | None:
    """The container of a level's job: its image written once where every cell shares it,
    else `matrix.container` (validate makes their env and options the same)."""
    found = [cell_github(model, cell, github).container for cell in cells]
    present = [container for container in found if container is not None]
    if not present:
        return None
    images = {container.image if container else "" for container in found}
    if len(images) == 1:
        return container_text(present[0])
    text = container_text(present[0], "${{ matrix.container }}")
    return JobContainer(text.image, text.env, text.options, mixed=None in found)


def cell_container(model: MatrixFile, github: GithubOutput, cell: Cell) -> str:
    """The image of a cell's job container ("": on the runner), for its matrix line."""
    container = cell_github(model, cell, github).container
    return container.image if container is not None else ""


def expression_text(condition: str | bool) -> str:
    """A user's `if:` as the expression inside `${{ }}`."""
    if isinstance(condition, bool):
        return "true" if condition else "false"
    text = condition.strip()
    if text.startswith("${{") and text.endswith("}}"):
        text = text[3:-2].strip()
    return text


def level_condition(model: MatrixFile, level: str) -> str:
    """The expression of a level's job `if:` (its own, and its only suite's), or ""."""
    declared = model.levels[level]
    parts = [declared.github.if_ if declared.github is not None else None]
    parts += [s.github.if_ for s in (declared.suites or {}).values() if s.github is not None]
    texts = [expression_text(part) for part in parts if part is not None]
    return " && ".join(f"({text})" for text in texts) if len(texts) > 1 else "".join(texts)


def if_line(text: str) -> str:
    """`if:`'s value as YAML: `${{ text }}`, double-quoted (a `: ` or `#` stays text)."""
    return json.dumps("${{ " + text + " }}", ensure_ascii=False)


def max_parallel(model: MatrixFile, level: str) -> int | None:
    declared = model.levels[level]
    return declared.github.max_parallel if declared.github is not None else None


def skippable_levels(model: MatrixFile, levels: Sequence[str]) -> list[str]:
    """Levels whose job an `if:` may skip, directly or through a level it waits for: the gate
    does not count their cells missing when their job was skipped."""
    closure = needs_closure(model)
    conditional = {level for level in levels if level_condition(model, level)}
    return [
        level
        for level in levels
        if level in conditional or any(need in conditional for need in closure[level])
    ]


@dataclass(frozen=True)
class ExtraJob:
    """A job of the project's own (`outputs.github.jobs`), rendered by github-job-extra.yml.j2.
    Texts are YAML."""

    id: str
    name: str
    needs: tuple[str, ...]
    condition: str
    runs_on: str
    container: JobContainer | None
    env: tuple[tuple[str, str], ...]
    timeout: int | None
    continue_on_error: str
    steps: tuple[str, ...]
    kind: str = "extra"


def extra_jobs(
    model: MatrixFile,
    github: GithubOutput,
    runs_on: str,
    steps_text: Callable[[PathKey, Sequence[GithubStep]], list[str]],
) -> list[ExtraJob]:
    """`outputs.github.jobs`, in their order; `needs:` naming a level waits for its job.
    `steps_text` writes the steps at a path of matrix.yaml as the level jobs' steps are
    written (a comment after `uses:`, the version a commit SHA is, kept)."""
    jobs = []
    for name, job in github.jobs.items():
        needs = tuple(job_id(need) if need in model.levels else need for need in job.needs)
        jobs.append(
            ExtraJob(
                id=name,
                name=json.dumps(job.name or name, ensure_ascii=False),
                needs=needs,
                condition=if_line(expression_text(job.if_)) if job.if_ is not None else "",
                runs_on=_flow_runs_on(job.runs_on) if job.runs_on is not None else runs_on,
                container=container_text(job.container) if job.container else None,
                env=tuple((key, github_quote(value)) for key, value in job.env.items()),
                timeout=job.timeout_minutes,
                continue_on_error=""
                if job.continue_on_error is None
                else str(job.continue_on_error).lower(),
                steps=tuple(steps_text(("outputs", "github", "jobs", name, "steps"), job.steps)),
            )
        )
    return jobs


def _flow_runs_on(value: str | list[str]) -> str:
    if isinstance(value, str):
        return github_quote(value)
    return "[" + ", ".join(github_quote(label) for label in value) + "]"
