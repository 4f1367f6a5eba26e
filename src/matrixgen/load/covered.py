"""A covering suite as expanded (`expand` makes one per `cover: t` suite; `covering` checks
it). Apart from `covering` so that a matrix without `cover:` does not make the class:
@dataclass compiles its methods from source text at import."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from matrixgen.load.tuples import Pattern, Row, Space

if TYPE_CHECKING:  # the construction is imported where a level has `cover:` (load time)
    from matrixgen.load.cover import Coverage


@dataclass(frozen=True)
class Covered:
    """One covering suite as expanded: its axes, constraints and rows (value names)."""

    level: str
    suite: str
    strength: int
    axes: tuple[tuple[str, tuple[str, ...]], ...]
    patterns: tuple[Pattern, ...]
    rules: tuple[int, ...]  # the exclude each pattern comes from
    rows: tuple[tuple[str, ...], ...]  # each cell's values, in `axes` order; kept cells first

    @property
    def name(self) -> str:
        """`level L`, or `suite S of level L` when the level has suites of its own name."""
        if self.suite == self.level:
            return f"level {self.level}"
        return f"suite {self.suite} of level {self.level}"

    def space(self) -> Space:
        return Space([len(values) for _, values in self.axes], self.strength, self.patterns)

    def indexes(self) -> list[Row]:
        return [
            tuple(values.index(v) for (_, values), v in zip(self.axes, row, strict=True))
            for row in self.rows
        ]

    def words(self, tup: Sequence[tuple[int, int]]) -> str:
        """A tuple as `backend=gcs × mode=cas`."""
        return " × ".join(f"{self.axes[a][0]}={self.axes[a][1][v]}" for a, v in tup)

    def only_in(self, values: Sequence[str]) -> list[str]:
        """The t-tuples that only the cell with these values covers, in words."""
        rows = self.indexes()
        position = self.rows.index(tuple(values))
        from matrixgen.load.cover import only_covered_by

        return [self.words(t) for t in only_covered_by(self.space(), rows)[position]]

    def proof(self) -> Coverage:
        from matrixgen.load.cover import check

        return check(self.space(), self.indexes())
