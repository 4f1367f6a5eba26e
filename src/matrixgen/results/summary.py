"""Markdown for `$GITHUB_STEP_SUMMARY`: a headline, the table, failures folded under each cell.

Test names, reasons and messages come from JUnit files, which are untrusted: each reaches
the page as inert text (`html_text` in HTML lines, `fence` for messages, the table's
`markdown_escape` for notes), never as a heading, a link, an image or a table row.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping

from matrixgen.load.matrix import Matrix
from matrixgen.outcome.status import SYMBOLS, Status
from matrixgen.results.docs import failed_count
from matrixgen.results.status import CellStatus
from matrixgen.results.table import support_table

SHOWN_PER_CELL = 10


def headline(statuses: Mapping[str, CellStatus], symbols: Mapping[Status, str] = SYMBOLS) -> str:
    """`12 passed · 1 failed · 3 excluded`, statuses in table order, zeros left out."""
    counts: dict[Status, int] = {}
    for status in statuses.values():
        counts[status.status] = counts.get(status.status, 0) + 1
    order = sorted(counts, key=lambda s: -s.severity)
    return " · ".join(f"{symbols[s]} {counts[s]} {s.value}" for s in order)


# Markdown's punctuation as character references: GitHub leaves Markdown inside an HTML
# block alone, and these render the same while no Markdown reader could take them for syntax.
_INERT = str.maketrans({c: f"&#{ord(c)};" for c in "&<>\"'[]()!|*_`#~:@\\"})


def html_text(text: str) -> str:
    """Free text inside the summary's HTML lines: one line (a blank line would end the HTML
    block and hand the rest to Markdown), `<`, `>`, `&` and quotes as text, and no Markdown
    link, image, emphasis or autolink."""
    return " ".join(text.split()).translate(_INERT)


def fence(text: str) -> str:
    """A fenced block that no backtick run inside `text` can close early."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}text\n{text}\n{ticks}"


def github_summary(matrix: Matrix, statuses: Mapping[str, CellStatus]) -> str:
    title = html.escape(matrix.model.name or matrix.root.name)
    lines = [
        f"## Test matrix: {title}",
        "",
        headline(statuses),
        "",
        support_table(matrix, statuses),
    ]
    for status in statuses.values():
        if status.status not in (Status.FAILED, Status.ERROR):
            continue
        what = status.reason if status.status is Status.ERROR else failed_count(status)
        lines += [
            "<details>",
            f"<summary>{status.status.symbol} <code>{html_text(status.id)}</code> "
            f"{html_text(what or status.status.value)}</summary>",
            "",
        ]
        for failure in status.failures[:SHOWN_PER_CELL]:
            # An HTML block (`<p>` starts one), not a paragraph: Markdown stays off in it.
            lines += [
                f"<p><b>{html_text(failure.test)}</b> ({html_text(failure.kind)})</p>",
                "",
                fence(failure.message),
                "",
            ]
        lines += ["</details>", ""]
    return "\n".join(lines) + "\n"
