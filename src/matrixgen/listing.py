"""`matrixgen list`: cells as a plain table or JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence

from matrixgen.cells import Cell


def format_json(cells: Sequence[Cell]) -> str:
    return json.dumps([cell.to_json() for cell in cells], indent=2, ensure_ascii=False)


def format_table(cells: Sequence[Cell]) -> str:
    if not cells:
        return "no cells selected"
    rows = [("CELL", "NOX SESSION", "SERVICES", "REQUIRES")]
    rows += [
        (c.id, c.nox_session, ",".join(c.services) or "-", ",".join(c.requires) or "-")
        for c in cells
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = ["  ".join(row[i].ljust(widths[i]) for i in range(3)) + "  " + row[3] for row in rows]
    return "\n".join(line.rstrip() for line in lines) + f"\n{len(cells)} cells"
