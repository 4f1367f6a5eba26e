"""The docs page's generated region: the support table between marker lines, then failures."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from matrixgen.errors import OverwriteRefusedError
from matrixgen.matrix import Matrix
from matrixgen.results.junit import FAILED_KINDS
from matrixgen.results.status import CellStatus, Status
from matrixgen.results.table import code_span, markdown_escape, support_table

START = "<!-- matrixgen:table:start -->"
END = "<!-- matrixgen:table:end -->"
HEADER = "<!-- Generated from matrix.yaml by `matrixgen render` and `matrixgen report`. -->"
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


def docs_block(matrix: Matrix, statuses: Mapping[str, CellStatus] | None = None) -> str:
    """The whole generated region, markers included; without statuses it is the skeleton."""
    parts = [START, HEADER, "", support_table(matrix, statuses)]
    if statuses is not None:
        failures = failures_section(statuses.values())
        if failures:
            parts += [failures]
    return "\n".join(parts) + END + "\n"


def replace_block(text: str, block: str, *, name: str) -> str:
    """`text` with its marked region replaced by `block`. Refuses a page without both markers."""
    lines = text.splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if line.strip() == START]
    ends = [i for i, line in enumerate(lines) if line.strip() == END]
    if len(starts) != 1 or len(ends) != 1 or ends[0] < starts[0]:
        raise OverwriteRefusedError(
            f"{name}: expected one '{START}' line and, after it, one '{END}' line; "
            "add them where the support table belongs, and run the command again"
        )
    return "".join(lines[: starts[0]]) + block + "".join(lines[ends[0] + 1 :])


def new_page(block: str) -> str:
    return "# Test matrix\n\n" + block
