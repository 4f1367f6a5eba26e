"""Load matrix.yaml: read → parse → schema → references → expand → rule checks.

Every failure is a `ConfigError` holding all the problems found at the stage that
failed, each with file, line, column and key path.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from matrixgen.document import Document, PathKey, parse, read_text
from matrixgen.errors import ConfigError, Problem, did_you_mean
from matrixgen.model import MatrixFile

DEFAULT_FILE = "matrix.yaml"


@dataclass(frozen=True)
class Source:
    """Where matrix.yaml lives: `root` is the project folder generated paths are relative to."""

    path: Path
    display: str

    @property
    def root(self) -> Path:
        return self.path.parent


def locate(directory: Path | None = None, file: str | None = None) -> Source:
    base = directory or Path.cwd()
    path = base / (file or DEFAULT_FILE)
    display = file or DEFAULT_FILE
    if directory is not None and not Path(display).is_absolute():
        display = str(Path(directory) / display) if str(directory) != "." else display
    return Source(path=path, display=display)


def read_document(source: Source, text: str | None = None) -> Document:
    return parse(read_text(source.path, source.display) if text is None else text, source.display)


def validate_schema(doc: Document) -> MatrixFile:
    if not isinstance(doc.data, dict):
        raise ConfigError(
            [
                doc.problem(
                    (), f"expected a mapping with `version: 1` and `levels:`, got {_kind(doc.data)}"
                )
            ]
        )
    try:
        return MatrixFile.model_validate(doc.data)
    except ValidationError as error:
        raise ConfigError(schema_problems(doc, error.errors(include_url=False))) from None


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


def _data_path(data: Any, loc: Sequence[str | int]) -> tuple[PathKey, bool]:
    """Map a pydantic loc onto the document, skipping union tags and validator names.

    Returns the path and whether the loc pointed at a mapping key (extra_forbidden).
    """
    path: list[str | int] = []
    node = data
    for part in loc:
        if isinstance(node, dict) and isinstance(part, str) and part in node:
            path.append(part)
            node = node[part]
        elif isinstance(node, dict) and part == "with_" and "with" in node:
            path.append("with")
            node = node["with"]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            path.append(part)
            node = node[part]
        elif (
            isinstance(node, dict)
            and isinstance(part, str)
            and part not in node
            and part == loc[-1]
        ):
            # a missing key: point at its parent mapping
            return tuple(path), False
    return tuple(path), False


_EXPECTED = {
    "string_type": "a string",
    "int_type": "an integer",
    "int_parsing": "an integer",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "dict_type": "a mapping",
    "list_type": "a list",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
}


def _message(doc: Document, path: PathKey, error: Any, siblings: list[str]) -> str:
    kind = error["type"]
    value = error.get("input")
    raw = doc.scalars.get(path)
    if kind == "extra_forbidden":
        key = str(path[-1]) if path else "?"
        return f"unknown key '{key}'{did_you_mean(key, siblings)}; allowed: {', '.join(siblings)}"
    if kind == "missing":
        field = str(error["loc"][-1]).rstrip("_")
        return f"missing required key '{field}'"
    if kind == "string_type" and raw is not None and isinstance(value, float) and raw != str(value):
        return f'YAML reads the unquoted {raw} as the number {value!r}; quote it: "{raw}"'
    if kind == "string_type" and raw is not None and not isinstance(value, str):
        return (
            f'expected a string, YAML reads the unquoted {raw} as {_kind(value)}; quote it: "{raw}"'
        )
    if kind == "string_pattern_mismatch":
        return (
            f"{value!r} is not a valid name: use only letters, digits, '.', '_' and '-' "
            "(labels may hold free text)"
        )
    if kind == "literal_error" and path == ("version",):
        return f"unsupported version {value!r}; this matrixgen reads `version: 1`"
    if kind in _EXPECTED:
        return f"expected {_EXPECTED[kind]}, got {_kind(value)}"
    if kind == "value_error":
        return str(error["msg"]).removeprefix("Value error, ")
    if kind == "too_short" and isinstance(value, (list, dict)) and not value:
        return "must not be empty"
    return str(error["msg"])


def _allowed_keys(path: PathKey) -> list[str]:
    """Keys allowed in the mapping that holds `path`, for did-you-mean on unknown keys."""
    from matrixgen import model

    parent = path[:-1]
    shapes: dict[tuple[str, ...], type] = {
        (): model.MatrixFile,
        ("axes", "*"): model.Axis,
        ("axes", "*", "values", "*"): model.AxisValue,
        ("services", "*"): model.Service,
        ("services", "*", "process"): model.Process,
        ("services", "*", "process", "ready"): model.Ready,
        ("services", "*", "install"): model.Install,
        ("levels", "*"): model.Level,
        ("levels", "*", "suites", "*"): model.Suite,
        ("exclude", "#"): model.Exclude,
        ("overrides", "#"): model.Override,
        ("overrides", "#", "compose"): model.ComposeSettings,
        ("outputs",): model.Outputs,
        ("outputs", "github"): model.GithubOutput,
        ("outputs", "github", "coverage"): model.Coverage,
        ("outputs", "docs"): model.DocsOutput,
    }
    for shape, cls in shapes.items():
        if len(shape) == len(parent) and all(
            s == p or (s == "*" and isinstance(p, str)) or (s == "#" and isinstance(p, int))
            for s, p in zip(shape, parent)
        ):
            return [f.alias or name for name, f in cls.model_fields.items()]  # type: ignore[attr-defined]
    return []


def schema_problems(doc: Document, errors: Sequence[Any]) -> list[Problem]:
    located: dict[PathKey, Problem] = {}
    for error in errors:
        path, _ = _data_path(doc.data, error["loc"])
        if error["type"] == "extra_forbidden":
            path, _ = _data_path(doc.data, error["loc"])
        siblings = _allowed_keys(path)
        message = _message(doc, path, error, siblings)
        problem = doc.problem(path, message, key=error["type"] == "extra_forbidden")
        # Unions report one error per alternative; keep the first at each path.
        located.setdefault(path, problem)
    # An error on a parent that also has errors deeper down is the union's noise: keep the deepest.
    paths = list(located)
    keep = [p for p in paths if not any(len(q) > len(p) and q[: len(p)] == p for q in paths)]
    return [located[p] for p in keep]
