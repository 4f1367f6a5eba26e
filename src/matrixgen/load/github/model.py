"""The GitHub Actions settings of matrix.yaml, as frozen pydantic models: `github:` of axis
values, levels, suites and services, and `outputs.github` (the workflow's triggers, actions,
shards). Checked beyond the schema in `github.checks`; what each cell's job needs is
`github.jobs`.
"""

# No `from __future__ import annotations` here: pydantic would compile and evaluate every
# field's annotation string when the class is made, on every uncached load.
import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from matrixgen.load.fields import Name, Strict, or_short_form

# GitHub Actions settings of axis values, levels and suites (`github:`), and the workflow's
# triggers (`outputs.github.on`). Checked beyond the schema in `load.github`.
RunsOn = Annotated[
    str | list[str],
    Field(
        description="A runner label (ubuntu-latest, macos-14) or a list of labels a self-hosted "
        "runner must all have."
    ),
]
StepValue = str | int | float | bool


class GithubStep(Strict):
    """One step of a GitHub Actions job, written as in a workflow: `uses:` or `run:`."""

    name: str | None = None
    id: str | None = Field(None, pattern=r"^[A-Za-z_][A-Za-z0-9_-]*$")
    if_: str | bool | None = Field(None, alias="if")
    uses: str | None = Field(
        None, description="owner/repo[/path]@ref, ./local/action or docker://image."
    )
    with_: dict[str, StepValue] | None = Field(None, alias="with")
    run: str | None = None
    shell: str | None = None
    working_directory: str | None = Field(None, alias="working-directory")
    env: dict[str, StepValue] | None = None
    continue_on_error: bool | str | None = Field(None, alias="continue-on-error")
    timeout_minutes: float | str | None = Field(None, alias="timeout-minutes")

    @model_validator(mode="after")
    def _uses_or_run(self) -> "GithubStep":
        if (self.uses is None) == (self.run is None):
            raise ValueError("a step has exactly one of `uses:` (an action) or `run:` (a command)")
        if self.uses is not None and (self.shell is not None or self.working_directory is not None):
            raise ValueError("`shell:` and `working-directory:` belong to `run:` steps")
        if self.run is not None and self.with_ is not None:
            raise ValueError("`with:` belongs to `uses:` steps; a `run:` step takes `env:`")
        return self


class GithubSteps(Strict):
    before: list[GithubStep] = Field(
        default_factory=list,
        description="Steps after matrixgen and the cell's packages are installed, before it runs.",
    )
    after: list[GithubStep] = Field(
        default_factory=list, description="Steps after the cell ran, before its results upload."
    )


class GithubContainer(Strict):
    """`container:` of a job, as GitHub's: the Docker image every step of the job runs in."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        populate_by_name=True,
        json_schema_extra=or_short_form({"type": "string", "minLength": 1}),
    )
    image: Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)] = Field(
        description="The image (python:3.6, ghcr.io/owner/image:tag); pin a digest for zizmor."
    )
    env: dict[str, str] = Field(default_factory=dict, description="Env of the container.")
    options: Annotated[str, StringConstraints(min_length=1)] | None = Field(
        None, description="`docker create` options (--user 1001, --cpus 2)."
    )

    @model_validator(mode="before")
    @classmethod
    def _short_form(cls, data: Any) -> Any:
        return {"image": data} if isinstance(data, str) else data


class GithubJob(Strict):
    runs_on: RunsOn | None = Field(None, alias="runs-on")
    env: dict[str, str] = Field(
        default_factory=dict, description="Env of the CI job (every step) of these cells."
    )
    # Job shape (issue 22): the job's own limit, as GitHub's key.
    timeout_minutes: int | None = Field(
        None,
        alias="timeout-minutes",
        ge=1,
        description="The job's limit, written as is [default: the cell's `timeout` plus "
        "`outputs.github.setup-minutes`, else GitHub's 360].",
    )
    # Job container (issue 22 item 6).
    container: GithubContainer | None = Field(
        None,
        description="Run the job's steps in this Docker image (GitHub's `container:`): the "
        "cell's Python is the image's, setup-python does not run, matrixgen gets a Python of "
        "its own from uv.",
    )


class GithubValue(GithubJob):
    """`github:` of an axis value: where and how the CI jobs of its cells run."""

    allow_prereleases: bool = Field(
        False,
        alias="allow-prereleases",
        description="A python axis value: let setup-python install a pre-release (3.15 before "
        "its release).",
    )


class Install(Strict):
    pip: list[str] = Field(default_factory=list)
    apt: list[str] = Field(default_factory=list)
    npm: list[str] = Field(default_factory=list)


class GithubLevel(GithubJob):
    """`github:` of a level or suite: the CI jobs of its cells."""

    steps: GithubSteps = Field(default_factory=GithubSteps.model_construct)
    install: Install = Field(
        default_factory=Install.model_construct,
        description="Packages the CI job installs for these cells, besides their services'.",
    )
    needs: list[Name] | None = Field(
        None, description="Levels whose jobs must pass before these cells start."
    )
    retries: int | None = Field(
        None, ge=0, le=10, description="Reruns of a failed cell in CI (`matrixgen run --retries`)."
    )
    # Job shape (issue 22).
    name: Annotated[str, StringConstraints(min_length=1)] | None = Field(
        None,
        description="The job's name, exactly (branch protection lists it): a template over the "
        "cell's values (`${python}`), labels (`${label.python}`), `${level}`, `${suite}` and "
        "`${cell}` [default: `<level> (<cell>)`].",
    )
    # Job condition and parallelism (issue 22 item 6).
    if_: str | bool | None = Field(
        None,
        alias="if",
        description="GitHub's job `if:` (`github.repository == 'owner/repo'`): the job is "
        "skipped when false, and the gate does not count its cells missing.",
    )
    max_parallel: int | None = Field(
        None,
        alias="max-parallel",
        ge=1,
        description="At most this many of the level's jobs at once (`strategy.max-parallel`).",
    )


class GithubService(Strict):
    """`github:` of a service: the GitHub service container its cells' CI jobs get instead of
    starting it themselves (`matrixgen run --provided`)."""

    image: Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)] = Field(
        description="The Docker image (redis:7, ghcr.io/owner/image:tag)."
    )
    port: int = Field(
        ge=1, le=65535, description="The container port `${port}` stands for (6379 for redis)."
    )
    host_port: int | None = Field(
        None,
        alias="host-port",
        ge=1,
        le=65535,
        description="Publish `port` on this fixed port of the runner, for tests that expect "
        "it there [default: a free port GitHub picks].",
    )
    env: dict[str, str] = Field(default_factory=dict, description="Env of the container.")
    options: str | None = Field(
        None,
        description="`docker create` options, such as a health check: GitHub starts the job's "
        "steps once the container is healthy.",
    )


class Coverage(Strict):
    fail_under: float = Field(ge=0, le=100)
    python: str = "3.11"


# `owner/repo` or `owner/repo/path`, as `uses:` names an action.
ACTION_NAME_PATTERN = r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)*$"


def _action_name(value: str) -> str:
    if re.match(ACTION_NAME_PATTERN, value) is None:
        raise ValueError(
            f"'{value}' is not an action: write it as `uses:` names it, "
            "owner/repo or owner/repo/path (actions/checkout)"
        )
    return value


ActionName = Annotated[
    str,
    AfterValidator(_action_name),
    WithJsonSchema({"type": "string", "pattern": ACTION_NAME_PATTERN}),
]
# A ref, then optionally `# comment` (the version a commit SHA is, e.g. `# v5.0.0`).
# The comment holds no character YAML (or PyYAML) reads as a line break. Two spellings:
# Python's, with named groups, and the JSON Schema's (ECMA-262).
_NOTE = r"[^\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff]*"
ACTION_REF = re.compile(
    rf"^(?P<ref>[A-Za-z0-9][A-Za-z0-9._+/-]*)(?:[ \t]+#[ \t]*(?P<note>{_NOTE}))?$"
)
_ACTION_REF_SCHEMA = rf"^[A-Za-z0-9][A-Za-z0-9._+/-]*([ \t]+#[ \t]*{_NOTE})?$"
COMMIT_SHA = re.compile(r"^[0-9a-f]{40}$")


def _action_ref(value: str, info: ValidationInfo) -> str:
    match = ACTION_REF.match(value.strip())
    if match is None:
        raise ValueError(
            f"{value!r} is not a ref: write a 40-hex commit SHA, optionally with the version it "
            "is as a comment ('<sha>  # v5.0.0')"
        )
    ref = match["ref"]
    if COMMIT_SHA.match(ref) is None and not info.data.get("allow_tags"):
        raise ValueError(
            f"'{ref}' is not a full commit SHA (40 lowercase hex digits), and a tag or branch can "
            "be moved by whoever controls the action: pin the commit it points to "
            f"('<sha>  # {ref}'), or set `allow-tags: true` to accept tags"
        )
    return value.strip()


ActionRef = Annotated[
    str,
    AfterValidator(_action_ref),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": _ACTION_REF_SCHEMA,
            "description": "A 40-hex commit SHA (a tag with `allow-tags: true`), optionally "
            "followed by '# <version>'.",
        }
    ),
]


# A cron line of five fields (actionlint checks each field's syntax).
CRON_PATTERN = r"^\s*\S+(\s+\S+){4}\s*$"
# A branch name or filter pattern: no space or control character, not an option.
BRANCH_PATTERN = r"^[^\s\x00-\x1f\x7f~^:\\-][^\s\x00-\x1f\x7f~^:\\]*$"


def _cron(value: str) -> str:
    if re.match(CRON_PATTERN, value) is None:
        raise ValueError(
            f"{value!r} is not a cron line: write its five fields, minute hour day month "
            "weekday (UTC), e.g. '0 3 * * 1' for Mondays at 03:00"
        )
    return value


def _branch(value: str) -> str:
    if re.match(BRANCH_PATTERN, value) is None or ".." in value:
        raise ValueError(
            f"{value!r} is not a branch name or pattern: no space, control character, "
            "'..', '~', '^', ':' or '\\', and not '-' first"
        )
    return value


Cron = Annotated[
    str, AfterValidator(_cron), WithJsonSchema({"type": "string", "pattern": CRON_PATTERN})
]
Branch = Annotated[
    str, AfterValidator(_branch), WithJsonSchema({"type": "string", "pattern": BRANCH_PATTERN})
]


class PathFilters(Strict):
    paths: list[str] | None = Field(
        None, min_length=1, description="Run only when a changed file matches one of these globs."
    )
    paths_ignore: list[str] | None = Field(
        None,
        alias="paths-ignore",
        min_length=1,
        description="Do not run when every changed file matches these globs.",
    )

    @model_validator(mode="after")
    def _one_filter(self) -> "PathFilters":
        if self.paths is not None and self.paths_ignore is not None:
            raise ValueError(
                "GitHub takes `paths:` or `paths-ignore:` for one event, not both; "
                "keep one (a `!glob` in `paths:` excludes)"
            )
        return self


class GithubPush(PathFilters):
    branches: list[Branch] | None = Field(
        None,
        min_length=1,
        description="Branches whose pushes run the matrix [default: the "
        "default branch, `outputs.github.branch`].",
    )


class GithubPullRequest(PathFilters):
    branches: list[Branch] | None = Field(
        None,
        min_length=1,
        description="Base branches of the pull requests that run the matrix [default: any].",
    )


class GithubTriggers(Strict):
    """`outputs.github.on`: the events that run the workflow; one left out keeps its default."""

    push: GithubPush | bool | None = Field(
        True, description="true: pushes to the default branch; false: none; or filters."
    )
    pull_request: GithubPullRequest | bool | None = Field(
        True, description="true: every pull request; false: none; or filters."
    )
    schedule: list[Cron] = Field(
        default_factory=list, description="Cron lines (UTC) that run the whole matrix."
    )
    workflow_dispatch: bool = Field(True, description="A 'Run workflow' button.")
    workflow_call: bool = Field(
        False,
        description="Another workflow may call this one (`uses: ./.github/workflows/matrix.yml`, "
        "`with: {cells: 'integration unit/3.12'}`): its `cells` input selects the cells to run "
        "(selectors as `matrixgen run` takes them; empty: every cell).",
    )


class GithubConcurrency(Strict):
    """`outputs.github.concurrency` as GitHub's own `concurrency:`, written as is."""

    group: Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)] = Field(
        description="Runs of one group run one at a time: text and `${{ }}` expressions "
        "(`${{ github.workflow }}-${{ github.ref }}`)."
    )
    cancel_in_progress: bool | str = Field(
        False,
        alias="cancel-in-progress",
        description="A new run cancels the group's run in progress: true, false or a "
        "`${{ }}` expression [default: false, as GitHub's].",
    )

    @field_validator("cancel_in_progress")
    @classmethod
    def _expression(cls, text: bool | str) -> bool | str:
        if isinstance(text, str) and re.fullmatch(r"\$\{\{.*\}\}", text.strip(), re.S) is None:
            raise ValueError(
                f"cancel-in-progress {text!r} is neither true/false nor a `${{{{ }}}}` "
                "expression; write true, false or e.g. "
                "\"${{ github.ref != 'refs/heads/main' }}\""
            )
        return text


# A job id as GitHub's schema has it: a letter or '_' first, then letters, digits, '-', '_'.
JOB_ID_PATTERN = r"^[A-Za-z_][A-Za-z0-9_-]*$"


class GithubExtraJob(Strict):
    """A job of the project's own in the workflow (`outputs.github.jobs`), written as GitHub's:
    after the cells, e.g. a coverage report that `needs: [gate]`."""

    name: Annotated[str, StringConstraints(min_length=1)] | None = None
    needs: list[Annotated[str, StringConstraints(pattern=JOB_ID_PATTERN)]] = Field(
        default_factory=list,
        description="Jobs it waits for: `gate`, `plan`, a level (its job) or another of these.",
    )
    if_: str | bool | None = Field(None, alias="if", description="GitHub's job `if:`.")
    runs_on: RunsOn | None = Field(
        None, alias="runs-on", description="[default: `outputs.github.runs-on`]"
    )
    container: GithubContainer | None = None
    env: dict[str, str] = Field(default_factory=dict)
    timeout_minutes: int | None = Field(None, alias="timeout-minutes", ge=1)
    continue_on_error: bool | None = Field(None, alias="continue-on-error")
    steps: list[GithubStep] = Field(min_length=1, description="Its steps, copied as written.")

    @model_validator(mode="before")
    @classmethod
    def _one_need(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("needs"), str):
            data = {**data, "needs": [data["needs"]]}
        return data


class GithubOutput(Strict):
    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        populate_by_name=True,
        json_schema_extra=or_short_form({"type": "string"}),
    )
    file: str = ".github/workflows/matrix.yml"
    python: str = Field("3.11", description="Python for jobs whose cell has no python axis.")
    shards: int | dict[Name, int] | None = Field(
        None, description="Run a level's cells in this many shard jobs instead of one job per cell."
    )
    affected: bool = Field(
        False, description="On pull requests, run only cells affected by the change."
    )
    diff: bool = Field(
        False,
        description="On pull requests, the plan job shows `matrixgen diff` against the base "
        "branch in the run's summary: cells added and removed, check names renamed or gone, "
        "covered tuples lost, estimated CI minutes.",
    )
    coverage: Coverage | None = None
    runs_on: RunsOn = Field("ubuntu-latest", alias="runs-on")
    branch: Branch | None = Field(
        None,
        description="The default branch, whose pushes run the matrix [default: read from git: "
        "origin/HEAD, else init.defaultBranch, else the current branch, else main].",
    )
    on: GithubTriggers = Field(default_factory=GithubTriggers.model_construct)
    concurrency: bool | Literal["pull-requests", "all"] | GithubConcurrency = Field(
        True,
        description="true or pull-requests: a new push to a pull request cancels its run still "
        "in progress; all: a new run of any branch or pull request cancels the one before of "
        "the same event; or GitHub's own `concurrency:` mapping; false: none.",
    )
    setup_minutes: int = Field(
        0,
        alias="setup-minutes",
        ge=0,
        description="Minutes added to a cell's `timeout` for its job's limit (checkout, "
        "installs); not to a `timeout-minutes` of `github:`.",
    )
    order: bool = Field(
        False,
        description="Levels run in order: a level's jobs start when every earlier level passed.",
    )
    cache: bool = Field(
        True,
        description="setup-python caches pip downloads (setup-uv uv's, with `installer: uv`), "
        "keyed on matrix.yaml, pyproject.toml, setup.cfg, setup.py and requirements files.",
    )
    installer: Literal["pip", "uv"] = Field(
        "pip",
        description="pip: setup-python gives each job its Python, pip installs. uv: "
        "astral-sh/setup-uv installs uv, `uv venv --python` makes the job's Python (uv's "
        "interpreters, downloaded where missing) and `uv pip install` installs.",
    )
    # Before `actions`: its validator reads this one.
    allow_tags: bool = Field(
        False,
        alias="allow-tags",
        description="Accept tags (v5) in `actions:`, not only commit SHAs; a tag can be moved.",
    )
    actions: dict[ActionName, ActionRef] = Field(
        default_factory=dict,
        description=(
            "The ref each action is used at, instead of matrixgen's tag "
            "(e.g. actions/checkout: '<40-hex sha>  # v5.0.0'); an `owner/repo` key "
            "also pins the actions under it (actions/cache for actions/cache/save)."
        ),
    )

    # Extra jobs (issue 22 item 6).
    jobs: dict[Annotated[str, StringConstraints(pattern=JOB_ID_PATTERN)], GithubExtraJob] = Field(
        default_factory=dict,
        description="Jobs of your own after the cells, by job id, written as GitHub's "
        "(`coverage: {needs: [gate], steps: [...]}`).",
    )

    @model_validator(mode="before")
    @classmethod
    def _short_form(cls, data: Any) -> Any:
        return {"file": data} if isinstance(data, str) else data
