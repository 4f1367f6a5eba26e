"""The support-matrix table: rows and columns from `outputs.docs`, one symbol per table cell.

Shared by `matrixgen render` (the skeleton: declared ○ and excluded —) and `matrixgen
report` (statuses from JUnit). Several cells can land in one table cell (integration
sqs-s3 and rabbitmq-s3 both in the S3 row); the worst status leads, and the cells are
named when the table's rows and columns do not already say which cell it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from matrixgen.load.cells import Cell
from matrixgen.load.matrix import Matrix
from matrixgen.load.model import DocsOutput
from matrixgen.outcome.status import Status, worst
from matrixgen.results.status import CellStatus

LEGEND = [
    Status.PASSED,
    Status.FLAKY,
    Status.FAILED,
    Status.ERROR,
    Status.SKIPPED,
    Status.NOT_RUN,
    Status.MISSING,
    Status.EXCLUDED,
    Status.DECLARED,
]
ANY = "any"  # the row/column label for cells that do not span that axis
SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


@dataclass
class TableCell:
    members: list[CellStatus] = field(default_factory=list)

    @property
    def status(self) -> Status | None:
        return worst(m.status for m in self.members) if self.members else None

    def groups(self) -> list[tuple[Status, list[CellStatus]]]:
        """Members grouped by status, worst group first; failed and error stay apart, and so
        do allowed failures (after the others of their status)."""
        by_status: dict[tuple[Status, bool], list[CellStatus]] = {}
        for member in self.members:
            by_status.setdefault((member.status, member.tolerated), []).append(member)
        ordered = sorted(by_status.items(), key=lambda item: (-item[0][0].severity, item[0][1]))
        return [(status, members) for (status, _), members in ordered]


@dataclass
class SupportTable:
    row_titles: list[str]  # one heading per row axis
    column_labels: list[str]
    rows: list[tuple[list[str], list[TableCell]]]  # row labels, then one TableCell per column
    shown: frozenset[str] | None  # axes the headings name; None: never name cells in the text
    # Several levels, none named by the headings (columns over an axis, say): a table
    # cell's symbol could be any level's, so the cells are named by id (`class/pg`).
    by_id: bool = False

    def names(self, cell: TableCell) -> bool:
        """Name the cells (`✅ (sqs-s3, rabbitmq-s3)`) unless the headings say which it is."""
        if self.shown is None:
            return False
        return (
            self.by_id
            or len(cell.members) > 1
            or any(set(m.cell.spanned) - self.shown or m.cell.suite_count > 1 for m in cell.members)
        )


def docs_layout(matrix: Matrix) -> DocsOutput:
    """`outputs.docs`, or rows over every axis and levels as columns when it is not set."""
    if matrix.model.outputs.docs is not None:
        return matrix.model.outputs.docs
    return DocsOutput(
        file="docs/testing.md", rows=list(matrix.model.axes) or ["level"], columns="level"
    )


def _key(cell: Cell, axis: str) -> str | None:
    return (
        cell.level if axis == "level" else cell.suite if axis == "suite" else cell.values.get(axis)
    )


def _order(matrix: Matrix, axis: str) -> list[str]:
    if axis == "level":
        return list(matrix.model.levels)
    if axis in matrix.model.axes:
        return list(matrix.model.axes[axis].values)
    return []


def _label(matrix: Matrix, axis: str, value: str | None) -> str:
    if value is None:
        return ANY
    if axis == "level":
        return matrix.model.levels[value].label or value
    if axis in matrix.model.axes:
        return matrix.model.axes[axis].label(value)
    return value


def _title(matrix: Matrix, axis: str) -> str:
    declared = matrix.model.axes.get(axis)
    return (
        (declared.title if declared and declared.title else axis.capitalize())
        if axis != "level"
        else "Level"
    )


def build_table(matrix: Matrix, statuses: Mapping[str, CellStatus]) -> SupportTable:
    layout = docs_layout(matrix)
    row_axes, column_axis = layout.rows, layout.columns

    def rank(axis: str, value: str | None) -> int:
        order = _order(matrix, axis)
        return order.index(value) if value in order else len(order)

    grid: dict[tuple[tuple[str | None, ...], str | None], TableCell] = {}
    for status in statuses.values():
        row = tuple(_key(status.cell, axis) for axis in row_axes)
        grid.setdefault((row, _key(status.cell, column_axis)), TableCell()).members.append(status)
    row_keys = sorted(
        {row for row, _ in grid},
        key=lambda r: [rank(a, v) for a, v in zip(row_axes, r, strict=True)],
    )
    column_keys = sorted({column for _, column in grid}, key=lambda c: rank(column_axis, c))
    return SupportTable(
        row_titles=[_title(matrix, axis) for axis in row_axes],
        column_labels=[_label(matrix, column_axis, c) for c in column_keys],
        rows=[
            (
                [_label(matrix, axis, value) for axis, value in zip(row_axes, row, strict=True)],
                [grid.get((row, column), TableCell()) for column in column_keys],
            )
            for row in row_keys
        ],
        shown=frozenset({*row_axes, column_axis}) if layout.names else None,
        by_id="level" not in {*row_axes, column_axis} and len(matrix.model.levels) > 1,
    )


class Notes:
    """Reasons (exclude, skip, error, flaky, a pass without test details) numbered in order of
    first use, shown under the table."""

    def __init__(self) -> None:
        self.numbers: dict[tuple[Status, str], int] = {}

    def number(self, status: Status, reason: str | None) -> int | None:
        """The reason's note number, given on first use; None when it gets no note."""
        if not reason or status not in (
            Status.PASSED,  # only `junit: false` cells pass with a reason: "no test details"
            Status.EXCLUDED,
            Status.SKIPPED,
            Status.NOT_RUN,  # why: the cell whose failure stopped the run
            Status.ERROR,
            Status.FLAKY,
        ):
            return None
        return self.numbers.setdefault((status, reason), len(self.numbers) + 1)

    def lines(self) -> list[str]:
        return [
            f"{superscript(n)} {status.value}: {reason}"
            for (status, reason), n in self.numbers.items()
        ]


def superscript(number: int) -> str:
    return str(number).translate(SUPERSCRIPTS)


def superscripts(numbers: list[int]) -> str:
    return ",".join(superscript(n) for n in numbers)


def cell_text(
    cell: TableCell,
    names: bool,
    notes: Notes,
    *,
    by_id: bool = False,
    refs: Callable[[list[int]], str] = superscripts,
    escape: Callable[[str], str] = str,
) -> str:
    """`✅`, `⏭¹`, or named `❌ (rabbitmq-s3) ✅ (sqs-s3)`: plain text the Markdown caller
    escapes whole; a format whose note references are markup (reStructuredText's footnotes)
    passes `refs` for them and `escape` for the names instead."""
    parts = []
    for status, members in cell.groups():
        # In note order: a set's order follows PYTHONHASHSEED, and a table that changes from
        # run to run makes `render --check` fail right after `render`.
        numbers = sorted({n for m in members if (n := notes.number(status, m.reason))})
        text = status.symbol + (refs(numbers) if numbers else "")
        if members[0].tolerated:
            text += " allowed failure"
        if names:
            text += f" ({escape(', '.join(m.id if by_id else m.cell.name for m in members))})"
        parts.append(text)
    return " ".join(parts)


def legend(used: set[Status]) -> str:
    """`✅ passed · ❌ failed or error · — excluded` for the statuses in use."""
    words = {Status.FAILED: "failed or error" if Status.ERROR in used else "failed"}
    if Status.ERROR in used:  # both show ❌; one legend entry
        used = (used - {Status.ERROR}) | {Status.FAILED}
    return " · ".join(f"{s.symbol} {words.get(s, s.value)}" for s in LEGEND if s in used)


def code_span(text: str) -> str:
    """Free text as an inline code span on one line, whatever backticks it holds."""
    text = " ".join(text.split())
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    ticks = "`" * (longest + 1)
    return f"{ticks} {text} {ticks}" if longest else f"{ticks}{text}{ticks}"


def markdown_escape(text: str) -> str:
    """Free text (labels, reasons, test names) as inert Markdown on one line.

    Reasons and test names come from JUnit files, which are untrusted: on one line (no
    heading, no list, no table row can start), HTML as text, every character that opens
    emphasis, code, a link, an image or a table cell escaped, and GitHub's bare-URL and
    e-mail autolinks broken by an escape (`http\\://`, `www\\.`, `a\\@b`), which renders
    the same text.
    """
    text = " ".join(text.split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    for char in "\\`*_[]|#!~@":
        text = text.replace(char, "\\" + char)
    return _NO_AUTOLINK.sub(lambda m: m[0][:-1] + "\\" + m[0][-1], text)


# GitHub autolinks `http://x`, `www.x` (and e-mail addresses, broken by the `@` escape).
_NO_AUTOLINK = re.compile(r"(?i):(?=//)|\bwww\.")


def support_table(matrix: Matrix, statuses: Mapping[str, CellStatus] | None = None) -> str:
    """The Markdown table and its notes. `statuses=None` is the skeleton: declared ○, excluded —."""
    from matrixgen.results.collect import skeleton

    table = build_table(matrix, skeleton(matrix) if statuses is None else statuses)
    notes = Notes()
    header = [*table.row_titles, *table.column_labels]
    lines = [
        "| " + " | ".join(markdown_escape(h) for h in header) + " |",
        "|" + "|".join(["---"] * len(table.row_titles) + [":-:"] * len(table.column_labels)) + "|",
    ]
    for labels, cells in table.rows:
        texts = [
            markdown_escape(cell_text(c, table.names(c), notes, by_id=table.by_id)) for c in cells
        ]
        lines.append("| " + " | ".join([*(markdown_escape(x) for x in labels), *texts]) + " |")
    used = {m.status for _, cells in table.rows for c in cells for m in c.members}
    lines += ["", legend(used)]
    if notes.numbers:
        lines.append("")
        lines += [f"- {markdown_escape(note)}" for note in notes.lines()]
    return "\n".join(lines) + "\n"
