"""Reference problems of a document that fails the schema, so validate reports both at once.

The parts pydantic rejects are dropped (deepest first, a bounded number of rounds) until
what remains validates; the reference checks then run on that model. A problem is kept
only where it is not a consequence of the dropping:
- a name that was declared but dropped (a level, suite, axis, value or service with a
  schema error) is still known: the checks run again with stand-ins for those names, and
  only problems that both runs report, at one place, are kept (with the second wording);
- a problem about a part that lost a piece (an include whose `suite:` was dropped) is
  left out: what the piece said is unknown.
The expansion and stale-rule checks do not run: they need the whole matrix.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import ValidationError

from matrixgen.errors import Problem
from matrixgen.load.compiled import validate
from matrixgen.load.document import Document, PathKey, format_path
from matrixgen.load.fields import NAME_PATTERN
from matrixgen.load.loader import data_path, short_form_problems
from matrixgen.load.model import Axis, AxisValue, Level, MatrixFile, Service, Suite
from matrixgen.load.references import check_references

MAX_ROUNDS = 16
T = TypeVar("T")
_STAND_IN_LEVEL = "matrixgen-stand-in"  # lets a model validate without `levels:`; removed after


def salvage(doc: Document) -> list[Problem]:
    """Reference problems of `doc`, whose schema check failed, that the schema errors
    did not cause; none when too little of the document validates."""
    if not isinstance(doc.data, dict):
        return []
    dropped: set[PathKey] = set(short_form_problems(doc))
    for _ in range(MAX_ROUNDS):
        data, back = _without(doc.data, dropped)
        # Stand-ins where the schema errors already say what to write.
        filled = {"version": 1, "levels": data.get("levels") or {_STAND_IN_LEVEL: {"run": "_"}}}
        try:
            model = validate(MatrixFile, {**data, **filled})
        except ValidationError as error:
            found = _offending(data, error.errors(include_url=False))
            if not found or not found <= back.keys() or () in found:
                return []
            dropped |= {back[path] for path in found}
            continue
        if not data.get("levels"):
            model = model.model_copy(update={"levels": {}})
        return _kept(doc, _Pruned(doc.file, data, original=doc, back=back), model, dropped)
    return []


def _without(node: Any, dropped: set[PathKey]) -> tuple[Any, dict[PathKey, PathKey]]:
    """A copy of `node` without the `dropped` paths, and where each path of the copy was
    in `node` (list items after a dropped one move up)."""
    back: dict[PathKey, PathKey] = {}

    def copy(value: Any, old: PathKey, new: PathKey) -> Any:
        back[new] = old
        if isinstance(value, dict):
            return {
                k: copy(v, (*old, k), (*new, k))
                for k, v in value.items()
                if (*old, k) not in dropped
            }
        if isinstance(value, list):
            kept: list[Any] = []
            for i, item in enumerate(value):
                if (*old, i) not in dropped:
                    kept.append(copy(item, (*old, i), (*new, len(kept))))
            return kept
        return value

    return copy(node, (), ()), back


def _offending(data: Any, errors: Iterable[Any]) -> set[PathKey]:
    """The parts to drop: each error's place (for a missing key, the mapping that lacks it),
    deepest first: a union reports an error on a parent of the item that is wrong."""
    paths = {data_path(data, error["loc"]) for error in errors}
    return {p for p in paths if not any(len(q) > len(p) and q[: len(p)] == p for q in paths)}


@dataclass
class _Pruned(Document):
    """The pruned data; its problems are located and named as in the original document."""

    original: Document = field(default_factory=lambda: Document("", None))
    back: dict[PathKey, PathKey] = field(default_factory=dict)  # pruned path -> original

    def problem(self, path: PathKey, message: str, *, key: bool = False) -> Problem:
        end = len(path)
        while end and path[:end] not in self.back:  # a path the checks make up, not in data
            end -= 1
        original = (*self.back.get(path[:end], path[:end]), *path[end:])
        return self.original.problem(original, message, key=key)


def _kept(
    doc: Document, pruned: Document, model: MatrixFile, dropped: set[PathKey]
) -> list[Problem]:
    found = check_references(pruned, model)
    if not dropped:
        return found
    places = {(p.line, p.column, p.path) for p in found}
    declared = check_references(pruned, _with_stand_ins(model, doc))
    # A part that lost a piece: an ancestor of a dropped path. The values of a short-form
    # axis (`b: [x, y]`) are `axes.b.values` to the checks.
    lost_a_piece = {format_path(path[:end]) for path in dropped for end in range(1, len(path))}
    lost_a_piece |= {
        format_path((*path[:2], "values"))
        for path in dropped
        if path[0] == "axes" and len(path) > 2
    }
    return [
        p for p in declared if (p.line, p.column, p.path) in places and p.path not in lost_a_piece
    ]


def _names(doc: Document, path: PathKey) -> list[str]:
    """The valid names declared at `path`: a mapping's keys, or the items of a short-form
    list as written (`on` is a name to its author, though YAML reads it as true)."""
    node: Any = doc.data
    for part in path:
        found = isinstance(node, dict) and part in node
        node = node[part] if found else None
    if isinstance(node, dict):
        names = [key for key in node if isinstance(key, str)]
    elif isinstance(node, list):
        names = [doc.scalars.get((*path, i), item) for i, item in enumerate(node)]
    else:
        return []
    return [name for name in names if isinstance(name, str) and re.match(NAME_PATTERN, name)]


def _with_stand_ins(model: MatrixFile, doc: Document) -> MatrixFile:
    """`model` with a stand-in for every name the raw document declares but the model lost,
    in the document's order (did-you-mean and "use one of" lists follow it)."""
    axes: dict[str, Axis] = {}
    raw_axes = doc.data.get("axes")
    for name, axis in _in_order(_names(doc, ("axes",)), model.axes, _empty_axis).items():
        long_form = isinstance(raw_axes, dict) and isinstance(raw_axes.get(name), dict)
        values = _names(doc, ("axes", name, "values") if long_form else ("axes", name))
        axes[name] = axis.model_copy(update={"values": _in_order(values, axis.values, AxisValue)})
    services = _in_order(_names(doc, ("services",)), model.services, Service.model_construct)
    levels: dict[str, Level] = {}
    for name, level in _in_order(
        _names(doc, ("levels",)), model.levels, Level.model_construct
    ).items():
        suites = _names(doc, ("levels", name, "suites"))
        if suites:
            level = level.model_copy(
                update={"suites": _in_order(suites, level.suites or {}, Suite)}
            )
        levels[name] = level
    return model.model_copy(update={"axes": axes, "services": services, "levels": levels})


def _empty_axis() -> Axis:
    return Axis.model_construct(values={})


def _in_order(names: list[str], kept: dict[str, T], stand_in: Callable[[], T]) -> dict[str, T]:
    """`kept` with a stand-in for each of `names` it lacks, in the order of `names`."""
    ordered = {name: kept[name] if name in kept else stand_in() for name in names}
    return {**ordered, **{name: item for name, item in kept.items() if name not in ordered}}
