"""The support table as reStructuredText, for a docs page whose name ends in `.rst`.

A `list-table` directive (the row headings are its stub columns), the legend, and the
notes as auto-numbered footnotes (`⏭ [#matrixgen-1]_`), labelled so that they never clash
with the page's own footnotes. Every piece of free text (labels, reasons, test names: JUnit
is untrusted) is escaped by `rst_escape`: a backslash before every ASCII punctuation
character, so no role, link, substitution, footnote reference, emphasis, directive or
list can start, on one line, with control characters written as `\\uXXXX`. The output is
checked by `sphinx-build -W` in the tests, hostile values included.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from matrixgen.load.matrix import Matrix
from matrixgen.results.status import CellStatus
from matrixgen.results.table import Notes, build_table, cell_text, legend
from matrixgen.terminal import inert

FOOTNOTE = "matrixgen-{number}"  # the label of note N: `[#matrixgen-N]`
INDENT = "   "  # the directive's content, aligned under its name

NEW_PAGE = """\
Support matrix
==============

Which combinations are tested, and at which level. ``matrixgen render`` lays the table out
from {source}; ``matrixgen report`` fills in the results. Text outside the markers is yours.

{region}"""

# Every ASCII punctuation character: each may open or close inline markup, or start a
# construct at the beginning of a line (`..`, `-`, `|`, `1.`, `::`); an escaped one is text.
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def rst_escape(text: str) -> str:
    """Free text as inert reStructuredText on one line: it renders as the same characters."""
    return _PUNCTUATION.sub(r"\\\1", inert(" ".join(text.split())))


def rst_prose(text: str) -> str:
    """A line of matrixgen's own Markdown as text (its backticks shown), newline kept."""
    return rst_escape(text) + ("\n" if text.endswith("\n") else "")


def rst_literal(text: str) -> str:
    """Free text as inline code, whatever backticks or backslashes it holds (the `literal`
    role reads backslash escapes, where an ``inline literal`` cannot escape anything)."""
    escaped = rst_escape(text)
    return f":literal:`{escaped}`" if escaped else ""


def footnote_refs(numbers: list[int]) -> str:
    # `\ ` joins the reference to the symbol before it: inline markup must follow a space,
    # and the escaped space renders as nothing (`⏭²`, not `⏭ ²`).
    return "".join(f"\\ [#{FOOTNOTE.format(number=n)}]_" for n in numbers)


def _row(texts: list[str]) -> list[str]:
    first, *rest = texts
    return [f"{INDENT}* - {first}".rstrip(), *(f"{INDENT}  - {t}".rstrip() for t in rest)]


def rst_table(matrix: Matrix, statuses: Mapping[str, CellStatus] | None = None) -> str:
    """The table, its legend and its notes. `statuses=None` is the skeleton (○ and —)."""
    from matrixgen.results.collect import skeleton

    table = build_table(matrix, skeleton(matrix) if statuses is None else statuses)
    notes = Notes()
    lines = [".. list-table::", f"{INDENT}:header-rows: 1"]
    if table.row_titles:
        lines.append(f"{INDENT}:stub-columns: {len(table.row_titles)}")
    lines.append("")
    lines += _row([rst_escape(h) for h in [*table.row_titles, *table.column_labels]])
    for labels, cells in table.rows:
        texts = [
            cell_text(
                c,
                table.names(c),
                notes,
                by_id=table.by_id,
                refs=footnote_refs,
                escape=rst_escape,
            )
            for c in cells
        ]
        lines += _row([*(rst_escape(x) for x in labels), *texts])
    used = {m.status for _, cells in table.rows for c in cells for m in c.members}
    lines += ["", rst_escape(legend(used))]
    if notes.numbers:
        lines.append("")
        lines += [
            f".. [#{FOOTNOTE.format(number=n)}] {rst_escape(f'{status.value}: {reason}')}"
            for (status, reason), n in notes.numbers.items()
        ]
    return "\n".join(lines) + "\n"
