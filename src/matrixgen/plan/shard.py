"""`matrixgen shard`: pack cells into K duration-balanced shards.

The plan is made in three steps on plain data (cell id -> seconds):
1. LPT: longest cell first, each into the least loaded shard; among shards tied for
   least load, the one that already starts most of the cell's services.
2. Balance: move or swap cells between the most loaded shard and each other shard while
   that lowers the pair's larger load. LPT alone can be 4/3 off the optimum; this closes
   most of the gap (see bench/shard.py).
3. Group: with the makespan now fixed, move or swap cells so that fewer shards start the
   same service, as long as no shard grows past the makespan ("costs no makespan").
Every step breaks ties by cell id, so the same input always gives the same plan.
"""

from __future__ import annotations

import bisect
import json
import statistics
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from matrixgen.outcome.durations import lower_bound
from matrixgen.outcome.durations import read as read_durations

if TYPE_CHECKING:
    from matrixgen.load.cells import Cell
    from matrixgen.load.matrix import Matrix

# Loads are sums of floats; an "improvement" smaller than this is rounding noise.
EPSILON = 1e-9
# Each step strictly improves the plan, so the loops end anyway; the caps bound the time.
MAX_STEPS = 10_000
# Two shards holding at most this many cells together are split anew by trying every way.
REPARTITION_CELLS = 12

# (seconds saved on the fuller shard, other shard, cells leaving the fuller, cells coming)
Exchange = tuple[float, int, tuple[str, ...], tuple[str, ...]]


@dataclass(frozen=True)
class Shard:
    cells: tuple[str, ...]
    seconds: float


@dataclass(frozen=True)
class Plan:
    shards: tuple[Shard, ...]
    lower_bound: float  # max(total / K, longest cell): no plan can finish sooner
    requested: int  # K as asked; len(shards) is smaller when there are fewer cells

    @property
    def makespan(self) -> float:
        return max((s.seconds for s in self.shards), default=0.0)

    @property
    def ratio(self) -> float:
        return self.makespan / self.lower_bound if self.lower_bound > 0 else 1.0

    def to_json(self) -> dict[str, Any]:
        return {
            "shards": [
                {"cells": list(s.cells), "seconds": round(s.seconds, 3)} for s in self.shards
            ],
            "lower_bound": round(self.lower_bound, 3),
            "makespan": round(self.makespan, 3),
            "ratio": round(self.ratio, 4),
            "requested": self.requested,
        }


def pack(
    durations: Mapping[str, float], k: int, services: Mapping[str, Collection[str]] | None = None
) -> Plan:
    """Shards of the cells in `durations` (id -> seconds), at most `k`, none empty.

    `services` (id -> service names) lets cells that share services land together where
    that costs no makespan. Cells keep the order of `durations` inside each shard.
    """
    if k < 1:
        raise ValueError(f"need at least one shard, got {k}")
    needs = {
        cell: frozenset(services.get(cell, ())) if services else frozenset() for cell in durations
    }
    bins = _packed(dict(durations), needs, min(k, len(durations)), ceiling=None)
    if any(needs.values()):
        # A second try that packs by shared services up to the first plan's makespan;
        # kept only when it starts fewer services and finishes no later.
        grouped = _packed(dict(durations), needs, len(bins.loads), ceiling=max(bins.loads))
        if max(grouped.loads) <= max(bins.loads) + EPSILON and grouped.starts < bins.starts:
            bins = grouped
    order = {cell: i for i, cell in enumerate(durations)}
    shards = tuple(
        Shard(tuple(sorted(members, key=order.__getitem__)), load)
        for members, load in zip(bins.members, bins.loads, strict=True)
    )
    return Plan(shards, lower_bound(list(durations.values()), k), k)


def _packed(
    durations: dict[str, float], needs: dict[str, frozenset[str]], k: int, ceiling: float | None
) -> _Bins:
    bins = _Bins(durations, needs, k)
    for cell in sorted(durations, key=lambda c: (-durations[c], c)):
        bins.place_longest_first(cell, ceiling)
    bins.balance()
    if any(needs.values()):
        bins.group()
    return bins


class _Bins:
    """Mutable shards during packing: members, loads, sorted (seconds, id) lists, service counts."""

    def __init__(
        self, durations: dict[str, float], needs: dict[str, frozenset[str]], k: int
    ) -> None:
        self.durations = durations
        self.needs = needs
        self.members: list[set[str]] = [set() for _ in range(k)]
        self.loads = [0.0] * k
        self.sorted: list[list[tuple[float, str]]] = [[] for _ in range(k)]
        self.started: list[Counter[str]] = [Counter() for _ in range(k)]

    def add(self, cell: str, shard: int) -> None:
        self.members[shard].add(cell)
        self.loads[shard] += self.durations[cell]
        bisect.insort(self.sorted[shard], (self.durations[cell], cell))
        self.started[shard].update(self.needs[cell])

    def remove(self, cell: str, shard: int) -> None:
        self.members[shard].discard(cell)
        self.loads[shard] -= self.durations[cell]
        self.sorted[shard].remove((self.durations[cell], cell))
        self.started[shard].subtract(self.needs[cell])
        self.started[shard] += Counter()  # drop services no cell of this shard needs any more

    @property
    def starts(self) -> int:
        """Service starts over all shards: what grouping cells by services saves."""
        return sum(len(+started) for started in self.started)

    def place_longest_first(self, cell: str, ceiling: float | None) -> None:
        """Into the least loaded shard (ties: fewest new services); with a ceiling, into the
        shard under it that starts fewest new services (ties: least loaded)."""
        empty = [i for i, m in enumerate(self.members) if not m]
        left = len(self.durations) - sum(len(m) for m in self.members)
        if empty and (ceiling is None or left <= len(empty)):
            self.add(cell, empty[0])  # so that no shard ends up empty
            return
        if ceiling is not None:
            seconds = self.durations[cell]
            fits = [i for i, load in enumerate(self.loads) if load + seconds <= ceiling + EPSILON]
            if fits:
                key = lambda i: (self.new_services(cell, i), self.loads[i], i)  # noqa: E731
                self.add(cell, min(fits, key=key))
                return
        least = min(self.loads)
        tied = [i for i, load in enumerate(self.loads) if load <= least + EPSILON]
        self.add(cell, min(tied, key=lambda i: (self.new_services(cell, i), i)))

    def new_services(self, cell: str, shard: int) -> int:
        return sum(1 for s in self.needs[cell] if not self.started[shard][s])

    def balance(self) -> None:
        for _ in range(MAX_STEPS):
            top = max(range(len(self.loads)), key=lambda i: (self.loads[i], -i))
            others = [
                i for i in range(len(self.loads)) if self.loads[top] - self.loads[i] > EPSILON
            ]
            best = self._best_exchange(top, others) or self._best_repartition(top, others)
            if best is None:
                return
            _, other, leaving, coming = best
            for cell in leaving:
                self.remove(cell, top)
                self.add(cell, other)
            for cell in coming:
                self.remove(cell, other)
                self.add(cell, top)

    def _best_exchange(self, top: int, others: list[int]) -> Exchange | None:
        best: Exchange | None = None
        for other in others:
            for gain, cell, swapped in self._exchanges(
                top, other, self.loads[top] - self.loads[other]
            ):
                if gain > EPSILON and (best is None or gain > best[0] + EPSILON):
                    best = (gain, other, (cell,), (swapped,) if swapped else ())
        return best

    def _best_repartition(self, top: int, others: list[int]) -> Exchange | None:
        """Split the cells of `top` and a small shard anew, as evenly as they allow.

        Moves and swaps of single cells miss exchanges such as two cells for one; with a
        few cells per shard (a matrix of ~2K cells) those decide the makespan.
        """
        best: Exchange | None = None
        for other in others:
            cells = [c for _, c in self.sorted[top] + self.sorted[other]]
            if len(cells) > REPARTITION_CELLS:
                continue
            seconds = [self.durations[c] for c in cells]
            total = sum(seconds)
            sums = [0.0]  # sums[mask]: seconds of the cells in mask
            for value in seconds:
                sums += [s + value for s in sums]
            full = len(sums) - 1
            mask = min(range(1, full), key=lambda m: (max(sums[m], total - sums[m]), m), default=0)
            gain = self.loads[top] - max(sums[mask], total - sums[mask])
            if mask and gain > EPSILON and (best is None or gain > best[0] + EPSILON):
                stay = {c for i, c in enumerate(cells) if mask >> i & 1}
                leaving = tuple(c for c in cells if c in self.members[top] and c not in stay)
                coming = tuple(c for c in cells if c in self.members[other] and c in stay)
                best = (gain, other, leaving, coming)
        return best

    def _exchanges(self, top: int, other: int, gap: float) -> list[tuple[float, str, str | None]]:
        """The best move of each of `top`'s cells to `other` (alone, or swapped for one cell).

        Moving `delta` seconds from top to other leaves the pair's larger load at
        load(top) - min(delta, gap - delta), so the best delta is the one nearest gap / 2.
        """
        found: list[tuple[float, str, str | None]] = []
        theirs = self.sorted[other]
        for seconds, cell in self.sorted[top]:
            if len(self.members[top]) > 1 and seconds < gap:
                found.append((min(seconds, gap - seconds), cell, None))
            at = bisect.bisect_left(theirs, (seconds - gap / 2, ""))
            for their_seconds, their_cell in theirs[max(at - 1, 0) : at + 1]:
                delta = seconds - their_seconds
                if 0 < delta < gap:
                    found.append((min(delta, gap - delta), cell, their_cell))
        return found

    def group(self) -> None:
        """Fewer service starts across shards, never a shard above the makespan."""
        ceiling = max(self.loads) + EPSILON
        cells = sorted(self.durations)
        where = {cell: i for i, members in enumerate(self.members) for cell in members}
        for _ in range(MAX_STEPS):
            if not self._group_step(cells, where, ceiling):
                return

    def _group_step(self, cells: list[str], where: dict[str, int], ceiling: float) -> bool:
        for cell in cells:
            here = where[cell]
            for there in range(len(self.loads)):
                if there == here:
                    continue
                if (
                    len(self.members[here]) > 1
                    and self.loads[there] + self.durations[cell] <= ceiling
                    and self._saving(cell, here, there) > 0
                ):
                    self.remove(cell, here)
                    self.add(cell, there)
                    where[cell] = there
                    return True
                for other in sorted(self.members[there]):
                    if self.needs[other] == self.needs[cell]:
                        continue  # swapping alike cells saves no service start
                    if self._swap_fits(cell, other, here, there, ceiling) and self._swap_saving(
                        cell, other, here, there
                    ):
                        self.remove(cell, here)
                        self.remove(other, there)
                        self.add(cell, there)
                        self.add(other, here)
                        where[cell], where[other] = there, here
                        return True
        return False

    def _saving(self, cell: str, here: int, there: int) -> int:
        """Service starts saved by moving `cell` from shard `here` to shard `there`."""
        freed = sum(1 for s in self.needs[cell] if self.started[here][s] == 1)
        return freed - self.new_services(cell, there)

    def _swap_fits(self, cell: str, other: str, here: int, there: int, ceiling: float) -> bool:
        delta = self.durations[cell] - self.durations[other]
        return self.loads[here] - delta <= ceiling and self.loads[there] + delta <= ceiling

    def _swap_saving(self, cell: str, other: str, here: int, there: int) -> bool:
        before = len(+self.started[here]) + len(+self.started[there])
        at_here = self.started[here] - Counter(self.needs[cell]) + Counter(self.needs[other])
        at_there = self.started[there] - Counter(self.needs[other]) + Counter(self.needs[cell])
        return len(at_here) + len(at_there) < before


@dataclass(frozen=True)
class Estimate:
    durations: dict[str, float]  # every selected cell, in selection order
    guessed: tuple[str, ...]  # cells without a record
    fill: float  # the seconds each guessed cell counts as


def estimate(cell_ids: Sequence[str], recorded: Mapping[str, float]) -> Estimate:
    """Recorded seconds per cell; a cell without a record counts as the median record.

    The median is taken over the selected cells' records, else over every record in the
    file (stale ids included: still a better guess than nothing), else 1 second.
    """
    known = [recorded[c] for c in cell_ids if c in recorded] or list(recorded.values())
    fill = statistics.median(known) if known else 1.0
    guessed = tuple(c for c in cell_ids if c not in recorded)
    return Estimate({c: recorded.get(c, fill) for c in cell_ids}, guessed, fill)


def format_plan(plan: Plan, cells: Sequence[Cell], guess: Estimate, source: str) -> str:
    services = {c.id: c.services for c in cells}
    lines = []
    if guess.guessed:
        lines.append(
            f"{len(guess.guessed)} of {len(cells)} cells have no duration in {source};"
            f" each counts as {guess.fill:.1f} s"
            + (" (the median of the recorded ones)" if len(guess.guessed) < len(cells) else "")
        )
    if len(plan.shards) < plan.requested:
        lines.append(
            f"{plan.requested} shards requested but only {len(cells)} cells selected:"
            f" {len(plan.shards)} shards of one cell each (a shard is never empty)"
        )
    for number, shard in enumerate(plan.shards, 1):
        started = sorted({s for cell in shard.cells for s in services[cell]})
        lines.append(
            f"shard {number}/{len(plan.shards)}: {shard.seconds:.1f} s, {len(shard.cells)} cells,"
            f" services: {', '.join(started) or '-'}"
        )
        lines.extend(f"  {cell}" for cell in shard.cells)
    total = sum(guess.durations.values())
    lines.append(
        f"makespan {plan.makespan:.1f} s; lower bound {plan.lower_bound:.1f} s"
        f" = max(total {total:.1f} s / {plan.requested}, longest cell"
        f" {max(guess.durations.values()):.1f} s); ratio {plan.ratio:.3f}"
    )
    return "\n".join(lines)


def shard_command(
    matrix: Matrix,
    cells: Sequence[Cell],
    *,
    shards: int,
    durations: Path | None,
    as_json: bool,
    echo: Callable[[str], Any],
) -> int:
    path = durations if durations is not None else matrix.root / "results" / "durations.json"
    recorded = read_durations(
        path, required=durations is not None, warn=lambda w: echo(f"warning: {w}")
    )
    guess = estimate([c.id for c in cells], recorded)
    plan = pack(guess.durations, shards, {c.id: c.services for c in cells})
    if as_json:
        echo(json.dumps(plan.to_json(), indent=2))
    else:
        echo(format_plan(plan, cells, guess, str(path)))
    return 0
