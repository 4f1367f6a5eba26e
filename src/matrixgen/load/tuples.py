"""The t-tuples of a covering array's axes, numbered, and the patterns that forbid rows:
what the construction (load/cover.py), its declared-order build (load/stable.py), the
coverage check and the matrix diff share.

A tuple's id is its t-subset's base plus its values in mixed radix, so coverage is a
bytearray or a list of counts indexed by id.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence

# A forbidden pattern: (axis, values) pairs; a row whose value on each of those axes is
# among the pattern's values is forbidden. Axes ascending, values ascending.
Pattern = tuple[tuple[int, tuple[int, ...]], ...]
Row = tuple[int, ...]
Tuple = tuple[tuple[int, int], ...]  # ((axis, value), ...), axes ascending


class Space:
    """The t-tuples of some axes, numbered, and the rules that forbid rows."""

    def __init__(self, sizes: Sequence[int], t: int, forbidden: Iterable[Pattern] = ()) -> None:
        if t < 1 or t > len(sizes):
            raise ValueError(f"strength {t} needs 1..{len(sizes)} axes")
        self.sizes = tuple(sizes)
        self.t = t
        self.k = len(sizes)
        self.subsets = list(itertools.combinations(range(self.k), t))
        self.base: list[int] = []
        self.strides: list[tuple[int, ...]] = []
        total = 0
        for subset in self.subsets:
            strides = []
            step = 1
            for axis in reversed(subset):
                strides.append(step)
                step *= self.sizes[axis]
            self.base.append(total)
            self.strides.append(tuple(reversed(strides)))
            total += step
        self.total = total
        # For each axis: (subset index, the axis's stride in it) of every subset holding it.
        self.touching: list[list[tuple[int, int]]] = [[] for _ in range(self.k)]
        for index, subset in enumerate(self.subsets):
            for axis, stride in zip(subset, self.strides[index], strict=True):
                self.touching[axis].append((index, stride))
        self.index_of = {subset: i for i, subset in enumerate(self.subsets)}
        # For strength 2: pair[a][b] = (base, stride of a, stride of b), either order.
        self.pair: list[list[tuple[int, int, int]]] = []
        if t == 2:
            self.pair = [[(0, 0, 0)] * self.k for _ in range(self.k)]
            for index, (a, b) in enumerate(self.subsets):
                sa, sb = self.strides[index]
                self.pair[a][b] = (self.base[index], sa, sb)
                self.pair[b][a] = (self.base[index], sb, sa)
        self.patterns = sorted(set(forbidden))
        self.by_axis: list[list[Pattern]] = [[] for _ in range(self.k)]
        for pattern in self.patterns:
            for axis, _ in pattern:
                self.by_axis[axis].append(pattern)
        self.constrained = sorted({axis for p in self.patterns for axis, _ in p})
        self._completable: dict[tuple[tuple[int, ...], tuple[int, ...]], bool] = {}

    # -- tuple ids -----------------------------------------------------------------------

    def tid(self, tup: Tuple) -> int:
        subset = tuple(axis for axis, _ in tup)
        index = self.index_of[subset]
        return self.base[index] + sum(
            v * s for (_, v), s in zip(tup, self.strides[index], strict=True)
        )

    def decode(self, tid: int) -> Tuple:
        low, high = 0, len(self.base) - 1
        while low < high:  # the last subset whose base is <= tid
            middle = (low + high + 1) // 2
            if self.base[middle] <= tid:
                low = middle
            else:
                high = middle - 1
        rest = tid - self.base[low]
        values = []
        for axis, stride in zip(self.subsets[low], self.strides[low], strict=True):
            values.append((axis, rest // stride))
            rest %= stride
        return tuple(values)

    def row_tids(self, row: Sequence[int]) -> list[int]:
        return [
            base + sum(row[a] * s for a, s in zip(subset, strides, strict=True))
            for subset, base, strides in zip(self.subsets, self.base, self.strides, strict=True)
        ]

    # -- constraints ---------------------------------------------------------------------

    def violates(self, row: Sequence[int], axis: int | None = None) -> bool:
        """Whether a fully assigned forbidden pattern matches `row` (-1: unassigned);
        only the patterns on `axis` when given."""
        patterns = self.patterns if axis is None else self.by_axis[axis]
        for pattern in patterns:
            if all(row[a] >= 0 and row[a] in values for a, values in pattern):
                return True
        return False

    def completable(self, row: Sequence[int], limit: Sequence[int] | None = None) -> bool:
        """Whether the partial `row` (-1: unassigned) extends to a row no pattern forbids,
        with values below `limit` per axis (default: all).

        Only constrained axes matter, so the answer is cached on their values."""
        if not self.patterns:
            return True
        bound = self.sizes if limit is None else limit
        key = (
            tuple(row[a] for a in self.constrained),
            tuple(bound[a] for a in self.constrained),
        )
        known = self._completable.get(key)
        if known is None:
            work = list(row)
            known = not self.violates(work) and self._extend(work, 0, bound)
            self._completable[key] = known
        return known

    def _extend(self, row: list[int], position: int, bound: Sequence[int]) -> bool:
        while position < len(self.constrained) and row[self.constrained[position]] >= 0:
            position += 1
        if position == len(self.constrained):
            return True
        axis = self.constrained[position]
        for value in range(bound[axis]):
            row[axis] = value
            if not self.violates(row, axis) and self._extend(row, position + 1, bound):
                row[axis] = -1
                return True
        row[axis] = -1
        return False

    def possible(self, tup: Tuple, limit: Sequence[int] | None = None) -> bool:
        row = [-1] * self.k
        for axis, value in tup:
            row[axis] = value
        return self.completable(row, limit)

    def impossible(self) -> list[int]:
        """Ids of the t-tuples no allowed row holds, ascending."""
        if not self.patterns:
            return []
        found = []
        free = self.completable([-1] * self.k)  # for subsets that no constraint touches
        for subset in self.subsets:
            if free and not any(a in self.constrained for a in subset):
                continue
            for values in itertools.product(*(range(self.sizes[a]) for a in subset)):
                tup = tuple(zip(subset, values, strict=True))
                if not self.possible(tup):
                    found.append(self.tid(tup))
        return sorted(found)
