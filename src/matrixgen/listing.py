"""`matrixgen list`: cells as a plain table or JSON, from a cache when nothing changed.

Loading a matrix costs pydantic's import and a model build (~130 ms) before the first
cell; `list` is what editors, scripts and CI plans call again and again. So its cells are
kept in `.matrixgen/cache/` under a key made of matrix.yaml's bytes and matrixgen's
version, together with the state of every file matrix.yaml names (a compose file that
appears or vanishes changes what `validate` says); a hit needs neither pydantic nor YAML.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from matrixgen import __version__

if TYPE_CHECKING:
    from matrixgen.load.matrix import Matrix

CACHE_FORMAT = 1
CACHE_FOLDER = Path(".matrixgen") / "cache"


@dataclass(frozen=True)
class Listed:
    """One cell as `list` shows it: its JSON, whether from a loaded matrix or the cache."""

    data: Mapping[str, Any]

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


@dataclass(frozen=True)
class Listing:
    cells: list[Listed]
    levels: list[str]
    axes: list[str]


def from_matrix(matrix: Matrix) -> Listing:
    return Listing(
        [Listed(cell.to_json()) for cell in matrix.cells],
        list(matrix.model.levels),
        list(matrix.model.axes),
    )


def format_json(cells: Sequence[Listed]) -> str:
    """A JSON array with one cell per line: diffable, and fast (`indent=` forces the slow
    pure-Python encoder, ~10x slower on 10,000 cells)."""
    if not cells:
        return "[]"
    lines = (json.dumps(cell.data, ensure_ascii=False) for cell in cells)
    return "[\n" + ",\n".join(lines) + "\n]"


def format_table(cells: Sequence[Listed]) -> str:
    if not cells:
        return "no cells selected"
    rows = [("CELL", "NOX SESSION", "SERVICES", "REQUIRES", "DESCRIPTION")]
    rows += [
        (
            c.id,
            str(c.data["nox_session"]),
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
    """The cached listing of one matrix file (see the module's docstring)."""

    def __init__(self, source: Path, root: Path) -> None:
        self.source, self.root = source, root
        self.text: bytes | None = None
        try:
            self.text = source.read_bytes()
        except OSError:
            return  # no file: the load reports it
        key = hashlib.sha256(
            b"%d\0%s\0%s\0" % (CACHE_FORMAT, __version__.encode(), str(source).encode()) + self.text
        ).hexdigest()
        self.path = root / CACHE_FOLDER / f"list-{key[:32]}.json"

    def read(self) -> Listing | None:
        if self.text is None:
            return None
        try:
            entry = json.loads(self.path.read_text(encoding="utf-8"))
            if entry["files"] != self._files(entry["files"]):
                return None  # a file matrix.yaml names appeared, vanished or changed
            cells = [Listed(data) for data in entry["cells"]]
            return Listing(cells, list(entry["levels"]), list(entry["axes"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def write(self, matrix: Matrix, listing: Listing) -> None:
        if self.text is None:
            return
        from matrixgen.files import write_atomic  # tempfile: only when writing

        names = sorted(set(_strings(matrix.document.data)))
        entry = {
            "files": self._files({name: None for name in names}),
            "cells": [cell.data for cell in listing.cells],
            "levels": listing.levels,
            "axes": listing.axes,
        }
        try:
            folder = self.root / ".matrixgen"
            if not (folder / ".gitignore").exists():
                write_atomic(folder / ".gitignore", "*\n")
            write_atomic(self.path, json.dumps(entry, ensure_ascii=False, separators=(",", ":")))
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
