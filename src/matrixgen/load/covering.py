"""`cover: t` on a level or suite: its cells, its excludes as constraints, and its proof.

`load.cover` builds the rows; here they get names. An exclude is a constraint of every
covering suite it can match: no cell matches it, and it counts as used (not stale) when
it matches some combination of the suite's axes, whether or not the cover would have
picked one. validate proves each cover (every t-tuple the rules allow is in a cell) and
names the t-tuples the excludes make impossible, as warnings (`cover_warnings`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Protocol

from matrixgen.errors import Problem
from matrixgen.load.document import Document, PathKey
from matrixgen.load.model import MatrixFile
from matrixgen.load.tuples import Pattern

if TYPE_CHECKING:  # the construction is imported where a level has `cover:` (load time)
    from matrixgen.load.covered import Covered


class Suite(Protocol):
    """What a cover needs of a suite (`load.expand.SuiteSpec`, which imports this module)."""

    @property
    def level(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def axes(self) -> tuple[tuple[str, tuple[str, ...]], ...]: ...
    @property
    def pins(self) -> Mapping[str, str]: ...
    @property
    def cover(self) -> int | None: ...
    @property
    def suite_count(self) -> int: ...


SHOWN = 8  # impossible tuples named in full per suite; the rest are counted


def patterns(model: MatrixFile, spec: Suite, hits: list[int]) -> tuple[list[Pattern], list[int]]:
    """The excludes that can match cells of the suite, as patterns over its axes; each one
    found counts as a hit of its exclude."""
    position = {axis: (i, values) for i, (axis, values) in enumerate(spec.axes)}
    found: list[Pattern] = []
    rules: list[int] = []
    for index, rule in enumerate(model.exclude):
        pattern: list[tuple[int, tuple[int, ...]]] = []
        applies = True
        for key, wanted in rule.match.items():
            listed = wanted if isinstance(wanted, list) else [wanted]
            if key in position:
                axis, values = position[key]
                chosen = tuple(i for i, value in enumerate(values) if value in listed)
                pattern.append((axis, chosen))
                applies = applies and bool(chosen)
            else:
                have = {"level": spec.level, "suite": spec.name}.get(key, spec.pins.get(key))
                applies = applies and have is not None and have in listed
        if applies:
            hits[index] += 1
            found.append(tuple(sorted(pattern)))
            rules.append(index)
    return found, rules


def _where(spec_level: str, spec_suite: str, model: MatrixFile) -> PathKey:
    level = model.levels[spec_level]
    if level.suites and spec_suite in level.suites and level.suites[spec_suite].cover:
        return ("levels", spec_level, "suites", spec_suite, "cover")
    return ("levels", spec_level, "cover")


def check_cover_fields(
    doc: Document, model: MatrixFile, specs: Sequence[Suite]
) -> Iterator[Problem]:
    """`cover: t` needs more than t axes to span (with t axes it is the product)."""
    for spec in specs:
        if spec.cover is None:
            continue
        where = _where(spec.level, spec.name, model)
        spanned = [axis for axis, _ in spec.axes]
        named = f"{len(spanned)} ax{'is' if len(spanned) == 1 else 'es'}" + (
            f" ({', '.join(spanned)})" if spanned else ""
        )
        whose = (
            f"suite {spec.name} of level {spec.level}"
            if spec.suite_count > 1
            else (f"level {spec.level}")
        )
        if len(spanned) <= spec.cover:
            fix = f"lower it to {len(spanned) - 1}" if len(spanned) > 2 else "drop `cover:`"
            yield doc.problem(
                where,
                f"cover: {spec.cover} covers every combination of {spec.cover} axes, and "
                f"{whose} spans {named}, so its cells would be the full product; a cover "
                f"needs more axes than its strength: {fix}",
            )


def cover_warnings(doc: Document, model: MatrixFile, covers: Sequence[Covered]) -> list[Problem]:
    """The t-tuples the excludes leave in no allowed cell, per covering suite."""
    warnings = []
    for covered in covers:
        impossible = covered.proof().impossible
        if not impossible:
            continue
        direct: dict[int, list[int]] = {}
        for pattern, rule in zip(covered.patterns, covered.rules, strict=True):
            for number, tup in enumerate(impossible):
                values = dict(tup)
                if all(a in values and values[a] in allowed for a, allowed in pattern):
                    direct.setdefault(number, []).append(rule)
        shown = []
        for number, tup in enumerate(impossible[:SHOWN]):
            rules = direct.get(number)
            why = (
                ", ".join(f"exclude[{i}]" for i in dict.fromkeys(rules))
                if rules
                else "the excludes together"
            )
            shown.append(f"{covered.words(tup)} ({why})")
        more = len(impossible) - len(shown)
        tail = f", and {more} more" if more else ""
        kind = "pair" if covered.strength == 2 else f"{covered.strength}-tuple"
        warnings.append(
            doc.problem(
                _where(covered.level, covered.suite, model),
                f"note: {len(impossible)} {kind}{'s' if len(impossible) != 1 else ''} can be "
                f"in no cell of {covered.name}, as excludes forbid them: "
                f"{'; '.join(shown)}{tail}; the cover holds every other {kind}",
            )
        )
    return warnings


def cover_problems(doc: Document, model: MatrixFile, covers: Sequence[Covered]) -> list[Problem]:
    """A cover that misses an allowed t-tuple is matrixgen's bug; say so, located."""
    problems = []
    for covered in covers:
        missing = covered.proof().missing
        if missing:  # pragma: no cover - the construction covers every possible tuple
            problems.append(
                doc.problem(
                    _where(covered.level, covered.suite, model),
                    f"internal error: the cover misses {covered.words(missing[0])}; "
                    "please report it",
                )
            )
    return problems


def docs_note(covers: Sequence[Covered]) -> str:
    """One line under the docs table naming the covering levels: their empty table cells
    are combinations the cover leaves out, not unsupported ones."""
    if not covers:
        return ""
    named = []
    for covered in covers:
        what = "pair" if covered.strength == 2 else f"combination of {covered.strength}"
        where = (
            covered.level
            if covered.suite == covered.level
            else (f"{covered.level} ({covered.suite})")
        )
        named.append(f"{where}: every {what} of values in some cell")
    return (
        "Covering arrays (`cover:`), not every combination: "
        + "; ".join(named)
        + ". A combination missing there is not run, not unsupported.\n"
    )
