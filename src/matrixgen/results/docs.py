"""The docs page's generated region: the support table between `matrixgen:table` markers.

The table has one layout, `matrixgen.results.table.build_table`, written in the page's
format (`page_format`, by the file's extension: Markdown, or reStructuredText for `.rst`):
`render` writes its skeleton (○ declared, — excluded), `matrixgen report` writes it with
results. Both go through `docs_page`, with the same markers and meta line, so a region
filled with results is kept by later renders as long as its layout (rows, columns, cells)
is what the matrix says, and is replaced by the fresh skeleton once the layout changes.
Under the table, the failed cells with the first lines of their failures.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import PurePath

from matrixgen.errors import OverwriteRefusedError
from matrixgen.load.covering import docs_note
from matrixgen.load.matrix import Matrix
from matrixgen.marks import HTML, Comment, Markers, append_region, digest, replace_region
from matrixgen.outcome.junit import FAILED_KINDS
from matrixgen.outcome.status import Status
from matrixgen.results import rst
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


def failures_section(statuses: Iterable[CellStatus], page: PageFormat | None = None) -> str:
    """A short list of failed cells with the first line of each failure; '' when none failed."""
    page = page or MARKDOWN
    bad = [s for s in statuses if s.status in (Status.FAILED, Status.ERROR)]
    if not bad:
        return ""
    lines = [page.failures_heading, ""]
    for status in bad:
        what = status.reason if status.status is Status.ERROR else failed_count(status)
        lines.append(
            f"- {page.code(status.id)} {status.status.symbol} "
            + page.escape(what or status.status.value)
        )
        real = [f for f in status.failures if f.kind in FAILED_KINDS]  # not flaky reruns
        nested = []
        for failure in real[:FAILURES_SHOWN]:
            message = first_line(failure.message)
            nested.append(
                f"  - {page.code(failure.test)}" + (f": {page.escape(message)}" if message else "")
            )
        if len(real) > FAILURES_SHOWN:
            hidden = max(status.failed, len(real)) - FAILURES_SHOWN
            nested.append(f"  - … and {hidden} more")
        if nested and page.lists_apart:  # rST: a nested list sits between blank lines
            nested = ["", *nested, ""]
        lines += nested
    return "\n".join(lines).rstrip("\n") + "\n"


@dataclass(frozen=True)
class PageFormat:
    """How a docs page's markup writes the region: markers, table, failures, a new page."""

    name: str
    comment: Comment  # the marker lines' comment
    new_page: str  # a whole new page around {region}, naming {source}
    table: Callable[[Matrix, Mapping[str, CellStatus] | None], str]
    escape: Callable[[str], str]  # free text, inert and on one line
    code: Callable[[str], str]  # free text as inline code
    failures_heading: str
    lists_apart: bool = False  # a nested list needs blank lines around it
    source: Callable[[str], str] = str  # matrix.yaml's name in a new page's text
    # matrixgen's own lines of Markdown (`inline code`) as this format writes them
    prose: Callable[[str], str] = str

    @property
    def markers(self) -> Markers:
        return Markers("table", self.comment)

    def marker_lines(self) -> str:
        """The two marker lines as a person types them, for messages."""
        markers = self.markers
        start, end = (self.comment.line(t).strip() for t in (markers.start_tag, markers.end_tag))
        return f"'{start}' and '{end}'"


_META = re.compile(r"statuses: (?P<statuses>\w+); layout (?P<layout>[0-9a-f]{12})")

NEW_PAGE = """\
# Support matrix

Which combinations are tested, and at which level. `matrixgen render` lays the table out from
{source}; `matrixgen report` fills in the results. Text outside the markers is yours.

{region}"""

MARKDOWN = PageFormat(
    name="Markdown",
    comment=HTML,
    new_page=NEW_PAGE,
    table=support_table,
    escape=markdown_escape,
    code=code_span,
    failures_heading="#### Failures",
)
# A rubric, not a section title: a title's underline would have to match the page's own
# levels, and a rubric stays out of the table of contents.
RST = PageFormat(
    name="reStructuredText",
    comment=Comment(".. "),
    new_page=rst.NEW_PAGE,
    table=rst.rst_table,
    escape=rst.rst_escape,
    code=rst.rst_literal,
    failures_heading=".. rubric:: Failures",
    lists_apart=True,
    source=rst.rst_escape,
    prose=rst.rst_prose,
)
MARKERS = MARKDOWN.markers
PAGE_FORMATS = {".rst": RST, ".rest": RST}  # by the page's extension; any other: Markdown


def page_format(path: str | PurePath) -> PageFormat:
    """The markup of the docs page at `path`, from its extension."""
    return PAGE_FORMATS.get(PurePath(path).suffix.lower(), MARKDOWN)


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


def region_body(
    matrix: Matrix,
    statuses: Mapping[str, CellStatus] | None = None,
    page: PageFormat = MARKDOWN,
) -> str:
    """The text between the markers: a meta comment, the table, and (from results) failures.

    `statuses=None` is the skeleton `render` writes; `report` passes every cell's status.
    In reStructuredText the body is set apart from the marker comments by blank lines
    (text right under a comment would continue it, or be warned about).
    """
    kind, command = ("declared", "render") if statuses is None else ("results", "report")
    meta = f"statuses: {kind}; layout {layout_key(matrix)}; written by matrixgen {command}"
    body = page.comment.line(meta) + ("\n" if page.lists_apart else "")
    body += page.table(matrix, statuses)
    note = docs_note(matrix.expansion.covers)  # issue 24: covering levels are marked
    body += ("\n" + page.prose(note)) if note else ""
    failures = failures_section(statuses.values(), page) if statuses is not None else ""
    return body + ("\n" + failures if failures else "") + ("\n" if page.lists_apart else "")


def docs_page(
    matrix: Matrix,
    text: str | None,
    statuses: Mapping[str, CellStatus] | None,
    *,
    force: bool = False,
    name: str = "the docs page",
    page: PageFormat = MARKDOWN,
) -> str:
    """The docs page `text` (None: a new page) with its table region replaced.

    Raises OverwriteRefusedError when the page has no markers, unless `force` (then the
    region is appended). `name` is how the error names the page.
    """
    source = matrix.source.path.name
    region = page.markers.region(region_body(matrix, statuses, page), source)
    if text is None:
        return new_page(page, source, region)
    replaced = replace_region(text, page.markers, region)
    if replaced is not None:
        return replaced
    if not force:
        raise OverwriteRefusedError(
            f"{name} has no {page.marker_lines()} lines (once each, start first); add them "
            "where the support table belongs, and run the command again"
        )
    return append_region(text, region)


def new_page(page: PageFormat, source: str, region: str) -> str:
    """A whole new docs page around the region."""
    return page.new_page.format(source=page.source(source), region=region)


def read_meta(body: str) -> tuple[str, str] | None:
    match = _META.search(body.partition("\n")[0])
    return (match["statuses"], match["layout"]) if match else None
