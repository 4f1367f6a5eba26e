"""Checks of the paths matrix.yaml names and of the install lines it renders.

Paths (the compose files and overlays it reads, the outputs it writes) must stay inside
the project folder, the folder of matrix.yaml; the files it reads must be there.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Iterator
from pathlib import Path, PurePosixPath, PureWindowsPath

from matrixgen import DISTRIBUTION, __version__
from matrixgen.errors import Problem
from matrixgen.files import not_regular
from matrixgen.load.document import Document, PathKey
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
        if service.compose is not None:
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
                yield (*base, "compose", "files", position), harness, "compose file"


def written_files(model: MatrixFile) -> Iterator[tuple[PathKey, str]]:
    """(key path, file) of the outputs that are one file; compose profiles are a pattern."""
    outputs = model.outputs
    if outputs.nox is not None:
        yield ("outputs", "nox"), outputs.nox
    if outputs.github is not None:
        yield ("outputs", "github", "file"), outputs.github.file
    if outputs.docs is not None:
        yield ("outputs", "docs", "file"), outputs.docs.file
    if outputs.schema_file is not None:
        yield ("outputs", "schema"), outputs.schema_file


def check_paths(doc: Document, model: MatrixFile, root: Path | None) -> Iterator[Problem]:
    """Every path stays inside the project; with `root`, every file read is there."""
    for where, path, what in read_files(model):
        if outside(path):
            yield doc.problem(where, _outside(path))
        elif root is not None and not (root / path).is_file():
            relative = f"the {what}; paths are relative to the folder of {Path(doc.file).name}"
            if (root / path).is_dir():
                yield doc.problem(where, f"'{path}' is a folder ({relative}); fix the path")
            elif os.path.lexists(root / path):  # a FIFO, a device, a dangling link: never read
                why = _not_a_file(root / path)
                yield doc.problem(
                    where, f"'{path}' cannot be read ({relative}): {why}; make it a regular file"
                )
            else:
                yield doc.problem(
                    where, f"no such file '{path}' ({relative}); create it or fix the path"
                )
    written = list(written_files(model))
    if model.outputs.compose is not None:
        written.append((("outputs", "compose"), model.outputs.compose))
    for where, path in written:
        if outside(path):
            yield doc.problem(where, _outside(path))
        elif normalized(path) == ".":
            yield doc.problem(where, f"'{path}' is the project folder itself; name a file in it")


def _not_a_file(path: Path) -> str:
    try:
        return not_regular(os.stat(path).st_mode) or "it is not a regular file"
    except OSError:
        return "it is a symbolic link to nothing"


def _outside(path: str) -> str:
    return (
        f"'{path}' must stay inside the project folder (the folder of matrix.yaml); "
        "write it relative to that folder, without '..' leading out of it"
    )


# `matrixgen`, alone or with a version specifier, extras, a marker or a direct URL.
_UNRELATED = re.compile(r"^\s*matrixgen\s*(?:$|[\[(<>=!~;@])", re.IGNORECASE)


def check_install_lines(doc: Document, model: MatrixFile) -> Iterator[Problem]:
    """Neither install line may name the index's `matrixgen`, an unrelated project."""
    outputs = model.outputs
    unrelated = (
        "'matrixgen' on the package index is an unrelated project; matrixgen's own "
        f"distribution is '{DISTRIBUTION}', and `outputs.matrixgen` installs it"
    )
    if _UNRELATED.match(outputs.matrixgen):
        yield doc.problem(
            ("outputs", "matrixgen"),
            f"{unrelated}: write `{DISTRIBUTION}=={__version__}` here, "
            "or remove the key for that default",
        )
    for index, line in enumerate(outputs.install):
        if _UNRELATED.match(line):
            yield doc.problem(
                ("outputs", "install", index),
                f"{unrelated} (default {DISTRIBUTION}=={__version__}): remove this line",
            )
