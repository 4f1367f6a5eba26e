"""Selecting cells: by SELECTOR (`level/cell`, a level, a glob over ids), `--level`, `--where`.

Works on anything with an id, a level, a suite and values — a `Cell`, or a cell read back
from the listing cache — and imports nothing heavy, so a cached `list` never loads pydantic.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Protocol, TypeVar


class Selectable(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def level(self) -> str: ...
    @property
    def suite(self) -> str: ...
    @property
    def values(self) -> Mapping[str, str]: ...


S = TypeVar("S", bound=Selectable)


def select(
    cells: Sequence[S],
    selectors: Sequence[str] = (),
    *,
    level: str | None = None,
    where: str | None = None,
    levels: Collection[str] = (),
    axes: Collection[str] = (),
) -> list[S]:
    """Cells matching any selector (all when none), a level, and `axis=value,...` conditions.

    `levels` and `axes` are the declared names, for errors that suggest the right one."""
    chosen_cells = list(cells)
    if selectors:
        chosen: set[str] = set()  # ids: comparing cells field by field is O(n²) on globs
        for selector in selectors:
            hits = [c for c in chosen_cells if matches(selector, c)]
            if not hits:
                ids = [c.id for c in chosen_cells] + list(levels)
                raise _unknown(
                    "selector '{}' matches no cell{}; see `matrixgen list`", selector, ids
                )
            chosen.update(c.id for c in hits)
        chosen_cells = [c for c in chosen_cells if c.id in chosen]
    if level is not None:
        if level not in levels:
            raise _unknown("unknown level '{}'{}", level, levels)
        chosen_cells = [c for c in chosen_cells if c.level == level]
    for axis, value in parse_where(where):
        if axis not in axes and axis not in ("level", "suite"):
            raise _unknown("--where: unknown axis '{}'{}", axis, axes)
        chosen_cells = [c for c in chosen_cells if value in _field(c, axis)]
    return chosen_cells


def _unknown(message: str, name: str, known: Iterable[str]) -> Exception:
    """A UsageError: `message` filled with the name and a did-you-mean from `known`. Imported
    here: errors (dataclasses) and difflib cost a cached `list` milliseconds it rarely needs."""
    from matrixgen.errors import UsageError, did_you_mean

    return UsageError(message.format(name, did_you_mean(name, known)))


def _field(cell: Selectable, key: str) -> tuple[str, ...]:
    if key == "level":
        return (cell.level,)
    if key == "suite":
        return (cell.suite,)
    value = cell.values.get(key)
    return (value,) if value is not None else ()


def parse_where(where: str | None) -> Iterable[tuple[str, str]]:
    if not where:
        return []
    from matrixgen.errors import UsageError

    pairs = []
    for part in where.split(","):
        axis, sep, value = part.partition("=")
        if not sep or not axis.strip() or not value.strip():
            raise UsageError(f"--where expects axis=value[,axis=value...], got '{part}'")
        pairs.append((axis.strip(), value.strip()))
    return pairs


def matches(selector: str, cell: Selectable) -> bool:
    """`level/cell`, a level name, or a glob over ids (`*/gcs-*`)."""
    if selector == cell.level or selector == cell.id:
        return True
    return any(ch in selector for ch in "*?[") and fnmatch.fnmatchcase(cell.id, selector)
