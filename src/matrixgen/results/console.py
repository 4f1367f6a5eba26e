"""The support table as `matrixgen report` prints it after its summary line.

The docs table's text (`table.cell_text`, the legend, the numbered notes), laid out by rich
as plain text: no colour and no markup, so a label or reason from matrix.yaml or a JUnit
file is shown as it is written (`[bold]`, `:smile:` stay text) and every control character
in it as `\\uXXXX` (`terminal.inert`). A row heading that repeats the one above it is left
blank, as the HTML report spans it.
"""

from __future__ import annotations

import io
from collections.abc import Mapping

from matrixgen.load.matrix import Matrix
from matrixgen.results.status import CellStatus
from matrixgen.results.table import Notes, build_table, cell_text, legend
from matrixgen.terminal import inert

WIDEST = 10_000  # no terminal width given (a CI log, a pipe): the table's own width


def console_table(
    matrix: Matrix, statuses: Mapping[str, CellStatus], width: int | None = None
) -> str:
    """The table, the legend and the notes, lines without trailing spaces; `width` is the
    terminal's (None: as wide as the table needs, never wrapped)."""
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = build_table(matrix, statuses)
    notes = Notes()
    grid = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for title in table.row_titles:
        grid.add_column(Text(inert(title)), no_wrap=width is None, overflow="fold")
    for label in table.column_labels:
        grid.add_column(
            Text(inert(label)), justify="center", no_wrap=width is None, overflow="fold"
        )
    previous: list[str] = []
    for labels, cells in table.rows:
        shown = [
            "" if labels[: depth + 1] == previous[: depth + 1] else label
            for depth, label in enumerate(labels)
        ]
        previous = labels
        texts = [cell_text(c, table.names(c), notes, by_id=table.by_id) for c in cells]
        grid.add_row(*(Text(inert(text)) for text in [*shown, *texts]))
    out = io.StringIO()
    console = Console(
        file=out,
        width=width or WIDEST,
        color_system=None,
        force_terminal=False,
        highlight=False,
        markup=False,
        emoji=False,
        legacy_windows=False,
    )
    console.print(grid)
    used = {m.status for _, cells in table.rows for c in cells for m in c.members}
    lines = [line.rstrip() for line in out.getvalue().splitlines()]
    lines += ["", legend(used), *(inert(" ".join(note.split())) for note in notes.lines())]
    return "\n".join(lines).strip("\n")
