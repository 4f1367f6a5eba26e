"""How many cells a matrix would make, counted before a single one is built.

`expand` builds the whole product of each suite before excludes remove cells, so a few
hundred bytes of matrix.yaml (eight axes of ten values) would make 10^8 cells, minutes and
gigabytes before the 256-jobs check (`references.check_expansion`) could say anything.
The product of each suite is a multiplication of list lengths; beyond the bounds here the
matrix is refused without expanding. The bounds hold before excludes, since excludes run
on built cells: a level may still shrink to GitHub's 256 jobs through excludes, but not
from more than `MAX_COMBINATIONS_PER_LEVEL`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from matrixgen.errors import Problem
from matrixgen.load.document import Document
from matrixgen.load.expand import SuiteSpec, suites
from matrixgen.load.model import MatrixFile

MAX_COMBINATIONS_PER_LEVEL = 10_000  # ~0.7 s of validate; far past any job list CI can run
MAX_COMBINATIONS = 50_000  # over all levels (aliases make thousands of levels cheap to write)


def combinations(spec: SuiteSpec) -> int:
    """Cells of the suite's product (or list): after a level's value restrictions, before
    excludes. For `cover: t`, the t-tuples to cover: what its construction's time grows
    with, and a bound on its cells."""
    if spec.cover is not None:
        return tuples(spec.cover, [len(values) for _, values in spec.axes])
    if spec.listed is not None:
        return len(spec.listed)
    return math.prod(len(values) for _, values in spec.axes)


def tuples(t: int, sizes: list[int]) -> int:
    """Combinations of t values of t different axes: the elementary symmetric sum."""
    sums = [1] + [0] * t
    for size in sizes:
        for j in range(t, 0, -1):
            sums[j] += sums[j - 1] * size
    return sums[t]


def _factors(spec: SuiteSpec) -> str:
    if spec.cover is not None:
        return f"the {spec.cover}-value combinations `cover: {spec.cover}` covers"
    if spec.listed is not None:
        return f"{_n(len(spec.listed))} listed in `cells:`"
    return " × ".join(f"{len(values)} {axis}" for axis, values in spec.axes)


def _n(count: int) -> str:
    return f"{count:,}"


def check_size(doc: Document, model: MatrixFile) -> Iterator[Problem]:
    """A located problem for each level over the bound, and one for the matrix as a whole."""
    by_level: dict[str, list[SuiteSpec]] = {}
    for spec in suites(model):
        by_level.setdefault(spec.level, []).append(spec)
    includes: dict[str, int] = {}
    for include in model.include:
        includes[include.level] = includes.get(include.level, 0) + 1
    total = 0
    over = False
    for level, specs in by_level.items():
        added = includes.get(level, 0)
        count = sum(combinations(spec) for spec in specs) + added
        total += count
        if count <= MAX_COMBINATIONS_PER_LEVEL:
            continue
        over = True
        if len(specs) == 1:
            made = f"({_factors(specs[0])})"
        else:
            made = "(" + ", ".join(f"suite {s.name}: {_n(combinations(s))}" for s in specs) + ")"
        plus = f" and {_n(added)} include{'s' if added > 1 else ''}" if added else ""
        yield doc.problem(
            ("levels", level),
            f"level '{level}' spans {_n(count)} combinations {made}{plus}, over matrixgen's "
            f"limit of {_n(MAX_COMBINATIONS_PER_LEVEL)} per level (counted before excludes; "
            "nothing was expanded); restrict its axes to the values it needs "
            "(`axes: {axis: [value, ...]}`), pin an axis with `with:`, or split it into levels",
            key=True,
        )
    if total > MAX_COMBINATIONS and not over:
        yield doc.problem(
            ("levels",),
            f"the levels span {_n(total)} combinations together, over matrixgen's limit of "
            f"{_n(MAX_COMBINATIONS)} (counted before excludes; nothing was expanded); "
            "restrict axes to the values each level needs, or remove levels",
            key=True,
        )
