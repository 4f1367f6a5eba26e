"""A pairwise cover that growth extends: built axis by axis in declared order.

The common change of a matrix is growth: an axis appended to a level, a value to an axis.
A cover searched for as a whole (load/cover.py) answers either with other cells, so job
names churn. This construction follows In-Parameter-Order (Lei and Tai, 1998) over the
axes as declared: step j gives axis j a value in each row (the value covering most
missing pairs with the axes before it), then adds rows, or fills in entries left open,
for the pairs of axis j still missing. Nothing at step j looks past axis j, so an axis
appended to the level leaves steps 0..j as they were: each old cell lives on with the new
axis's value added, except where the new step fills in an entry an old row left open. A
value appended to an axis changes the steps from that axis on, less when the axis is late.
Rows whose pairs all are in other rows are dropped at the end, the last first.

Forbidden patterns are respected as in `cover` (a value is set only where the row can
still be completed to an allowed one), and rows given to keep come first, unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence

from matrixgen.load.tuples import Row, Space


def in_order(space: Space, keep: Sequence[Row]) -> list[list[int]]:
    """Kept rows, then rows covering every pair the rules allow (strength 2)."""
    k = space.k
    covered = bytearray(space.total)
    impossible = set(space.impossible())
    for kept in keep:
        for tid in space.row_tids(kept):
            covered[tid] = 1
    rows: list[list[int]] = []
    if not keep and space.completable([0] * k):
        rows.append([-1] * k)  # the first values together
        for axis in range(k):
            _set(space, covered, rows[0], axis, 0)
    for j in range(1, k):
        wanted = _wanted(space, covered, impossible, j)
        for row in rows:  # horizontal growth: a value of axis j in each row
            if row[j] < 0:
                value = _best_value(space, covered, wanted, row, j)
                if value >= 0:
                    _set(space, covered, row, j, value)
        for a, x, y in wanted:  # vertical growth: the pairs still missing
            if covered[_tid(space, a, x, j, y)]:
                continue
            for row in rows:
                if row[a] in (-1, x) and row[j] in (-1, y):
                    old = row[a], row[j]
                    row[a], row[j] = x, y
                    fits = space.completable(row)
                    row[a], row[j] = old
                    if fits:
                        break
            else:
                row = [-1] * k
                rows.append(row)
            _set(space, covered, row, a, x)
            _set(space, covered, row, j, y)
    for row in rows:  # entries no pair needed: the first value that fits
        for axis in range(k):
            if row[axis] < 0:
                _set(space, covered, row, axis, _fill(space, row, axis))
    return [*(list(kept) for kept in keep), *_needed(space, keep, rows)]


def _needed(space: Space, keep: Sequence[Row], rows: list[list[int]]) -> list[list[int]]:
    """The rows without those, last first, whose pairs all are in other rows too."""
    count = [0] * space.total
    tids = [space.row_tids(row) for row in [*keep, *rows]]
    for row_tids in tids:
        for tid in row_tids:
            count[tid] += 1
    dropped = set()
    for position in range(len(rows) - 1, -1, -1):
        row_tids = tids[len(keep) + position]
        if all(count[tid] > 1 for tid in row_tids):
            dropped.add(position)
            for tid in row_tids:
                count[tid] -= 1
    return [row for position, row in enumerate(rows) if position not in dropped]


def _tid(space: Space, a: int, x: int, b: int, y: int) -> int:
    base, sa, sb = space.pair[a][b]
    return base + x * sa + y * sb


def _set(space: Space, covered: bytearray, row: list[int], axis: int, value: int) -> None:
    """Set an entry and mark its pairs with the row's other set entries covered."""
    row[axis] = value
    for other, other_value in enumerate(row):
        if other != axis and other_value >= 0:
            covered[_tid(space, axis, value, other, other_value)] = 1


def _wanted(
    space: Space, covered: bytearray, impossible: set[int], j: int
) -> list[tuple[int, int, int]]:
    """The missing pairs of axis j with an axis a before it, as (a, a's value, j's value),
    in order."""
    found = []
    for a in range(j):
        for x in range(space.sizes[a]):
            for y in range(space.sizes[j]):
                tid = _tid(space, a, x, j, y)
                if not covered[tid] and tid not in impossible:
                    found.append((a, x, y))
    return found


def _best_value(
    space: Space, covered: bytearray, wanted: list[tuple[int, int, int]], row: list[int], j: int
) -> int:
    """Axis j's value in `row` covering most missing pairs with the axes before it (the
    first on a tie) among those the row can be completed with; -1 when none gains."""
    gains = [0] * space.sizes[j]
    for a, x, y in wanted:
        if row[a] == x and not covered[_tid(space, a, x, j, y)]:
            gains[y] += 1
    best, best_gain = -1, 0
    for y, gain in enumerate(gains):
        if gain > best_gain:
            row[j] = y
            if space.completable(row):
                best, best_gain = y, gain
            row[j] = -1
    return best


def _fill(space: Space, row: list[int], axis: int) -> int:
    """The first value of `axis` the row can be completed with."""
    for value in range(space.sizes[axis]):
        row[axis] = value
        fits = space.completable(row)
        row[axis] = -1
        if fits:
            return value
    raise AssertionError("a completable row has a value for every axis")  # pragma: no cover
