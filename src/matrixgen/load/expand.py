"""Expand a validated matrix into cells: product → excludes → includes → overrides."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from matrixgen.load import covering
from matrixgen.load.cells import Cell, match_cell
from matrixgen.load.model import Level, MatrixFile, SuiteFields

if TYPE_CHECKING:
    from matrixgen.load.covered import Covered


@dataclass(frozen=True)
class SuiteSpec:
    """One suite of one level with the level's defaults folded in."""

    level: str
    name: str
    label: str
    axes: tuple[tuple[str, tuple[str, ...]], ...]  # (axis, values) in id order
    pins: dict[str, str]
    services: bool | tuple[str, ...]
    requires: tuple[str, ...]
    run: str | tuple[str, ...]
    timeout: float | None
    env: dict[str, str]
    suite_count: int
    harness: tuple[tuple[str, ...], ...] = ()  # compose files: the level's, then the suite's
    tester: str | None = None
    junit: bool = True
    # `cells:`: the combinations listed (values in `axes` order), instead of their product
    listed: tuple[tuple[str, ...], ...] | None = None
    cover: int | None = None  # `cover: t`: a covering array of strength t, not the product


@dataclass(frozen=True)
class Removed:
    cell: Cell
    exclude: int  # index into `exclude:`


@dataclass
class Expansion:
    cells: list[Cell]
    removed: list[Removed]
    exclude_hits: list[int]
    override_hits: list[int]
    include_duplicates: list[int] = field(default_factory=list)  # includes naming an existing cell
    covers: list[Covered] = field(default_factory=list)  # suites with `cover: t`


def level_axes(fields: SuiteFields) -> list[tuple[str, list[str] | None]]:
    if isinstance(fields.axes, dict):
        return list(fields.axes.items())
    return [(axis, None) for axis in fields.axes]


def suites(model: MatrixFile) -> list[SuiteSpec]:
    specs: list[SuiteSpec] = []
    for level_name, level in model.levels.items():
        members: dict[str, SuiteFields] = (
            dict(level.suites) if level.suites else {level_name: level}
        )
        for suite_name, suite in members.items():
            specs.append(_fold(model, level_name, level, suite_name, suite, len(members)))
    return specs


def _fold(
    model: MatrixFile,
    level_name: str,
    level: Level,
    suite_name: str,
    suite: SuiteFields,
    count: int,
) -> SuiteSpec:
    def pick(name: str) -> object:
        return getattr(suite, name) if name in suite.model_fields_set else getattr(level, name)

    axes = []
    for axis, only in level_axes(suite if "axes" in suite.model_fields_set else level):
        declared = tuple(model.axes[axis].values) if axis in model.axes else ()
        axes.append((axis, tuple(only) if only else declared))
    services = pick("services")
    run = pick("run")
    # A suite that spans its own axes does not take the level's list of their combinations.
    own_axes = suite is level or "axes" in suite.model_fields_set
    cells = suite.cells if "cells" in suite.model_fields_set or own_axes else level.cells
    listed = None
    if cells is not None:
        listed = tuple(tuple(entry.get(axis, "") for axis, _ in axes) for entry in cells)
    return SuiteSpec(
        level=level_name,
        name=suite_name,
        label=level.label or level_name,
        axes=tuple(axes),
        pins={**level.with_, **suite.with_} if suite is not level else dict(level.with_),
        services=services if isinstance(services, bool) else tuple(services),  # type: ignore[arg-type]
        requires=tuple(dict.fromkeys([*level.requires, *suite.requires])),
        run=run if isinstance(run, str) else tuple(run or ()),  # type: ignore[arg-type]
        timeout=pick("timeout"),  # type: ignore[arg-type]
        env={**level.env, **suite.env} if suite is not level else dict(level.env),
        suite_count=count,
        listed=listed,
        cover=pick("cover"),  # type: ignore[arg-type]
        **_harness(level, suite),
    )


def value_combinations(spec: SuiteSpec) -> Iterable[tuple[str, ...]]:
    """The suite's combinations of spanned values: those listed, else the product."""
    if spec.listed is not None:
        return spec.listed
    return itertools.product(*(values for _, values in spec.axes))


def _harness(level: Level, suite: SuiteFields) -> dict[str, Any]:
    """Compose files add up from level to suite; the suite's tester and `junit` win."""
    own = [level] if suite is level else [level, suite]
    files = [
        (f,) if isinstance(f, str) else tuple(f)
        for fields in own
        if fields.compose
        for f in fields.compose.files
    ]
    testers = [fields.compose.tester for fields in own if fields.compose and fields.compose.tester]
    junit = suite.junit if "junit" in suite.model_fields_set else level.junit
    return {
        "harness": tuple(dict.fromkeys(files)),
        "tester": testers[-1] if testers else None,
        "junit": junit,
    }


def make_cell(model: MatrixFile, spec: SuiteSpec, values: dict[str, str], origin: str) -> Cell:
    spanned = tuple(axis for axis, _ in spec.axes)
    parts = ([spec.name] if spec.suite_count > 1 else []) + [values[a] for a in spanned]
    name = "-".join(parts) if parts else spec.name
    services: list[str] = []
    env: dict[str, str] = {}
    labels: dict[str, str] = {}
    for axis, value in values.items():
        declared = model.axes.get(axis)
        if declared is None or value not in declared.values:  # pragma: no cover
            continue  # load() reports unknown names before expanding; direct callers may not
        entry = declared.values[value]
        labels[axis] = entry.label or value
        services.extend(entry.services)
        env.update(entry.env)
    if isinstance(spec.services, tuple):
        services.extend(spec.services)
    env.update(spec.env)
    return Cell(
        level=spec.level,
        suite=spec.name,
        name=name,
        values=values,
        spanned=spanned,
        labels=labels,
        services=tuple(sorted(set(services))) if spec.services is not False else (),
        env=env,
        run=spec.run,
        requires=spec.requires,
        timeout=spec.timeout,
        level_label=spec.label,
        suite_count=spec.suite_count,
        origin=origin,
        harness=spec.harness,
        tester=spec.tester,
        junit=spec.junit,
    )


def _apply_overrides(model: MatrixFile, cell: Cell, hits: list[int]) -> Cell:
    applied: list[int] = []
    for index, rule in enumerate(model.overrides):
        if not match_cell(rule.match, cell):
            continue
        hits[index] += 1
        applied.append(index)
        services = tuple(sorted({*cell.services, *rule.services}))
        cell = replace(
            cell,
            env={**cell.env, **rule.env},
            timeout=rule.timeout if rule.timeout is not None else cell.timeout,
            requires=tuple(dict.fromkeys([*cell.requires, *rule.requires])),
            services=services,
            run=cell.run
            if rule.run is None
            else (rule.run if isinstance(rule.run, str) else tuple(rule.run)),
            overlays=(*cell.overlays, *rule.compose.overlays),
        )
    return replace(cell, overrides=tuple(applied)) if applied else cell


def expand(model: MatrixFile) -> Expansion:
    specs = suites(model)
    exclude_hits = [0] * len(model.exclude)
    override_hits = [0] * len(model.overrides)
    removed: list[Removed] = []
    by_level: dict[str, list[Cell]] = {name: [] for name in model.levels}
    covers: list[Covered] = []
    for spec in specs:
        if spec.cover is not None:
            covers.append(_cover(model, spec, exclude_hits, removed, by_level[spec.level]))
            continue
        spanned = [axis for axis, _ in spec.axes]
        for position, combo in enumerate(value_combinations(spec)):
            values = dict(zip(spanned, combo, strict=True))
            if spec.pins:
                values.update({k: v for k, v in spec.pins.items() if k not in values})
            origin = "product" if spec.listed is None else f"cells[{position}]"
            cell = make_cell(model, spec, values, origin)
            if not model.exclude:
                by_level[spec.level].append(cell)
                continue
            rules = [i for i, r in enumerate(model.exclude) if match_cell(r.match, cell)]
            if rules:
                # Every matching exclude counts, so none of them is reported as stale;
                # `explain` names the first.
                for i in rules:
                    exclude_hits[i] += 1
                removed.append(Removed(cell, rules[0]))
                continue
            by_level[spec.level].append(cell)
    duplicates: list[int] = []
    names = {level: {cell.name for cell in cells} for level, cells in by_level.items()}
    for index, include in enumerate(model.include):
        found = _include_spec(specs, include.level, include.suite)
        if found is None:  # pragma: no cover - an unknown level/suite is a reference error
            continue
        spec = found
        extra = {k: v for k, v in (include.model_extra or {}).items()}
        # The include's own values win over the suite's pins.
        values = {axis: extra[axis] for axis, _ in spec.axes if axis in extra}
        values.update({k: extra.get(k, v) for k, v in spec.pins.items() if k not in values})
        values.update({k: v for k, v in extra.items() if k not in values})
        cell = make_cell(model, spec, values, f"include[{index}]")
        if cell.name in names[spec.level]:  # a set: thousands of includes stay linear
            duplicates.append(index)
            continue
        names[spec.level].add(cell.name)
        by_level[spec.level].append(cell)
    cells = [c for level in by_level.values() for c in level]
    if model.overrides:
        cells = [_apply_overrides(model, c, override_hits) for c in cells]
    return Expansion(cells, removed, exclude_hits, override_hits, duplicates, covers)


def _cover(
    model: MatrixFile, spec: SuiteSpec, hits: list[int], removed: list[Removed], cells: list[Cell]
) -> Covered:
    """The suite's cells as a covering array; its `cells:` (those no exclude removes) first."""
    from matrixgen.load.cover import cover  # imported by the matrices that use `cover:`
    from matrixgen.load.covered import Covered

    assert spec.cover is not None
    spanned = [axis for axis, _ in spec.axes]
    patterns, rules = covering.patterns(model, spec, hits)
    keep: list[tuple[str, ...]] = []
    for position, combo in enumerate(spec.listed or ()):
        values = {**dict(zip(spanned, combo, strict=True))}
        values.update({k: v for k, v in spec.pins.items() if k not in values})
        cell = make_cell(model, spec, values, f"cells[{position}]")
        matched = [i for i, r in enumerate(model.exclude) if match_cell(r.match, cell)]
        if matched:
            removed.append(Removed(cell, matched[0]))
            continue
        keep.append(combo)
        cells.append(cell)
    rows = cover(
        [len(values) for _, values in spec.axes],
        spec.cover,
        patterns,
        keep=[tuple(vs.index(v) for (_, vs), v in zip(spec.axes, c, strict=True)) for c in keep],
    )
    named = [tuple(vs[i] for (_, vs), i in zip(spec.axes, row, strict=True)) for row in rows]
    for combo in named[len(keep) :]:
        values = dict(zip(spanned, combo, strict=True))
        values.update({k: v for k, v in spec.pins.items() if k not in values})
        cells.append(make_cell(model, spec, values, f"cover {spec.cover}"))
    return Covered(
        spec.level, spec.name, spec.cover, spec.axes, tuple(patterns), tuple(rules), tuple(named)
    )


def _include_spec(specs: list[SuiteSpec], level: str, suite: str | None) -> SuiteSpec | None:
    candidates = [s for s in specs if s.level == level and (suite is None or s.name == suite)]
    return candidates[0] if len(candidates) == 1 else None
