"""What the docs page says about failures: the failed cells under the table, first lines only.

The page's region (markers, meta line, table) is `matrixgen.render.docs.docs_page`.
"""

from __future__ import annotations

from collections.abc import Iterable

from matrixgen.results.junit import FAILED_KINDS
from matrixgen.results.status import CellStatus, Status
from matrixgen.results.table import code_span, markdown_escape

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
