"""GitHub Actions' expansion of a job's `strategy.matrix` into the jobs it runs.

Written from GitHub's documentation, "Running variations of jobs in a workflow"
(github/docs data/reusables/actions/jobs/: using-matrix-strategy.md,
multi-dimension-matrix.md, matrix-include.md, matrix-expand-with-include.md,
matrix-add-with-include.md, matrix-exclude.md):

1. The jobs are the cartesian product of the matrix's variables, the first variable
   varying slowest ("the first variable you define will be the first job").
2. `exclude` removes the combinations an entry matches; "an excluded configuration only
   has to be a partial match".
3. `include` comes after `exclude`. Each entry's pairs are added to every remaining
   combination it can extend "without overwriting any of the original matrix values";
   added values may be overwritten by later entries. An entry that extends no combination
   becomes a combination of its own. Only original combinations are extended, never
   one an earlier include created (the docs' `{fruit: banana, animal: cat}`).

Two details the documentation leaves open follow GitHub's own parser
(actions/runner src/Sdk/WorkflowParser/Conversion/MatrixBuilder.cs, commit 7aa2c99f):
an include entry's pairs whose key is a matrix variable decide which combinations it
extends, and the others are what it adds; and a filter matches leaf by leaf, each leaf
compared as the expression `matrix.<path> == <literal>`, so with the documented
expression rules ("Evaluate expressions in workflows and actions", Operators): loose
equality, strings compared ignoring case, differing types compared as numbers. A list
in a filter therefore never matches a plain value, and `python: 3.10` (YAML reads the
float 3.1) matches `"3.10"`.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterator, Mapping
from typing import Any

# "A matrix will generate a maximum of 256 jobs per workflow run."
MAX_JOBS = 256

Job = dict[str, Any]

# "Parsed from any legal JSON number format, otherwise NaN."
_JSON_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")


class MatrixError(ValueError):
    """A matrix GitHub refuses to expand."""


def expand(matrix: Mapping[str, Any]) -> list[Job]:
    """The jobs GitHub runs for one `strategy.matrix` mapping, in GitHub's order."""
    if not isinstance(matrix, Mapping):
        raise MatrixError(f"a matrix is a mapping, got {type(matrix).__name__}")
    variables = {k: v for k, v in matrix.items() if k not in ("include", "exclude")}
    for name, values in variables.items():
        if not isinstance(values, list) or not values:
            raise MatrixError(f"matrix variable '{name}' needs a non-empty list of values")
    excludes = _entries(matrix, "exclude")
    for entry in excludes:
        for key in entry:
            if key not in variables:
                raise MatrixError(f"exclude key '{key}' does not match any key within the matrix")
    includes = [
        (
            {k: v for k, v in e.items() if k in variables},
            {k: v for k, v in e.items() if k not in variables},
        )
        for e in _entries(matrix, "include")
    ]
    if not variables and not includes:
        raise MatrixError("the matrix has no variables and no include entries")

    used = [False] * len(includes)
    jobs: list[Job] = []
    for combination in _product(variables):
        if any(matches(entry, combination) for entry in excludes):
            continue
        job = dict(combination)
        for index, (selector, added) in enumerate(includes):
            if matches(selector, combination):  # the original values only
                used[index] = True
                job.update(added)
        jobs.append(job)
    jobs += [
        {**selector, **added} for (selector, added), u in zip(includes, used, strict=True) if not u
    ]
    if len(jobs) > MAX_JOBS:
        raise MatrixError(f"the matrix makes {len(jobs)} jobs; GitHub allows {MAX_JOBS}")
    return jobs


def matches(pattern: Mapping[str, Any], combination: Mapping[str, Any]) -> bool:
    """Whether every leaf of `pattern` equals, in GitHub's expression sense, the value at
    the same path of `combination` (a path it lacks holds null)."""
    return all(
        loosely_equal(_at(combination, path), leaf) for path, leaf in _leaves(dict(pattern), ())
    )


def loosely_equal(left: Any, right: Any) -> bool:
    """GitHub's `==`: same types compare directly (strings ignoring case); otherwise both
    sides become numbers (null 0, booleans 1/0, strings as JSON numbers, "" 0, else NaN).
    Objects and arrays equal only themselves, which no literal is."""
    kinds = (_kind(left), _kind(right))
    if kinds[0] == kinds[1]:
        if kinds[0] == "string":
            return bool(left.casefold() == right.casefold())
        if kinds[0] in ("array", "object"):
            return left is right
        return bool(left == right)
    return _number(left) == _number(right)  # NaN equals nothing


def _entries(matrix: Mapping[str, Any], key: str) -> list[dict[str, Any]]:
    entries = matrix.get(key) or []
    if not isinstance(entries, list):
        raise MatrixError(f"matrix {key} must be a list of mappings")
    for entry in entries:
        if not isinstance(entry, Mapping) or not entry:
            raise MatrixError(f"every matrix {key} entry must be a non-empty mapping")
    return [dict(entry) for entry in entries]


def _product(variables: Mapping[str, list[Any]]) -> Iterator[Job]:
    if not variables:  # an include-only matrix has no product at all
        return
    names = list(variables)
    for values in itertools.product(*variables.values()):
        yield dict(zip(names, values, strict=True))


def _leaves(value: Any, path: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], Any]]:
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from _leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, (*path, index))
    else:
        yield path, value


def _at(value: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        if isinstance(step, int) and isinstance(value, list):
            value = value[step] if step < len(value) else None
        elif isinstance(step, str) and isinstance(value, Mapping):
            value = value.get(step)
        else:
            return None
    return value


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _number(value: Any) -> float:
    kind = _kind(value)
    if kind == "null":
        return 0.0
    if kind in ("boolean", "number"):
        return float(value)
    if kind == "string":
        if value == "":
            return 0.0
        return float(value) if _JSON_NUMBER.fullmatch(value) else math.nan
    return math.nan
