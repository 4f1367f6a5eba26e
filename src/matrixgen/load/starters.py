"""Cover starters: a pairwise covering array of many-valued axes from one short vector.

After Meagher and Stevens, "Group construction of covering arrays" (2005), and Lobb,
Colbourn, Danziger, Stevens and Torres-Jimenez, "Cover starters for covering arrays of
strength two" (2012). Of the v symbols, m = v - f form the group Z_m and f are fixed. A
starter is a vector s of length L; the array's rows are its L cyclic shifts (row i,
column c: s[(c + i) mod L]), each developed by the group (add g mod m to every group
symbol, for each g; fixed symbols stay): L * m rows. Two columns at cyclic distance d
hold every pair of group symbols when the pairs (s[i], s[i + d]) show every difference
of Z_m, and every pair of a group symbol with a fixed symbol x when some such pair is
(group, x) and some is (x, group). Distances d and L - d are the same pairs read the
other way, so only d = 1..L/2 are checked. Pairs of two fixed symbols are left to the
caller (a covering array over the f fixed symbols, L * m + about f^2 rows in all).

The search is over one vector of L entries, so it is small: a tabu search (Nurmela's
scheme, as in `cover._Reducer`) takes a missing (distance, requirement) and makes the
change of one entry that leaves fewest missing, bounded by counted steps.
"""

from __future__ import annotations

from collections.abc import Callable

Below = Callable[[int], int]  # a number in 0..bound-1 from a fixed generator

TENURE = 3  # steps an entry stays unchanged after a change
SAMPLE = 32  # changes weighed per step, at most


def find(length: int, m: int, f: int, steps: int, below: Below) -> list[int] | None:
    """A starter of `length` over Z_m and f fixed symbols (m..m+f-1), or None when
    `steps` tabu steps do not find one."""
    v = m + f
    need = m + 2 * f  # per distance: m differences, then (group, x) and (x, group) per x
    half = length // 2
    # counter[d][x][y]: the counter the pair (x, then y) at distance d adds to. Distance d
    # has counters d * need + 0..need-1: differences, (group, fixed), (fixed, group); a
    # pair of two fixed symbols adds to counter 0, which never reaches 0.
    counter = [[[0] * v for _ in range(v)] for _ in range(half + 1)]
    for d in range(1, half + 1):
        for x in range(v):
            for y in range(v):
                if x < m and y < m:
                    counter[d][x][y] = d * need + (y - x) % m
                elif x < m:
                    counter[d][x][y] = d * need + y
                elif y < m:
                    counter[d][x][y] = d * need + x + f
    # spots[i]: (the counters of distance d, the entry d after i, the entry d before i)
    spots = [
        [(counter[d], (i + d) % length, (i - d) % length) for d in range(1, half + 1)]
        for i in range(length)
    ]
    starter = [below(v) for _ in range(length)]
    count = [0] * ((half + 1) * need)
    count[0] = 4 * length * length  # above anything the pairs take away
    for i in range(length):
        for table, j, _ in spots[i]:
            count[table[starter[i]][starter[j]]] += 1
    missing = [x for x in range(need, len(count)) if count[x] == 0]
    where = {x: i for i, x in enumerate(missing)}

    def delta(i: int, new: int) -> int:
        """How many more counters would be 0 with `new` at entry i."""
        old, change = starter[i], 0
        for table, j, h in spots[i]:
            y, x = starter[j], starter[h]
            for lost, gained in ((table[old][y], table[new][y]), (table[x][old], table[x][new])):
                count[lost] -= 1
                change += count[lost] == 0
                change -= count[gained] == 0
                count[gained] += 1
        for table, j, h in spots[i]:
            y, x = starter[j], starter[h]
            count[table[old][y]] += 1
            count[table[new][y]] -= 1
            count[table[x][old]] += 1
            count[table[x][new]] -= 1
        return change

    def apply(i: int, new: int) -> None:
        old = starter[i]
        for table, j, h in spots[i]:
            y, x = starter[j], starter[h]
            for lost, gained in ((table[old][y], table[new][y]), (table[x][old], table[x][new])):
                count[lost] -= 1
                if count[lost] == 0:
                    where[lost] = len(missing)
                    missing.append(lost)
                if count[gained] == 0:
                    at = where.pop(gained)
                    last = missing.pop()
                    if last != gained:
                        missing[at] = last
                        where[last] = at
                count[gained] += 1
        starter[i] = new

    tabu = [0] * length
    fewest = len(missing)
    for step in range(1, steps + 1):
        if not missing:
            return starter
        d, shown = divmod(missing[below(len(missing))], need)
        options: list[tuple[int, int]] = []  # (entry, new symbol) that would show it
        for i in range(length):
            j = (i + d) % length
            x, y = starter[i], starter[j]
            if shown < m:
                if x < m:
                    options.append((j, (x + shown) % m))
                if y < m:
                    options.append((i, (y - shown) % m))
            elif shown < m + f:
                if x < m:
                    options.append((j, shown))
                if y == shown:
                    options.extend((i, g) for g in range(m))
            else:
                if y < m:
                    options.append((i, shown - f))
                if x == shown - f:
                    options.extend((j, g) for g in range(m))
        if len(options) > SAMPLE:  # a sample of them, so a step costs the same anywhere
            options = [options[below(len(options))] for _ in range(SAMPLE)]
        best: list[tuple[int, int]] = []
        best_change = len(count)
        for i, new in options:  # none is the entry's value: that pair would show it
            change = delta(i, new)
            if tabu[i] >= step and len(missing) + change >= fewest:
                continue  # tabu, unless it reaches a new best
            if change < best_change:
                best, best_change = [(i, new)], change
            elif change == best_change:
                best.append((i, new))
        if best:
            i, new = best[below(len(best))]
            apply(i, new)
            tabu[i] = step + TENURE
            fewest = min(fewest, len(missing))
    return starter if not missing else None


def develop(starter: list[int], k: int, m: int) -> list[list[int]]:
    """The starter's rows, first k columns: each cyclic shift, developed by Z_m."""
    length = len(starter)
    rows = []
    for i in range(length):
        shift = [starter[(c + i) % length] for c in range(k)]
        for g in range(m):
            rows.append([(x + g) % m if x < m else x for x in shift])
    return rows
