"""Two generated things with one name: checked here so that render never meets them.

Names come from `load.names`, exactly as render makes them, and are compared the way
their consumer does: Python functions and file paths by case, GitHub job ids and
artifact names ignoring it. Each check runs only when its output is configured.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence

from matrixgen.errors import Problem
from matrixgen.load.cells import Cell
from matrixgen.load.document import Document, PathKey
from matrixgen.load.github.checks import job_key
from matrixgen.load.model import MatrixFile
from matrixgen.load.names import (
    GATE_JOB,
    PLAN_JOB,
    artifact_name,
    compose_project,
    function_name,
    job_id,
    profile_env_path,
    profile_path,
    tester_overlay_path,
)
from matrixgen.load.paths import normalized


def check_nox_names(doc: Document, model: MatrixFile) -> Iterator[Problem]:
    """The nox session function each level makes (outputs.nox)."""
    functions: dict[str, str] = {}
    for level in model.levels:
        name = function_name(level)
        if name in functions:
            yield doc.problem(
                ("levels", level),
                f"levels '{functions[name]}' and '{level}' both make the function "
                f"`{name}` of their nox sessions in {model.outputs.nox}; rename one of them",
                key=True,
            )
        functions.setdefault(name, level)


def check_github_names(doc: Document, model: MatrixFile) -> Iterator[Problem]:
    """The job id each level makes, and the plan job's outputs (outputs.github)."""
    jobs: dict[str, str] = {}
    clashing: set[str] = set()
    for level in model.levels:
        name = job_id(level)
        if name.lower() in (GATE_JOB, PLAN_JOB) or name.lower() in jobs:
            clashing.add(level)
        if name.lower() in (GATE_JOB, PLAN_JOB):
            yield doc.problem(
                ("levels", level),
                f"level '{level}' would take the GitHub job id '{name}', which the workflow's "
                f"{name.lower()} job has (job ids ignore case); rename the level",
                key=True,
            )
        elif name.lower() in jobs:
            yield doc.problem(
                ("levels", level),
                f"levels '{jobs[name.lower()]}' and '{level}' both make the GitHub job id "
                f"'{name}' (job ids ignore case); rename one of them",
                key=True,
            )
        jobs.setdefault(name.lower(), level)
    yield from _plan_outputs(doc, model, clashing)


def _plan_outputs(doc: Document, model: MatrixFile, clashing: set[str]) -> Iterator[Problem]:
    """The plan job (`matrixgen.plan`) names its outputs `scope`, `cells`, and per planned
    level job `<job id>` and `<job id>-size`: one name for two outputs loses one.
    Levels whose job ids clash are reported as such, not again here."""
    github = model.outputs.github
    if github is None or not (github.affected or github.shards):
        return
    shards = github.shards
    taken = {"scope": "the plan's scope", "cells": "the list of planned cells"}
    for level in model.levels:
        count = shards.get(level) if isinstance(shards, dict) else shards
        if (not count and not github.affected) or level in clashing:
            continue
        for name in (job_id(level), f"{job_id(level)}-size"):
            if name.lower() in taken:
                yield doc.problem(
                    ("levels", level),
                    f"level '{level}' needs the plan job output '{name}', which is already "
                    f"{taken[name.lower()]} (output names ignore case); rename the level",
                    key=True,
                )
            taken.setdefault(name.lower(), f"the matrix of level '{level}'")


def has_profile(model: MatrixFile, cell: Cell) -> bool:
    """Render writes a compose profile for a cell with an overlay, compose files of its own
    (`compose.files`), or a service with a file."""
    return (
        bool(cell.overlays)
        or bool(cell.harness)
        or any(model.services[s].compose for s in cell.services)
    )


# In the results folder beside the level folders: a level may not be named after them.
RESULTS_RESERVED = {".matrixgen": "the run's ledger and lock", "durations.json": "durations"}
_ATTEMPT = re.compile(r"(.+)\.attempt-[0-9]+", re.IGNORECASE)


def check_value_names(doc: Document, model: MatrixFile) -> Iterator[Problem]:
    """Values of one axis that differ only in case (`S3`, `s3`) make cells whose results,
    profiles and compose projects are one on a case-insensitive file system (macOS and
    Windows by default) and in compose, which lowercases project names."""
    for axis, declared in model.axes.items():
        seen: dict[str, str] = {}
        for index, value in enumerate(declared.values):
            first = seen.setdefault(value.lower(), value)
            if first != value:
                long_form: PathKey = ("axes", axis, "values", value)
                known = long_form in doc.marks or long_form in doc.key_marks
                yield doc.problem(
                    long_form if known else ("axes", axis, index),
                    f"values '{first}' and '{value}' of axis '{axis}' differ only in case: "
                    "their cells would share results files and profiles on a case-insensitive "
                    "file system (macOS, Windows) and one compose project; rename one of them",
                    key=True,
                )
    for level in model.levels:
        if level.lower() in RESULTS_RESERVED:
            yield doc.problem(
                ("levels", level),
                f"level '{level}' would put its results folder where the results folder keeps "
                f"{RESULTS_RESERVED[level.lower()]} ({level.lower()}); rename the level",
                key=True,
            )


def check_cell_names(doc: Document, model: MatrixFile, cells: Sequence[Cell]) -> Iterator[Problem]:
    """What every cell is named after its id, whatever the outputs: its results files."""
    yield from _ids(doc, model, cells)


def check_profile_names(
    doc: Document, model: MatrixFile, cells: Sequence[Cell], taken: Mapping[str, str]
) -> Iterator[Problem]:
    """The files and the compose project of each cell's profile (outputs.compose); `taken`:
    the paths no output may write (matrix.yaml, the files it reads, the other outputs)."""
    yield from _profiles(doc, model, cells, taken)
    yield from _compose_projects(doc, model, cells)


def check_artifact_names(
    doc: Document, model: MatrixFile, cells: Sequence[Cell], _taken: Mapping[str, str]
) -> Iterator[Problem]:
    """The CI artifact each cell's job uploads (outputs.github)."""
    yield from _artifacts(doc, model, cells)


def _ids(doc: Document, model: MatrixFile, cells: Sequence[Cell]) -> Iterator[Problem]:
    """A cell's results are `<level>/<cell>.xml` and `.log`, its earlier attempts
    `<cell>.attempt-N.xml` and `.log`: no two cells may get one such file, compared
    ignoring case as a case-insensitive file system does. Values that differ only in case
    are reported at their axis (`check_value_names`), not again per cell."""
    cased = {
        (axis, value.lower())
        for axis, declared in model.axes.items()
        for value in declared.values
        if sum(v.lower() == value.lower() for v in declared.values) > 1
    }
    ids: dict[str, str] = {}
    for cell in cells:
        first = ids.setdefault(cell.id.lower(), cell.id)
        if first == cell.id or any((a, v.lower()) in cased for a, v in cell.values.items()):
            continue
        yield doc.problem(
            ("levels", cell.level),
            f"cells {first} and {cell.id} differ only in case: on a case-insensitive file "
            f"system (macOS, Windows) both write results/{cell.id.lower()}.xml; rename a "
            "level, suite or value so that they differ in more than case",
            key=True,
        )
    for cell in cells:
        match = _ATTEMPT.fullmatch(cell.name)
        owner = match and ids.get(f"{cell.level}/{match.group(1)}".lower())
        if owner:
            yield doc.problem(
                ("levels", cell.level),
                f"cell {cell.id} would write results/{cell.id}.xml, where a retried cell "
                f"{owner} keeps an earlier attempt; rename a value so that the cell name "
                "does not end in .attempt-N",
                key=True,
            )


def _compose_projects(doc: Document, model: MatrixFile, cells: Sequence[Cell]) -> Iterator[Problem]:
    """A profile's project (`name:`) is `NAME-LEVEL-CELL` made lowercase with other
    characters as '-': `component/redis-lww` and `component-redis/lww` would be one project,
    and one cell's teardown would remove the other's containers and volumes."""
    if model.outputs.compose is None:
        return
    base = model.name or "matrix"
    projects: dict[str, str] = {}
    for cell in cells:
        if not has_profile(model, cell):
            continue
        project = compose_project(base, cell)
        first = projects.setdefault(project, cell.id)
        if first != cell.id and first.lower() != cell.id.lower():
            yield doc.problem(
                ("levels", cell.level),
                f"cells {first} and {cell.id} both make the compose project '{project}' "
                "(compose names are lowercase, other characters become '-'), so one cell's "
                "teardown would remove the other's stack; rename a level, suite or value",
                key=True,
            )


def _profiles(
    doc: Document, model: MatrixFile, cells: Sequence[Cell], taken: Mapping[str, str]
) -> Iterator[Problem]:
    """Each profile comes with the cell's env file and, with a tester, its overlay
    (`x.yml`, `x.env`, `x.tester.yml`): no two of them may be one file, so a cell named
    `x.tester` beside a cell `x` with a tester is refused here, not when render meets it."""
    pattern = model.outputs.compose
    if pattern is None:
        return
    generated: dict[str, tuple[str, bool]] = {}  # path -> the cell, whether it is its profile
    for cell in cells:
        if not has_profile(model, cell):
            continue
        profile = profile_path(pattern, cell)
        files = [profile, profile_env_path(profile)]
        files += [tester_overlay_path(profile)] if cell.tester else []
        for file in files:
            path = normalized(file)
            owner, profiles = generated.get(path, (cell.id, True))
            if owner != cell.id:
                both = profiles and file == profile
                yield doc.problem(
                    ("outputs", "compose"),
                    f"outputs.compose puts {'cells' if both else 'files of cells'} {owner} and "
                    f"{cell.id} in one file ({path}); give each cell its own file, e.g. with "
                    "${level}/${cell} in it"
                    + ("" if both else ", and name no cell like another's env file or overlay"),
                )
                break
            if path in taken:
                yield doc.problem(
                    ("outputs", "compose"),
                    f"outputs.compose puts the profile of cell {cell.id} in {path}, which is "
                    f"{taken[path]}; give each output a file of its own",
                )
                break
        for file in files:
            generated.setdefault(normalized(file), (cell.id, file == profile))


def _artifacts(doc: Document, model: MatrixFile, cells: Sequence[Cell]) -> Iterator[Problem]:
    """Each cell job uploads `results-<artifact>`; a sharded level's jobs `<level>-shard-<n>`."""
    github = model.outputs.github
    if github is None:
        return
    shards = github.shards
    sharded: dict[str, tuple[str, int]] = {}  # lowercased level -> level, highest shard number
    for level in model.levels:
        count = shards.get(level) if isinstance(shards, dict) else shards
        if count:
            # A job has one Python, runner, env: each such group gets at least one shard.
            groups = {job_key(model, c, github) for c in cells if c.level == level}
            sharded[level.lower()] = (level, max(count, len(groups)))
    shard_levels = {level for level, _ in sharded.values()}
    taken: dict[str, str] = {}
    for cell in cells:
        if cell.level in shard_levels:
            continue  # its cells run in shard jobs, which upload under shard names
        name = artifact_name(cell)
        clash = taken.get(name.lower()) or _shard_owner(name, sharded)
        if clash:
            yield doc.problem(
                ("levels", cell.level),
                f"cell {cell.id} makes the CI artifact name '{name}', which {clash} also "
                "makes (artifact names ignore case); rename a level, suite or value so "
                "they differ",
                key=True,
            )
        taken.setdefault(name.lower(), f"cell {cell.id}")


def _shard_owner(name: str, sharded: dict[str, tuple[str, int]]) -> str | None:
    match = re.fullmatch(r"(.+)-shard-([1-9][0-9]*)", name, re.IGNORECASE)
    if match is None or match.group(1).lower() not in sharded:
        return None
    level, highest = sharded[match.group(1).lower()]
    number = int(match.group(2))
    if number > highest:
        return None
    return f"shard {number} of level '{level}' (outputs.github.shards)"
