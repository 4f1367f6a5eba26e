"""A dead run's ledger (`ledger.py`), read without trusting it (issue 19).

A ledger lies in the results folder, and a results folder can come from a CI artifact, an
archive or a pull request: what `matrixgen clean` reads there decides what it stops and
removes. So a ledger is read the bounded way (`files.read_regular`: a regular file only,
never through a link, never blocking on a FIFO, at most 1 MiB), and taken only when it is
what `Ledger.data` writes: its own keys and no others, pids above 1, finite start times,
bounded lists and strings, a run id that is its file's and the marker that run id and this
results folder make. Anything else is a sentence saying why, which `clean` reports in one
line and ignores: never a traceback, never in the way of a later run.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from matrixgen.files import read_regular
from matrixgen.run.ledger import VERSION, ledger_path, run_marker

MAX_BYTES = 1 << 20  # a run of 10,000 processes writes about a tenth of it
MAX_ITEMS = 10_000
MAX_TEXT = 4096
PID_MAX = 1 << 22  # Linux's ceiling (kernel/pid_max); other systems stay below it
_RUN = re.compile(r"[0-9a-f]{32}")


@dataclass(frozen=True)
class DeadRun:
    path: Path
    run_id: str
    marker: str
    pid: int
    created: float
    processes: list[tuple[int, float, str]]  # pid, start time, what
    folders: list[str]
    compose: list[tuple[str, str]]  # project, compose file


class _Refused(Exception):
    """Why a ledger is not one matrixgen wrote."""


def read(path: Path) -> DeadRun | str:
    """The ledger at `path` (`<results>/.matrixgen/run-<id>.json`), or why it is not one."""
    data = read_regular(path, MAX_BYTES)
    if isinstance(data, str):
        return data
    try:
        value: Any = json.loads(data)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        return "it is not JSON"
    try:
        return _ledger(path, value)
    except _Refused as refused:
        return str(refused)


def _ledger(path: Path, value: Any) -> DeadRun:
    keys = ("version", "run", "marker", "pid", "created", "processes", "folders", "compose")
    data = _object(value, keys, "the ledger")
    if data["version"] != VERSION:
        raise _Refused(f"version {_shown(data['version'])}, not {VERSION}")
    run_id = _text(data["run"], "run")
    if not _RUN.fullmatch(run_id) or ledger_path(path.parent.parent, run_id) != path:
        raise _Refused(f"run {_shown(run_id)} is not the id in its file name")
    if data["marker"] != run_marker(run_id, path.parent.parent):
        raise _Refused(f"marker {_shown(data['marker'])} is not its run's in this folder")
    processes = []
    for index, item in enumerate(_list(data["processes"], "processes")):
        entry = _object(item, ("pid", "created", "what"), f"processes[{index}]")
        processes.append(
            (
                _pid(entry["pid"], f"processes[{index}].pid"),
                _time(entry["created"], f"processes[{index}].created"),
                _text(entry["what"], f"processes[{index}].what"),
            )
        )
    compose = []
    for index, item in enumerate(_list(data["compose"], "compose")):
        entry = _object(item, ("project", "file"), f"compose[{index}]")
        compose.append(
            (
                _text(entry["project"], f"compose[{index}].project"),
                _text(entry["file"], f"compose[{index}].file"),
            )
        )
    folders = _list(data["folders"], "folders")
    return DeadRun(
        path=path,
        run_id=run_id,
        marker=data["marker"],
        pid=_pid(data["pid"], "pid"),
        created=_time(data["created"], "created"),
        processes=processes,
        folders=[_text(folder, f"folders[{index}]") for index, folder in enumerate(folders)],
        compose=compose,
    )


def _shown(value: Any) -> str:
    text = json.dumps(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _object(value: Any, keys: tuple[str, ...], where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _Refused(f"{where} is not an object")
    unknown = sorted(set(value) - set(keys))
    if unknown:
        raise _Refused(f"{where} has an unknown key {_shown(unknown[0])}")
    missing = [key for key in keys if key not in value]
    if missing:
        raise _Refused(f"{where} has no {missing[0]!r}")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise _Refused(f"{where} is not a list")
    if len(value) > MAX_ITEMS:
        raise _Refused(f"{where} has {len(value)} items, over {MAX_ITEMS}")
    return value


def _pid(value: Any, where: str) -> int:
    if type(value) is not int or not 1 < value <= PID_MAX:
        raise _Refused(f"{where} {_shown(value)} is not the pid of a process matrixgen starts")
    return value


def _time(value: Any, where: str) -> float:
    if type(value) not in (int, float) or not math.isfinite(value) or value <= 0:
        raise _Refused(f"{where} {_shown(value)} is not a start time")
    return float(value)


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value or len(value) > MAX_TEXT or "\0" in value:
        raise _Refused(f"{where} {_shown(value)} is not a string of 1 to {MAX_TEXT} characters")
    return value
