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
   Pairs without constraints instead use a bitset greedy with a few candidate rows per
   step (_pair_greedy), or a cover starter's rows where fewer (load/starters.py), and
   then a row-deleting tabu search (_Reducer, after Nurmela, "Upper bounds for covering
   arrays by tabu search", 2004), bounded by counted pair lookups that grow with the
   instance, not time. Known constructions come first where they apply with no
   constraint and no kept row (_construction): Kleitman-Spencer/Katona, orthogonal arrays
   over GF(q) (Bush, 1952), the 12-run Plackett-Burman design at t = 3 and its doubling.
3. Stability: rows given to keep (a suite's `cells:`) come first and are never changed;
   the construction only completes them. A cover of pairs over few axes is built in
   declared order instead (load/stable.py), so growth keeps its cells, when that costs at
   most a quarter more rows.

Tuples are numbered: each t-subset of axes has a base, and a tuple's id is the base plus
its values in mixed radix, so coverage is a bytearray / list of counts indexed by id.
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from operator import add, mul

from matrixgen.load import stable, starters
from matrixgen.load.tuples import Pattern, Row, Space, Tuple


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
        # the t-subsets a change of these axes touches, by the axes changed (computed once)
        self.touched: dict[tuple[int, ...], list[int]] = {}

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
        axes = tuple(a for a, _ in change)
        touched = self.touched.get(axes)
        if touched is None:
            touched = list(dict.fromkeys(i for a in axes for i, _ in space.touching[a]))
            self.touched[axes] = touched
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


# -- known constructions -----------------------------------------------------------------

# The 12-run Plackett-Burman design (Plackett and Burman, 1946): cyclic shifts of this
# generator and a row of zeros. Every 3 of its 11 columns hold all 8 binary triples
# (projectivity 3: Lin and Draper, 1992; Box and Tyssedal, 1996), and CAN(3, k, 2) = 12
# for 6 <= k <= 11, so for those it is a smallest strength-3 array.
_PB12 = (1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0)


def _construction(space: Space) -> list[Row] | None:
    """A smallest covering array from a known construction, when one applies (no
    constraints, no kept rows): two-valued axes at t = 2 (Kleitman-Spencer/Katona), an
    orthogonal array at t = 2 when the two largest axes have q values, q a prime power,
    and there are at most q + 1 axes (q^2 rows, the lower bound), the 12-run
    Plackett-Burman design for 6..11 two-valued axes at t = 3, and its doubling for
    12..22 (18 or 19 rows)."""
    sizes, k, t = space.sizes, space.k, space.t
    if t == 2 and all(n == 2 for n in sizes):
        return binary_pairs(k)
    if t == 2:
        q, second = sorted(sizes, reverse=True)[:2]
        if q == second and k <= q + 1 and (field := _field(q)) is not None:
            return orthogonal_array(q, k, field, sizes)
    if t == 3 and 6 <= k <= 22 and all(n == 2 for n in sizes):
        return _plackett_burman(k) if k <= 11 else _doubled(k)
    return None


def _plackett_burman(k: int) -> list[Row]:
    rows = [tuple(_PB12[(r + c) % 11] for c in range(k)) for r in range(11)]
    return sorted({*rows, (0,) * k})


def _doubled(k: int) -> list[Row]:
    """Strength 3 for 12..22 two-valued axes (Roux, 1987): with A of strength 3 and B of
    strength 2 over h = ceil(k / 2) axes, the rows (a, a) of A and (b, not b) of B, cut to
    k columns. Three columns within a half, or two and a third whose twin is not among
    them, are A's; columns i, j and the twin of i take (x, y, x) from A and (x, y, not x)
    from B. 2^20: 12 + 6 = 18 rows, the best known (Colbourn's tables)."""
    h = (k + 1) // 2
    rows = [(*a, *a)[:k] for a in _plackett_burman(h)]
    rows += [(*b, *(1 - x for x in b))[:k] for b in binary_pairs(h)]
    return sorted(set(rows))


def _field(q: int) -> tuple[list[list[int]], list[list[int]]] | None:
    """Addition and multiplication tables of GF(q), or None when q is not a prime power.

    Elements are the integers below q read as polynomials over GF(p) (base-p digits);
    multiplication is modulo the first monic polynomial of degree m (in numeric order)
    for which x is primitive, i.e. x's powers run through all q - 1 nonzero elements."""
    if q < 2 or q > 256:
        return None
    p = next(d for d in range(2, q + 1) if q % d == 0)
    m, rest = 0, q
    while rest % p == 0:
        rest //= p
        m += 1
    if rest != 1:
        return None

    def add(a: int, b: int) -> int:
        total, place = 0, 1
        while a or b:
            total += ((a % p + b % p) % p) * place
            a, b, place = a // p, b // p, place * p
        return total

    def times_x(a: int, tail: list[int]) -> int:
        # a * x modulo x^m - tail(x): the digit shifted out of degree m re-enters as tail
        top = a // p ** (m - 1)
        shifted = (a % p ** (m - 1)) * p
        digits = [(shifted // p**i) % p for i in range(m)]
        return sum(
            ((d + top * c) % p) * p**i for i, (d, c) in enumerate(zip(digits, tail, strict=True))
        )

    for code in range(q):  # x^m = tail, tail's digits from code
        tail = [(code // p**i) % p for i in range(m)]
        if m == 1:
            tail = [code]
        power, powers = 1, []
        for _ in range(q - 1):
            powers.append(power)
            power = times_x(power, tail) if m > 1 else (power * code) % p
        if power != 1 or len(set(powers)) != q - 1:
            continue
        log = {value: i for i, value in enumerate(powers)}
        plus = [[add(a, b) for b in range(q)] for a in range(q)]
        mul = [
            [0 if a == 0 or b == 0 else powers[(log[a] + log[b]) % (q - 1)] for b in range(q)]
            for a in range(q)
        ]
        return plus, mul
    return None  # pragma: no cover - GF(q) has a primitive element


def orthogonal_array(
    q: int,
    k: int,
    field: tuple[list[list[int]], list[list[int]]],
    sizes: Sequence[int] | None = None,
) -> list[Row]:
    """The q^2 rows (a, b) -> (a*x + b for each field element x, then a) of the
    orthogonal array OA(q^2; q + 1, q) (Bush, 1952), first k columns: any two columns
    hold each pair of values once. An axis with fewer values (`sizes`) takes its last
    value in place of larger ones, which keeps every pair it has."""
    plus, mul = field
    bound = sizes if sizes is not None else [q] * k
    rows = set()
    for a in range(q):
        for b in range(q):
            full = [*(plus[mul[a][x]][b] for x in range(q)), a]
            rows.add(tuple(min(full[c], bound[c] - 1) for c in range(k)))
    return sorted(rows)


# -- pairs without constraints: bitset greedy and row reduction ---------------------------

# Candidate rows per greedy step. The reduction's work (pair lookups) grows with the
# pairs to cover, between the bounds: 3^13 (702 pairs) gets 53k (16 rows; 15, the best
# known, takes 200k), 4^15 (1,680) 126k (29 rows; 30 with less), 4^1 3^39 2^35 (17,987)
# the most (25 rows; allpairspy 27); one deletion gets a quarter.
_CANDIDATES = 8
_WORK_PER_PAIR = 75
_WORK_BOUNDS = (20_000, 150_000)
# Cover starters: the options tried, the searches each gets, and their tabu steps. A
# search finds one within a few hundred steps or seldom at all, so fresh starts pay more
# than longer runs.
_STARTER_TRIES = 3
_STARTER_STARTS = 2
_STARTER_STEPS = 200


def _pairs(space: Space, keep: Sequence[Row]) -> list[list[int]]:
    """Pairs without constraints: the greedy's rows, or a cover starter's when fewer;
    then the reduction. With at most 2v axes of up to v >= 5 values a starter is tried
    first, and when one is found the greedy is not run (10^20: 167 rows against 204;
    5^10: 36 against 45)."""
    v = max(space.sizes)
    started = None
    if not keep and v >= 5 and space.k <= 2 * v:
        started = _from_starter(space, space.total)
    if started is not None:
        rows = started
    else:
        rows = _pair_greedy(space, keep)
        if not keep:
            started = _from_starter(space, len(rows))
            if started is not None and len(started) < len(rows):
                rows = started
    low, high = _WORK_BOUNDS
    work = min(high, max(low, _WORK_PER_PAIR * space.total))
    _Reducer(space, rows, len(keep), len(rows)).run(work, work // 4)
    return rows


def _from_starter(space: Space, bound: int) -> list[list[int]] | None:
    """Rows from a cover starter (load/starters.py) over v = the most values of an axis,
    completed by the greedy for the pairs of fixed symbols, when one promises fewer than
    `bound` rows: f fixed symbols up to v / 3, vectors of k to k + 2 entries (columns
    past k are dropped). An axis with fewer values takes its last in place of larger."""
    v, k = max(space.sizes), space.k
    options = []
    fixed: dict[int, list[Row]] = {}  # a cover of the fixed symbols' pairs, per f
    for f in range(1, (v + 1) // 3 + 1):
        fixed[f] = [(0,) * k] if f == 1 else cover([f] * k, 2)
        for length in range(k, k + 3):
            size = length * (v - f) + len(fixed[f])
            if v - f >= 2 and size < bound:
                options.append((size, f, length))
    random = _Xorshift(k * v)
    # The shortest vectors first: a longer one is rarely worth its search (10^20: 3 fixed
    # symbols over 20 entries would give 158 rows and is seldom found, 2 over 20 give
    # 168 and nearly always are, 3 over 21 would give 165 and are found half the time).
    for _size, f, length in sorted(options, key=lambda o: (o[2], o[0]))[:_STARTER_TRIES]:
        for _start in range(_STARTER_STARTS):
            found = starters.find(length, v - f, f, _STARTER_STEPS, random.below)
            if found is not None:
                developed = starters.develop(found, k, v - f)
                developed += [[v - f + x for x in row] for row in fixed[f]]
                rows = dict.fromkeys(
                    tuple(min(x, n - 1) for x, n in zip(row, space.sizes, strict=True))
                    for row in developed
                )
                return [list(row) for row in rows]
    return None


def _pair_greedy(space: Space, keep: Sequence[Row]) -> list[list[int]]:
    """Kept rows, then greedy rows until every pair is covered (AETG-like: Cohen, Dalal,
    Fredman and Patton, 1997). Uncovered pairs are bits: left[a][v] has bit (b, u) set
    while (a=v, b=u) is in no row, so a value's gain against the axes already set in a
    row is one AND and a popcount. Each step builds a few candidate rows (the first in
    axis order, the others in orders from the fixed generator) from an uncovered pair of
    the (axis, value) in most, and keeps the one covering most."""
    sizes, k = space.sizes, space.k
    offset = list(itertools.accumulate(sizes, initial=0))
    everything = (1 << offset[k]) - 1
    left = [[everything & ~(((1 << n) - 1) << offset[a])] * n for a, n in enumerate(sizes)]
    axis_of = [a for a, n in enumerate(sizes) for _ in range(n)]
    random = _Xorshift(k)
    rows: list[list[int]] = []

    def add(row: Sequence[int]) -> None:
        mask = 0
        for a, v in enumerate(row):
            mask |= 1 << (offset[a] + v)
        for a, v in enumerate(row):
            left[a][v] &= ~mask
        rows.append(list(row))

    for kept in keep:
        add(kept)
    while True:
        counts = [[bits.bit_count() for bits in values] for values in left]
        most, axis0, value0 = max(
            (count, -a, -v) for a, values in enumerate(counts) for v, count in enumerate(values)
        )
        if most == 0:
            return rows
        axis0, value0 = -axis0, -value0
        bit = (left[axis0][value0] & -left[axis0][value0]).bit_length() - 1
        axis1 = axis_of[bit]
        value1 = bit - offset[axis1]
        rest = [a for a in range(k) if a not in (axis0, axis1)]
        best: list[int] = []
        best_gain = -1
        for attempt in range(_CANDIDATES):
            order = list(rest)
            if attempt:
                for i in range(len(order) - 1, 0, -1):
                    j = random.below(i + 1)
                    order[i], order[j] = order[j], order[i]
            row = [0] * k
            row[axis0], row[axis1] = value0, value1
            mask = (1 << (offset[axis0] + value0)) | (1 << (offset[axis1] + value1))
            gain = 1
            for a in order:
                values, tie = left[a], counts[a]
                chosen, key = 0, -1
                for v in range(sizes[a]):
                    score = (values[v] & mask).bit_count() * everything.bit_length() + tie[v]
                    if score > key:
                        chosen, key = v, score
                row[a] = chosen
                gain += (values[chosen] & mask).bit_count()
                mask |= 1 << (offset[a] + chosen)
            if gain > best_gain:
                best, best_gain = row, gain
        add(best)


class _Reducer:
    """Fewer rows by local search (Nurmela's tabu search for covering arrays, 2004): the
    row holding fewest pairs alone is deleted, and the pairs it leaves uncovered are
    covered again by changing single entries: each step takes an uncovered pair (from the
    fixed generator), looks at the rows holding one of its two values, and makes the
    change that leaves fewest pairs uncovered, not undoing a change made in the last steps.
    A deletion not repaired within its share of the work is undone, and the search ends.
    The work is counted in pair lookups, not time, so the result is the same everywhere."""

    TENURE = 10

    def __init__(self, space: Space, rows: list[list[int]], frozen: int, seed: int) -> None:
        self.space = space
        self.rows = rows
        self.frozen = frozen
        # (a, b, base, stride of a, stride of b) of every pair of axes a < b
        self.spans = [(a, b, *space.pair[a][b]) for a, b in space.subsets]
        # the same, column by column, for _tids's maps
        self.firsts, self.seconds, self.bases, self.first_strides, self.second_strides = (
            list(column) for column in zip(*self.spans, strict=True)
        )
        self.span_of = [[0] * space.k for _ in range(space.k)]  # (a, b) -> its place
        for index, (a, b, *_) in enumerate(self.spans):
            self.span_of[a][b] = self.span_of[b][a] = index
        self.tids = [self._tids(row) for row in rows]  # each row's pairs, kept current
        self.count = [0] * space.total
        for row_tids in self.tids:
            for tid in row_tids:
                self.count[tid] += 1
        self.others = [[b for b in range(space.k) if b != a] for a in range(space.k)]
        self.random = _Xorshift(seed)
        self.uncovered: list[int] = []
        self.where: dict[int, int] = {}

    def _tids(self, row: Sequence[int]) -> list[int]:
        """The row's pair ids, in `spans` order (maps: a row of 75 axes is 2,775 pairs)."""
        first = map(mul, map(row.__getitem__, self.firsts), self.first_strides)
        second = map(mul, map(row.__getitem__, self.seconds), self.second_strides)
        return list(map(add, self.bases, map(add, first, second)))

    def _pair(self, tid: int) -> tuple[int, int, int, int]:
        """(a, a's value, b, b's value) of a pair id."""
        a, b, base, sa, sb = self.spans[bisect.bisect_right(self.bases, tid) - 1]
        va, rest = divmod(tid - base, sa)
        return a, va, b, rest // sb

    def run(self, work: int, deletion: int) -> None:
        """Delete rows while each deletion is repaired within `deletion` of the `work`."""
        rows, count = self.rows, self.count
        while len(rows) > self.frozen + 1 and work > 0:
            saved = [list(row) for row in rows]
            position = min(
                range(self.frozen, len(rows)),
                key=lambda r: (list(map(count.__getitem__, self.tids[r])).count(1), r),
            )
            rows.pop(position)
            for tid in self.tids.pop(position):
                count[tid] -= 1
                if count[tid] == 0:
                    self._lost(tid)
            budget = min(work, deletion)
            work -= budget - self._repair(budget)
            if self.uncovered:  # not repaired: back to the last complete rows
                rows[:] = saved
                return

    def _lost(self, tid: int) -> None:
        self.where[tid] = len(self.uncovered)
        self.uncovered.append(tid)

    def _found(self, tid: int) -> None:
        index = self.where.pop(tid)
        last = self.uncovered.pop()
        if last != tid:
            self.uncovered[index] = last
            self.where[last] = index

    def _repair(self, work: int) -> int:
        rows, count, pair, others = self.rows, self.count, self.space.pair, self.others
        tabu: dict[tuple[int, int], int] = {}
        step = 0
        while self.uncovered and work > 0:
            step += 1
            a, va, b, vb = self._pair(self.uncovered[self.random.below(len(self.uncovered))])
            best: list[tuple[int, int, int]] = []
            best_delta = -len(count)
            for r in range(self.frozen, len(rows)):
                row = rows[r]
                for axis, value, other, other_value in ((a, va, b, vb), (b, vb, a, va)):
                    if row[other] != other_value or tabu.get((r, axis), 0) >= step:
                        continue
                    old = row[axis]
                    delta = 0
                    for c in others[axis]:
                        base, stride, c_stride = pair[axis][c]
                        at = base + row[c] * c_stride
                        if count[at + value * stride] == 0:
                            delta += 1
                        if count[at + old * stride] == 1:
                            delta -= 1
                    work -= len(others[axis])
                    if delta > best_delta:
                        best, best_delta = [(r, axis, value)], delta
                    elif delta == best_delta:
                        best.append((r, axis, value))
            if best:
                moves = [best[self.random.below(len(best))]]
            else:  # no row holds either value: set both in some row
                r = self.frozen + self.random.below(len(rows) - self.frozen)
                moves = [(r, a, va), (r, b, vb)]
                work -= 1
            for r, axis, value in moves:
                self._move(r, axis, value)
                tabu[(r, axis)] = step + self.TENURE
        return work

    def _move(self, r: int, axis: int, value: int) -> None:
        row, count, pair = self.rows[r], self.count, self.space.pair
        row_tids, span_of = self.tids[r], self.span_of[axis]
        old = row[axis]
        if old == value:
            return
        for c in self.others[axis]:
            base, stride, c_stride = pair[axis][c]
            at = base + row[c] * c_stride
            gone = at + old * stride
            count[gone] -= 1
            if count[gone] == 0:
                self._lost(gone)
            new = at + value * stride
            if count[new] == 0:
                self._found(new)
            count[new] += 1
            row_tids[span_of[c]] = new
        row[axis] = value


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
    for row in keep:
        if space.violates(row):
            raise ValueError(f"row {row} to keep matches a forbidden pattern")
    if not space.patterns and not keep:
        known = _construction(space)
        if known is not None:
            return known
    searched = t == 2 and not space.patterns
    rows = _pairs(space, keep) if searched else _greedy(space, keep, passes)
    if t == 2 and space.k <= _STABLE_AXES:
        grown = stable.in_order(space, keep)
        if len(grown) * _STABLE_PRICE[1] <= len(rows) * _STABLE_PRICE[0]:
            rows = grown
    return [*(tuple(row) for row in keep), *sorted(tuple(row) for row in rows[len(keep) :])]


# A CI-sized cover of pairs (at most this many axes) is built in declared order
# (load/stable.py), so growth keeps its cells, when that costs at most a quarter more
# cells than the search: the README's 4 x 3 x 3 x 3 with two excludes is 14 cells, not
# 13, and a value added to backend (python) keeps 12 (7) of them, an axis of three values
# 12 of 14 as the cells' values on the old axes, where the search's cells kept 3 or 4.
_STABLE_AXES = 6
_STABLE_PRICE = (5, 4)


def _greedy(space: Space, keep: Sequence[Row], passes: int | None) -> list[list[int]]:
    """Kept rows, then greedy rows post-optimized: any strength, any constraints."""
    builder = _Builder(space)
    wanted = bytearray(space.total)
    impossible = set(space.impossible())
    todo = [tid for tid in range(space.total) if tid not in impossible]
    for tid in todo:
        wanted[tid] = 1
    builder.target(todo)
    for row in keep:
        builder.add(row, wanted)
    builder.greedy(wanted, space.sizes)
    rows = builder.rows
    if passes is None:
        # Idle passes before post-optimization stops: more pay off on a CI-sized matrix of
        # pairs (3^13: 18 -> 17 rows), cost seconds on a big one (10^20: 204 rows, each
        # pass over all) and at t = 3 find nothing more (3^6: 40 rows, 3^8: 52 after two).
        passes = 6 if space.total <= 10_000 and space.t == 2 else 2
    _Optimizer(space, rows, len(keep), len(rows)).run(passes)
    return rows


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
