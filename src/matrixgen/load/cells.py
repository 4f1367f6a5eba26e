"""A cell: one runnable combination of a level, a suite and axis values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any


# Frozen, compared and shown as a dataclass is, with the methods @dataclass would write
# written out: it compiles each from source text on every import (six for a frozen class;
# Cell's 19 fields made that ~2% of an uncached `list`, bench/list.py), where these come
# from bytecode. `__init__` fills `__dict__` in one call, not one `object.__setattr__` per
# field: an uncached `list` makes every cell.
@dataclass(frozen=True, init=False, repr=False, eq=False)
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

    def __init__(
        self,
        level: str,
        suite: str,
        name: str,
        values: Mapping[str, str],
        spanned: tuple[str, ...],
        labels: Mapping[str, str],
        services: tuple[str, ...],
        env: Mapping[str, str],
        run: str | tuple[str, ...],
        requires: tuple[str, ...] = (),
        timeout: float | None = None,
        overlays: tuple[str, ...] = (),
        level_label: str = "",
        suite_count: int = 1,
        origin: str = "product",
        harness: tuple[tuple[str, ...], ...] = (),
        tester: str | None = None,
        junit: bool = True,
        overrides: tuple[int, ...] = (),
    ) -> None:
        self.__dict__.update(
            level=level,
            suite=suite,
            name=name,
            values=values,
            spanned=spanned,
            labels=labels,
            services=services,
            env=env,
            run=run,
            requires=requires,
            timeout=timeout,
            overlays=overlays,
            level_label=level_label,
            suite_count=suite_count,
            origin=origin,
            harness=harness,
            tester=tester,
            junit=junit,
            overrides=overrides,
        )

    def _compared(self) -> tuple[object, ...]:
        """The fields equality and the hash look at: all but `overrides`."""
        return (
            self.level,
            self.suite,
            self.name,
            self.values,
            self.spanned,
            self.labels,
            self.services,
            self.env,
            self.run,
            self.requires,
            self.timeout,
            self.overlays,
            self.level_label,
            self.suite_count,
            self.origin,
            self.harness,
            self.tester,
            self.junit,
        )

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, Cell)
        return self._compared() == other._compared()

    def __hash__(self) -> int:
        return hash(self._compared())

    def __repr__(self) -> str:
        shown = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in fields(self))
        return f"{self.__class__.__qualname__}({shown})"

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
