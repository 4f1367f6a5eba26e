"""One self-contained HTML page: a colored grid of the support table, each cell drilling down
into its cells' counts, reasons and failures, then a list of every cell.

No scripts and no external assets (a CSP forbids them too); every piece of text from
matrix.yaml or JUnit goes through `html.escape`, since JUnit is untrusted input.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from html import escape
from pathlib import Path

from matrixgen.load.matrix import Matrix
from matrixgen.outcome.status import Status
from matrixgen.results.docs import failed_count
from matrixgen.results.status import CellStatus
from matrixgen.results.summary import headline
from matrixgen.results.table import LEGEND, TableCell, build_table

FAILURES_SHOWN = 20  # per cell


@dataclass(frozen=True)
class About:
    """Where and when the report was made; every field may be empty."""

    made: str = ""  # UTC time, ISO 8601
    commit: str = ""
    host: str = ""
    python: str = ""
    matrixgen: str = ""

    def line(self) -> str:
        parts = [
            ("made", self.made),
            ("commit", self.commit),
            ("host", self.host),
            ("Python", self.python),
            ("matrixgen", self.matrixgen),
        ]
        return " · ".join(f"{name} {escape(value)}" for name, value in parts if value)


def _links(status: CellStatus, base: Path | None) -> str:
    """Relative links to the cell's JUnit files and the logs beside them."""
    links = []
    for path in status.files:
        files = [(path.name, path)]
        log = path.with_suffix(".log")
        if log.is_file() and not log.is_symlink():
            files.append((log.name, log))
        for label, target in files:
            href = _href(target, base)
            links.append(f'<a href="{escape(href)}">{escape(label)}</a>' if href else escape(label))
    return " ".join(links)


def _href(path: Path, base: Path | None) -> str | None:
    if base is None:
        return None
    try:
        return Path(os.path.relpath(path.resolve(), base.resolve())).as_posix()
    except ValueError:  # pragma: no cover - another drive on Windows
        return None


STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#1f2328;
overflow-wrap:break-word}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px}
.headline{color:#57606a;margin:0 0 16px}
table{border-collapse:collapse;max-width:100%}
th,td{border:1px solid #d0d7de;padding:6px 10px;vertical-align:top}
td{overflow-wrap:anywhere}
thead th{background:#f6f8fa;position:sticky;top:0}
th.row{background:#f6f8fa;text-align:left}
td.grid{min-width:72px;text-align:center}
.passed{background:#dafbe1}.flaky{background:#fff8c5}.failed,.error{background:#ffd8d3}
.skipped{background:#eaeef2}.not-run{background:#fff1e5}.missing{background:#fbefff}.excluded{background:#f6f8fa;color:#8c959f}
.declared{background:#fff}td.empty{background:#fafbfc}
.names{display:block;font-size:12px;color:#57606a}.glyph{font-weight:700}
td.grid div+div{margin-top:4px}
details>summary{cursor:pointer;list-style:none}details>summary::-webkit-details-marker{display:none}
details[open]>summary{font-weight:600}
.panel{text-align:left;margin-top:6px;font-size:12px;max-width:520px}
.panel .member{border-top:1px solid #d0d7de;padding:4px 0}
pre{white-space:pre-wrap;word-break:break-word;background:#f6f8fa;border:1px solid #d0d7de;
padding:6px;margin:4px 0;font-size:12px;max-height:240px;overflow:auto}
.legend .item{margin-right:8px;padding:2px 8px;border:1px solid #d0d7de;border-radius:4px}
.muted{color:#57606a}
table.cells td{font-size:13px}
"""


def _member(status: CellStatus, base: Path | None) -> str:
    files = _links(status, base)
    parts = [
        f'<div class="member"><b>{escape(status.id)}</b> {_mark(status.status)}',
        f'<br><span class="muted">{_counts(status)}</span>',
    ]
    if files:
        parts.append(f'<br><span class="muted">{files}</span>')
    if status.reason:
        parts.append(f"<br>{escape(status.reason)}")
    for failure in status.failures[:FAILURES_SHOWN]:
        parts.append(f"<div><code>{escape(failure.test)}</code> ({escape(failure.kind)})")
        parts.append(f"<pre>{escape(failure.message)}</pre></div>" if failure.message else "</div>")
    if len(status.failures) > FAILURES_SHOWN:
        parts.append(f'<div class="muted">… {len(status.failures) - FAILURES_SHOWN} more</div>')
    return "".join(parts) + "</div>"


def _counts(status: CellStatus) -> str:
    if status.status in (Status.EXCLUDED, Status.DECLARED, Status.MISSING):
        return "no result"
    seconds = "" if status.duration is None else f" · {status.duration:.1f}s"
    return f"{status.passed} passed · {status.failed} failed · {status.skipped} skipped{seconds}"


# Text glyphs, not emoji: they render with any font, even on a CI box without an emoji font.
GLYPHS = {
    Status.PASSED: "✓",
    Status.FLAKY: "⚠",
    Status.FAILED: "✗",
    Status.ERROR: "✗",
    Status.SKIPPED: "↷",
    Status.NOT_RUN: "■",
    Status.MISSING: "?",
    Status.EXCLUDED: "—",
    Status.DECLARED: "○",
}


def _mark(status: Status) -> str:
    return f'<span class="glyph">{GLYPHS[status]}</span> {escape(status.value)}'


def _grid_cell(cell: TableCell, names: bool, base: Path | None) -> str:
    if cell.status is None:
        return '<td class="grid empty"></td>'
    summary = []
    for status, members in cell.groups():
        shown = ", ".join(m.cell.name for m in members)
        summary.append(
            f"<div>{_mark(status)}"
            + (f'<span class="names">{escape(shown)}</span>' if names else "")
            + "</div>"
        )
    title = "; ".join(
        f"{m.id}: {m.status.value}" + (f" ({m.reason})" if m.reason else "") for m in cell.members
    )
    panel = "".join(_member(m, base) for m in cell.members)
    return (
        f'<td class="grid {cell.status.value}" title="{escape(title)}"><details><summary>'
        f'{"".join(summary)}</summary><div class="panel">{panel}</div></details></td>'
    )


def _row_headers(rows: list[list[str]]) -> list[list[str]]:
    """Row headings; a label spans the rows below that share it (S3 over its three modes)."""
    cells: list[list[str]] = [[] for _ in rows]
    for index, labels in enumerate(rows):
        for depth, label in enumerate(labels):
            if index and rows[index - 1][: depth + 1] == labels[: depth + 1]:
                continue
            span = 1
            while (
                index + span < len(rows) and rows[index + span][: depth + 1] == labels[: depth + 1]
            ):
                span += 1
            attribute = f' rowspan="{span}"' if span > 1 else ""
            cells[index].append(f'<th class="row"{attribute}>{escape(label)}</th>')
    return cells


def html_report(
    matrix: Matrix,
    statuses: Mapping[str, CellStatus],
    *,
    about: About | None = None,
    base: Path | None = None,
) -> str:
    """The page; `base` is the folder it is written to (links are relative to it)."""
    table = build_table(matrix, statuses)
    name = escape(matrix.model.name or matrix.root.name)
    head = "".join(f"<th>{escape(t)}</th>" for t in [*table.row_titles, *table.column_labels])
    body = []
    headers = _row_headers([labels for labels, _ in table.rows])
    for heading, (_, cells) in zip(headers, table.rows, strict=True):
        grid = (_grid_cell(cell, table.names(cell), base) for cell in cells)
        row = "".join(heading) + "".join(grid)
        body.append(f"<tr>{row}</tr>")
    listing = []
    worst_first = sorted(
        statuses.values(), key=lambda s: -s.status.severity
    )  # stable: matrix order
    for status in worst_first:
        detail = status.reason or (failed_count(status) if status.status is Status.FAILED else "")
        listing.append(
            f'<tr><td><code>{escape(status.id)}</code></td><td class="{status.status.value}">'
            f"{_mark(status.status)}</td><td>{_counts(status)}</td>"
            f"<td>{escape(detail)}{_failing_tests(status)}</td>"
            f'<td class="muted">{_links(status, base)}</td></tr>'
        )
    legend = "".join(f'<span class="item {s.value}">{_mark(s)}</span>' for s in LEGEND)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Test matrix: {name}</title><style>{STYLE}</style></head>
<body>
<h1>Test matrix: {name}</h1>
<p class="headline">{escape(headline(statuses, GLYPHS))} · click a cell for details</p>
<p class="muted">{(about or About()).line()}</p>
<table class="grid"><thead><tr>{head}</tr></thead><tbody>
{"".join(body)}
</tbody></table>
<p class="legend muted">{legend}</p>
<h2>Every cell</h2>
<table class="cells"><thead>
<tr><th>Cell</th><th>Status</th><th>Tests</th><th>Reason</th><th>Files</th></tr></thead><tbody>
{"".join(listing)}
</tbody></table>
</body></html>
"""


def _failing_tests(status: CellStatus) -> str:
    """The failing tests of a cell, one per line (the grid's panel has their messages)."""
    if not status.failures:
        return ""
    names = list(dict.fromkeys(f.test for f in status.failures))
    items = "".join(f"<li><code>{escape(name)}</code></li>" for name in names[:FAILURES_SHOWN])
    more = f"<li>… {len(names) - FAILURES_SHOWN} more</li>" if len(names) > FAILURES_SHOWN else ""
    return f"<ul>{items}{more}</ul>"
