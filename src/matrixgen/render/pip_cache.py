"""The files setup-python's pip cache is keyed on (`cache-dependency-path`).

matrix.yaml, the project's packaging files and requirements files by their usual names,
and every file the install lines name with `-r`/`-c` (`outputs.install`, `github.install.pip`
of levels and suites, `install.pip` of values, levels, suites and services), and the files
those name in turn: a change to `-r dev_requirements.txt` then misses the cache as it should.
Only files that exist when rendering, inside the project folder, in a fixed order.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from pathlib import Path

from matrixgen.files import read_regular
from matrixgen.load.model import MatrixFile
from matrixgen.load.paths import normalized, outside

DEPENDENCY_FILES = ("pyproject.toml", "setup.cfg", "setup.py")
REQUIREMENTS_GLOBS = ("requirements*.txt", "requirements/*.txt")
# A requirements file larger than this is no requirements file: not read for `-r` lines.
MAX_REQUIREMENTS_BYTES = 2**20
MAX_NAMED_FILES = 100

# Written unquoted in a literal block, where GitHub would evaluate `${{`: plain names only.
_PLAIN_PATH = re.compile(r"[A-Za-z0-9._/+-]+")
# `-r FILE`, `--requirement=FILE`, `-c FILE`, `--constraint FILE` (pip's spellings).
_NAMES_FILE = re.compile(r"(?:-r|-c|--requirement|--constraint)(?:=|\s*)(\S+)")


def install_lines(model: MatrixFile) -> Iterator[str]:
    """Every requirement line a CI job may install, in matrix.yaml's order."""
    yield from model.outputs.install
    for axis in model.axes.values():
        for value in axis.values.values():
            yield from value.install.pip
    for level in model.levels.values():
        for fields in [level, *(level.suites or {}).values()]:
            yield from fields.install.pip
            if fields.github is not None:
                yield from fields.github.install.pip
    for service in model.services.values():
        yield from service.install.pip


def named_files(root: Path, lines: Iterator[str]) -> list[str]:
    """The files `-r`/`-c` lines name (relative to `root`, the folder of matrix.yaml), and
    those their own `-r`/`-c` lines name (relative to the file naming them, as pip reads
    them), first seen first; missing, outside or unreadable ones left out."""
    found: dict[str, None] = {}
    queue = [(".", line) for line in lines]
    while queue and len(found) < MAX_NAMED_FILES:
        folder, line = queue.pop(0)
        match = _NAMES_FILE.fullmatch(line.split(" #")[0].strip())
        if match is None or "://" in match[1]:
            continue
        path = normalized(posixpath.join(folder, match[1]))
        if outside(path) or path in found or not (root / path).is_file():
            continue
        found[path] = None
        text = read_regular(root / path, MAX_REQUIREMENTS_BYTES, within=root)
        if isinstance(text, bytes):
            nested = text.decode("utf-8", "replace").splitlines()
            # Depth first, as pip reads them: a file's own files follow it.
            queue[:0] = [(posixpath.dirname(path) or ".", each) for each in nested]
    return list(found)


def dependency_files(root: Path, matrix_file: str, model: MatrixFile) -> list[str]:
    found = [matrix_file, *(name for name in DEPENDENCY_FILES if (root / name).is_file())]
    for pattern in REQUIREMENTS_GLOBS:
        found += sorted(p.relative_to(root).as_posix() for p in root.glob(pattern) if p.is_file())
    found += named_files(root, install_lines(model))
    return [path for path in dict.fromkeys(found) if _PLAIN_PATH.fullmatch(path)]
