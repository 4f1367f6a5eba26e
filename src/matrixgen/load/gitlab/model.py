"""`outputs.gitlab`: where the `.gitlab-ci.yml` goes and how its jobs run.

What a cell's job runs, installs and may do (retries, allowed failure, service containers,
levels' `needs:`) is read from the same settings the GitHub workflow reads; only what is
GitLab's own is here.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import ConfigDict, Field, StringConstraints, model_validator

from matrixgen.load.fields import Strict, or_short_form

Text = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]


class GitlabCell(Strict):
    """`gitlab:` of an axis value, level or suite: its cells' GitLab jobs."""

    image: Text = Field(
        description="The image its cells' jobs run in, instead of outputs.gitlab.image "
        "(pypy:3.10 for the value pypy3.10); `${axis}` is the cell's value. A suite's wins "
        "over its level's, a level's over its values'."
    )


class GitlabOutput(Strict):
    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        populate_by_name=True,
        json_schema_extra=or_short_form({"type": "string"}),
    )
    file: str = Field(
        ".gitlab-ci.yml",
        description="The pipeline file: .gitlab-ci.yml, or a file the project's own includes.",
    )
    image: Text | None = Field(
        None,
        description="The image jobs run in (a Docker executor: python:3.12); `${axis}` is the "
        "cell's value (python:${python}-slim: an image per Python); it needs bash and python3 "
        "with venv [default: none: the runner's own, as a shell runner].",
    )
    tags: list[Text] = Field(
        default_factory=list, description="Runner tags every job asks for (`tags:`)."
    )
    setup_minutes: int = Field(
        0,
        alias="setup-minutes",
        ge=0,
        description="Minutes added to a cell's `timeout` for its job's `timeout:` (installs); "
        "0: the job's limit is the cell's own.",
    )
    affected: bool = Field(
        False,
        description="In a merge request's pipeline, each cell's job runs its cell only when the "
        "change (since $CI_MERGE_REQUEST_DIFF_BASE_SHA) affects it (`matrixgen affected`), and "
        "else records it as not run, unaffected; the gate accepts such cells.",
    )
    cache: bool = Field(
        True,
        description="Each cell's job keeps pip's download cache in GitLab's `cache:`, keyed on "
        "the first two of matrix.yaml, pyproject.toml, setup.cfg, setup.py and the requirements "
        "files (GitLab keys a cache on at most two files).",
    )
    diff: bool = Field(
        False,
        description="A merge request's pipeline runs `matrixgen diff` against its base in a "
        "`matrix diff` job (full history: GIT_DEPTH 0): the report in its log and in an "
        "artifact the merge request links (`expose_as`); a lost check name or covered tuple "
        "marks the job a warning (exit code 1 allowed to fail), never the pipeline failed.",
    )
    containers: bool = Field(
        True,
        description="Services with a container declaration (`services.<name>.github`) run as "
        "the jobs' `services:` (a Docker executor); false: every service runs as `matrixgen "
        "run` starts it locally (a shell runner).",
    )

    @model_validator(mode="before")
    @classmethod
    def _short_form(cls, data: Any) -> Any:
        return {"file": data} if isinstance(data, str) else data
