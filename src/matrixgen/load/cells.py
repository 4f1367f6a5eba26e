"""A cell: one runnable combination of a level, a suite and axis values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields
from typing import Any


@dataclass(frozen=True)
class Cell:
    level: str
    suite: str
    name: str  # the id within its level: "gcs-lww", "state-proxy-gcs-lww", "gateway", "unit"
    values: Mapping[str, str]  # spanned axes in id order, then pins from `with`
    spanned: tuple[str, ...]  # the axes the suite spans, in id order
    labels: Mapping[str, str]  # axis -> label of the cell's value
    services: tuple[str, ...]  # service names, sorted, deduplicated
    env: Mapping[str, str]  # cell env before placeholders: axis values, suite, overrides
    run: str | tuple[str, ...]  # a shell line, or argv
    requires: tuple[str, ...] = ()
    timeout: float | None = None  # seconds
    overlays: tuple[str, ...] = ()  # compose overlays from matching overrides
    level_label: str = ""
    suite_count: int = 1  # suites in this cell's level; > 1 prefixes the name with the suite
    origin: str = "product"  # "product" or "include[N]"
    # Compose files of its level and suite (`compose.files`): each group one include entry,
    # its files merged in order (`-f a.yml -f b.yml`).
    harness: tuple[tuple[str, ...], ...] = ()
    tester: str | None = None  # the service of `harness` that runs its tests (`compose.tester`)
    junit: bool = True  # False: its command writes no JUnit; the exit code decides
    overrides: tuple[int, ...] = field(default=(), compare=False)  # indexes of overrides applied

    @property
    def id(self) -> str:
        return f"{self.level}/{self.name}"

    @property
    def nox_session(self) -> str:
        return f"{self.level}({self.name})"

    @property
    def python(self) -> str | None:
        """The cell's Python version when the matrix has an axis named `python`."""
        return self.values.get("python")

    @property
    def description(self) -> str:
        """The cell in words: its values by their labels, `backend=S3, mode=LWW`."""
        parts = [f"{axis}={self.labels.get(axis, value)}" for axis, value in self.values.items()]
        if self.suite_count > 1:
            parts.insert(0, f"suite={self.suite}")
        return ", ".join(parts) or self.level_label or self.level

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "level": self.level,
            "suite": self.suite,
            "cell": self.name,
            "values": dict(self.values),
            "labels": dict(self.labels),
            "nox_session": self.nox_session,
            "description": self.description,
            "services": list(self.services),
            "requires": list(self.requires),
            "timeout": self.timeout,
        }


# Each field's default, for `new_cell`.
_DEFAULTS = {f.name: f.default for f in fields(Cell) if f.default is not MISSING}
_new = object.__new__


def new_cell(**values: Any) -> Cell:
    """`Cell(**values)`, made as fast as a plain object: a frozen dataclass's `__init__` sets
    each of its 19 fields through `object.__setattr__`, which was half of making a cell
    (an uncached `list` makes one per cell: bench/list.py). Cell has no `__post_init__`."""
    cell: Cell = _new(Cell)
    cell.__dict__.update(_DEFAULTS)
    cell.__dict__.update(values)
    return cell


def match_cell(match: Mapping[str, str | list[str]], cell: Cell) -> bool:
    """GitHub-style partial match: every key must agree; a list is any-of.

    `level` and `suite` match the cell's level and suite; an axis the cell has no value
    for never matches.
    """
    for key, wanted in match.items():
        if key == "level":
            have: str | None = cell.level
        elif key == "suite":
            have = cell.suite
        else:
            have = cell.values.get(key)
        if have is None:
            return False
        if have not in (wanted if isinstance(wanted, list) else [wanted]):
            return False
    return True
