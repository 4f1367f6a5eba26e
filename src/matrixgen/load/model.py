"""The schema of matrix.yaml, version 1, as frozen pydantic models.

Short forms are normalized by validators so the rest of matrixgen sees one shape:
an axis given as a plain list becomes an `Axis`, a level without `suites:` becomes a
level with one suite named after it, and durations become seconds.
"""

# No `from __future__ import annotations` here: pydantic would compile and evaluate every
# field's annotation string when the class is made, on every uncached load.
from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)
from pydantic_core import PydanticCustomError

from matrixgen import DISTRIBUTION
from matrixgen.load.fields import (
    NAME_LIST,
    Command,
    Duration,
    Name,
    Strict,
    axis_values_schema,
    or_short_form,
)
from matrixgen.load.github.model import (
    GithubLevel,
    GithubOutput,
    GithubService,
    GithubStep,
    GithubValue,
    Install,
)
from matrixgen.load.gitlab.model import GitlabCell, GitlabOutput


class CellInstall(Strict):
    """What a cell's own environment holds besides `outputs.install` and its services'
    packages: pip lines, and the env they install under."""

    pip: list[str] = Field(
        default_factory=list,
        description=(
            "requirements.txt lines installed into the environment of each of its cells "
            "(`lxml==4.9.3`, `-c constraints/oldest.txt`), paths relative to matrix.yaml."
        ),
    )
    env: dict[str, str] = Field(
        default_factory=dict,
        description="Env while they install (CFLAGS, PIP_CONSTRAINT); part of the declaration.",
    )


CELL_INSTALL = (
    "Packages in the environment of each of its cells (`matrixgen run`, nox and CI alike); "
    "cells that declare different ones never share an environment."
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
    install: CellInstall = Field(
        default_factory=CellInstall.model_construct, description=CELL_INSTALL
    )
    github: GithubValue | None = Field(None, description="Its cells' GitHub Actions jobs.")
    gitlab: GitlabCell | None = Field(None, description="Its cells' GitLab jobs.")
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
        json_schema_extra=or_short_form(NAME_LIST),
    )
    title: str | None = Field(None, description="Heading shown for this axis in tables.")
    values: dict[Name, AxisValue] = Field(
        description="Values in display order.", json_schema_extra=axis_values_schema
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
    def _exactly_one(self) -> "Ready":
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


class ServiceInstall(Install):
    steps: list[GithubStep] = Field(
        default_factory=list,
        description="GitHub steps that install the service on CI (an action or a script that "
        "adds an emulator no runner archive has), after its packages; not run locally.",
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
        default_factory=ServiceInstall.model_construct,
        description="What CI installs for cells using it.",
    )
    env: dict[str, str] = Field(
        default_factory=dict, description="Env every cell using the service sees."
    )
    setup: list[list[str]] = Field(default_factory=list, description="argvs run once after ready.")
    scope: Literal["shared", "cell", "exclusive"] = Field(
        "shared",
        description=(
            "Which cells use one instance: `shared` (one for every cell, several at once), "
            "`cell` (a fresh instance, port and data folder for each cell), `exclusive` "
            "(one instance, one cell at a time)."
        ),
    )

    @model_validator(mode="after")
    def _startable(self) -> "Service":
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

    files: list[str | Annotated[list[str], Field(min_length=1)]] = Field(
        default_factory=list,
        description=(
            "Compose files each profile of these cells includes besides its services' files: "
            "the system under test, a tester, one-shot setup services, named volumes. Each "
            "is its own `include:` entry, read with the cell's env file (`${NAME}`); a list "
            "of files is one entry, merged in order as `docker compose -f a.yml -f b.yml` "
            "merges them (a service of one may use a volume of another)."
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
    cover: Annotated[int, Field(ge=2)] | None = Field(
        None,
        description=(
            "t: the cells are a covering array of `axes` instead of their product: every "
            "combination of t values of t different axes that the excludes allow is in at "
            "least one cell (2: every pair). With `cells:`, those cells are kept first and "
            "completed."
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
    install: CellInstall = Field(
        default_factory=CellInstall.model_construct, description=CELL_INSTALL
    )
    paths: list[str] = Field(
        default_factory=list,
        description="Globs of files whose change affects every cell here (`matrixgen affected`).",
    )
    github: GithubLevel | None = Field(None, description="Its cells' GitHub Actions jobs.")
    gitlab: GitlabCell | None = Field(None, description="Its cells' GitLab jobs.")
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
    def _has_something_to_run(self) -> "Level":
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
    compose: ComposeSettings = Field(default_factory=ComposeSettings.model_construct)
    allowed_failure: bool | None = Field(
        None,
        alias="allowed-failure",
        description="The matching cells may fail (true) or not (false), whatever else says.",
    )


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
    matrixgen: str | None = Field(
        None,
        description=(
            "The requirement line that installs matrixgen itself in each generated nox session "
            "and CI job [default: the line that installs the matrixgen that renders, as it was "
            f"installed: {DISTRIBUTION}==VERSION from an index, '{DISTRIBUTION} @ git+URL@COMMIT' "
            "from git, none from a local folder]; point it at a checkout with "
            "'-e path/to/matrixgen'."
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
    # Last: the allowed keys are listed in this order (did-you-mean), as when gitlab was a
    # registered extra key.
    gitlab: GitlabOutput | None = Field(
        None,
        description="A GitLab CI pipeline of the cells (.gitlab-ci.yml, or a file it includes): "
        "a `parallel: matrix:` job per level and a gate.",
    )

    @property
    def matrixgen_line(self) -> str:
        """The line that installs matrixgen: as set, else derived from how it was installed.

        Validate refuses a matrix whose outputs install matrixgen when neither gives a line
        (`load.outputs.check_install_lines`), so a rendered output always has one.
        """
        if self.matrixgen is not None:
            return self.matrixgen
        from matrixgen.load.installed import installed  # read only when the line is not set

        own = installed()
        if own.line is None:
            raise RuntimeError(f"no install line for matrixgen ({own.source}); validate first")
        return own.line

    @property
    def requirements(self) -> list[str]:
        """Every requirement line a session or job installs: matrixgen first, then the project's."""
        return [self.matrixgen_line, *self.install]

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
    outputs: Outputs = Field(default_factory=Outputs.model_construct)
