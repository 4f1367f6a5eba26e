"""Covering arrays: the cells of a `cover: t` level or suite (issue 24).

A covering array of strength t over axes of sizes n_1..n_k is a list of rows (one value
per axis) in which every combination of t values of t different axes appears at least
once. Forbidden patterns (from `exclude:`) are constraints: no row matches one, and a
t-tuple that no allowed row can hold is *impossible* and left out (validate names it).

The construction is pure Python over integers and is deterministic: no set iteration
order, no hash, and the one pseudo-random choice (where post-optimization starts its
scans) comes from a fixed xorshift generator, so the same input gives the same rows on
any machine and hash seed.

1. Greedy, one row at a time (AETG-like, deterministic): the row starts from an uncovered
   t-tuple holding the (axis, value) left in most uncovered tuples, then each other axis
   takes the value that covers most new tuples with the axes already set.
2. Post-optimization (after Nayeri, Colbourn and Konjevod, "Randomized post-optimization
   of covering arrays", 2013): a row whose uncovered-elsewhere tuples can all be moved into
   other rows, by changing entries those rows do not need, is deleted.
3. Stability: rows given to keep (a suite's `cells:`) come first and are never changed;
   the construction only completes them.

Tuples are numbered: each t-subset of axes has a base, and a tuple's id is the base plus
its values in mixed radix, so coverage is a bytearray / list of counts indexed by id.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

# A forbidden pattern: (axis, values) pairs; a row whose value on each of those axes is
# among the pattern's values is forbidden. Axes ascending, values ascending.
Pattern = tuple[tuple[int, tuple[int, ...]], ...]
Row = tuple[int, ...]
Tuple = tuple[tuple[int, int], ...]  # ((axis, value), ...), axes ascending


class _Xorshift:
    """A 64-bit xorshift generator: the same numbers on every platform and Python."""

    def __init__(self, seed: int) -> None:
        self.state = (seed * 0x9E3779B97F4A7C15 + 1) & 0xFFFFFFFFFFFFFFFF

    def below(self, bound: int) -> int:
        x = self.state
        x ^= (x << 13) & 0xFFFFFFFFFFFFFFFF
        x ^= x >> 7
        x ^= (x << 17) & 0xFFFFFFFFFFFFFFFF
        self.state = x
        return x % bound


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


@dataclass(frozen=True)
class Coverage:
    """A checked row set: the tuples it misses that rules allow, and those rules forbid."""

    missing: list[Tuple]
    impossible: list[Tuple]


def check(space: Space, rows: Iterable[Row]) -> Coverage:
    """Prove a row set: every possible t-tuple in some row, no row forbidden."""
    covered = bytearray(space.total)
    for row in rows:
        if space.violates(row):
            raise ValueError(f"row {row} matches a forbidden pattern")
        for tid in space.row_tids(row):
            covered[tid] = 1
    impossible = set(space.impossible())
    missing = [
        space.decode(tid)
        for tid in range(space.total)
        if not covered[tid] and tid not in impossible
    ]
    return Coverage(missing, [space.decode(tid) for tid in sorted(impossible)])


def only_covered_by(space: Space, rows: Sequence[Row]) -> list[list[Tuple]]:
    """For each row, the t-tuples no other row holds (what `explain` lists)."""
    count = [0] * space.total
    per_row = [space.row_tids(row) for row in rows]
    for tids in per_row:
        for tid in tids:
            count[tid] += 1
    return [[space.decode(tid) for tid in tids if count[tid] == 1] for tids in per_row]


# -- construction ------------------------------------------------------------------------


class _Builder:
    def __init__(self, space: Space) -> None:
        self.space = space
        self.covered = bytearray(space.total)
        self.left = [[0] * n for n in space.sizes]  # uncovered tuples holding (axis, value)
        self.remaining = 0
        self.rows: list[list[int]] = []
        self.limit: Sequence[int] = space.sizes

    def target(self, tids: Iterable[int]) -> None:
        """Make these tuples (not yet covered) the ones to cover now."""
        for tid in tids:
            self.remaining += 1
            for axis, value in self.space.decode(tid):
                self.left[axis][value] += 1

    def add(self, row: Sequence[int], wanted: bytearray) -> None:
        for tid in self.space.row_tids(row):
            if wanted[tid] and not self.covered[tid]:
                self.covered[tid] = 1
                self.remaining -= 1
                for axis, value in self.space.decode(tid):
                    self.left[axis][value] -= 1
            else:
                self.covered[tid] = 1
        self.rows.append(list(row))

    def greedy(self, wanted: bytearray, limit: Sequence[int]) -> None:
        """Rows until every wanted tuple is covered, using values below `limit` per axis."""
        space = self.space
        while self.remaining > 0:
            axis0, value0 = max(
                ((a, v) for a in range(space.k) for v in range(limit[a])),
                key=lambda av: (self.left[av[0]][av[1]], -av[0], -av[1]),
            )
            row = [-1] * space.k
            for axis, value in self._seed(wanted, axis0, value0):
                row[axis] = value
            self.limit = limit
            order = sorted(
                (a for a in range(space.k) if row[a] < 0),
                key=lambda a: (-max(self.left[a][: limit[a]]), a),
            )
            for axis in order:
                row[axis] = self._best(row, axis, limit[axis], wanted)
            self.add(row, wanted)

    def _seed(self, wanted: bytearray, axis0: int, value0: int) -> Tuple:
        space = self.space
        for index, _stride in space.touching[axis0]:
            base = space.base[index]
            subset = space.subsets[index]
            size = 1
            for a in subset:
                size *= space.sizes[a]
            for tid in range(base, base + size):
                if wanted[tid] and not self.covered[tid]:
                    tup = space.decode(tid)
                    if dict(tup)[axis0] == value0:
                        return tup
        raise AssertionError("an (axis, value) left in a tuple has an uncovered tuple")

    def _best(self, row: list[int], axis: int, limit: int, wanted: bytearray) -> int:
        space = self.space
        gains = [0] * limit
        assigned = [a for a in range(space.k) if row[a] >= 0]
        covered = self.covered
        if space.t == 2:
            pairs = space.pair[axis]
            for other in assigned:
                base, stride, other_stride = pairs[other]
                start = base + row[other] * other_stride
                for value in range(limit):
                    tid = start + value * stride
                    if wanted[tid] and not covered[tid]:
                        gains[value] += 1
            assigned = []  # done: the general loop below has nothing left
        for others in itertools.combinations(assigned, space.t - 1):
            subset = tuple(sorted((*others, axis)))
            index = space.index_of[subset]
            start = space.base[index]
            stride = 0
            for a, s in zip(subset, space.strides[index], strict=True):
                if a == axis:
                    stride = s
                else:
                    start += row[a] * s
            for value in range(limit):
                tid = start + value * stride
                if wanted[tid] and not self.covered[tid]:
                    gains[value] += 1
        best, best_key = -1, (-1, -1)
        for value in range(limit):
            key = (gains[value], self.left[axis][value])
            if key > best_key:
                if axis in space.constrained:
                    row[axis] = value
                    ok = space.completable(row, self.limit)
                    row[axis] = -1
                    if not ok:
                        continue
                best, best_key = value, key
        if best < 0:  # pragma: no cover - the seed tuple was possible, so a value fits
            raise AssertionError("no value completes the row")
        return best


class _Optimizer:
    """Delete rows whose needed tuples fit into other rows' spare entries."""

    def __init__(self, space: Space, rows: list[list[int]], frozen: int, seed: int) -> None:
        self.space = space
        self.rows = rows
        self.frozen = frozen  # rows before this index are never changed or removed
        self.tids = [space.row_tids(row) for row in rows]
        self.count = [0] * space.total
        for tids in self.tids:
            for tid in tids:
                self.count[tid] += 1
        self.random = _Xorshift(seed)

    def run(self, passes: int) -> None:
        idle = 0
        while idle < passes and len(self.rows) > self.frozen + 1:
            removed = False
            order = sorted(
                range(self.frozen, len(self.rows)),
                key=lambda r: (sum(self.count[t] == 1 for t in self.tids[r]), -r),
            )
            for position in order:
                row = self.rows[position]
                if row and self._remove(position):
                    removed = True
            self.tids = [t for t, row in zip(self.tids, self.rows, strict=True) if row]
            self.rows[:] = [row for row in self.rows if row]
            idle = 0 if removed else idle + 1

    def _remove(self, position: int) -> bool:
        tids = self.tids[position]
        count = self.count
        for tid in tids:
            count[tid] -= 1
        saved = self.rows[position]
        self.rows[position] = []  # out of the scans while its tuples move
        for tid in tids:
            if count[tid] == 0 and not self._place(tid):
                self.rows[position] = saved
                for back in tids:
                    count[back] += 1
                return False
        return True

    def _place(self, tid: int) -> bool:
        tup = self.space.decode(tid)
        rows = self.rows
        n = len(rows)
        start = self.frozen + self.random.below(max(1, n - self.frozen))
        by_misses: list[list[tuple[int, list[tuple[int, int]]]]] = [
            [] for _ in range(self.space.t + 1)
        ]
        for r in itertools.chain(range(start, n), range(self.frozen, start)):
            row = rows[r]
            if row:
                change = [(a, v) for a, v in tup if row[a] != v]
                if len(change) == 1 and self._change(r, change):
                    return True
                by_misses[len(change)].append((r, change))
        for group in by_misses[2:]:
            for r, change in group:
                if self._change(r, change):
                    return True
        return False

    def _change(self, r: int, change: list[tuple[int, int]]) -> bool:
        space = self.space
        count = self.count
        tids = self.tids[r]
        if len(change) == 1:
            touched: Iterable[int] = [index for index, _ in space.touching[change[0][0]]]
        else:
            touched = dict.fromkeys(i for a, _ in change for i, _ in space.touching[a])
        for index in touched:
            if count[tids[index]] < 2:
                return False
        row = self.rows[r]
        if space.patterns:
            new = list(row)
            for axis, value in change:
                new[axis] = value
            if any(space.violates(new, axis) for axis, _ in change):
                return False
        for axis, value in change:
            row[axis] = value
        subsets, bases, strides = space.subsets, space.base, space.strides
        for index in touched:
            count[tids[index]] -= 1
            tid = bases[index]
            for a, s in zip(subsets[index], strides[index], strict=True):
                tid += row[a] * s
            tids[index] = tid
            count[tid] += 1
        return True


def cover(
    sizes: Sequence[int],
    t: int,
    forbidden: Iterable[Pattern] = (),
    *,
    keep: Sequence[Row] = (),
    passes: int | None = None,
) -> list[Row]:
    """Rows (value indexes per axis) covering every possible t-tuple, none forbidden.

    `keep`: rows that come first, as given, and are never changed or removed (the rest
    only completes them); each must be allowed. The rows added come out sorted, so their
    order does not depend on how they were found.
    """
    space = Space(sizes, t, forbidden)
    if t == 2 and not space.patterns and not keep and all(n == 2 for n in space.sizes):
        return binary_pairs(space.k)
    builder = _Builder(space)
    wanted = bytearray(space.total)
    impossible = set(space.impossible())
    todo = [tid for tid in range(space.total) if tid not in impossible]
    for tid in todo:
        wanted[tid] = 1
    builder.target(todo)
    for row in keep:
        if space.violates(row):
            raise ValueError(f"row {row} to keep matches a forbidden pattern")
        builder.add(row, wanted)
    builder.greedy(wanted, space.sizes)
    rows = builder.rows
    if passes is None:
        # Idle passes before post-optimization stops: more pay off on a CI-sized matrix
        # (3^13: 18 -> 17 rows), cost seconds on a big one (10^20: 204 rows, each pass over all).
        passes = 6 if space.total <= 10_000 else 2
    _Optimizer(space, rows, len(keep), len(rows)).run(passes)
    return [*(tuple(row) for row in keep), *sorted(tuple(row) for row in rows[len(keep) :])]


def binary_pairs(k: int) -> list[Row]:
    """The smallest pairwise covering array of k two-valued axes (Kleitman and Spencer;
    Katona, 1973): N rows where C(N-1, ceil(N/2)) >= k; a row of zeros, and as columns
    the characteristic vectors of distinct ceil(N/2)-subsets of the other N-1 rows. Two
    such subsets meet (01, 10, 11) and neither holds the other (the zero row gives 00)."""
    n = 4
    while math.comb(n - 1, (n + 1) // 2) < k:
        n += 1
    columns = itertools.islice(itertools.combinations(range(1, n), (n + 1) // 2), k)
    grid = [[0] * k for _ in range(n)]
    for axis, subset in enumerate(columns):
        for r in subset:
            grid[r][axis] = 1
    return sorted(tuple(row) for row in grid)


def patterns_of(
    axes: Sequence[tuple[str, Sequence[str]]], matches: Iterable[Mapping[str, Sequence[str]]]
) -> list[Pattern]:
    """Forbidden patterns over `axes` from exclude matches already narrowed to these axes
    (every key an axis here, every value list nonempty)."""
    position = {name: (i, list(values)) for i, (name, values) in enumerate(axes)}
    found = []
    for match in matches:
        pattern = []
        for name, wanted in match.items():
            axis, values = position[name]
            pattern.append((axis, tuple(sorted(values.index(v) for v in wanted if v in values))))
        found.append(tuple(sorted(pattern)))
    return found
