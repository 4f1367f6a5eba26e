"""Ledgers as a forger writes them: well-formed, for the folder they lie in, naming
whatever processes, folders and compose projects the test chooses (issue 19)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from pathlib import Path

from matrixgen.run.ledger import VERSION, badge_path, ledger_path, run_marker


def ledger(results: Path, run_id: str, **fields: object) -> dict[str, object]:
    """What `Ledger.data` writes for run `run_id` into `results`, with `fields` instead."""
    return {
        "version": VERSION, "run": run_id, "marker": run_marker(run_id, results),
        "pid": 2, "created": 1.0, "processes": [], "folders": [], "compose": [], **fields,
    }  # fmt: skip


def forge(
    results: Path,
    *,
    pid: int,
    created: float,
    processes: Iterable[tuple[int, float]] = (),
    folders: Iterable[str] = (),
    compose: Iterable[tuple[str, str]] = (),
    run_id: str = "",
) -> Path:
    """Write a ledger a run `run_id` (a new one by default) could have written, and a badge
    beside it that no process holds; its path."""
    run_id = run_id or uuid.uuid4().hex
    data = ledger(
        results, run_id, pid=pid, created=created,
        processes=[{"pid": p, "created": c, "what": "cell x"} for p, c in processes],
        folders=list(folders), compose=[{"project": p, "file": f} for p, f in compose],
    )  # fmt: skip
    path = ledger_path(results, run_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))
    badge_path(path).write_text(run_id)
    return path
