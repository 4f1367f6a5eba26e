"""Read YAML into plain data while remembering where every key and value came from.

PyYAML's composer gives nodes with marks; we build the Python objects ourselves so
that we can (a) record the line and column of every path, (b) refuse duplicate keys,
(c) bound alias expansion (billion laughs) and nesting, and (d) keep the source text of
scalars, so "3.10 became 3.1" can be explained.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from matrixgen.errors import ConfigError, Problem

PathKey = tuple[str | int, ...]

MAX_NODES = 200_000  # values built, aliases counted each time they are used
MAX_DEPTH = 64

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class Document:
    file: str
    data: Any
    marks: dict[PathKey, tuple[int, int]] = field(default_factory=dict)  # value positions, 1-based
    key_marks: dict[PathKey, tuple[int, int]] = field(default_factory=dict)  # key positions
    scalars: dict[PathKey, str] = field(
        default_factory=dict
    )  # source text of plain non-string scalars
    text: str = ""

    def where(self, path: PathKey, *, key: bool = False) -> tuple[int, int]:
        """The closest known position of `path` (walking up to its parents)."""
        probe = tuple(path)
        while True:
            if key and probe in self.key_marks:
                return self.key_marks[probe]
            if probe in self.marks:
                return self.marks[probe]
            if probe in self.key_marks:
                return self.key_marks[probe]
            if not probe:
                return (1, 1)
            probe = probe[:-1]

    def problem(self, path: PathKey, message: str, *, key: bool = False) -> Problem:
        line, column = self.where(path, key=key)
        return Problem(self.file, line, column, format_path(path), message)


def format_path(path: PathKey) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _describe_yaml_error(error: yaml.MarkedYAMLError) -> str:
    problem = error.problem or "invalid YAML"
    if "\t" in problem or "'\\t'" in problem:
        return "found a tab character; YAML indents with spaces only, replace the tab with spaces"
    context = f" ({error.context})" if error.context else ""
    return f"invalid YAML: {problem}{context}"


def read_text(path: Path, display: str) -> str:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            [Problem(display, 1, 1, "", "file not found; create it or pass -f FILE / -C DIR")]
        ) from None
    except IsADirectoryError:
        raise ConfigError(
            [Problem(display, 1, 1, "", "is a directory, expected a YAML file")]
        ) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        before = raw[: error.start]
        line = before.count(b"\n") + 1
        column = error.start - (before.rfind(b"\n") + 1) + 1
        raise ConfigError(
            [
                Problem(
                    display,
                    line,
                    column,
                    "",
                    f"not valid UTF-8 (byte 0x{raw[error.start]:02x}); save the file as UTF-8",
                )
            ]
        ) from None


def parse(text: str, display: str) -> Document:
    """Parse one YAML document into a `Document`; every failure is a `ConfigError`."""
    doc = Document(file=display, data=None, text=text)
    if "\x00" in text:
        offset = text.index("\x00")
        line = text.count("\n", 0, offset) + 1
        column = offset - (text.rfind("\n", 0, offset) + 1) + 1
        raise ConfigError(
            [Problem(display, line, column, "", "NUL character; this is not a text file")]
        )
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise ConfigError(
            [Problem(display, line, column, "", _describe_yaml_error(error))]
        ) from None
    except yaml.YAMLError as error:  # e.g. more than one document
        raise ConfigError([Problem(display, 1, 1, "", f"invalid YAML: {error}")]) from None
    except RecursionError:
        raise ConfigError([Problem(display, 1, 1, "", "YAML nested too deeply")]) from None
    if node is None:
        raise ConfigError(
            [
                Problem(
                    display,
                    1,
                    1,
                    "",
                    "the file is empty; expected a mapping with `version: 1` and `levels:`",
                )
            ]
        )
    builder = _Builder(doc)
    doc.data = builder.build(node, (), 0)
    if builder.problems:
        raise ConfigError(builder.problems)
    return doc


class _Builder:
    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.count = 0
        self.problems: list[Problem] = []
        self.constructor = yaml.SafeLoader("")

    def _mark(self, node: yaml.Node) -> tuple[int, int]:
        return (node.start_mark.line + 1, node.start_mark.column + 1)

    def _fail(self, node: yaml.Node, path: PathKey, message: str) -> None:
        line, column = self._mark(node)
        self.problems.append(Problem(self.doc.file, line, column, format_path(path), message))

    def build(self, node: yaml.Node, path: PathKey, depth: int) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise ConfigError(
                [
                    self.doc.problem(
                        path,
                        f"more than {MAX_NODES} values after expanding aliases (an alias bomb?); "
                        "use fewer anchors/aliases",
                    )
                ]
            )
        if depth > MAX_DEPTH:
            raise ConfigError(
                [
                    self.doc.problem(
                        path, f"nested deeper than {MAX_DEPTH} levels (a recursive alias?)"
                    )
                ]
            )
        self.doc.marks.setdefault(path, self._mark(node))
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path, depth)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        return self._scalar(node, path)

    def _mapping(self, node: yaml.MappingNode, path: PathKey, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                self._fail(
                    key_node, path, "YAML merge keys (<<) are not supported; repeat the keys"
                )
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self._fail(
                    key_node, path, "a mapping key must be a plain name, not a list or mapping"
                )
                continue
            # Keys are names: keep the text as written, so `3.10:` stays "3.10" and `on:` stays "on".
            key = str(key_node.value)
            child = (*path, key)
            if key in out:
                first = self.doc.key_marks[child]
                self._fail(
                    key_node, child, f"duplicate key '{key}' (first defined at line {first[0]})"
                )
                continue
            self.doc.key_marks[child] = self._mark(key_node)
            out[key] = self.build(value_node, child, depth + 1)
        return out

    def _scalar(self, node: yaml.ScalarNode, path: PathKey) -> Any:
        if node.tag == "tag:yaml.org,2002:str":
            return node.value
        if node.tag in (
            "tag:yaml.org,2002:null",
            "tag:yaml.org,2002:bool",
            "tag:yaml.org,2002:int",
            "tag:yaml.org,2002:float",
        ):
            try:
                value = self.constructor.construct_object(node, deep=True)
            except (yaml.YAMLError, ValueError):
                return node.value
            if node.value:
                self.doc.scalars[path] = node.value
            return value
        if node.tag.startswith("tag:yaml.org,2002:"):
            # timestamps, binary, ...: names and values are text here
            self.doc.scalars[path] = node.value
            return node.value
        self._fail(node, path, f"unsupported YAML tag {node.tag}; remove the tag")
        return None
