"""Which cells share one instance of a service (`scope:`), and the ports a service fixes.

- `shared` (the default): one instance for every cell that needs it, several cells at once
  under `-j N`; right for tests that keep to their own keys (`MATRIXGEN_NAMESPACE`).
- `cell`: a fresh instance for each cell, with its own port and data folder.
- `exclusive`: one instance, used by one cell at a time.

A service whose ready probe names a port of its own (`tcp: "127.0.0.1:6379"`, not
`${port}`) listens on a fixed port: its tests usually expect it to themselves, and two
instances of it cannot run at once. `scope_warnings` says so at `validate` for a shared one
that several cells use (issue 21: `-j 2` against one shared redis failed 8 of 15 tests).
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from matrixgen.errors import Problem
from matrixgen.load.cells import Cell
from matrixgen.load.document import Document
from matrixgen.load.model import MatrixFile, Service


def fixed_port(service: Service) -> int | None:
    """The port its ready probe names literally (not a placeholder), or None."""
    ready = service.process.ready if service.process is not None else None
    if ready is None:
        return None
    port = ""
    if ready.tcp is not None:
        port = ready.tcp.rpartition(":")[2].strip()
    elif ready.http is not None:
        try:
            netloc = urlsplit(ready.http.strip()).netloc
        except ValueError:
            return None
        port = netloc.rpartition("]")[2].rpartition(":")[2] if ":" in netloc else ""
    return int(port) if port.isdigit() and 0 < int(port) < 65536 else None


def scope_warnings(doc: Document, model: MatrixFile, cells: Iterable[Cell]) -> list[Problem]:
    """A shared service on a fixed port that several cells use: under `-j N` they would
    use it at once."""
    users: dict[str, int] = {}
    for cell in cells:
        for name in cell.services:
            users[name] = users.get(name, 0) + 1
    warnings = []
    for name, service in model.services.items():
        port = fixed_port(service)
        if port is None or service.scope != "shared" or users.get(name, 0) < 2:
            continue
        warnings.append(
            doc.problem(
                ("services", name),
                f"warning: service {name} listens on the fixed port {port} and is shared by "
                f"{users[name]} cells, which `matrixgen run -j N` runs at the same time against "
                "it; if its tests expect it to themselves, declare `scope: exclusive` (one cell "
                "at a time), or use ${port} and `scope: cell` (an instance for each cell)",
                key=True,
            )
        )
    return warnings
