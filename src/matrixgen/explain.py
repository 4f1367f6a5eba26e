"""`matrixgen explain SELECTOR`: why a cell exists, or which exclude removed it (or, in a
`cover: t` level, that its cover left the combination out, and which cells hold its tuples)."""

from __future__ import annotations

import difflib
import itertools
from collections.abc import Sequence

from matrixgen.errors import UsageError
from matrixgen.load.cells import Cell, match_cell
from matrixgen.load.expand import SuiteSpec, make_cell, suites
from matrixgen.load.matrix import Matrix
from matrixgen.load.selection import matches


def _where(matrix: Matrix, *path: str | int) -> str:
    line, column = matrix.document.where(tuple(path))
    return f"{matrix.source.display}:{line}:{column}"


def _values(cell: Cell) -> str:
    return (
        ", ".join(
            f"{axis}={value}"
            + (f" ({cell.labels[axis]})" if cell.labels.get(axis, value) != value else "")
            for axis, value in cell.values.items()
        )
        or "(no axes)"
    )


def _origin(matrix: Matrix, cell: Cell) -> str:
    if cell.origin.startswith("include["):
        index = int(cell.origin[len("include[") : -1])
        return f"added by {cell.origin} at {_where(matrix, 'include', index)}"
    if cell.origin.startswith("cells["):
        index = int(cell.origin[len("cells[") : -1])
        level = matrix.model.levels[cell.level]
        suite = (level.suites or {}).get(cell.suite)
        where = ("levels", cell.level, *(("suites", cell.suite) if suite and suite.cells else ()))
        return f"listed as {cell.origin} at {_where(matrix, *where, 'cells', index)}"
    if cell.origin.startswith("cover "):
        at = _cover_where(matrix, cell)
        return (
            f"{cell.origin.replace(' ', ': ')} at {at}: a covering array of "
            f"{' × '.join(cell.spanned)}, where every {_tuple_kind(cell.origin)} the excludes "
            "allow is in some cell"
        )
    if not cell.spanned:
        return "the only cell of its suite (it spans no axis)"
    pins = [a for a in cell.values if a not in cell.spanned]
    text = f"product of {' × '.join(cell.spanned)}"
    return text + (
        f", with {', '.join(f'{a}={cell.values[a]}' for a in pins)} pinned" if pins else ""
    )


def _tuple_kind(origin: str) -> str:
    strength = int(origin.split()[1])
    return "pair of values" if strength == 2 else f"combination of {strength} values"


def _cover_where(matrix: Matrix, cell: Cell) -> str:
    suites = matrix.model.levels[cell.level].suites or {}
    suite = suites.get(cell.suite)
    if suite is not None and suite.cover is not None:
        return _where(matrix, "levels", cell.level, "suites", cell.suite, "cover")
    return _where(matrix, "levels", cell.level, "cover")


def _covers_only(matrix: Matrix, cell: Cell) -> list[str]:
    """For a cell of a covering suite: the t-tuples no other cell of it holds."""
    for covered in matrix.expansion.covers:
        if (covered.level, covered.suite) == (cell.level, cell.suite):
            row = tuple(cell.values[axis] for axis, _ in covered.axes)
            if row in covered.rows:
                only = covered.only_in(row)
                return [f"  only it:  {', '.join(only) if only else '- (each is in another cell)'}"]
    return []


def explain_cell(matrix: Matrix, cell: Cell) -> str:
    run = cell.run if isinstance(cell.run, str) else " ".join(cell.run)
    nox = f'nox -s "{cell.nox_session}"'
    if any(axis in cell.values for axis in matrix.computed):  # no session is generated
        nox = f"- (its values are computed; matrixgen run {cell.id})"
    lines = [
        f"{cell.id}: in the matrix",
        f"  level:    {cell.level}" + (f", suite {cell.suite}" if cell.suite_count > 1 else ""),
        f"  values:   {_values(cell)}",
        f"  why:      {_origin(matrix, cell)}",
        *_covers_only(matrix, cell),
        f"  services: {', '.join(cell.services) or '-'}",
        f"  requires: {', '.join(cell.requires) or '-'}",
        f"  run:      {run}",
        f"  nox:      {nox}",
    ]
    for index in cell.overrides:
        rule = matrix.model.overrides[index]
        changed = [
            name
            for name in ("env", "timeout", "requires", "services", "run", "compose")
            if name in rule.model_fields_set
        ]
        lines.append(
            f"  override: overrides[{index}] at {_where(matrix, 'overrides', index)} "
            f"sets {', '.join(changed)}"
        )
    return "\n".join(lines)


def explain(matrix: Matrix, selector: str) -> str:
    present = [c for c in matrix.cells if matches(selector, c)]
    removed = [
        r
        for r in matrix.removed
        if matches(selector, r.cell) and r.cell.id not in {c.id for c in present}
    ]
    blocks = [explain_cell(matrix, cell) for cell in present]
    for item in removed:
        rule = matrix.model.exclude[item.exclude]
        blocks.append(
            f"{item.cell.id}: not in the matrix\n"
            f"  values:   {_values(item.cell)}\n"
            f"  removed by exclude[{item.exclude}] at {_where(matrix, 'exclude', item.exclude)}: "
            f"{rule.reason}"
        )
    if not blocks:
        blocks = [_left_out(matrix, spec, combo) for spec, combo in _uncovered(matrix, selector)]
    if not blocks:
        names = [c.id for c in matrix.cells] + [r.cell.id for r in matrix.removed]
        near = difflib.get_close_matches(selector, names, n=3, cutoff=0.5)
        hint = f"; nearest: {', '.join(near)}" if near else "; see `matrixgen list`"
        raise UsageError(f"no cell matches '{selector}'{hint}")
    return "\n\n".join(blocks)


def _parse(name: str, axes: Sequence[tuple[str, Sequence[str]]]) -> list[tuple[str, ...]]:
    """The combinations of these axes' values whose cell name (values joined by `-`) is
    `name`; values may hold `-` themselves (`ubuntu-latest`)."""
    if not axes:
        return [()] if name == "" else []
    (_axis, values), rest = axes[0], axes[1:]
    found: list[tuple[str, ...]] = []
    for value in values:
        if name == value and not rest:
            found.append((value,))
        elif rest and name.startswith(value + "-"):
            found.extend((value, *tail) for tail in _parse(name[len(value) + 1 :], rest))
    return found


def _uncovered(matrix: Matrix, selector: str) -> list[tuple[SuiteSpec, tuple[str, ...]]]:
    """The combinations of a covering suite's axes with the id `selector` (not a glob) that
    are no cell: a cover builds no cell for what an exclude forbids or it leaves out."""
    level, _, name = selector.partition("/")
    covering = {(c.level, c.suite) for c in matrix.expansion.covers}
    found: list[tuple[SuiteSpec, tuple[str, ...]]] = []
    for spec in suites(matrix.model):
        if spec.level != level or (spec.level, spec.name) not in covering:
            continue
        prefix = f"{spec.name}-" if spec.suite_count > 1 else ""
        if name.startswith(prefix):
            found.extend((spec, combo) for combo in _parse(name[len(prefix) :], spec.axes))
    return found


def _left_out(matrix: Matrix, spec: SuiteSpec, combo: tuple[str, ...]) -> str:
    """Why a combination of a covering suite is no cell: the exclude that forbids it, else
    the cover, with a cell holding each of its t-tuples."""
    assert spec.cover is not None
    spanned = [axis for axis, _ in spec.axes]
    values = dict(zip(spanned, combo, strict=True))
    values.update({k: v for k, v in spec.pins.items() if k not in values})
    cell = make_cell(matrix.model, spec, values, f"cover {spec.cover}")
    lines = [f"{cell.id}: not in the matrix", f"  values:   {_values(cell)}"]
    rules = [i for i, r in enumerate(matrix.model.exclude) if match_cell(r.match, cell)]
    if rules:
        rule = matrix.model.exclude[rules[0]]
        where = _where(matrix, "exclude", rules[0])
        lines.append(f"  removed by exclude[{rules[0]}] at {where}: {rule.reason}")
        return "\n".join(lines)
    lines.append(
        f"  why:      cover: {spec.cover} at {_cover_where(matrix, cell)} left it out: every "
        f"{_tuple_kind(cell.origin)} it holds is in another cell"
    )
    cells = [c for c in matrix.cells if (c.level, c.suite) == (spec.level, spec.name)]
    for position, axes in enumerate(itertools.combinations(spanned, spec.cover)):
        holder = next((c for c in cells if all(c.values[a] == values[a] for a in axes)), None)
        words = " × ".join(f"{a}={values[a]}" for a in axes)
        lead = "  held by:  " if position == 0 else " " * 12
        lines.append(f"{lead}{words} in {holder.id if holder else 'no cell'}")
    return "\n".join(lines)
