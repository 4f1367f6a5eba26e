"""The schema of matrix.yaml, version 1, as frozen pydantic models.

Short forms are normalized by validators so the rest of matrixgen sees one shape:
an axis given as a plain list becomes an `Axis`, a level without `suites:` becomes a
level with one suite named after it, and durations become seconds.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

from matrixgen import DISTRIBUTION, __version__

# Letters, digits, '.', '_' and '-', but not `.` or `..`: names become path segments
# (compose profiles, results folders), where those two mean folders.
NAME_PATTERN = r"^(?:\.{0,2}[A-Za-z0-9_-]|\.\.\.)[A-Za-z0-9._-]*$"
Name = Annotated[str, StringConstraints(pattern=NAME_PATTERN)]

_DURATION = re.compile(
    r"^\s*(?:(\d+(?:\.\d+)?)h)?\s*(?:(\d+(?:\.\d+)?)m)?\s*(?:(\d+(?:\.\d+)?)s?)?\s*$",
    re.ASCII,  # "١٠m" is no duration: the schema's \d is ASCII, and so is every consumer's
)


# A week: far above any CI job's limit (GitHub's hosted runners stop a job at 6 h), and
# small enough that every consumer (minutes in a workflow, asyncio's timers) can hold it.
MAX_DURATION = 7 * 24 * 3600.0


def parse_duration(value: object) -> object:
    """'90', '30s', '20m', '1h30m' or a number -> seconds; other types are left to pydantic.
    A duration is finite and at most a week (`.inf` would crash whatever renders it); a
    boolean is none (`timeout: true` would be one second)."""
    if isinstance(value, bool):
        raise ValueError(
            f"{value!r} is not a duration; write seconds (90) or use units: 30s, 20m, 1h30m"
        )
    if isinstance(value, (int, float)):
        seconds = float(value)
    elif isinstance(value, str) and value.strip():
        match = _DURATION.match(value)
        if not (match and any(match.groups())):
            raise ValueError(
                f"{value!r} is not a duration; write seconds (90) or use units: 30s, 20m, 1h30m"
            )
        hours, minutes, part = (float(g) if g else 0.0 for g in match.groups())
        seconds = hours * 3600 + minutes * 60 + part
    else:
        return value
    if not math.isfinite(seconds) or seconds > MAX_DURATION:
        raise ValueError(
            f"{value!r} is not a usable duration: a duration is finite, above 0 and at most "
            f"7 days ({MAX_DURATION:g} seconds); write seconds (90) or units: 30s, 20m, 1h30m"
        )
    return seconds


# The schema shows what a user writes (a number or "20m"), not the seconds it becomes.
_DURATION_SCHEMA = {
    "anyOf": [
        {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_DURATION},
        {
            "type": "string",
            "pattern": r"^\s*(\d+(\.\d+)?h)?\s*(\d+(\.\d+)?m)?\s*(\d+(\.\d+)?s?)?\s*$",
        },
    ],
    "description": "Seconds, or a duration such as 30s, 20m, 1h30m.",
}
Duration = Annotated[
    float, BeforeValidator(parse_duration), Field(gt=0), WithJsonSchema(_DURATION_SCHEMA)
]


def _or_short_form(short: dict[str, Any]) -> Any:
    """A json_schema_extra hook: also accept a short form that a before-validator expands."""

    def widen(schema: dict[str, Any]) -> None:
        long = dict(schema)
        schema.clear()
        schema["anyOf"] = [long, short]
        if "description" in long:
            schema["description"] = long["description"]

    return widen


_NAME_LIST = {"type": "array", "items": {"type": "string", "pattern": NAME_PATTERN}}


def _axis_values_schema(schema: dict[str, Any]) -> None:
    # `s3:` with nothing after it is an empty value; a plain list is the short form.
    for name, entry in schema.get("patternProperties", {}).items():
        schema["patternProperties"][name] = {"anyOf": [entry, {"type": "null"}]}
    _or_short_form(_NAME_LIST)(schema)


Command = Annotated[
    str | list[str], Field(description="a shell line, or an argv list run without a shell")
]


class Strict(BaseModel):
    # defer_build: each model's validator is built on first use, not when its class is
    # made. Loading validates MatrixFile alone, whose one schema holds every nested model,
    # so building each model's own validator too was wasted: ~15 ms of an uncached
    # `list`, which pays pydantic before its first cell (bench/list.py).
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True, defer_build=True)


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
    def _uses_or_run(self) -> GithubStep:
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


class GithubJob(Strict):
    runs_on: RunsOn | None = Field(None, alias="runs-on")
    env: dict[str, str] = Field(
        default_factory=dict, description="Env of the CI job (every step) of these cells."
    )


class GithubValue(GithubJob):
    """`github:` of an axis value: where and how the CI jobs of its cells run."""

    allow_prereleases: bool = Field(
        False,
        alias="allow-prereleases",
        description="A python axis value: let setup-python install a pre-release (3.15 before "
        "its release).",
    )


class AxisValue(Strict):
    label: str | None = Field(None, description="Free text shown in tables; defaults to the value.")
    services: list[Name] = Field(
        default_factory=list, description="Services a cell with this value needs."
    )
    paths: list[str] = Field(
        default_factory=list,
        description=(
            "Globs of files that, when changed, affect cells with this value "
            "(`matrixgen affected`)."
        ),
    )
    env: dict[str, str] = Field(
        default_factory=dict, description="Env of every cell with this value."
    )
    github: GithubValue | None = Field(None, description="Its cells' GitHub Actions jobs.")
    allowed_failure: bool | None = Field(
        None,
        alias="allowed-failure",
        description="Its cells may fail: CI continues, the gate and report do not fail on them.",
    )


class Axis(Strict):
    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        populate_by_name=True,
        json_schema_extra=_or_short_form(_NAME_LIST),
    )
    title: str | None = Field(None, description="Heading shown for this axis in tables.")
    values: dict[Name, AxisValue] = Field(
        description="Values in display order.", json_schema_extra=_axis_values_schema
    )

    @model_validator(mode="before")
    @classmethod
    def _short_forms(cls, data: Any) -> Any:
        # `axis: [a, b]` and `values: [a, b]` are shorthands for mappings of empty values.
        if isinstance(data, list):
            data = {"values": data}
        if isinstance(data, dict) and isinstance(data.get("values"), list):
            values = data["values"]
            if all(isinstance(v, str) for v in values):
                data = {**data, "values": {v: {} for v in values}}
        if isinstance(data, dict) and isinstance(data.get("values"), dict):
            data = {
                **data,
                "values": {k: ({} if v is None else v) for k, v in data["values"].items()},
            }
        return data

    def label(self, value: str) -> str:
        return self.values[value].label or value


class Ready(Strict):
    """How to tell that a process service is ready; exactly one probe."""

    http: str | None = Field(None, description="URL that must answer with a status below 500.")
    tcp: str | None = Field(None, description="host:port that must accept a connection.")
    command: list[str] | None = Field(None, description="argv that must exit 0.")
    log: str | None = Field(
        None, description="Regular expression that must appear in the service's output."
    )
    interval: Duration = Field(0.1, description="Seconds between probes.")

    @model_validator(mode="after")
    def _exactly_one(self) -> Ready:
        given = [k for k in ("http", "tcp", "command", "log") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                "expected exactly one probe of http, tcp, command, log; "
                + (f"got {', '.join(given)}: keep one" if given else "got none: add one")
            )
        return self


class Process(Strict):
    command: list[str] = Field(
        min_length=1, description="argv; ${port}, ${host} and ${dir} are filled in."
    )
    ready: Ready | None = None
    timeout: Duration = Field(30.0, description="How long the service may take to become ready.")
    env: dict[str, str] = Field(
        default_factory=dict, description="Env of the service process itself."
    )
    cwd: str | None = None


class Install(Strict):
    pip: list[str] = Field(default_factory=list)
    apt: list[str] = Field(default_factory=list)
    npm: list[str] = Field(default_factory=list)


class ServiceInstall(Install):
    steps: list[GithubStep] = Field(
        default_factory=list,
        description="GitHub steps that install the service on CI (an action or a script that "
        "adds an emulator no runner archive has), after its packages; not run locally.",
    )


class GithubLevel(GithubJob):
    """`github:` of a level or suite: the CI jobs of its cells."""

    steps: GithubSteps = Field(default_factory=GithubSteps)
    install: Install = Field(
        default_factory=Install,
        description="Packages the CI job installs for these cells, besides their services'.",
    )
    needs: list[Name] | None = Field(
        None, description="Levels whose jobs must pass before these cells start."
    )
    retries: int | None = Field(
        None, ge=0, le=10, description="Reruns of a failed cell in CI (`matrixgen run --retries`)."
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


class Service(Strict):
    process: Process | None = Field(
        None, description="How to run the service natively, without Docker."
    )
    compose: str | None = Field(None, description="The shared compose file that profiles include.")
    github: GithubService | None = Field(
        None, description="The GitHub service container CI jobs get for it instead."
    )
    install: ServiceInstall = Field(
        default_factory=ServiceInstall, description="What CI installs for cells using it."
    )
    env: dict[str, str] = Field(
        default_factory=dict, description="Env every cell using the service sees."
    )
    setup: list[list[str]] = Field(default_factory=list, description="argvs run once after ready.")

    @model_validator(mode="after")
    def _startable(self) -> Service:
        if self.process is None and self.compose is None:
            raise ValueError(
                "a service needs `process:` (to run it natively) or `compose:` (a compose file), "
                "or both; add one"
            )
        return self


LevelAxes = Annotated[
    list[Name] | dict[Name, list[Name] | None],
    Field(
        description=(
            "Axes the cells span, in cell-id order; a mapping restricts an axis to some values."
        )
    ),
]


class Harness(Strict):
    """`compose:` of a level or suite: compose files that hold what its cells test."""

    files: list[str] = Field(
        default_factory=list,
        description=(
            "Compose files each profile of these cells includes besides its services' files: "
            "the system under test, a tester, one-shot setup services, named volumes. Each "
            "is its own `include:` entry, read with the cell's env file (`${NAME}`)."
        ),
    )
    tester: Name | None = Field(
        None,
        description=(
            "The service of `files` that runs the tests and exits; the profile gives it the "
            "cell's env, MATRIXGEN_JUNIT (a path under /results, the results folder mounted) "
            "and `depends_on` on the cell's services."
        ),
    )


class SuiteFields(Strict):
    label: str | None = None
    axes: LevelAxes = Field(default_factory=list)
    with_: dict[Name, Name] = Field(
        default_factory=dict, alias="with", description="Pins an axis the suite does not span."
    )
    cells: list[dict[Name, Name]] | None = Field(
        None,
        description=(
            "The combinations these cells are, listed, instead of every combination of "
            "`axes` (GitHub's matrix made of include entries only): each entry gives one "
            "value of every axis spanned."
        ),
    )
    services: bool | list[Name] = Field(
        True, description="false: no services (in-process mocks); a list adds services."
    )
    requires: list[Name] = Field(
        default_factory=list,
        description="Needed tools (docker, kind, a binary); unmet means skipped.",
    )
    run: Command | None = None
    timeout: Duration | None = None
    env: dict[str, str] = Field(default_factory=dict)
    paths: list[str] = Field(
        default_factory=list,
        description="Globs of files whose change affects every cell here (`matrixgen affected`).",
    )
    github: GithubLevel | None = Field(None, description="Its cells' GitHub Actions jobs.")
    allowed_failure: bool | None = Field(
        None,
        alias="allowed-failure",
        description="Its cells may fail: CI continues, the gate and report do not fail on them.",
    )
    compose: Harness | None = Field(
        None, description="Compose files with the system under test and a tester (profiles)."
    )
    junit: bool = Field(
        True,
        description=(
            "false: its command writes no JUnit; the exit code alone makes it passed or failed, "
            "reported with 'no test details'."
        ),
    )


class Suite(SuiteFields):
    pass


class Level(SuiteFields):
    suites: dict[Name, Suite] | None = Field(None, description="Several suites at one level.")

    @model_validator(mode="after")
    def _has_something_to_run(self) -> Level:
        if self.suites is None and self.run is None:
            raise ValueError("a level needs `run:` (its cells' command) or `suites:`; add one")
        if self.suites is not None and not self.suites:
            raise ValueError("`suites:` is empty; declare at least one suite or drop the key")
        return self


MatchValue = Name | list[Name]


class Exclude(Strict):
    match: dict[Name, MatchValue] = Field(
        min_length=1, description="Axis (or level, suite) -> value or any-of list."
    )
    reason: Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]


class ComposeSettings(Strict):
    overlays: list[str] = Field(default_factory=list)


class Override(Strict):
    match: dict[Name, MatchValue] = Field(min_length=1)
    env: dict[str, str] = Field(default_factory=dict)
    timeout: Duration | None = None
    requires: list[Name] = Field(default_factory=list)
    services: list[Name] = Field(default_factory=list)
    run: Command | None = None
    compose: ComposeSettings = Field(default_factory=ComposeSettings)
    allowed_failure: bool | None = Field(
        None,
        alias="allowed-failure",
        description="The matching cells may fail (true) or not (false), whatever else says.",
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
    def _one_filter(self) -> PathFilters:
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


class GithubOutput(Strict):
    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        populate_by_name=True,
        json_schema_extra=_or_short_form({"type": "string"}),
    )
    file: str = ".github/workflows/matrix.yml"
    python: str = Field("3.11", description="Python for jobs whose cell has no python axis.")
    shards: int | dict[Name, int] | None = Field(
        None, description="Run a level's cells in this many shard jobs instead of one job per cell."
    )
    affected: bool = Field(
        False, description="On pull requests, run only cells affected by the change."
    )
    coverage: Coverage | None = None
    runs_on: RunsOn = Field("ubuntu-latest", alias="runs-on")
    branch: Branch | None = Field(
        None,
        description="The default branch, whose pushes run the matrix [default: read from git: "
        "origin/HEAD, else init.defaultBranch, else the current branch, else main].",
    )
    on: GithubTriggers = Field(default_factory=GithubTriggers)
    concurrency: bool = Field(
        True, description="A new push to a pull request cancels its run still in progress."
    )
    order: bool = Field(
        False,
        description="Levels run in order: a level's jobs start when every earlier level passed.",
    )
    cache: bool = Field(
        True,
        description="setup-python caches pip downloads, keyed on matrix.yaml, pyproject.toml, "
        "setup.cfg, setup.py and requirements files.",
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

    @model_validator(mode="before")
    @classmethod
    def _short_form(cls, data: Any) -> Any:
        return {"file": data} if isinstance(data, str) else data


class DocsOutput(Strict):
    file: str
    rows: list[Name] = Field(min_length=1)
    columns: Name = "level"
    names: bool = Field(True, description="Name the cells in table text: `✅ (sqs-s3)`.")


class Outputs(Strict):
    nox: str | None = None
    compose: str | None = None
    github: GithubOutput | None = None
    docs: DocsOutput | None = None
    schema_file: str | None = Field(
        None,
        alias="schema",
        description=(
            "Where `render` keeps the JSON Schema of matrix.yaml for editors (e.g. "
            "matrix.schema.json), current with the matrixgen that renders."
        ),
    )
    matrixgen: str = Field(
        default_factory=lambda: f"{DISTRIBUTION}=={__version__}",
        description=(
            "The requirement line that installs matrixgen itself in each generated nox session "
            f"and CI job [default: {DISTRIBUTION}==<the version that renders>]; point it at a "
            "checkout with '-e path/to/matrixgen'."
        ),
    )
    install: list[str] = Field(
        default_factory=list,
        description=(
            "Requirement lines (as in requirements.txt) that install the project and its test "
            "dependencies in each generated nox session and CI job, e.g. ['-e .[test]']; "
            "matrixgen itself comes from `matrixgen`."
        ),
    )

    @property
    def requirements(self) -> list[str]:
        """Every requirement line a session or job installs: matrixgen first, then the project's."""
        return [self.matrixgen, *self.install]

    @model_validator(mode="before")
    @classmethod
    def _github_short_form(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("github"), str):
            data = {**data, "github": {"file": data["github"]}}
        return data


class Include(Strict):
    """An extra cell: `level`, optionally `suite`, and one value per axis the suite spans."""

    model_config = ConfigDict(frozen=True, extra="allow")
    level: Name
    suite: Name | None = None


def _integer_version(value: object) -> object:
    # Lax mode would take `true` and `1.0` for the literal 1.
    if isinstance(value, (bool, float)):
        raise PydanticCustomError("literal_error", "Input should be 1", {"expected": "1"})
    return value


class MatrixFile(Strict):
    """matrix.yaml, version 1."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        title="matrix.yaml",
        json_schema_extra={"$id": "matrix.schema.json"},
    )
    version: Annotated[Literal[1], BeforeValidator(_integer_version)]
    name: Name | None = None
    axes: dict[Name, Axis] = Field(default_factory=dict)
    services: dict[Name, Service] = Field(default_factory=dict)
    levels: dict[Name, Level] = Field(min_length=1)
    exclude: list[Exclude] = Field(default_factory=list)
    include: list[Include] = Field(default_factory=list)
    overrides: list[Override] = Field(default_factory=list)
    paths: list[str] = Field(
        default_factory=list,
        description="Globs of files (shared code, pyproject.toml) whose change affects every cell.",
    )
    outputs: Outputs = Field(default_factory=Outputs)
