"""Paths matrix.yaml names, as one spelling, and the files it reads.

A leaf of the load stage: the outputs registry (`targets`), the path checks (`outputs`) and
the name checks (`clashes`) all compare paths through it.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from pathlib import PurePosixPath, PureWindowsPath

from matrixgen.load.document import PathKey
from matrixgen.load.model import MatrixFile, SuiteFields


def normalized(path: str) -> str:
    """`path` relative to the project folder as one spelling: `./a//b/../c` is `a/c`."""
    return posixpath.normpath(path.replace("\\", "/"))


def outside(path: str) -> bool:
    """Absolute, or leaving the project folder through `..`."""
    if PurePosixPath(path).is_absolute() or PureWindowsPath(path).anchor:
        return True
    first = PurePosixPath(normalized(path)).parts[:1]
    return first == ("..",)


def read_files(model: MatrixFile) -> Iterator[tuple[PathKey, str, str]]:
    """(key path, file, what it is) of every file matrix.yaml reads."""
    for name, service in model.services.items():
        # One with `${axis}` is a file per variant: `service_values` checks each one.
        if service.compose is not None and "${" not in service.compose:
            yield ("services", name, "compose"), service.compose, "compose file"
    for index, override in enumerate(model.overrides):
        for position, overlay in enumerate(override.compose.overlays):
            where: PathKey = ("overrides", index, "compose", "overlays", position)
            yield where, overlay, "compose overlay"
    for name, level in model.levels.items():
        owners: list[tuple[PathKey, SuiteFields]] = [(("levels", name), level)]
        owners += [
            (("levels", name, "suites", s), suite) for s, suite in (level.suites or {}).items()
        ]
        for base, fields in owners:
            for position, harness in enumerate(fields.compose.files if fields.compose else []):
                where = (*base, "compose", "files", position)
                if isinstance(harness, str):
                    yield where, harness, "compose file"
                else:  # files merged into one include entry
                    for inner, file in enumerate(harness):
                        yield (*where, inner), file, "compose file"
