"""`matrixgen explain SELECTOR`: why a cell exists, or which exclude removed it."""

from __future__ import annotations

import difflib

from matrixgen.errors import UsageError
from matrixgen.load.cells import Cell
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
        names = [c.id for c in matrix.cells] + [r.cell.id for r in matrix.removed]
        near = difflib.get_close_matches(selector, names, n=3, cutoff=0.5)
        hint = f"; nearest: {', '.join(near)}" if near else "; see `matrixgen list`"
        raise UsageError(f"no cell matches '{selector}'{hint}")
    return "\n\n".join(blocks)
