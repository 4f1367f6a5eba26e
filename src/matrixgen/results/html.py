"""One self-contained HTML page: a colored grid of the support table, each cell drilling down
into its cells' counts, reasons and failures, then a list of every cell.

No scripts and no external assets (a CSP forbids them too); every piece of text from
matrix.yaml or JUnit goes through `html.escape`, since JUnit is untrusted input.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

from matrixgen.matrix import Matrix
from matrixgen.results.docs import failed_count
from matrixgen.results.status import CellStatus, Status
from matrixgen.results.summary import headline
from matrixgen.results.table import LEGEND, TableCell, build_table

FAILURES_SHOWN = 20  # per cell

STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#1f2328}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px}
.headline{color:#57606a;margin:0 0 16px}
table{border-collapse:collapse}
th,td{border:1px solid #d0d7de;padding:6px 10px;vertical-align:top}
thead th{background:#f6f8fa;position:sticky;top:0}
th.row{background:#f6f8fa;text-align:left;white-space:nowrap}
td.grid{min-width:110px;text-align:center}
td.passed{background:#dafbe1}td.flaky{background:#fff8c5}td.failed,td.error{background:#ffd8d3}
td.skipped{background:#eaeef2}td.missing{background:#fbefff}td.excluded{background:#f6f8fa;color:#8c959f}
td.declared{background:#fff}td.empty{background:#fafbfc}
.names{display:block;font-size:12px;color:#57606a}
details>summary{cursor:pointer;list-style:none}details>summary::-webkit-details-marker{display:none}
details[open]>summary{font-weight:600}
.panel{text-align:left;margin-top:6px;font-size:12px;max-width:520px}
.panel .member{border-top:1px solid #d0d7de;padding:4px 0}
pre{white-space:pre-wrap;word-break:break-word;background:#f6f8fa;border:1px solid #d0d7de;
padding:6px;margin:4px 0;font-size:12px;max-height:240px;overflow:auto}
.legend span{margin-right:14px}.muted{color:#57606a}
table.cells td{font-size:13px}
"""


def _member(status: CellStatus) -> str:
    parts = [
        f'<div class="member"><b>{escape(status.id)}</b> {status.status.symbol} ',
        escape(status.status.value),
        f'<br><span class="muted">{_counts(status)}</span>',
    ]
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


def _grid_cell(cell: TableCell, names: bool) -> str:
    if cell.status is None:
        return '<td class="grid empty"></td>'
    label = " ".join(s.symbol for s, _ in cell.groups())
    title = "; ".join(
        f"{m.id}: {m.status.value}" + (f" ({m.reason})" if m.reason else "") for m in cell.members
    )
    shown = (
        f'<span class="names">{escape(", ".join(m.cell.name for m in cell.members))}</span>'
        if names
        else ""
    )
    panel = "".join(_member(m) for m in cell.members)
    return (
        f'<td class="grid {cell.status.value}" title="{escape(title)}"><details><summary>'
        f'{label}{shown}</summary><div class="panel">{panel}</div></details></td>'
    )


def html_report(matrix: Matrix, statuses: Mapping[str, CellStatus]) -> str:
    table = build_table(matrix, statuses)
    name = escape(matrix.model.name or matrix.root.name)
    head = "".join(f"<th>{escape(t)}</th>" for t in [*table.row_titles, *table.column_labels])
    body = []
    for labels, cells in table.rows:
        row = "".join(f'<th class="row">{escape(label)}</th>' for label in labels)
        row += "".join(_grid_cell(cell, table.names(cell)) for cell in cells)
        body.append(f"<tr>{row}</tr>")
    listing = []
    for status in statuses.values():
        detail = status.reason or (failed_count(status) if status.status is Status.FAILED else "")
        listing.append(
            f'<tr><td><code>{escape(status.id)}</code></td><td class="{status.status.value}">'
            f"{status.status.symbol} {escape(status.status.value)}</td><td>{_counts(status)}</td>"
            f"<td>{escape(detail)}</td></tr>"
        )
    legend = "".join(f"<span>{s.symbol} {s.value}</span>" for s in LEGEND)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Test matrix: {name}</title><style>{STYLE}</style></head>
<body>
<h1>Test matrix: {name}</h1>
<p class="headline">{escape(headline(statuses))} · click a cell for its tests and failures</p>
<table class="grid"><thead><tr>{head}</tr></thead><tbody>
{"".join(body)}
</tbody></table>
<p class="legend muted">{legend}</p>
<h2>Every cell</h2>
<table class="cells"><thead>
<tr><th>Cell</th><th>Status</th><th>Tests</th><th>Reason</th></tr></thead><tbody>
{"".join(listing)}
</tbody></table>
</body></html>
"""
