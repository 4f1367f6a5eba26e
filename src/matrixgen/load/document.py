"""Read YAML into plain data while remembering where every key and value came from.

PyYAML's composer gives nodes with marks; we build the Python objects ourselves so
that we can (a) record the line and column of every path, (b) refuse duplicate keys,
(c) bound alias expansion (billion laughs) and nesting, and (d) keep the source text of
scalars, so "3.10 became 3.1" can be explained.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from matrixgen.errors import ConfigError, Problem
from matrixgen.files import read_regular

PathKey = tuple[str | int, ...]

MAX_NODES = 200_000  # values built, aliases counted each time they are used
MAX_DEPTH = 64

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_PLAIN_TAGS = ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")  # what no tag means


# A quoted scalar, then a comment whose text holds nothing YAML reads as a line break.
_QUOTED = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"\\]|\\.)*\"")
_COMMENT = re.compile(r"[ \t]+#[ \t]*([^\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff]*?)[ \t\r]*")


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

    def comment(self, path: PathKey, value: str) -> str | None:
        """The comment that ends the line of the one-line scalar `value` at `path`, as a
        pinned `uses: owner/repo@<sha>  # v4.2.0` carries the version Renovate and
        Dependabot read; None when there is none (or the scalar is not alone before it)."""
        if path not in self.marks:
            return None
        line, column = self.marks[path]
        lines = self.text.split("\n")
        rest = lines[line - 1][column - 1 :] if line <= len(lines) else ""
        quoted = _QUOTED.match(rest)
        if quoted is None and not rest.startswith(value):
            return None
        after = rest[quoted.end() :] if quoted else rest[len(value) :]
        found = _COMMENT.fullmatch(after)
        return found[1] if found and found[1] else None


def format_path(path: PathKey) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _position(text: str | bytes, offset: int) -> tuple[int, int]:
    """1-based line and column of an offset (a character in text, a byte in bytes)."""
    if isinstance(text, bytes):
        line, line_start = text.count(b"\n", 0, offset), text.rfind(b"\n", 0, offset) + 1
    else:
        line, line_start = text.count("\n", 0, offset), text.rfind("\n", 0, offset) + 1
    return line + 1, offset - line_start + 1


def _file_error(display: str, line: int, column: int, message: str) -> ConfigError:
    """A problem with the file as a whole (no key path): encoding, YAML syntax, emptiness."""
    return ConfigError([Problem(display, line, column, "", message)])


def _yaml_message(text: str, error: yaml.MarkedYAMLError, line: int, column: int) -> str:
    mark = error.problem_mark or error.context_mark
    problem = error.problem or "invalid YAML"
    found = text[mark.index : mark.index + 1] if mark is not None else ""
    if found == "\t":
        # libyaml says "found character that cannot start any token" for a tab.
        return "found a tab; YAML indents with spaces: replace it with spaces"
    if problem.endswith("cannot start any token") and found in ("@", "`"):
        return f"YAML reserves '{found}' at the start of a value; quote the value"
    if problem == "but found another document":
        return (
            "found a second YAML document (`---`); matrix.yaml holds one: "
            "remove this `---` and what follows, or merge the two"
        )
    if problem == "found undefined alias":
        return (
            "this alias (*name) has no anchor; define `&name` on an earlier value, or write it out"
        )
    context = ""
    start = error.context_mark
    if error.context and start is not None and (start.line + 1, start.column + 1) != (line, column):
        # Only where it adds a place: "while parsing a flow sequence at line 5, column 11".
        context = f" ({error.context} at line {start.line + 1}, column {start.column + 1})"
    return f"invalid YAML: {problem}{context}; check the indentation, quotes and brackets here"


def too_deep(text: str, max_depth: int = MAX_DEPTH) -> tuple[int, int] | None:
    """Where (1-based line, column) collections first nest deeper than `max_depth`, from the
    parser's events, before composing: libyaml's composer recurses in C and can crash.
    None when they do not. Every YAML file matrixgen reads is checked this way."""
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > max_depth:
                start = event.start_mark
                return (start.line + 1, start.column + 1) if start else (1, 1)
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1
    return None


def _check_nesting(text: str, display: str) -> None:
    where = too_deep(text)
    if where is not None:
        message = f"nested deeper than {MAX_DEPTH} levels; matrix.yaml needs far fewer: "
        raise _file_error(display, *where, message + "flatten this part")


MAX_FILE_BYTES = 8 * 2**20  # matrix.yaml of 10,000 cells is ~1 MB; a bigger one is a mistake


def read_text(path: Path, display: str) -> str:
    # matrix.yaml may come from a pull request: a FIFO must not block and a link to
    # /dev/zero must not be read until memory runs out (files.read_regular).
    if not path.exists() and not path.is_symlink():
        raise _file_error(display, 1, 1, "file not found; create it or pass -f FILE / -C DIR")
    if path.is_dir():
        raise _file_error(display, 1, 1, "is a directory, expected a YAML file")
    raw = read_regular(path, MAX_FILE_BYTES, links=True)
    if isinstance(raw, str):
        raise _file_error(display, 1, 1, f"cannot read it: {raw}; matrix.yaml must be a file")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line, column = _position(raw, error.start)
        message = f"not valid UTF-8 (byte 0x{raw[error.start]:02x}); save the file as UTF-8"
        raise _file_error(display, line, column, message) from None


def parse(text: str, display: str) -> Document:
    """Parse one YAML document into a `Document`; every failure is a `ConfigError`."""
    doc = Document(file=display, data=None, text=text)
    if "\x00" in text:
        line, column = _position(text, text.index("\x00"))
        raise _file_error(display, line, column, "NUL byte; matrix.yaml must be text: remove it")
    try:
        _check_nesting(text, display)
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise _file_error(display, line, column, _yaml_message(text, error, line, column)) from None
    except yaml.reader.ReaderError as error:
        line, column = _position(text, error.position)
        message = f"control character U+{error.character:04X} is not allowed in YAML; remove it"
        raise _file_error(display, line, column, message) from None
    except UnicodeEncodeError as error:  # lone surrogates in text handed in by a caller
        line, column = _position(text, error.start)
        raise _file_error(
            display, line, column, "not valid Unicode text; save the file as UTF-8"
        ) from None
    if node is None:
        raise _file_error(
            display,
            1,
            1,
            "the file is empty; write `version: 1` and at least one level under `levels:`",
        )
    builder = _Builder(doc)
    doc.data = builder.build(node, (), 0)
    if builder.problems:
        raise ConfigError(builder.problems)
    return doc


NUL_MESSAGE = (
    "holds a NUL character (\\0), which no command line, environment variable or file "
    "name can hold; remove it"
)


class _Builder:
    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.count = 0
        self.problems: list[Problem] = []
        self.constructor = yaml.SafeLoader("")
        self.open: set[int] = set()  # ids of the collection nodes being built: an alias cycle
        self.tagged: set[int] = set()  # ids of tagged collections reported (aliases share them)

    def _mark(self, node: yaml.Node) -> tuple[int, int]:
        return (node.start_mark.line + 1, node.start_mark.column + 1)

    def _fail(self, node: yaml.Node, path: PathKey, message: str) -> None:
        line, column = self._mark(node)
        self.problems.append(Problem(self.doc.file, line, column, format_path(path), message))

    def build(self, node: yaml.Node, path: PathKey, depth: int) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            # Name the top-level key being built: the deep path of the bomb helps nobody.
            raise ConfigError(
                [
                    self.doc.problem(
                        path[:1],
                        f"more than {MAX_NODES} values after expanding YAML aliases "
                        "(an alias bomb?); write the values out or use fewer aliases",
                        key=True,
                    )
                ]
            )
        if isinstance(node, yaml.ScalarNode):
            self.doc.marks.setdefault(path, self._mark(node))
            return self._scalar(node, path)
        if id(node) in self.open:
            raise ConfigError(
                [
                    self.doc.problem(
                        path,
                        "a YAML alias here refers to a collection that contains it "
                        "(a recursive alias); write the values out instead",
                        key=True,
                    )
                ]
            )
        if depth > MAX_DEPTH:
            raise ConfigError(
                [
                    self.doc.problem(
                        path[:1],
                        f"nested deeper than {MAX_DEPTH} levels through YAML aliases; "
                        "write the values out instead",
                        key=True,
                    )
                ]
            )
        self.doc.marks.setdefault(path, self._mark(node))
        self._collection_tag(node, path)
        self.open.add(id(node))
        try:
            if isinstance(node, yaml.MappingNode):
                return self._mapping(node, path, depth)
            return [self.build(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        finally:
            self.open.discard(id(node))

    def _collection_tag(self, node: yaml.Node, path: PathKey) -> None:
        """Refuse `!!set`, `!!omap`, `!foo` on a mapping or list: it would be read as plain data."""
        # `!!map` on a mapping (or `!!seq` on a list) is the plain reading: harmless.
        plain = _PLAIN_TAGS[0] if isinstance(node, yaml.MappingNode) else _PLAIN_TAGS[1]
        if node.tag == plain or id(node) in self.tagged:
            return
        self.tagged.add(id(node))
        kind = "mapping" if isinstance(node, yaml.MappingNode) else "list"
        tag = node.tag.replace("tag:yaml.org,2002:", "!!")
        self._fail(
            node,
            path,
            f"unsupported YAML tag {tag} on a {kind}; matrixgen reads only plain mappings "
            "and lists: remove the tag",
        )

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
                    key_node, path, "a key must be a plain name, not a list or mapping; rename it"
                )
                continue
            # Keys are names: keep the text as written (`3.10:` stays "3.10", `on:` stays "on").
            key = str(key_node.value)
            child = (*path, key)
            if "\0" in key:
                self._fail(key_node, child, NUL_MESSAGE)
                continue
            if key in out:
                first = self.doc.key_marks[child]
                self._fail(
                    key_node,
                    child,
                    f"duplicate key '{key}' (first defined at line {first[0]}); "
                    "merge the two or rename one",
                )
                continue
            self.doc.key_marks[child] = self._mark(key_node)
            out[key] = self.build(value_node, child, depth + 1)
        return out

    def _scalar(self, node: yaml.ScalarNode, path: PathKey) -> Any:
        if node.tag == "tag:yaml.org,2002:str":
            if "\0" in node.value:  # written as the escape "\0": YAML allows it
                self._fail(node, path, NUL_MESSAGE)
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
