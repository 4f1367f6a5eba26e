"""The one store of recorded cell durations: results/durations.json, `{"level/cell": seconds}`.

`matrixgen run` and `matrixgen report` record into it, the scheduler (longest first),
`matrixgen shard` and the workflow's plan read from it. One policy for a bad file:
when a command was pointed at it (`shard --durations FILE`) it is an error; when it is
only the default place, it is no history, with a warning. A file is good or bad as a whole:
every value must be a finite number of seconds, at least 0 (NaN and infinity are refused).
The file lies in a results folder, which may come from artifacts: it is read bounded
(`files.read_regular`: a regular file only, no link unless the user named it, capped, JSON
nesting capped), so a FIFO, a link to /dev/zero or 100,000 nested `[` is a bad file too.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Collection, Mapping
from pathlib import Path

from matrixgen.errors import UsageError
from matrixgen.files import load_json, read_regular, write_atomic

FILE = "durations.json"
SHAPE = '{"level/cell": seconds, ...}'
MAX_BYTES = 16 * 2**20  # 100,000 cells are ~4 MB


def lower_bound(durations: Collection[float], k: int) -> float:
    """No way of running cells of these durations on `k` workers ends sooner: the work over
    the workers, and never less than the longest cell (a shard plan's bound, and the time
    left a run shows)."""
    return max(sum(durations) / k, max(durations)) if durations else 0.0


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number of seconds")


def parse(text: str) -> dict[str, float]:
    """The durations in `text`; raises ValueError saying what is wrong."""
    data = load_json(text, parse_constant=_refuse_constant)
    if not isinstance(data, dict):
        raise ValueError(f"expected an object {SHAPE}")
    seconds: dict[str, float] = {}
    for cell, value in data.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"{cell!r}: expected seconds, got {json.dumps(value)[:40]}")
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"{cell!r}: expected a finite number of seconds >= 0, got {value}")
        seconds[cell] = float(value)
    return seconds


def read(
    path: Path, *, required: bool = False, warn: Callable[[str], None] | None = None
) -> dict[str, float]:
    """Recorded seconds per cell id. `required`: the user named this file (a link to one
    is followed); the default place is read only as a regular file."""
    if not os.path.lexists(path):
        if required:
            raise UsageError(f"no file {path}; run `matrixgen run` to record durations")
        return {}
    data = read_regular(path, MAX_BYTES, links=required)
    if isinstance(data, str):
        return _bad(path, data, required, warn)
    try:
        return parse(data.decode("utf-8"))
    except ValueError as error:  # UnicodeDecodeError too
        return _bad(path, str(error), required, warn)


def _bad(
    path: Path, why: str, required: bool, warn: Callable[[str], None] | None
) -> dict[str, float]:
    message = f"{path}: cannot use these durations: {why}"
    if required:
        raise UsageError(f"{message}; expected {SHAPE}")
    if warn is not None:
        warn(f"{message}; ignoring it (the next run writes it anew)")
    return {}


def record(
    path: Path, measured: Mapping[str, float], *, warn: Callable[[str], None] | None = None
) -> dict[str, float]:
    """Merge `measured` into the file (earlier cells kept, these updated); returns the result.

    A bad file is replaced (with `warn` told first): it was no history anyway."""
    usable = {k: round(v, 3) for k, v in measured.items() if math.isfinite(v) and v >= 0}
    merged = {**read(path, warn=warn), **usable}
    if merged:
        text = json.dumps(dict(sorted(merged.items())), indent=2, allow_nan=False) + "\n"
        write_atomic(path, text)
    return merged
