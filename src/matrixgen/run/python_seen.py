"""Which Pythons really ran in a cell: a `sitecustomize` on PYTHONPATH that writes one line.

Running a cell on interpreter X (`run.interpreters`) is not proof that it ran there: its
command may call `/usr/bin/python3` or a tool from another environment. Every Python that
starts in the cell imports `sitecustomize` from the folder matrixgen puts first on
PYTHONPATH; ours appends its version and executable to the attempt's log, then steps aside:
it leaves sys.path as it was and runs the project's own `sitecustomize`, if there is one.
`python -I`/`-E` ignore PYTHONPATH and are not seen; a cell that shows no Python at all is
judged by the interpreter matrixgen gave it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from matrixgen import pythons
from matrixgen.files import read_regular

LOG_VARIABLE = "MATRIXGEN_PYTHON_LOG"
LOG_MAX_BYTES = 16 * 2**20  # a line per Python started: ~250,000 of them
# Python 3.6 onwards, PyPy and GraalPy run it: no f-strings, nothing newer than 3.4.
SITECUSTOMIZE = (
    "# Written by matrixgen run: note which Python runs in this cell, then step aside.\n"
    + pythons.describe_code()
    + """
def _matrixgen_note():
    import os, sys
    log = os.environ.get("MATRIXGEN_PYTHON_LOG")
    if log:
        line = "%s\\t%s\\n" % (_describe(), sys.executable)
        try:
            fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(fd, line.encode("utf-8", "replace"))
            finally:
                os.close(fd)
        except OSError:
            pass
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != here]
    # The project's own sitecustomize, further on sys.path, runs as it would without us.
    import importlib.machinery, importlib.util
    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", sys.path)
    if spec is not None and spec.loader is not None:
        module = importlib.util.module_from_spec(spec)
        sys.modules["sitecustomize"] = module
        spec.loader.exec_module(module)


_matrixgen_note()
del _matrixgen_note, _describe
"""
)


def install(folder: Path) -> Path:
    """Write the `sitecustomize` into `folder` (private to this run); returns the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    return folder


def watched(env: Mapping[str, str], folder: Path, log: Path) -> dict[str, str]:
    """`env` for a cell whose Pythons are noted in `log`."""
    log.unlink(missing_ok=True)
    path = env.get("PYTHONPATH")
    return {
        **env,
        "PYTHONPATH": str(folder) + (os.pathsep + path if path else ""),
        LOG_VARIABLE: str(log),
    }


@dataclass(frozen=True)
class Seen:
    versions: tuple[str, ...]  # "3.10.13", "pypy3.9.16-7.3.11" per distinct Python, in order
    executables: tuple[str, ...]

    def ran(self, declared: str) -> str | None:
        """The version that ran as declared, else None."""
        return next((v for v in self.versions if pythons.matches(v, declared)), None)


def read(log: Path) -> Seen:
    # Bounded (files.read_regular): the cell may have made its log a FIFO or a link to
    # /dev/zero; then no Python was seen, and the cell is judged by the one it was given.
    data = read_regular(log, LOG_MAX_BYTES)
    lines = [] if isinstance(data, str) else data.decode("utf-8", "replace").splitlines()
    pairs = dict.fromkeys(tuple(line.split("\t", 1)) for line in lines if "\t" in line)
    return Seen(
        tuple(dict.fromkeys(v for v, _ in pairs)), tuple(dict.fromkeys(e for _, e in pairs))
    )
