"""`matrixgen list`: cells as a plain table or JSON, from a cache when nothing changed.

Loading a matrix costs pydantic's import and a model build (~130 ms) before the first
cell; `list` is what editors, scripts and CI plans call again and again. So its cells are
kept in `.matrixgen/cache/`, together with matrix.yaml's text, matrixgen's version and the
state of every file matrix.yaml names (a compose file that appears or vanishes changes what
`validate` says); a hit needs neither pydantic nor YAML.

The cache holds each cell as the very line `list --json` prints, so that a hit only joins
lines: encoding 1,000 cells again took as long as the rest of the call (bench/list.py). A
line is parsed only when a selector or the table needs its fields. This module imports
nothing but json and the base `files` (its bounded reader; tempfile only when writing) on
the cached path (no dataclasses, no hashlib: each costs milliseconds of a call that `nox -l`
is measured against).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from matrixgen import __version__
from matrixgen.files import load_json, nests_deeper, read_regular, write_atomic

if TYPE_CHECKING:
    from matrixgen.load.matrix import Matrix

CACHE_FORMAT = 2  # 2: a JSON header line, then one line per cell
CACHE_FOLDER = Path(".matrixgen") / "cache"
SOURCE_MAX_BYTES = 8 * 2**20  # as load.document.MAX_FILE_BYTES: a bigger matrix.yaml is refused
CACHE_MAX_BYTES = 64 * 2**20  # 10,000 cells of ~400 bytes are 4 MB
# `json.dumps(data, ensure_ascii=False)` makes an encoder per call: one per cell.
_ENCODER = json.JSONEncoder(ensure_ascii=False)


def _encoder() -> Callable[[Mapping[str, Any]], str]:
    """`_ENCODER.encode`, without what it redoes on every call: it builds json's C encoder
    anew each time (~40% of encoding a cell, and an uncached `list` encodes each one). The
    C encoder is built once here, with the arguments `JSONEncoder.iterencode` gives it for
    a one-shot encode of `_ENCODER`'s settings, but no check for cycles (a cell's fields are
    plain data; a set of markers kept between calls would outlive an error); the text is
    the same."""
    from json import encoder

    make = getattr(encoder, "c_make_encoder", None)  # not in typeshed: json's own internals
    if make is None:  # pragma: no cover - an interpreter without _json
        return _ENCODER.encode
    chunks = make(
        None,
        _ENCODER.default,
        encoder.encode_basestring,  # ensure_ascii=False
        _ENCODER.indent,
        _ENCODER.key_separator,
        _ENCODER.item_separator,
        _ENCODER.sort_keys,
        _ENCODER.skipkeys,
        _ENCODER.allow_nan,
    )
    return lambda data: "".join(chunks(data, 0))


_encode = _encoder()


class Listed:
    """One cell as `list` shows it: its JSON line, parsed on first use of a field."""

    __slots__ = ("_data", "line")

    def __init__(self, line: str, data: Mapping[str, Any] | None = None) -> None:
        self.line = line
        self._data = data

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> Listed:
        return cls(_encode(data), data)

    @property
    def data(self) -> Mapping[str, Any]:
        if self._data is None:
            self._data = json.loads(self.line)
        return self._data

    @property
    def id(self) -> str:
        return str(self.data["id"])

    @property
    def level(self) -> str:
        return str(self.data["level"])

    @property
    def suite(self) -> str:
        return str(self.data["suite"])

    @property
    def values(self) -> Mapping[str, str]:
        values: Mapping[str, str] = self.data["values"]
        return values


class Listing:
    """The cells, and the declared levels and axes (for errors that suggest a name)."""

    __slots__ = ("axes", "cells", "levels")

    def __init__(self, cells: list[Listed], levels: list[str], axes: list[str]) -> None:
        self.cells, self.levels, self.axes = cells, levels, axes


def from_matrix(matrix: Matrix) -> Listing:
    cells = []
    for cell in matrix.cells:
        data = cell.to_json()
        if any(axis in cell.values for axis in matrix.computed):
            data["nox_session"] = None  # none is generated for a computed value's cell
        cells.append(Listed.of(data))
    return Listing(cells, list(matrix.model.levels), list(matrix.model.axes))


def format_json(cells: Sequence[Listed]) -> str:
    """A JSON array with one cell per line: diffable, and fast (`indent=` forces the slow
    pure-Python encoder, ~10x slower on 10,000 cells)."""
    if not cells:
        return "[]"
    return "[\n" + ",\n".join(cell.line for cell in cells) + "\n]"


def format_table(cells: Sequence[Listed]) -> str:
    if not cells:
        return "no cells selected"
    rows = [("CELL", "NOX SESSION", "SERVICES", "REQUIRES", "DESCRIPTION")]
    rows += [
        (
            c.id,
            str(c.data["nox_session"] or "-"),
            ",".join(c.data["services"]) or "-",
            ",".join(c.data["requires"]) or "-",
            str(c.data.get("description") or "-"),
        )
        for c in cells
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = ["  ".join(row[i].ljust(widths[i]) for i in range(4)) + "  " + row[4] for row in rows]
    return "\n".join(line.rstrip() for line in lines) + f"\n{len(cells)} cells"


class Cache:
    """The cached listing of one matrix file: `.matrixgen/cache/list-<file name>.jsonl`."""

    def __init__(self, source: Path, root: Path) -> None:
        self.root = root
        self.path = root / CACHE_FOLDER / f"list-{source.name}.jsonl"
        self.text: str | None = None
        # Bounded like every read (files.read_regular): a FIFO or a link to /dev/zero as
        # matrix.yaml is a miss here, and the load says why in one line.
        data = read_regular(source, SOURCE_MAX_BYTES, links=True)
        try:
            self.text = None if isinstance(data, str) else data.decode("utf-8")
        except UnicodeDecodeError:
            return  # the load reports it

    def _key(self) -> dict[str, object]:
        return {"format": CACHE_FORMAT, "version": __version__, "source": self.text}

    def read(self) -> Listing | None:
        if self.text is None:
            return None
        # Only a regular file, no link, capped; nothing nested deep enough to make a lazy
        # `json.loads` of a line recurse: anything else is a miss, rewritten by the load.
        data = read_regular(self.path, CACHE_MAX_BYTES)
        if isinstance(data, str):
            return None
        try:
            head, _, rest = data.decode("utf-8").partition("\n")
            first = load_json(head)
            if any(first[name] != value for name, value in self._key().items()):
                return None  # another matrix.yaml, matrixgen or cache format
            if first["files"] != self._files(first["files"]):
                return None  # a file matrix.yaml names appeared, vanished or changed
            # Split on "\n" alone: a line may hold U+2028, which `splitlines` would cut at.
            lines = [line for line in rest.split("\n") if line]
            if any(nests_deeper(line) for line in lines):
                return None
            cells = [Listed(line) for line in lines]
            return Listing(cells, list(first["levels"]), list(first["axes"]))
        except (ValueError, KeyError, TypeError):
            return None

    def write(self, matrix: Matrix, listing: Listing) -> None:
        # Not the cells of computed values: a command may print others with the same file.
        if self.text is None or matrix.computed:
            return
        names = sorted(set(_strings(matrix.document.data)))
        first = {
            **self._key(),
            "files": self._files({name: None for name in names}),
            "levels": listing.levels,
            "axes": listing.axes,
        }
        lines = [json.dumps(first, ensure_ascii=False), *(cell.line for cell in listing.cells)]
        try:
            folder = self.root / ".matrixgen"
            if not (folder / ".gitignore").exists():
                write_atomic(folder / ".gitignore", "*\n")
            write_atomic(self.path, "\n".join(lines) + "\n")
        except OSError:
            pass  # a read-only project: list is as right, only slower next time

    def _files(self, names: Mapping[str, object]) -> dict[str, list[int] | None]:
        """The state of each named path: None when absent, else [mtime_ns, size]."""
        state: dict[str, list[int] | None] = {}
        for name in names:
            try:
                found = os.stat(self.root / name)
                state[name] = [found.st_mtime_ns, found.st_size]
            except (OSError, ValueError):
                state[name] = None
        return state


def _strings(data: object) -> Iterator[str]:
    """Every string in matrix.yaml that could name a file (no blanks, not too long)."""
    if isinstance(data, str):
        if data and len(data) <= 255 and not any(ch.isspace() for ch in data) and "${" not in data:
            yield data
    elif isinstance(data, dict):
        for value in data.values():
            yield from _strings(value)
    elif isinstance(data, list):
        for item in data:
            yield from _strings(item)
