"""The docs page's generated region: the support table between `matrixgen:table` markers.

The table text has one builder, `matrixgen.results.table.support_table`: `render` writes
its skeleton (○ declared, — excluded), `matrixgen report` writes it with results. Both go
through `docs_page`, with the same markers and meta line, so a region filled with results
is kept by later renders as long as its layout (rows, columns, cells) is what the matrix
says, and is replaced by the fresh skeleton once the layout changes. Under the table, the
failed cells with the first lines of their failures.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping

from matrixgen.errors import OverwriteRefusedError
from matrixgen.load.matrix import Matrix
from matrixgen.marks import HTML, Markers, append_region, digest, replace_region
from matrixgen.outcome.junit import FAILED_KINDS
from matrixgen.outcome.status import Status
from matrixgen.results.collect import skeleton
from matrixgen.results.status import CellStatus
from matrixgen.results.table import build_table, code_span, markdown_escape, support_table

FAILURES_SHOWN = 3  # per cell, in the docs page; the HTML report holds them all


def first_line(text: str, limit: int = 160) -> str:
    line = next((x.strip() for x in text.splitlines() if x.strip()), "")
    return line if len(line) <= limit else line[: limit - 1] + "…"


def failed_count(status: CellStatus) -> str:
    total = status.passed + status.failed + status.skipped
    return f"{status.failed} of {total} test{'s' if total != 1 else ''} failed"


def failures_section(statuses: Iterable[CellStatus], *, heading: str = "#### Failures") -> str:
    """A short list of failed cells with the first line of each failure; '' when none failed."""
    bad = [s for s in statuses if s.status in (Status.FAILED, Status.ERROR)]
    if not bad:
        return ""
    lines = [heading, ""]
    for status in bad:
        what = status.reason if status.status is Status.ERROR else failed_count(status)
        lines.append(
            f"- `{status.id}` {status.status.symbol} {markdown_escape(what or status.status.value)}"
        )
        real = [f for f in status.failures if f.kind in FAILED_KINDS]  # not flaky reruns
        for failure in real[:FAILURES_SHOWN]:
            message = first_line(failure.message)
            lines.append(
                f"  - {code_span(failure.test)}"
                + (f": {markdown_escape(message)}" if message else "")
            )
        if len(real) > FAILURES_SHOWN:
            hidden = max(status.failed, len(real)) - FAILURES_SHOWN
            lines.append(f"  - … and {hidden} more")
    return "\n".join(lines) + "\n"


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


def read_meta(body: str) -> tuple[str, str] | None:
    match = _META.search(body.partition("\n")[0])
    return (match["statuses"], match["layout"]) if match else None
