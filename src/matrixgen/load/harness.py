"""Checks of `compose:` and `junit:` of levels and suites.

- A tester is a service of the compose files of its suite (the level's and the suite's).
- With `outputs.compose`, every env name fits the cell's compose env file.
- `junit_warnings`: a command that can write no JUnit and declares neither `junit: false`
  nor a tester is an error on every run; `validate` prints a warning for it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from matrixgen.errors import Problem, did_you_mean
from matrixgen.load.cells import Cell
from matrixgen.load.document import Document, PathKey
from matrixgen.load.expand import SuiteSpec, suites
from matrixgen.load.model import MatrixFile, SuiteFields
from matrixgen.load.paths import outside

# What compose's env file reader takes as a name (`a b`, `a/b` are refused, `a:b` misread).
ENV_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")


def check_harness(doc: Document, model: MatrixFile, root: Path | None) -> Iterator[Problem]:
    """Every tester is defined by its files; with `root`, those files are read to know."""
    reported: set[str] = set()
    for spec in suites(model):
        if spec.tester is None:
            continue
        where = _tester_key(model, spec)
        if not spec.harness:
            yield doc.problem(
                where,
                f"tester '{spec.tester}' is a service of `compose.files`, and there are none; "
                "add the compose file that defines it",
            )
            continue
        files = [f for group in spec.harness for f in group]
        if root is None or any(outside(f) or not (root / f).is_file() for f in files):
            continue  # `check_paths` reports the missing file
        # Imported here: every load runs this check, and most matrices name no tester.
        from matrixgen.load.compose_files import ComposeFileError, read_compose_file

        services: dict[str, bool] = {}
        readable = True
        for file in files:
            try:
                services.update(read_compose_file(root, file).services)
            except ComposeFileError as error:
                readable = False
                if file not in reported:
                    reported.add(file)
                    yield doc.problem(
                        _file_key(model, spec, file),
                        f"'{file}' is not a compose file matrixgen can read: {error}; fix it",
                    )
        if readable and spec.tester not in services:
            named = ", ".join(files)
            yield doc.problem(
                where,
                f"no service '{spec.tester}' in {named}"
                f"{did_you_mean(spec.tester, services)}; name a service they define",
            )


def _owners(model: MatrixFile, spec: SuiteSpec) -> list[tuple[PathKey, SuiteFields]]:
    level = model.levels[spec.level]
    owners: list[tuple[PathKey, SuiteFields]] = [(("levels", spec.level), level)]
    suite = (level.suites or {}).get(spec.name)
    if suite is not None:
        owners.append((("levels", spec.level, "suites", spec.name), suite))
    return owners


def _tester_key(model: MatrixFile, spec: SuiteSpec) -> PathKey:
    chosen: PathKey = ("levels", spec.level)
    for base, fields in _owners(model, spec):
        if fields.compose is not None and fields.compose.tester is not None:
            chosen = (*base, "compose", "tester")
    return chosen


def _file_key(model: MatrixFile, spec: SuiteSpec, file: str) -> PathKey:
    for base, fields in _owners(model, spec):
        for position, item in enumerate(fields.compose.files if fields.compose else []):
            if item == file:
                return (*base, "compose", "files", position)
            if not isinstance(item, str) and file in item:
                return (*base, "compose", "files", position, item.index(file))
    return ("levels", spec.level)  # pragma: no cover - every harness file comes from an owner


def check_env_names(doc: Document, model: MatrixFile) -> Iterator[Problem]:
    """Every env name is one an environment can hold (`run` would crash on `A=B` or an
    empty name); cell env names are also written to the compose env file of each profile."""
    services: list[tuple[PathKey, Iterable[str]]] = []
    for name, service in model.services.items():
        services.append((("services", name, "env"), service.env))
        if service.process is not None:
            services.append((("services", name, "process", "env"), service.process.env))
    for where, names in [*_env_blocks(model), *services]:
        for name in names:
            if not name or "=" in name or "\0" in name:
                yield doc.problem(
                    (*where, name),
                    f"{name!r} cannot be the name of an environment variable: a name is not "
                    "empty and holds no '=' (nor NUL); rename it",
                    key=True,
                )
    if model.outputs.compose is None:
        return
    for where, names in _env_blocks(model):
        for name in names:
            if name and "=" not in name and not ENV_NAME.match(name):
                yield doc.problem(
                    (*where, name),
                    f"'{name}' cannot be a name in a compose env file (outputs.compose writes one "
                    "per profile); use letters, digits, '_', '.' and '-'",
                    key=True,
                )


def _env_blocks(model: MatrixFile) -> Iterator[tuple[PathKey, Iterable[str]]]:
    for axis_name, axis in model.axes.items():
        for value, entry in axis.values.items():
            yield ("axes", axis_name, "values", value, "env"), entry.env
    for level_name, level in model.levels.items():
        yield ("levels", level_name, "env"), level.env
        for suite_name, suite in (level.suites or {}).items():
            yield ("levels", level_name, "suites", suite_name, "env"), suite.env
    for index, override in enumerate(model.overrides):
        yield ("overrides", index, "env"), override.env


def writes_junit(cell: Cell) -> bool:
    """Whether its command names where its JUnit goes (`${junit}` or MATRIXGEN_JUNIT, also
    `$${MATRIXGEN_JUNIT}`, in a run line or a list), or its env hands it to the runner
    (`PYTEST_ADDOPTS: --junitxml=${junit}`)."""
    parts = [cell.run] if isinstance(cell.run, str) else list(cell.run)
    parts += cell.env.values()
    return any("${junit}" in part or "MATRIXGEN_JUNIT" in part for part in parts)


def junit_warnings(doc: Document, model: MatrixFile, cells: Iterable[Cell]) -> list[Problem]:
    """Commands that can write no JUnit while nothing says none is coming: one per line."""
    warnings: dict[PathKey, Problem] = {}
    for cell in cells:
        if not cell.junit or cell.tester is not None or writes_junit(cell):
            continue
        where = _run_key(model, cell)
        if where not in warnings:
            warnings[where] = doc.problem(
                where,
                "warning: this command names neither ${junit} nor MATRIXGEN_JUNIT, so it can "
                "write no JUnit and every run of it is an error; pass ${junit} to the test "
                "runner, or declare `junit: false` (its exit code decides: passed or failed)",
            )
    return sorted(warnings.values(), key=lambda p: (p.line, p.column))  # in file order


def _run_key(model: MatrixFile, cell: Cell) -> PathKey:
    for index in reversed(cell.overrides):
        if model.overrides[index].run is not None:
            return ("overrides", index, "run")
    suite = (model.levels[cell.level].suites or {}).get(cell.suite)
    if suite is not None and suite.run is not None:
        return ("levels", cell.level, "suites", cell.suite, "run")
    return ("levels", cell.level, "run")
