"""One cell's CI job as matrix.yaml says it, folded (`github.checks.cell_github`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from matrixgen.load.github.model import GithubContainer


@dataclass(frozen=True)
class CellGithub:
    """Everything about one cell's CI job that matrix.yaml says, folded."""

    runs_on: str | tuple[str, ...]
    python: str  # what setup-python installs: "3.14" for the python value "3.14t"
    freethreaded: bool
    prerelease: bool
    env: Mapping[str, str]  # the job's env: values, then level, then suite
    apt: tuple[str, ...]  # the level's and suite's packages (services' are added by `jobs`)
    pip: tuple[str, ...]
    npm: tuple[str, ...]
    retries: int
    allowed_failure: bool
    containers: tuple[str, ...]  # services the job gets as GitHub service containers
    services: str  # `matrixgen run --services` for the others: native, or compose
    timeout_minutes: int | None = None  # `github.timeout-minutes`: the job's own limit
    container: GithubContainer | None = None  # the job's container: the cell's Python is its
