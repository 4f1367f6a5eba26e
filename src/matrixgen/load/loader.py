"""Load matrix.yaml: read → parse → schema → references → expand → rule checks.

Every failure is a `ConfigError` holding all the problems found at the stage that
failed, each with file, line, column and key path.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from matrixgen.errors import ConfigError, Problem, did_you_mean
from matrixgen.load.compiled import validate
from matrixgen.load.document import Document, PathKey, parse, read_text
from matrixgen.load.fields import NAME_PATTERN
from matrixgen.load.model import MatrixFile
from matrixgen.load.source import DEFAULT_FILE as DEFAULT_FILE  # re-exported
from matrixgen.load.source import Source as Source
from matrixgen.load.source import locate as locate
from matrixgen.load.targets import TARGETS, models


def read_document(source: Source, text: str | None = None) -> Document:
    return parse(read_text(source.path, source.display) if text is None else text, source.display)


def validate_schema(doc: Document) -> MatrixFile:
    if not isinstance(doc.data, dict):
        raise ConfigError(
            [
                doc.problem(
                    (),
                    f"expected a mapping with `version: 1` and `levels:`, got {_kind(doc.data)}; "
                    "start the file with `version: 1`",
                )
            ]
        )
    try:
        model = validate(models()[1], doc.data)
    except ValidationError as error:
        raise ConfigError(schema_problems(doc, error.errors(include_url=False))) from None
    # The model silently merges a repeated short-form value (`[x, y, x]`); say so.
    repeated = short_form_problems(doc)
    if repeated:
        raise ConfigError(repeated.values())
    return model


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__  # pragma: no cover


def data_path(data: Any, loc: Sequence[str | int]) -> PathKey:
    """Map a pydantic loc onto the document, skipping union tags and validator names."""
    path: list[str | int] = []
    node = data
    for part in loc:
        in_mapping = isinstance(node, dict) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if in_mapping or in_list:
            path.append(part)
            node = node[part]
    return tuple(path)


_EXPECTED = {
    "string_type": "a string",
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "an integer",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true/false",
    "bool_parsing": "true/false",
    "dict_type": "a mapping",
    "list_type": "a list",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
}

# What to add when a required key is missing, by key name.
_MISSING_HINTS = {
    "version": "add `version: 1` at the top",
    "levels": "add `levels:` with at least one level",
    "reason": "add `reason:` saying why these cells are excluded (explain and the docs show it)",
    "match": "add `match: {axis: value}` naming the cells it applies to",
    "values": "add `values:` with at least one value",
    "command": "add `command: [program, args...]`",
    "level": "add `level:` naming the level the cell belongs to",
    "file": "add `file:` with the path to write",
    "rows": "add `rows:` with the axes that make the table's rows",
}


def unquoted(raw: str, value: Any) -> str:
    """Explain how YAML read an unquoted scalar that should have been text."""
    if isinstance(value, bool):
        read = f"the boolean {str(value).lower()}"
    elif isinstance(value, float) and raw != repr(value):
        read = f"the number {value!r}"
    elif value is None:
        read = "null (nothing)"
    else:
        read = "a number"
    return f'YAML reads the unquoted {raw} as {read}; quote it: "{raw}"'


def _got(value: Any) -> str:
    kind = _kind(value)
    if (
        isinstance(value, (str, int, float))
        and not isinstance(value, bool)
        and len(str(value)) < 40
    ):
        return f"{kind} ({value!r})"
    return kind


def _type_hint(expected: list[str], value: Any, path: PathKey = ()) -> str:
    if "a mapping" in expected and isinstance(value, list) and path[-1:] == ("install",):
        # (only outputs.install is a list of lines: a value's, level's, suite's, service's
        # and github's `install:` says which installer each list is for)
        return "; write `install: {pip: [...]}` (apt: and npm: beside it), not a list"
    if "a list" in expected and isinstance(value, str) and len(value) < 40:
        return f"; write a list: [{value}]"
    if value is None:
        return "; fill it in or remove the key"
    if "a string" in expected and isinstance(value, (dict, list)):
        return "; quote the text if it holds ': ', '- ' or brackets"
    if "a mapping" in expected and isinstance(value, list):
        return "; write `name: settings` entries, not `- ` items"
    if "true/false" in expected and isinstance(value, str):
        return "; write true or false"
    return "; see `matrixgen schema` for the expected shape"


def _message(doc: Document, path: PathKey, errors: list[Any], siblings: list[str]) -> str:
    error = errors[0]
    kind = error["type"]
    value = error.get("input")
    raw = doc.scalars.get(path)
    kinds = [e["type"] for e in errors]
    if kind == "extra_forbidden":
        key = str(path[-1]) if path else "?"
        return (
            f"unknown key '{key}'{did_you_mean(key, siblings)}; allowed keys: {', '.join(siblings)}"
        )
    if kind == "missing":
        field = str(path[-1])
        return f"required key '{field}' is missing; {_MISSING_HINTS.get(field, f'add `{field}:`')}"
    if "string_type" in kinds and raw is not None and not isinstance(value, str):
        return unquoted(raw, value)
    if kind == "string_pattern_mismatch":
        return invalid_name(str(value))
    if kind == "literal_error" and path == ("version",):
        # As written: `true` and `1.0` are not 1 (YAML reads them as a boolean and a float).
        shown = raw if raw is not None else repr(value)
        return f"unsupported version {shown}; set `version: 1` (the only version there is)"
    if all(k in _EXPECTED for k in kinds):
        expected = list(dict.fromkeys(_EXPECTED[k] for k in kinds))
        hint = _type_hint(expected, value, path)
        return f"expected {' or '.join(expected)}, got {_got(value)}{hint}"
    if kind == "value_error":
        return str(error["msg"]).removeprefix("Value error, ")
    if kind in ("too_short", "string_too_short"):
        return "must not be empty; fill it in or remove the key"
    if kind == "greater_than" and path and path[-1] in ("timeout", "interval"):
        return f"a duration must be more than 0, got {value!r}; write e.g. 30s, 20m or 1h"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        return f"{str(error['msg']).replace('Input should be', 'must be')}, got {value!r}"
    return f"{error['msg']}; see `matrixgen schema` for the expected shape"


def invalid_name(value: str) -> str:
    if value in (".", ".."):
        folder = "the current folder" if value == "." else "the parent folder"
        return (
            f"'{value}' is not a valid name: names become parts of file paths, where '{value}' "
            f"means {folder}; use letters, digits, '.', '_' and '-', not only dots"
        )
    return (
        f"'{value}' is not a valid name: use only letters, digits, '.', '_' and '-' "
        "(put free text in `label:`)"
    )


def short_form_problems(doc: Document) -> dict[PathKey, Problem]:
    """Check `axis: [a, b]` and `values: [a, b]` item by item.

    The model turns these lists into mappings, so pydantic would report a bad item
    (`3.10`, `on`, a name with a space) against the whole axis; here it gets its own line.
    """
    found: dict[PathKey, Problem] = {}
    axes = doc.data.get("axes") if isinstance(doc.data, dict) else None
    for name, axis in (axes or {}).items() if isinstance(axes, dict) else ():
        base: PathKey = ("axes", name)
        if isinstance(axis, dict):
            base, axis = (*base, "values"), axis.get("values")
        if not isinstance(axis, list):
            continue
        seen: set[str] = set()
        for index, item in enumerate(axis):
            path = (*base, index)
            raw = doc.scalars.get(path)
            if isinstance(item, str):
                if not re.match(NAME_PATTERN, item):
                    found[path] = doc.problem(path, invalid_name(item))
                elif item in seen:
                    found[path] = doc.problem(path, f"duplicate value '{item}'; remove one")
                seen.add(item)
            elif raw is not None:
                found[path] = doc.problem(path, unquoted(raw, item))
            else:
                found[path] = doc.problem(
                    path,
                    f"expected a value name, got {_kind(item)}; for labels or services "
                    "write the long form `values: {name: {label: ...}}`",
                )
    return found


def _allowed_keys(path: PathKey) -> list[str]:
    """Keys allowed in the mapping that holds `path`, for did-you-mean on unknown keys."""
    from matrixgen.load import model
    from matrixgen.load.github import model as github_model

    parent = path[:-1]
    shapes: dict[tuple[str, ...], type] = {
        (): model.MatrixFile,
        ("axes", "*"): model.Axis,
        ("axes", "*", "values", "*"): model.AxisValue,
        ("services", "*"): model.Service,
        ("services", "*", "process"): model.Process,
        ("services", "*", "process", "ready"): model.Ready,
        ("services", "*", "install"): model.ServiceInstall,
        ("services", "*", "install", "steps", "#"): github_model.GithubStep,
        ("levels", "*"): model.Level,
        ("levels", "*", "suites", "*"): model.Suite,
        ("exclude", "#"): model.Exclude,
        ("overrides", "#"): model.Override,
        ("overrides", "#", "compose"): model.ComposeSettings,
        ("outputs",): models()[0],
        ("outputs", "github", "coverage"): github_model.Coverage,
        ("outputs", "github", "on"): github_model.GithubTriggers,
        ("outputs", "github", "concurrency"): github_model.GithubConcurrency,
        ("outputs", "github", "on", "push"): github_model.GithubPush,
        ("outputs", "github", "on", "pull_request"): github_model.GithubPullRequest,
        ("axes", "*", "values", "*", "github"): github_model.GithubValue,
    }
    # Each output's settings, as the registry declares them.
    shapes.update(
        {
            ("outputs", key): t.model
            for key, t in TARGETS.items()
            if hasattr(t.model, "model_fields")
        }
    )
    for level in (("levels", "*"), ("levels", "*", "suites", "*")):
        shapes.update(
            {
                (*level, "github"): github_model.GithubLevel,
                (*level, "github", "install"): github_model.Install,
                (*level, "github", "steps"): github_model.GithubSteps,
                (*level, "github", "steps", "*", "#"): github_model.GithubStep,
            }
        )
    for shape, cls in shapes.items():
        if len(shape) == len(parent) and all(
            s == p or (s == "*" and isinstance(p, str)) or (s == "#" and isinstance(p, int))
            for s, p in zip(shape, parent, strict=True)
        ):
            return [f.alias or name for name, f in cls.model_fields.items()]  # type: ignore[attr-defined]
    return []


def schema_problems(doc: Document, errors: Sequence[Any]) -> list[Problem]:
    grouped: dict[tuple[PathKey, bool], list[Any]] = {}
    for error in errors:
        path = data_path(doc.data, error["loc"])
        if error["type"] == "missing":
            path = (*path, str(error["loc"][-1]))
        on_key = error["type"] == "extra_forbidden" or "[key]" in error["loc"]
        # Unions report one error per alternative: they are read together.
        grouped.setdefault((path, on_key), []).append(error)
    located = short_form_problems(doc)
    for (path, on_key), group in grouped.items():
        message = _message(doc, path, group, _allowed_keys(path))
        located.setdefault(path, doc.problem(path, message, key=on_key))
    # An error on a parent that also has errors deeper down is the union's noise: keep the deepest.
    paths = list(located)
    keep = [p for p in paths if not any(len(q) > len(p) and q[: len(p)] == p for q in paths)]
    return [located[p] for p in keep]
