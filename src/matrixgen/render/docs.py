"""The docs page's generated region: the support table between `matrixgen:table` markers.

The table text has one builder, `matrixgen.results.table.support_table`: `render` writes
its skeleton (○ declared, — excluded), `matrixgen report` writes it with results through
`docs_page`. Both put the same markers and meta line around it, so a region filled with
results is kept by later renders as long as its layout (rows, columns, cells) is what the
matrix says, and is replaced by the fresh skeleton once the layout changes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

from matrixgen.errors import OverwriteRefusedError
from matrixgen.matrix import Matrix
from matrixgen.render.marks import HTML, Markers, append_region, digest, replace_region
from matrixgen.render.target import Output, Region, RenderContext, Rendered
from matrixgen.results.collect import skeleton
from matrixgen.results.docs import failures_section
from matrixgen.results.status import CellStatus
from matrixgen.results.table import build_table, support_table

MARKERS = Markers("table", HTML)
_META = re.compile(r"statuses: (?P<statuses>\w+); layout (?P<layout>[0-9a-f]{12})")

NEW_PAGE = """\
# Support matrix

Which combinations are tested, and at which level. `matrixgen render` lays the table out from
{source}; `matrixgen report` fills in the results. Text outside the markers is yours.

{region}"""


def layout_key(matrix: Matrix) -> str:
    """Changes when the table's headings, rows, or the cells in each table cell change."""
    table = build_table(matrix, skeleton(matrix))
    shape = [
        table.row_titles,
        table.column_labels,
        sorted(table.shown or ()),
        [
            [labels, [[[m.id, m.status.value, m.reason] for m in c.members] for c in cells]]
            for labels, cells in table.rows
        ],
    ]
    return digest(json.dumps(shape, ensure_ascii=False))


def region_body(matrix: Matrix, statuses: Mapping[str, CellStatus] | None = None) -> str:
    """The text between the markers: a meta comment, the table, and (from results) failures.

    `statuses=None` is the skeleton `render` writes; `report` passes every cell's status.
    """
    kind, command = ("declared", "render") if statuses is None else ("results", "report")
    meta = f"statuses: {kind}; layout {layout_key(matrix)}; written by matrixgen {command}"
    body = HTML.line(meta) + support_table(matrix, statuses)
    failures = failures_section(statuses.values()) if statuses is not None else ""
    return body + ("\n" + failures if failures else "")


def docs_page(
    matrix: Matrix,
    text: str | None,
    statuses: Mapping[str, CellStatus] | None,
    *,
    force: bool = False,
    name: str = "the docs page",
) -> str:
    """The docs page `text` (None: a new page) with its table region replaced.

    Raises OverwriteRefusedError when the page has no markers, unless `force` (then the
    region is appended). `name` is how the error names the page.
    """
    region = MARKERS.region(region_body(matrix, statuses), matrix.source.path.name)
    if text is None:
        return NEW_PAGE.format(source=matrix.source.path.name, region=region)
    replaced = replace_region(text, MARKERS, region)
    if replaced is not None:
        return replaced
    if not force:
        raise OverwriteRefusedError(
            f"{name} has no '<!-- {MARKERS.start_tag} -->' and '<!-- {MARKERS.end_tag} -->' "
            "lines (once each, start first); add them where the support table belongs, "
            "and run the command again"
        )
    return append_region(text, region)


class DocsTarget:
    name = "docs"

    def enabled(self, matrix: Matrix) -> bool:
        return matrix.model.outputs.docs is not None

    def render(self, context: RenderContext) -> Rendered:
        docs = context.matrix.model.outputs.docs
        assert docs is not None
        body = region_body(context.matrix)
        existing = _existing_results(context, docs.file)
        if existing is not None and _meta(existing) == ("results", layout_key(context.matrix)):
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
