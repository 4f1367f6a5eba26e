"""Checks the schema cannot express: every name referenced is declared, no rule is stale."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from matrixgen.errors import Problem, did_you_mean
from matrixgen.load import placeholders
from matrixgen.load.cells import Cell
from matrixgen.load.document import Document, PathKey
from matrixgen.load.expand import Expansion, SuiteSpec, level_axes, suites
from matrixgen.load.model import MatrixFile, SuiteFields
from matrixgen.load.service_values import NATIVE_KEYS, service_strings
from matrixgen.load.shell import UnsafeValue, fill_shell, shell_script_index

MAX_CELLS_PER_LEVEL = 256  # GitHub Actions' limit of jobs per matrix


def _unknown(
    doc: Document, path: PathKey, what: str, name: str, known: Iterable[str], *, key: bool = False
) -> Problem:
    known = list(known)
    hint = did_you_mean(name, known)
    if hint:
        fix = ""
    elif known:
        fix = f"; use one of {', '.join(known)}, or declare it"
    else:
        fix = "; none is declared: declare it first"
    return doc.problem(path, f"unknown {what} '{name}'{hint}{fix}", key=key)


def check_references(doc: Document, model: MatrixFile) -> list[Problem]:
    problems: list[Problem] = []
    problems += _check_axes(doc, model)
    for level_name, level in model.levels.items():
        base: PathKey = ("levels", level_name)
        problems += _check_suite_fields(doc, model, base, level)
        problems += _check_cells(doc, model, base, level, level)
        for suite_name, suite in (level.suites or {}).items():
            problems += _check_suite_fields(doc, model, (*base, "suites", suite_name), suite)
            spans = suite if "axes" in suite.model_fields_set else level
            problems += _check_cells(doc, model, (*base, "suites", suite_name), suite, spans)
    # Once, not per rule: thousands of levels times thousands of rules is quadratic.
    suite_names = {s for level in model.levels.values() for s in (level.suites or {})}
    suite_names |= set(model.levels)
    for index, rule in enumerate(model.exclude):
        where: PathKey = ("exclude", index, "match")
        problems += _check_match(doc, model, where, rule.match, suite_names)
    for index, override in enumerate(model.overrides):
        where = ("overrides", index, "match")
        problems += _check_match(doc, model, where, override.match, suite_names)
        problems += _check_services(doc, model, ("overrides", index, "services"), override.services)
    for index in range(len(model.include)):
        problems += _check_include(doc, model, index)
    problems += _check_service_strings(doc, model)
    problems += _check_outputs(doc, model)
    return problems


def _check_axes(doc: Document, model: MatrixFile) -> Iterator[Problem]:
    for axis_name, axis in model.axes.items():
        if not axis.values:
            yield doc.problem(
                ("axes", axis_name, "values"),
                "an axis needs at least one value; add one or remove the axis",
            )
        for value, entry in axis.values.items():
            yield from _check_services(
                doc, model, ("axes", axis_name, "values", value, "services"), entry.services
            )


def _check_services(
    doc: Document, model: MatrixFile, path: PathKey, names: Iterable[str]
) -> Iterator[Problem]:
    for index, name in enumerate(names):
        if name not in model.services:
            yield _unknown(doc, (*path, index), "service", name, model.services)


def _check_axis_value(
    doc: Document, model: MatrixFile, path: PathKey, axis: str, value: str
) -> Iterator[Problem]:
    if value not in model.axes[axis].values:
        yield _unknown(doc, path, f"value of axis '{axis}':", value, model.axes[axis].values)


def _check_suite_fields(
    doc: Document, model: MatrixFile, base: PathKey, fields: SuiteFields
) -> Iterator[Problem]:
    spanned = set()
    for index, (axis, only) in enumerate(level_axes(fields)):
        where: PathKey = (
            (*base, "axes", axis) if isinstance(fields.axes, dict) else (*base, "axes", index)
        )
        if axis not in model.axes:
            yield _unknown(doc, where, "axis", axis, model.axes, key=isinstance(fields.axes, dict))
            continue
        spanned.add(axis)
        for position, value in enumerate(only or []):
            yield from _check_axis_value(doc, model, (*where, position), axis, value)
    for axis, value in fields.with_.items():
        where = (*base, "with", axis)
        if axis not in model.axes:
            yield _unknown(doc, where, "axis", axis, model.axes, key=True)
        elif axis in spanned:
            yield doc.problem(
                where, f"'{axis}' is both spanned (axes) and pinned (with); keep one", key=True
            )
        else:
            yield from _check_axis_value(doc, model, where, axis, value)
    if isinstance(fields.services, list):
        yield from _check_services(doc, model, (*base, "services"), fields.services)


def _check_cells(
    doc: Document, model: MatrixFile, base: PathKey, fields: SuiteFields, spans: SuiteFields
) -> Iterator[Problem]:
    """`cells:` lists combinations of the axes spanned, each once, of values they allow."""
    if fields.cells is None:
        return
    where: PathKey = (*base, "cells")
    axes = {axis: only for axis, only in level_axes(spans) if axis in model.axes}
    if not axes:
        yield doc.problem(
            where,
            "`cells:` lists combinations of the axes spanned, and none is; add `axes:`",
            key=True,
        )
        return
    if not fields.cells:
        yield doc.problem(where, "`cells:` is empty; list at least one combination or drop it")
    names = ", ".join(axes)
    seen: dict[tuple[str, ...], int] = {}
    for index, entry in enumerate(fields.cells):
        for axis, value in entry.items():
            at: PathKey = (*where, index, axis)
            if axis not in model.axes:
                yield _unknown(doc, at, "axis", axis, axes, key=True)
            elif axis not in axes:
                yield doc.problem(
                    at,
                    f"'{axis}' is not an axis spanned here ({names}); "
                    "pin another axis with `with:`",
                    key=True,
                )
            elif value not in model.axes[axis].values:
                yield from _check_axis_value(doc, model, at, axis, value)
            elif axes[axis] and value not in axes[axis]:  # type: ignore[operator]
                yield doc.problem(
                    at,
                    f"'{value}' is not among the values `axes:` allows for '{axis}' "
                    f"({', '.join(axes[axis] or [])}); add it there or drop this entry",
                )
        missing = [axis for axis in axes if axis not in entry]
        if missing:
            yield doc.problem(
                (*where, index),
                f"this entry gives no value of {', '.join(map(repr, missing))}; "
                f"each gives one value of every axis spanned ({names})",
            )
        combo = tuple(entry.get(axis, "") for axis in axes)
        if combo in seen:
            yield doc.problem(
                (*where, index), f"this entry repeats cells[{seen[combo]}]; remove one"
            )
        seen.setdefault(combo, index)


def _check_match(
    doc: Document,
    model: MatrixFile,
    base: PathKey,
    match: dict[str, str | list[str]],
    suites: set[str],
) -> Iterator[Problem]:
    for key, wanted in match.items():
        values = wanted if isinstance(wanted, list) else [wanted]
        paths = (
            [(*base, key, i) for i in range(len(values))]
            if isinstance(wanted, list)
            else [(*base, key)]
        )
        if key == "level":
            known: Iterable[str] = model.levels
        elif key == "suite":
            known = suites
        elif key in model.axes:
            known = model.axes[key].values
        else:
            yield _unknown(
                doc, (*base, key), "axis", key, [*model.axes, "level", "suite"], key=True
            )
            continue
        for value, path in zip(values, paths, strict=True):
            if value not in known:
                what = key if key in ("level", "suite") else f"value of axis '{key}':"
                yield _unknown(doc, path, what, value, known)


def _check_include(doc: Document, model: MatrixFile, index: int) -> Iterator[Problem]:
    include = model.include[index]
    base: PathKey = ("include", index)
    level = model.levels.get(include.level)
    if level is None:
        yield _unknown(doc, (*base, "level"), "level", include.level, model.levels)
        return
    members: dict[str, SuiteFields] = dict(level.suites) if level.suites else {include.level: level}
    if include.suite is None and len(members) > 1:
        yield doc.problem(
            base, f"level '{include.level}' has several suites; add `suite:` ({', '.join(members)})"
        )
        return
    suite_name = include.suite or next(iter(members))
    if suite_name not in members:
        yield _unknown(doc, (*base, "suite"), "suite", suite_name, members)
        return
    suite = members[suite_name]
    spanned = [axis for axis, _ in level_axes(suite if "axes" in suite.model_fields_set else level)]
    extra = include.model_extra or {}
    for key, value in extra.items():
        if key not in model.axes:
            yield _unknown(doc, (*base, key), "axis", key, model.axes, key=True)
        elif not isinstance(value, str):
            yield doc.problem(
                (*base, key),
                "expected one value, got a list; an include adds one cell: "
                "write one include per cell",
            )
        else:
            yield from _check_axis_value(doc, model, (*base, key), key, value)
    missing = [axis for axis in spanned if axis not in extra]
    if missing:
        spans = "spans them" if len(missing) > 1 else "spans it"
        needed = ", ".join(f"`{axis}: <value>`" for axis in missing)
        yield doc.problem(
            base,
            f"missing a value for {', '.join(missing)} ('{suite_name}' {spans}); add {needed}",
        )


def _strings(doc: Document, path: PathKey, value: object) -> Iterator[tuple[PathKey, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _strings(doc, (*path, i), item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(doc, (*path, key), item)


def _placeholder_problems(
    doc: Document, path: PathKey, text: str, allowed: set[str] | frozenset[str], where: str
) -> Iterator[Problem]:
    for name, _ in placeholders.unknown(text, allowed):
        yield doc.problem(path, _placeholder_message(name, allowed, where))


def _placeholder_message(name: str, allowed: set[str] | frozenset[str], where: str) -> str:
    candidates = sorted(allowed)
    usable = ", ".join("${" + c + "}" for c in candidates)
    return (
        f"unknown placeholder '${{{name}}}'{did_you_mean(name, candidates)}; {where} may use "
        f"{usable} and ${{env.NAME}} (write $${{ for a literal ${{)"
    )


def _check_service_strings(doc: Document, model: MatrixFile) -> Iterator[Problem]:
    # The raw data, not the model: its paths locate the string (the model has no marks).
    # A service's strings may name axes too: its version from the cell (`service_values`).
    axes = set(model.axes)
    native = placeholders.SERVICE_NAMES | axes
    for name, service in doc.data.get("services", {}).items():
        if not isinstance(service, dict):
            continue
        for path, text in service_strings(name, service):
            if path[2] in NATIVE_KEYS:
                yield from _placeholder_problems(doc, path, text, native, "a service")
                continue
            # Filled when a profile or a job is written: no run-time name, no env.
            for found, _ in placeholders.names(text):
                if found not in axes:
                    yield doc.problem(path, _value_placeholder_message(found, axes))


def _value_placeholder_message(name: str, axes: set[str]) -> str:
    usable = ", ".join("${" + axis + "}" for axis in sorted(axes)) or "none (no axis is declared)"
    return (
        f"unknown placeholder '${{{name}}}'{did_you_mean(name, sorted(axes))}; a service's "
        f"`compose:` and `github.image` may use the axes, filled from each cell: {usable} "
        "(write $${ for a literal ${)"
    )


def _check_outputs(doc: Document, model: MatrixFile) -> Iterator[Problem]:
    outputs = model.outputs
    if outputs.compose:
        yield from _placeholder_problems(
            doc,
            ("outputs", "compose"),
            outputs.compose,
            {"level", "suite", "cell"},
            "outputs.compose",
        )
    if outputs.docs:
        for index, axis in enumerate(outputs.docs.rows):
            if axis not in model.axes:
                yield _unknown(doc, ("outputs", "docs", "rows", index), "axis", axis, model.axes)
        if outputs.docs.columns != "level" and outputs.docs.columns not in model.axes:
            yield _unknown(
                doc,
                ("outputs", "docs", "columns"),
                "axis",
                outputs.docs.columns,
                ["level", *model.axes],
            )
    if outputs.github and isinstance(outputs.github.shards, dict):
        for level in outputs.github.shards:
            if level not in model.levels:
                yield _unknown(
                    doc,
                    ("outputs", "github", "shards", level),
                    "level",
                    level,
                    model.levels,
                    key=True,
                )


def _cell_strings(model: MatrixFile, cell: Cell) -> Iterator[tuple[PathKey, str]]:
    level = model.levels[cell.level]
    level_path: PathKey = ("levels", cell.level)
    suite_path: PathKey = (*level_path, "suites", cell.suite)
    suite = (level.suites or {}).get(cell.suite)
    for axis, value in cell.values.items():
        for key, text in model.axes[axis].values[value].env.items():
            yield ("axes", axis, "values", value, "env", key), text
    for key, text in level.env.items():
        yield (*level_path, "env", key), text
    run_owner = level_path
    if suite is not None:
        for key, text in suite.env.items():
            yield (*suite_path, "env", key), text
        if suite.run is not None:
            run_owner = suite_path
    for index in cell.overrides:
        rule = model.overrides[index]
        for key, text in rule.env.items():
            yield ("overrides", index, "env", key), text
        if rule.run is not None:
            run_owner = ("overrides", index)
    run = cell.run
    if isinstance(run, str):
        yield (*run_owner, "run"), run
    else:
        for i, part in enumerate(run):
            yield (*run_owner, "run", i), part


def _cell_placeholder_problems(
    path: PathKey, text: str, allowed: frozenset[str], in_run: bool
) -> Iterator[tuple[str, str]]:
    """(name, message) of each placeholder a cell string may not use; message "" means the
    usual 'unknown placeholder'. `${args}` belongs to `run:` alone, and in an argv list to a
    whole item: spliced there as items of their own, inside a longer item it would have to
    be joined with some quoting the command may not read."""
    for name, _ in placeholders.unknown(text, allowed):
        if name != placeholders.ARGS:
            yield name, ""
        elif not in_run:
            where = "'${args}' (the arguments after `--`) may only appear in run:"
            yield name, f"{where}; remove it here and put it in the run line"
        elif isinstance(path[-1], int) and text != placeholders.ARGS_ITEM:
            where = f"'${{args}}' in an argv list must be an item of its own, got {text!r}"
            yield name, f'{where}; write it as a separate item: [pytest, tests, "${{args}}"]'


def _no_run(
    doc: Document, model: MatrixFile, cell: Cell, reported: set[tuple[PathKey, str]]
) -> Iterator[Problem]:
    """A cell without a command: neither its level (or suite) nor an override gives it one.
    A level needs no `run:` of its own when overrides give every cell theirs (issue 22)."""
    suites = model.levels[cell.level].suites
    where: PathKey = ("levels", cell.level, *(("suites", cell.suite) if suites else ()))
    if (where, "run") in reported:
        return
    reported.add((where, "run"))
    owner = "its suite and its level set" if suites else "its level sets"
    yield doc.problem(
        where,
        f"cell {cell.id} has no `run:` (its command): {owner} none, and no override that "
        "matches it gives one; add `run:` here, or an override with `run:` for it",
    )


def check_expansion(doc: Document, model: MatrixFile, expansion: Expansion) -> list[Problem]:
    problems: list[Problem] = []
    specs = suites(model)
    for index, hits in enumerate(expansion.exclude_hits):
        if hits == 0:
            why = _stale_reason(specs, model.exclude[index].match)
            problems.append(
                doc.problem(
                    ("exclude", index),
                    f"stale rule: this exclude matches no cell ({why}); fix its match or remove it",
                )
            )
    for index, hits in enumerate(expansion.override_hits):
        if hits == 0:
            why = _stale_reason(specs, model.overrides[index].match)
            if why.startswith("no cell has"):
                why += ", or an exclude removed them"
            problems.append(
                doc.problem(
                    ("overrides", index),
                    f"stale rule: this override matches no cell ({why}); "
                    "fix its match or remove it",
                )
            )
    for index in expansion.include_duplicates:
        problems.append(
            doc.problem(
                ("include", index),
                "stale rule: this include names a cell already in the matrix (an include only "
                "adds cells; to give that cell settings, as GitHub's include extends a "
                "combination, match it with an `overrides:` entry); remove it",
            )
        )
    seen: dict[str, Cell] = {}
    per_level: dict[str, int] = {}
    reported: set[tuple[PathKey, str]] = set()
    checked: set[tuple[PathKey, str, frozenset[str]]] = set()
    for cell in expansion.cells:
        per_level[cell.level] = per_level.get(cell.level, 0) + 1
        if cell.id in seen:
            problems.append(_duplicate_id(doc, seen[cell.id], cell))
        seen[cell.id] = cell
        if not cell.run:
            problems.extend(_no_run(doc, model, cell, reported))
        axes = frozenset(cell.values)
        for path, text in _cell_strings(model, cell):
            # Cells of one suite share their strings: check each (string, axes) once, not per cell.
            if "${" not in text or (path, text, axes) in checked:
                continue
            checked.add((path, text, axes))
            allowed = placeholders.CELL_NAMES | axes
            in_run = "run" in path[-2:] and path[-2:-1] != ("env",)
            for name, message in _cell_placeholder_problems(path, text, allowed, in_run):
                if (path, name) in reported:
                    continue
                reported.add((path, name))
                usable = allowed | {placeholders.ARGS} if in_run else allowed
                message = message or _placeholder_message(name, usable, f"cell {cell.id}")
                problems.append(doc.problem(path, message))
            if in_run and (path, "") not in reported:
                why = _unquotable(model, cell, path, text)
                if why:
                    reported.add((path, ""))
                    problems.append(doc.problem(path, why))
    shards = model.outputs.github.shards if model.outputs.github else None
    for level, count in per_level.items():
        sharded = shards is not None and (not isinstance(shards, dict) or level in shards)
        if count > MAX_CELLS_PER_LEVEL and not sharded:
            problems.append(
                doc.problem(
                    ("levels", level),
                    f"level '{level}' has {count} cells, over GitHub's {MAX_CELLS_PER_LEVEL} "
                    "jobs per matrix; "
                    "split it into levels or suites, exclude cells, or set outputs.github.shards",
                    key=True,
                )
            )
    if not expansion.cells and not problems:
        problems.append(
            doc.problem(
                ("exclude",) if model.exclude else ("levels",),
                "the matrix is empty: every cell is excluded; relax an exclude",
                key=True,
            )
        )
    return problems


def _stale_reason(specs: list[SuiteSpec], match: dict[str, str | list[str]]) -> str:
    """Why a rule matched nothing: no suite has all its keys, or the values never meet."""
    for spec in specs:
        keys = {"level", "suite", *(axis for axis, _ in spec.axes), *spec.pins}
        if set(match) <= keys:
            return "no cell has these values together"
    axes = [key for key in match if key not in ("level", "suite")]
    return f"no level or suite spans or pins all of {', '.join(axes)}"


def _duplicate_id(doc: Document, first: Cell, cell: Cell) -> Problem:
    if cell.suite_count > 1:
        path: PathKey = ("levels", cell.level, "suites", cell.suite)
    else:
        path = ("levels", cell.level, "axes")
    # Product cells of one suite differ in values, and an include that repeats a cell is a
    # stale rule, so a clash comes from two suites or from values whose joined ids meet.
    if first.suite != cell.suite:
        made_by = f"suites '{first.suite}' and '{cell.suite}' both make"
    else:
        made_by = f"values {_values_text(first)} and {_values_text(cell)} both make"
    return doc.problem(
        path,
        f"{made_by} the cell id '{cell.id}'; rename a suite or a value so the ids differ",
        key=cell.suite_count > 1,
    )


def _values_text(cell: Cell) -> str:
    return ",".join(f"{axis}={value}" for axis, value in cell.values.items())


def _unquotable(model: MatrixFile, cell: Cell, path: PathKey, text: str) -> str:
    """Why a run line's placeholders cannot all be kept data wherever its values come from
    (`shell.fill_shell` refuses the spot, not the value: a placeholder in a script another
    shell reads, `sh -c "..."`), or ''. An argv list is checked at its `sh -c` script."""
    if isinstance(path[-1], int):
        argv = cell.run if not isinstance(cell.run, str) else ()
        if shell_script_index(list(argv)) != path[-1]:
            return ""
    try:
        fill_shell(text, lambda name: ["x"] if name == placeholders.ARGS else "x")
    except UnsafeValue as error:
        return f"{error}"
    return ""
