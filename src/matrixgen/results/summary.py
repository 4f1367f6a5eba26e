"""Markdown for `$GITHUB_STEP_SUMMARY`: a headline, the table, failures folded under each cell."""

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
            f"<summary>{status.status.symbol} <code>{html.escape(status.id)}</code> "
            f"{html.escape(what or status.status.value)}</summary>",
            "",
        ]
        for failure in status.failures[:SHOWN_PER_CELL]:
            lines += [
                f"<b>{html.escape(failure.test)}</b> ({failure.kind})",
                "",
                fence(failure.message),
                "",
            ]
        lines += ["</details>", ""]
    return "\n".join(lines) + "\n"
