"""A service whose version comes from the cell (issue 22, item 3): its strings name axes.

One declaration serves every version of a server-version axis: `github.image:
"postgres:${pg}"`, `compose: testing/shared/compose/postgres-${pg}.yml`, or a compose file
that reads `${MATRIXGEN_PG}` (the cell's env file gives it in a profile, `matrixgen run`
in the service's environment), and natively `process.command`, `process.env`, `env` and
`setup`. The values of those axes are the service's *variant*: cells with one variant
share an instance, cells with different ones never do (`run.service_pool`), and each CI
line gets its own image (`load.github.jobs`). `validate` locates an axis the service names
that a cell needing it has no value of (`check_service_values`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

from pydantic import BaseModel

from matrixgen.errors import Problem
from matrixgen.files import read_regular
from matrixgen.load.cells import Cell
from matrixgen.load.document import Document, PathKey
from matrixgen.load.model import MatrixFile, Service
from matrixgen.load.names import env_name
from matrixgen.load.paths import outside
from matrixgen.load.placeholders import names, substitute

MAX_BYTES = 4 * 1024 * 1024  # of a compose file read for the variables it uses
# Keys whose strings are filled at run time with the service's own names too (`${port}`).
NATIVE_KEYS = ("process", "env", "setup")
# Keys whose strings are filled with axis values alone, when a profile or a job is written.
VALUE_KEYS = (("compose",), ("github", "image"))


def _strings(path: PathKey, value: object) -> Iterator[tuple[PathKey, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from _strings((*path, index), item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings((*path, key), item)


def service_strings(name: str, data: Mapping[str, object]) -> Iterator[tuple[PathKey, str]]:
    """(key path, text) of every string of service `name` (its raw matrix.yaml mapping) that
    may name an axis."""
    base: PathKey = ("services", name)
    for key in NATIVE_KEYS:
        yield from _strings((*base, key), data.get(key))
    for keys in VALUE_KEYS:
        value: object = data
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
        yield from _strings((*base, *keys), value)


def _as_data(value: object) -> object:
    """A model's fields as plain data, by field name, for `service_strings`. Not model_dump:
    pydantic builds a model's serializer on its first use, ~30 ms of a `validate`."""
    if isinstance(value, BaseModel):
        return {name: _as_data(getattr(value, name)) for name in type(value).model_fields}
    if isinstance(value, (list, tuple)):
        return [_as_data(item) for item in value]
    if isinstance(value, dict):
        return {key: _as_data(item) for key, item in value.items()}
    return value


def named_axes(service: Service, axes: Iterable[str]) -> tuple[str, ...]:
    """The axes the service's strings name, in the order of `axes` (declaration order)."""
    data = _as_data(service)
    assert isinstance(data, dict)
    used = {n for _, text in service_strings("", data) for n, _ in names(text)}
    return tuple(axis for axis in axes if axis in used)


def variables_read(text: str, axes: Iterable[str]) -> tuple[str, ...]:
    """The axes whose `MATRIXGEN_<AXIS>` a compose file's text reads (`${X}`, `${X:-d}`, `$X`;
    `$$X` is compose's literal `$X`)."""
    found = []
    for axis in axes:
        variable = re.escape(env_name(axis))
        if re.search(r"(?<!\$)(?:\$\$)*\$(?:\{" + variable + r"(?![A-Za-z0-9_])|" + variable
                     + r"(?![A-Za-z0-9_]))", text):  # fmt: skip
            found.append(axis)
    return tuple(found)


class ServiceValues:
    """Which axes each service takes from its cells, and its variant in a cell."""

    def __init__(self, model: MatrixFile, cells: Sequence[Cell], root: Path | None) -> None:
        self.model = model
        self.read: dict[str, tuple[str, ...]] = {}  # compose file -> axes its text reads
        self.axes: dict[str, tuple[str, ...]] = {}
        self.from_file: dict[str, tuple[str, ...]] = {}  # service -> axes only its file names
        for name, service in model.services.items():
            own = named_axes(service, model.axes)
            files: list[str] = []
            if root is not None and service.compose is not None:
                for cell in cells:
                    if name in cell.services:
                        files.append(self.compose_file(name, cell))
            read = [a for f in dict.fromkeys(files) for a in self._file_axes(root, f)]
            self.from_file[name] = tuple(a for a in dict.fromkeys(read) if a not in own)
            axes = set(own) | set(read)
            self.axes[name] = tuple(a for a in model.axes if a in axes)

    def _file_axes(self, root: Path | None, path: str) -> tuple[str, ...]:
        if root is None or outside(path):
            return ()
        if path not in self.read:
            raw = read_regular(root / path, MAX_BYTES, links=True, within=root)
            text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else ""
            self.read[path] = variables_read(text, self.model.axes)
        return self.read[path]

    def variant(self, name: str, cell: Cell) -> dict[str, str]:
        """The cell's values of the axes service `name` takes (validate made sure it has
        them all)."""
        return {axis: cell.values[axis] for axis in self.axes.get(name, ()) if axis in cell.values}

    def compose_file(self, name: str, cell: Cell) -> str:
        """The service's compose file for this cell, its `${axis}` placeholders filled."""
        path = self.model.services[name].compose
        assert path is not None
        return fill_values(path, cell)


def fill_values(text: str, cell: Cell) -> str:
    """`text` with the cell's axis values filled in (a string only axes may name)."""
    return substitute(text, {a: v for a, v in cell.values.items() if "${" + a + "}" in text})


def service_image(model: MatrixFile, name: str, cell: Cell) -> str:
    """The image of service `name`'s GitHub service container in the cell's job."""
    container = model.services[name].github
    assert container is not None
    return fill_values(container.image, cell)


def variant_key(name: str, variant: Mapping[str, str]) -> str:
    """One instance's name: `postgres`, or `postgres[pg=16]` for one variant of several."""
    if not variant:
        return name
    return f"{name}[{','.join(f'{a}={v}' for a, v in variant.items())}]"


def check_service_values(
    doc: Document, model: MatrixFile, cells: Sequence[Cell], root: Path | None
) -> Iterator[Problem]:
    """Every axis a service names is a value of each cell that needs it; with `root`, each
    filled compose file is there."""
    values = ServiceValues(model, cells, root)
    raw = doc.data.get("services", {})
    reported: set[tuple[str, str]] = set()
    missing_files: set[str] = set()
    for cell in cells:
        for name in cell.services:
            for axis in values.axes[name]:
                if axis in cell.values or (name, axis) in reported:
                    continue
                reported.add((name, axis))
                yield doc.problem(
                    _naming(name, raw.get(name, {}), axis),
                    f"{_who(name, axis, values)}, and cell {cell.id} needs the service "
                    f"without a value of '{axis}'; give that cell one (`with: {{{axis}: ...}}`) "
                    "or let it use another service",
                )
            compose = model.services[name].compose
            if root is None or compose is None or "${" not in compose:
                continue
            if any(axis not in cell.values for axis in values.axes[name]):
                continue
            path = values.compose_file(name, cell)
            if path in missing_files:
                continue
            if outside(path) or not (root / path).is_file():
                missing_files.add(path)
                yield doc.problem(
                    ("services", name, "compose"),
                    f"no such file '{path}' (the compose file of service '{name}' for cell "
                    f"{cell.id}; paths are relative to the folder of matrix.yaml); create it "
                    "or fix the path",
                )


def _naming(name: str, data: Mapping[str, object], axis: str) -> PathKey:
    """Where the service names `axis`: its first string that does, else its compose file."""
    for path, text in service_strings(name, data):
        if any(n == axis for n, _ in names(text)):
            return path
    return ("services", name, "compose")


def _who(name: str, axis: str, values: ServiceValues) -> str:
    if axis in values.from_file.get(name, ()):
        return f"the compose file of service '{name}' reads ${{{env_name(axis)}}}"
    return f"service '{name}' names ${{{axis}}}"
