"""GitHub Actions settings of a cell, folded from its values, level, suite and overrides.

`github:` of axis values, levels and suites says where and how a cell's CI job runs
(runner, job env, steps, packages, retries); `allowed-failure:` says a cell may fail.
`cell_github` folds them into one `CellGithub` per cell, which the workflow (`jobs`,
`render.github`, `plan`) and the report (`results`) read. The checks here are those the
schema cannot express; each problem is located at the key that causes it.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

from matrixgen.errors import Problem, did_you_mean
from matrixgen.load import placeholders
from matrixgen.load.cells import Cell
from matrixgen.load.document import Document, PathKey, format_path
from matrixgen.load.github.model import (
    GithubContainer,
    GithubJob,
    GithubLevel,
    GithubOutput,
    GithubService,
    GithubStep,
)
from matrixgen.load.model import Level, MatrixFile, SuiteFields
from matrixgen.load.runtimes import ci_choice
from matrixgen.load.service_values import fill_values, service_image

if TYPE_CHECKING:
    from matrixgen.load.github.folded import CellGithub

PYTHON_AXIS = "python"
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Env names a job may not set: GitHub's own (ACTIONS_ALLOW_UNSECURE_COMMANDS re-enables
# `::set-env::`), and the workflow's MATRIXGEN_FILE / MATRIXGEN_INSTALL.
RESERVED_ENV = re.compile(r"(GITHUB_|RUNNER_|ACTIONS_|MATRIXGEN_)", re.IGNORECASE)
# `jobs.<job_id>.services.<service_id>` of the workflow schema; GitHub ignores case in keys.
SERVICE_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
USES = re.compile(r"(\./\S*|docker://\S+|[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+(/[^@\s]+)?@[^@\s]+)")


def container_port_env(service: str) -> str:
    """The env variable of the Run step that holds the runner's port of a service container."""
    return "PORT_" + re.sub(r"[^A-Za-z0-9_]", "_", service).upper()


def ci_services(model: MatrixFile, cell: Cell) -> tuple[tuple[str, ...], str]:
    """How a cell's CI job has its services: those with `github:` as service containers
    (`matrixgen run --provided`), the others natively, or by compose when one of them has no
    `process:`. Explicit, because `--services auto` would take every compose path on a runner
    with a Docker engine."""
    containers = tuple(s for s in cell.services if model.services[s].github is not None)
    others = [model.services[s] for s in cell.services if s not in containers]
    return containers, ci_choice(others)


def python_setup(version: str) -> tuple[str, bool, bool]:
    """setup-python's `python-version`, `freethreaded` and `allow-prereleases` for a python
    value: "3.14t" is ("3.14", True, False), "3.15-dev" ("3.15", False, True), "pypy-3.10"
    ("pypy3.10", False, False). Spelled apart because `python-version: 3.14t` needs
    setup-python 5.5+, and a range or a pre-release then needs the `freethreaded` input."""
    from matrixgen import pythons  # a matrix without a python axis never parses one

    python = pythons.parse(version)
    if isinstance(python, str):  # not a python value (validate refuses it on the axis)
        return version, False, False
    return python.setup_python, python.free_threaded, python.prerelease


def level_and_suite(model: MatrixFile, cell: Cell) -> tuple[Level, SuiteFields | None]:
    """The cell's level, and its suite when the level declares `suites:` (else the level is
    its own suite, and its settings are the level's)."""
    level = model.levels[cell.level]
    return level, (level.suites or {}).get(cell.suite)


def allowed_failure(model: MatrixFile, cell: Cell) -> bool:
    """`allowed-failure: true` on one of the cell's values, its level or suite marks it; an
    override that matches it and sets `allowed-failure` decides (the last one that does)."""
    level, suite = level_and_suite(model, cell)
    allowed = any(
        model.axes[axis].values[value].allowed_failure
        for axis, value in cell.values.items()
        if axis in model.axes and value in model.axes[axis].values
    )
    allowed = allowed or bool(level.allowed_failure) or bool(suite and suite.allowed_failure)
    for index in cell.overrides:
        setting = model.overrides[index].allowed_failure
        if setting is not None:
            allowed = setting
    return allowed


def _value_settings(model: MatrixFile, cell: Cell) -> Iterator[tuple[PathKey, GithubJob]]:
    for axis, value in cell.values.items():
        declared = model.axes.get(axis)
        entry = declared.values.get(value) if declared else None
        if entry is not None and entry.github is not None:
            yield ("axes", axis, "values", value, "github"), entry.github


def _job_settings(
    model: MatrixFile, cell: Cell
) -> tuple[list[tuple[PathKey, GithubJob]], GithubLevel | None, GithubLevel | None]:
    """(path, settings) of the cell's values, then its level's and suite's `github:`."""
    level, suite = level_and_suite(model, cell)
    found = list(_value_settings(model, cell))
    if level.github is not None:
        found.append((("levels", cell.level, "github"), level.github))
    suite_github = suite.github if suite is not None else None
    if suite_github is not None:
        found.append((("levels", cell.level, "suites", cell.suite, "github"), suite_github))
    return found, level.github, suite_github


def containers_said(model: MatrixFile, cell: Cell) -> list[tuple[PathKey, GithubContainer]]:
    """Each job container said for the cell, with its key, in the order they fold: its
    values', its level's, its suite's; the last is the cell's (two that differ: a validate
    error, `job_options.check_job_option_cells`)."""
    return _containers(_job_settings(model, cell)[0])


def _containers(
    settings: Sequence[tuple[PathKey, GithubJob]],
) -> list[tuple[PathKey, GithubContainer]]:
    return [((*where, "container"), job.container) for where, job in settings if job.container]


def container_setting(model: MatrixFile, cell: Cell) -> tuple[PathKey, GithubContainer] | None:
    """Where the cell's job container is said, and what it says; None: no container."""
    said = containers_said(model, cell)
    return said[-1] if said else None


def cell_github(model: MatrixFile, cell: Cell, github: GithubOutput) -> CellGithub:
    settings, level, suite = _job_settings(model, cell)
    runs_on: str | tuple[str, ...] = _runs_on(github.runs_on)
    env: dict[str, str] = {}
    timeout: int | None = None
    for _, job in settings:
        if job.runs_on is not None:
            runs_on = _runs_on(job.runs_on)  # a conflict is a validate error (check_cells)
        if job.timeout_minutes is not None:
            timeout = job.timeout_minutes  # so is this one's
        env.update(job.env)
    said = _containers(settings)
    container = filled_container(said[-1][1], cell) if said else None
    parts = [part for part in (level, suite) if part is not None]
    python, freethreaded, prerelease = python_setup(cell.python or github.python)
    if cell.python is not None:
        value = model.axes[PYTHON_AXIS].values.get(cell.python)
        prerelease = prerelease or bool(value and value.github and value.github.allow_prereleases)
    retries = next((p.retries for p in reversed(parts) if p.retries is not None), 0)
    containers, services = ci_services(model, cell)
    # Imported here: a matrix without outputs.github folds no cell, and @dataclass compiles
    # the class's methods from source text at import (~1% of an uncached `list`).
    from matrixgen.load.github.folded import CellGithub

    return CellGithub(
        runs_on=runs_on,
        python=python,
        freethreaded=freethreaded,
        prerelease=prerelease,
        env=env,
        apt=_union(p.install.apt for p in parts),
        pip=_union(p.install.pip for p in parts),
        npm=_union(p.install.npm for p in parts),
        retries=retries,
        allowed_failure=allowed_failure(model, cell),
        containers=containers,
        services=services,
        timeout_minutes=timeout,
        container=container,
    )


def name_template(model: MatrixFile, cell: Cell) -> tuple[PathKey, str] | None:
    """Where the cell's job name template is and what it says: its suite's `github.name`,
    else its level's; None when neither names its jobs."""
    level, suite = level_and_suite(model, cell)
    if suite is not None and suite.github is not None and suite.github.name is not None:
        return ("levels", cell.level, "suites", cell.suite, "github", "name"), suite.github.name
    if level.github is not None and level.github.name is not None:
        return ("levels", cell.level, "github", "name"), level.github.name
    return None


LABEL = "label."  # `${label.python}`: the label of the cell's python value


def name_values(cell: Cell) -> dict[str, str]:
    """What a job name template may say: the cell's values, `label.<axis>`, level, suite, cell."""
    values = {"level": cell.level, "suite": cell.suite, "cell": cell.name, **cell.values}
    values.update(
        {LABEL + axis: cell.labels.get(axis, value) for axis, value in cell.values.items()}
    )
    return values


def job_name(model: MatrixFile, cell: Cell) -> str | None:
    """The cell's job name from its template, or None (no template: `<level> (<cell>)`)."""
    found = name_template(model, cell)
    if found is None:
        return None
    return placeholders.substitute(found[1], name_values(cell))


def suite_steps(model: MatrixFile, level: str) -> bool:
    """Whether a level's job holds several suites of which one has steps of its own: those
    steps then run only in its cells (`if: matrix.suite == ...`), and shards keep suites apart."""
    suites = model.levels[level].suites or {}
    return len(suites) > 1 and any(
        suite.github is not None and bool(suite.github.steps.before or suite.github.steps.after)
        for suite in suites.values()
    )


def job_key(model: MatrixFile, cell: Cell, github: GithubOutput) -> tuple[object, ...]:
    """What cells must share to run in one job (a shard): runner, Python, job env, allowed
    failure, retries, service containers and how the other services run, and, where suites
    have steps of their own, the suite."""
    folded = cell_github(model, cell, github)
    return (
        folded.python,
        folded.freethreaded,
        folded.prerelease,
        folded.runs_on,
        folded.allowed_failure,
        folded.retries,
        tuple(sorted(folded.env.items())),
        tuple((name, service_image(model, name, cell)) for name in folded.containers),
        folded.services,
        container_key(folded.container),
        cell.suite if suite_steps(model, cell.level) else "",
    )


def filled_container(container: GithubContainer, cell: Cell) -> GithubContainer:
    """The container with the cell's values in its image (`python:${python}`), as a service
    container's image takes them; an image naming what the cell has no value of stays as
    written (validate reports it: `job_options.check_job_option_cells`)."""
    found = [name for name, _ in placeholders.names(container.image)]
    if not found or any(name not in cell.values for name in found):
        return container
    return container.model_copy(update={"image": fill_values(container.image, cell)})


def container_key(container: GithubContainer | None) -> tuple[object, ...] | None:
    """A job container as a hashable key: image, env, options."""
    if container is None:
        return None
    return (container.image, tuple(sorted(container.env.items())), container.options)


def _runs_on(value: str | Sequence[str]) -> str | tuple[str, ...]:
    return value if isinstance(value, str) else tuple(value)


def _union(parts: Iterable[Iterable[str]]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(item for part in parts for item in part))


# Checks before expansion: each setting on its own.


def check_github(doc: Document, model: MatrixFile) -> Iterator[Problem]:
    github = model.outputs.github
    for axis, declared in model.axes.items():
        for value, entry in declared.values.items():
            where: PathKey = ("axes", axis, "values", value)
            if entry.github is not None:
                yield from _check_job(doc, (*where, "github"), entry.github)
                if entry.github.allow_prereleases and axis != PYTHON_AXIS:
                    yield doc.problem(
                        (*where, "github", "allow-prereleases"),
                        f"allow-prereleases is for values of the `{PYTHON_AXIS}` axis "
                        f"(setup-python's input), and '{axis}' is not it; remove it",
                        key=True,
                    )
            if axis == PYTHON_AXIS:
                yield from check_python_value(doc, where, value)
    for name, level in model.levels.items():
        where = ("levels", name)
        if level.github is not None:
            yield from _check_level(doc, model, (*where, "github"), level.github, name)
        for suite_name, suite in (level.suites or {}).items():
            if suite.github is None:
                continue
            suite_where: PathKey = (*where, "suites", suite_name, "github")
            yield from _check_level(doc, model, suite_where, suite.github, None)
    yield from _check_needs(doc, model)
    yield from _check_containers(doc, model)
    if github is not None:
        yield from _check_runner(doc, ("outputs", "github", "runs-on"), github.runs_on)
        yield from _check_triggers(doc, github)


def _check_containers(doc: Document, model: MatrixFile) -> Iterator[Problem]:
    seen: dict[str, str] = {}
    for name, service in model.services.items():
        if service.github is None:
            continue
        where: PathKey = ("services", name, "github")
        if not SERVICE_ID.fullmatch(name):
            yield doc.problem(
                where,
                f"'{name}' cannot name a GitHub service container (letters, digits, '_' and "
                "'-', a letter or '_' first); rename the service",
                key=True,
            )
        key = container_port_env(name)
        if key in seen:
            yield doc.problem(
                where,
                f"services '{seen[key]}' and '{name}' would be one service container to GitHub, "
                "which ignores case (and one port variable, where '-' is '_'); rename one",
                key=True,
            )
        seen.setdefault(key, name)
        for env_name in service.github.env:
            yield from _check_env_name(doc, (*where, "env", env_name), env_name)


def check_python_value(doc: Document, where: PathKey, value: str) -> Iterator[Problem]:
    """A value of the `python` axis names one interpreter that `matrixgen run`, nox and
    setup-python all know (`matrixgen.pythons`)."""
    from matrixgen import pythons  # a matrix without a python axis never parses one

    python = pythons.parse(value)
    if isinstance(python, str):
        yield doc.problem(
            where, f"the python value '{value}' names no interpreter: {python}", key=True
        )


def _check_level(
    doc: Document, model: MatrixFile, where: PathKey, github: GithubLevel, level: str | None
) -> Iterator[Problem]:
    yield from _check_job(doc, where, github)
    if level is None and github.needs is not None:
        yield doc.problem(
            (*where, "needs"),
            "`needs:` orders level jobs, and a suite runs in its level's job; set it on the level",
            key=True,
        )
    ids: dict[str, str] = {}
    for part in ("before", "after"):
        for index, step in enumerate(getattr(github.steps, part)):
            step_where: PathKey = (*where, "steps", part, index)
            yield from _check_step(doc, step_where, step)
            if step.id is not None and step.id in ids:
                yield doc.problem(
                    (*step_where, "id"),
                    f"step id '{step.id}' is already the id of {ids[step.id]}; "
                    "step ids are unique within a job",
                )
            ids.setdefault(step.id or "", f"steps.{part}[{index}]")


def _check_job(doc: Document, where: PathKey, job: GithubJob) -> Iterator[Problem]:
    if job.runs_on is not None:
        yield from _check_runner(doc, (*where, "runs-on"), job.runs_on)
    for name in job.env:
        yield from _check_env_name(doc, (*where, "env", name), name)


def _check_env_name(doc: Document, where: PathKey, name: str) -> Iterator[Problem]:
    if not ENV_NAME.fullmatch(name):
        yield doc.problem(
            where,
            f"'{name}' is not an env name (letters, digits and '_', not first a digit)",
            key=True,
        )
    elif reserved := RESERVED_ENV.match(name):
        yield doc.problem(
            where,
            f"'{name}' is reserved ({reserved[0].upper()}* belongs to GitHub or to "
            "matrixgen's own workflow settings); choose another name",
            key=True,
        )


def windows_label(labels: str | Sequence[str]) -> str | None:
    """The label that puts a job on Windows, or None. Hosted runners are `windows-*`;
    self-hosted ones carry the label `windows`."""
    for label in [labels] if isinstance(labels, str) else labels:
        if label.lower() == "windows" or label.lower().startswith("windows-"):
            return label
    return None


def macos_label(labels: str | Sequence[str]) -> str | None:
    for label in [labels] if isinstance(labels, str) else labels:
        if label.lower() == "macos" or label.lower().startswith("macos-"):
            return label
    return None


def _check_runner(doc: Document, where: PathKey, labels: str | Sequence[str]) -> Iterator[Problem]:
    if isinstance(labels, list) and not labels:
        yield doc.problem(where, "an empty list of runner labels; name at least one")


def _check_step(doc: Document, where: PathKey, step: GithubStep) -> Iterator[Problem]:
    if step.uses is not None and not USES.fullmatch(step.uses):
        yield doc.problem(
            (*where, "uses"),
            f"'{step.uses}' is not an action reference: write owner/repo@ref (a commit SHA "
            "is safest), owner/repo/path@ref, ./path/to/action or docker://image",
        )
    for name in step.env or {}:
        if not ENV_NAME.fullmatch(name):
            yield doc.problem((*where, "env", name), f"'{name}' is not an env name", key=True)


def level_needs(model: MatrixFile) -> dict[str, list[str]]:
    """Each level's `needs:`: its own, else (with `outputs.github.order`) the level before."""
    github = model.outputs.github
    order = github is not None and github.order
    needs: dict[str, list[str]] = {}
    previous: str | None = None
    for name, level in model.levels.items():
        if level.github is not None and level.github.needs is not None:
            needs[name] = list(level.github.needs)
        else:
            needs[name] = [previous] if order and previous is not None else []
        previous = name
    return needs


def needs_closure(model: MatrixFile) -> dict[str, list[str]]:
    """Every level a level's job waits for, directly or through others, in level order.

    A job that waits on a skipped job would run (a skipped need is no failure), so a level
    needs all of its ancestors directly: then a failure anywhere upstream stops it."""
    direct = level_needs(model)
    order = list(model.levels)
    closure: dict[str, set[str]] = {}

    def visit(level: str, seen: frozenset[str]) -> set[str]:
        if level in closure:
            return closure[level]
        found: set[str] = set()
        for need in direct.get(level, []):
            if need in model.levels and need not in seen:
                found |= {need, *visit(need, seen | {need})}
        closure[level] = found
        return found

    return {level: [n for n in order if n in visit(level, frozenset({level}))] for level in order}


def _check_needs(doc: Document, model: MatrixFile) -> Iterator[Problem]:
    direct = level_needs(model)
    for name, level in model.levels.items():
        if level.github is None or level.github.needs is None:
            continue
        for index, need in enumerate(level.github.needs):
            where: PathKey = ("levels", name, "github", "needs", index)
            if need == name:
                yield doc.problem(where, f"level '{name}' cannot wait for itself; remove it")
            elif need not in model.levels:
                hint = did_you_mean(need, [n for n in model.levels if n != name])
                yield doc.problem(where, f"unknown level '{need}'{hint}")
            elif name in _reachable(direct, need):
                yield doc.problem(
                    where,
                    f"levels '{name}' and '{need}' wait for each other (through `needs:`), "
                    "so neither would ever start; remove one of the two",
                )


def _reachable(direct: Mapping[str, list[str]], start: str) -> set[str]:
    seen: set[str] = set()
    stack = [start]
    while stack:
        for need in direct.get(stack.pop(), []):
            if need not in seen:
                seen.add(need)
                stack.append(need)
    return seen


def _check_triggers(doc: Document, github: GithubOutput) -> Iterator[Problem]:
    where: PathKey = ("outputs", "github")
    on = github.on
    events = (
        on.push is not False,
        on.pull_request is not False,
        on.schedule,
        on.workflow_dispatch,
        on.workflow_call,
    )
    if not any(events):
        yield doc.problem(
            (*where, "on"),
            "no event runs the workflow (push, pull_request and workflow_dispatch are off, "
            "no schedule); turn one on",
        )


# Checks after expansion: settings that meet in one cell.


def check_cells(doc: Document, model: MatrixFile, cells: Sequence[Cell]) -> Iterator[Problem]:
    github = model.outputs.github
    if github is None:
        return
    limited: set[PathKey] = set()  # job limits reported: once each, not once per cell
    for cell in cells:
        settings, _, _ = _job_settings(model, cell)
        runners = [(where, job.runs_on) for where, job in settings if job.runs_on is not None]
        for (first, labels), (second, other) in itertools.pairwise(runners):
            if _runs_on(labels) != _runs_on(other):
                yield doc.problem(
                    (*second, "runs-on"),
                    f"cell {cell.id} would run on {_show(other)} here and on {_show(labels)} "
                    f"by {'.'.join(map(str, first))}; a cell has one runner: set it in one place",
                )
        folded = cell_github(model, cell, github)
        yield from _check_job_limits(doc, model, cell, settings, limited)
        windows = windows_label(folded.runs_on)
        label = macos_label(folded.runs_on) or windows
        apt = [*folded.apt, *(a for s in cell.services for a in model.services[s].install.apt)]
        if label is not None and apt:
            yield doc.problem(
                ("levels", cell.level),
                f"cell {cell.id} runs on '{label}', which has no apt-get, and needs the Debian "
                f"packages {', '.join(dict.fromkeys(apt))}; run it on Linux or drop them",
                key=True,
            )
        yield from _check_cell_containers(doc, model, cell, folded, label)
        if windows is not None:
            yield from _check_windows_services(doc, model, cell, folded, windows)
    yield from _check_job_names(doc, model, cells, github)


def _timeout_source(model: MatrixFile, cell: Cell) -> str:
    """The key that gives the cell its `timeout`: the last override setting one, else its
    suite's, else its level's."""
    for index in reversed(cell.overrides):
        if model.overrides[index].timeout is not None:
            return f"overrides[{index}].timeout"
    _, suite = level_and_suite(model, cell)
    if suite is not None and "timeout" in suite.model_fields_set:
        return f"levels.{cell.level}.suites.{cell.suite}.timeout"
    return f"levels.{cell.level}.timeout"


def _check_job_limits(
    doc: Document,
    model: MatrixFile,
    cell: Cell,
    settings: Sequence[tuple[PathKey, GithubJob]],
    reported: set[PathKey],
) -> Iterator[Problem]:
    """One job limit per cell, and none shorter than the cell's own timeout: GitHub would
    cancel the job before `matrixgen run` stops the cell and records why."""
    limits = [(w, job.timeout_minutes) for w, job in settings if job.timeout_minutes]
    for (first, limit), (second, other) in itertools.pairwise(limits):
        if limit != other and (*second, "timeout-minutes") not in reported:
            reported.add((*second, "timeout-minutes"))
            yield doc.problem(
                (*second, "timeout-minutes"),
                f"cell {cell.id}'s job would have a limit of {other} minutes here and "
                f"{limit} by {format_path(first)}; a job has one limit: set it in one place",
            )
    if not limits or cell.timeout is None or limits[-1][1] * 60 >= cell.timeout:
        return
    where, minutes = limits[-1]
    if where in reported:
        return
    reported.add(where)
    own = math.ceil(cell.timeout / 60)
    yield doc.problem(
        (*where, "timeout-minutes"),
        f"the job of cell {cell.id} may run {minutes} minutes (this `timeout-minutes`, "
        f"GitHub's limit of the whole job), less than the cell's own `timeout` of {own} "
        f"minutes ({_timeout_source(model, cell)}, matrixgen's limit of its command): GitHub "
        "would cancel the job first, and the cell would get no result; raise "
        f"`timeout-minutes` to at least {own} plus the job's setup time, or lower the cell's "
        "`timeout`",
    )


def _check_job_names(
    doc: Document, model: MatrixFile, cells: Sequence[Cell], github: GithubOutput
) -> Iterator[Problem]:
    """Name templates use known names, and give every job of a level a name of its own:
    branch protection tells checks apart by name only."""
    reported: set[tuple[PathKey, str]] = set()
    seen: dict[tuple[str, str], Cell] = {}
    shards = github.shards
    for cell in cells:
        found = name_template(model, cell)
        if found is None:
            continue
        where, template = found
        sharded = shards.get(cell.level) if isinstance(shards, dict) else shards
        if sharded and (where, "") not in reported:
            reported.add((where, ""))
            yield doc.problem(
                where,
                f"level '{cell.level}' runs as shards (`outputs.github.shards`), jobs of "
                "several cells named by their shard; drop `name:` or the level's shards",
                key=True,
            )
        allowed = name_values(cell)
        for name, _ in placeholders.names(template):
            if name in allowed or (where, name) in reported:
                continue
            reported.add((where, name))
            yield doc.problem(
                where,
                f"unknown placeholder '${{{name}}}' in cell {cell.id}'s job name"
                f"{did_you_mean(name, sorted(allowed))}; a job name may say the cell's axis "
                "values (`${python}`), their labels (`${label.python}`), `${level}`, "
                "`${suite}` and `${cell}`",
            )
        if any(name not in allowed for name, _ in placeholders.names(template)):
            continue
        name = placeholders.substitute(template, allowed)
        other = seen.setdefault((cell.level, name), cell)
        if other is not cell:
            yield doc.problem(
                where,
                f"cells {other.id} and {cell.id} would both be the job '{name}', and branch "
                "protection tells jobs apart by name only; put the axis they differ in into "
                "the name (`${axis}`)",
            )


def _check_windows_services(
    doc: Document, model: MatrixFile, cell: Cell, folded: CellGithub, label: str
) -> Iterator[Problem]:
    """A Windows runner has no Linux containers: a service without `process:` would be
    started by docker compose there (`ci_services`), and could not be."""
    for name in cell.services:
        if name not in folded.containers and model.services[name].process is None:
            yield doc.problem(
                ("services", name),
                f"cell {cell.id} runs on '{label}', and service '{name}' has no `process:`, so "
                "its job would start it with docker compose; a Windows runner runs no Linux "
                "containers: give it a `process:` that runs on Windows, or run the cell on Linux",
                key=True,
            )


def _check_cell_containers(
    doc: Document, model: MatrixFile, cell: Cell, folded: CellGithub, label: str | None
) -> Iterator[Problem]:
    """`label`: the runner's label when it is no Linux one (macOS, Windows)."""
    if folded.containers and label is not None:
        yield doc.problem(
            ("services", folded.containers[0], "github"),
            f"cell {cell.id} runs on '{label}', and GitHub runs service containers on Linux "
            "runners only; run it on Linux, or drop `github:` to start the service natively",
            key=True,
        )
    ports: dict[int, str] = {}
    for name in folded.containers:
        container: GithubService | None = model.services[name].github
        assert container is not None
        port = container.host_port
        if port is not None and port in ports:
            yield doc.problem(
                ("services", name, "github", "host-port"),
                f"cell {cell.id} needs services '{ports[port]}' and '{name}', both on the "
                f"runner's port {port}; give one another `host-port:` or none (a free port)",
            )
        if port is not None:
            ports.setdefault(port, name)


def _show(labels: str | Sequence[str]) -> str:
    return f"'{labels}'" if isinstance(labels, str) else "[" + ", ".join(labels) + "]"
