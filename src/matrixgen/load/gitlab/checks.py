"""Checks of `outputs.gitlab` the schema cannot express, each located at its cause."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from matrixgen.errors import Problem
from matrixgen.load.cells import Cell
from matrixgen.load.document import Document
from matrixgen.load.gitlab.jobs import JOB_LIMIT, RESERVED, gitlab_of, level_jobs
from matrixgen.load.model import MatrixFile


def check_gitlab(doc: Document, model: MatrixFile) -> Iterator[Problem]:
    """A level's job is named after it: not one of GitLab's top-level keywords. A service's
    install steps run in a GitLab job as scripts: `run:` steps only."""
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
    """GitLab makes at most `JOB_LIMIT` jobs of one `parallel: matrix:`."""
    gitlab = gitlab_of(getattr(model.outputs, "gitlab", None))
    for job in level_jobs(model, gitlab, cells):
        if len(job.cells) > JOB_LIMIT:
            yield doc.problem(
                ("levels", job.level),
                f"GitLab job '{job.name}' would list {len(job.cells)} cells in its "
                f"`parallel: matrix:`, and GitLab makes at most {JOB_LIMIT} jobs of one; split "
                "the level (`suites:`, or fewer axes) or exclude cells",
                key=True,
            )
