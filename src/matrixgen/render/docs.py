"""The support-matrix table: rows are combinations of `outputs.docs.rows` axis values, columns
are levels (or the values of one axis), each table cell the worst status of the cells in it.

`render` lays the table out (○ declared, — excluded with the reason); `matrixgen report`
fills in results through `docs_page` with statuses. A region filled with results is kept
by later renders as long as its layout (rows, columns, cells) is what the matrix says.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Mapping
from typing import NamedTuple

from matrixgen.cells import Cell
from matrixgen.errors import OverwriteRefusedError
from matrixgen.matrix import Matrix
from matrixgen.render.marks import HTML, Markers, append_region
from matrixgen.render.target import Output, Region, RenderContext, Rendered
from matrixgen.render.templating import Templates

MARKERS = Markers("table", HTML)
SYMBOLS = {
    "passed": "✅",
    "flaky": "⚠️",
    "failed": "❌",
    "error": "❌",
    "skipped": "⏭",
    "missing": "❔",
    "excluded": "—",
    "declared": "○",
}
WORST_FIRST = ["error", "failed", "missing", "skipped", "flaky", "passed", "declared", "excluded"]
LEGEND = [
    ("✅", "passed"),
    ("⚠️", "flaky (passed on retry)"),
    ("❌", "failed"),
    ("⏭", "skipped"),
    ("❔", "no result"),
    ("—", "excluded"),
    ("○", "declared, not run yet"),
]
_META = re.compile(r"statuses: (?P<statuses>\w+); layout (?P<layout>[0-9a-f]{12})")

NEW_PAGE = """\
# Support matrix

Which combinations are tested, and at which level. `matrixgen render` lays the table out from
{source}; `matrixgen report` fills in the results. Text outside the markers is yours.

{region}"""


class CellStatus(NamedTuple):
    status: str  # a key of SYMBOLS
    reason: str | None = None


class Entry(NamedTuple):
    name: str
    status: CellStatus


class Layout(NamedTuple):
    header: list[str]
    rows: list[list[str]]  # row labels, then one text per column
    key: str  # changes when rows, columns or the cells in them change


def _column(matrix: Matrix, cell: Cell) -> str | None:
    docs = matrix.model.outputs.docs
    assert docs is not None
    return cell.level if docs.columns == "level" else cell.values.get(docs.columns)


def layout(matrix: Matrix, statuses: Mapping[str, CellStatus] | None = None) -> Layout:
    docs = matrix.model.outputs.docs
    if docs is None:
        raise ValueError("matrix.yaml has no outputs.docs")
    axes = matrix.model.axes
    if docs.columns == "level":
        columns = {name: level.label or name for name, level in matrix.model.levels.items()}
    else:
        columns = {value: axes[docs.columns].label(value) for value in axes[docs.columns].values}
    # A cell without a value for some row axis (a unit level that spans only python) holds
    # for every value of it, so it is filed under None there and shown in each such row.
    found: dict[tuple[tuple[str | None, ...], str | None], list[tuple[int, Entry]]] = {}

    def place(cell: Cell, status: CellStatus) -> None:
        row = tuple(cell.values.get(axis) for axis in docs.rows)
        name = cell.name if docs.columns == "level" else cell.id
        entry = (order[cell.id], Entry(name, status))
        found.setdefault((row, _column(matrix, cell)), []).append(entry)

    order = {cell.id: index for index, cell in enumerate(matrix.cells)}
    order.update({r.cell.id: len(order) + index for index, r in enumerate(matrix.removed)})

    for cell in matrix.cells:
        given = statuses.get(cell.id, CellStatus("missing")) if statuses is not None else None
        place(cell, CellStatus(*given) if given else CellStatus("declared"))
    for removed in matrix.removed:
        place(removed.cell, CellStatus("excluded", matrix.model.exclude[removed.exclude].reason))
    header = [axes[a].title or a for a in docs.rows] + list(columns.values())
    rows: list[list[str]] = []
    shape: list[str] = []
    for combo in itertools.product(*(list(axes[a].values) for a in docs.rows)):
        texts = [axes[a].label(v) for a, v in zip(docs.rows, combo, strict=True)]
        shape.append("|".join(texts))
        masks = itertools.product((True, False), repeat=len(combo))
        rows_keys = [
            tuple(v if m else None for v, m in zip(combo, mask, strict=True)) for mask in masks
        ]
        for column in columns:
            # Likewise a cell without the column axis holds in every column.
            wanted = (column,) if docs.columns == "level" else (column, None)
            hits = [hit for row in rows_keys for c in wanted for hit in found.get((row, c), [])]
            entries = [entry for _, entry in sorted(hits, key=lambda hit: hit[0])]
            texts.append(_text(entries, names=docs.names))
            shape.append(",".join(f"{e.name}:{e.status.status == 'excluded'}" for e in entries))
        rows.append(texts)
    key = hashlib.sha256("\n".join([*header, *shape]).encode()).hexdigest()[:12]
    return Layout(header, rows, key)


def _text(entries: list[Entry], *, names: bool) -> str:
    if not entries:
        return ""
    worst = min((e.status.status for e in entries), key=WORST_FIRST.index)
    chosen = [e for e in entries if e.status.status == worst]
    reasons = list(dict.fromkeys(e.status.reason for e in chosen if e.status.reason))
    text = SYMBOLS[worst]
    if names and worst != "excluded":
        text += f" ({', '.join(e.name for e in chosen)})"
    if reasons:
        text += (": " if names and worst != "excluded" else " ") + "; ".join(reasons)
    return text


def support_table(
    matrix: Matrix,
    statuses: Mapping[str, CellStatus] | None = None,
    *,
    templates: Templates | None = None,
) -> str:
    """The Markdown table (and legend), without markers: for docs pages and step summaries.

    `statuses` maps cell ids to CellStatus (or (status, reason) tuples); None shows every
    declared cell as ○. A cell absent from a given mapping is `missing`.
    """
    table = layout(matrix, statuses)
    return (templates or Templates(matrix.root)).render(
        "support-table.md.j2", meta=None, header=table.header, rows=table.rows, legend=LEGEND
    )


def region_body(
    matrix: Matrix,
    statuses: Mapping[str, CellStatus] | None = None,
    *,
    templates: Templates | None = None,
) -> str:
    table = layout(matrix, statuses)
    kind = "declared" if statuses is None else "results"
    command = "render" if statuses is None else "report"
    meta = f"statuses: {kind}; layout {table.key}; written by matrixgen {command}"
    return (templates or Templates(matrix.root)).render(
        "support-table.md.j2", meta=meta, header=table.header, rows=table.rows, legend=LEGEND
    )


def docs_page(
    matrix: Matrix,
    text: str | None,
    statuses: Mapping[str, CellStatus] | None,
    *,
    force: bool = False,
) -> str:
    """The docs page `text` (None: a new page) with its table region replaced.

    Raises OverwriteRefusedError when the page has no markers, unless `force` (then the
    region is appended).
    """
    region = MARKERS.region(region_body(matrix, statuses), matrix.source.path.name)
    if text is None:
        return NEW_PAGE.format(source=matrix.source.path.name, region=region)
    span = MARKERS.find(text)
    if span is None:
        if not force:
            raise OverwriteRefusedError(
                f"the docs page has no '{MARKERS.start_tag}' and '{MARKERS.end_tag}' comments; "
                "add them where the table belongs"
            )
        return append_region(text, region)
    return text[: span.begin] + region + text[span.end :]


class DocsTarget:
    name = "docs"

    def enabled(self, matrix: Matrix) -> bool:
        return matrix.model.outputs.docs is not None

    def render(self, context: RenderContext) -> Rendered:
        docs = context.matrix.model.outputs.docs
        assert docs is not None
        body = region_body(context.matrix, templates=context.templates)
        existing = _existing_results(context, docs.file)
        if existing is not None and _meta(existing) == ("results", layout(context.matrix).key):
            body = existing  # results from `matrixgen report` for this very layout: keep them

        def new_file(region: str) -> str:
            return NEW_PAGE.format(source=context.source, region=region)

        return Rendered([Output(docs.file, body, HTML, Region(MARKERS, new_file))])


def _existing_results(context: RenderContext, file: str) -> str | None:
    try:
        text = (context.root / file).read_text(encoding="utf-8")
    except (FileNotFoundError, UnicodeDecodeError):
        return None
    span = MARKERS.find(text)
    return None if span is None or span.edited else span.body


def _meta(body: str) -> tuple[str, str] | None:
    match = _META.search(body.partition("\n")[0])
    return (match["statuses"], match["layout"]) if match else None
