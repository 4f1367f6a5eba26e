"""Derived code kept beside matrixgen's bytecode: matrix.yaml's validator (`load.compiled`)
and the compiled shipped templates (`render.templating`).

Each depends only on matrixgen's own files and the libraries it runs on, not on a project,
so it is compiled code like bytecode and is kept where Python keeps matrixgen's (a module's
`__pycache__`, or under PYTHONPYCACHEPREFIX), written only where Python would write bytecode
(never with PYTHONDONTWRITEBYTECODE or `-B`), atomically (a reader never sees half a file),
under a name whose key changes with what it is made of; the older files of that name are
removed. A reader checks what it reads and builds again what does not load; a folder that
cannot be written to costs only the build.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import sys
import tempfile
from pathlib import Path


def beside(module_file: str, name: str) -> Path:
    """`name` in the folder where Python keeps the bytecode of `module_file`."""
    return Path(importlib.util.cache_from_source(module_file)).parent / name


def write(path: Path, data: bytes, older: str) -> None:
    """Keep `data` at `path` and remove the files matching the glob `older` beside it;
    nothing is written where Python writes no bytecode, nothing is said on failure."""
    if sys.dont_write_bytecode:
        return
    with contextlib.suppress(Exception):
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=path.suffix)
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(data)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        for old in path.parent.glob(older):
            if old != path:
                old.unlink(missing_ok=True)
