"""The sessions the user wrote in noxfile.py, outside matrixgen's region.

nox registers sessions by name and, given two with one name, only warns and keeps the
later one; a hand-written `unit` session and the generated `unit` level would silently
shadow each other. So render reads the user's part with `ast` (never importing it) and
refuses a name a level also takes.
"""

from __future__ import annotations

import ast
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path

from matrixgen.errors import ConfigError, MarkersError, Problem, UnreadableFileError
from matrixgen.files import read_text
from matrixgen.marks import Markers
from matrixgen.render.writer import MAX_BYTES


@dataclass(frozen=True)
class UserSession:
    name: str
    line: int  # 1-based, in the whole noxfile
    column: int  # 1-based, in characters


def user_part(text: str, markers: Markers) -> str:
    """`text` with the generated region blanked out, line for line, so positions still hold."""
    span = markers.find(text)
    if span is None:
        return text
    region = text[span.begin : span.end]
    return text[: span.begin] + re.sub(r"[^\n]", "", region) + text[span.end :]


def user_sessions(text: str, markers: Markers) -> list[UserSession]:
    """Sessions defined outside the region, in file order; none when the file does not parse
    (nox will say why when it loads it)."""
    source = user_part(text, markers)
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return []
    lines = source.splitlines()
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for decorator in node.decorator_list:
            if not _is_session(decorator):
                continue
            named = _name_keyword(decorator)
            if named is None:
                found.append(UserSession(node.name, node.lineno, _name_column(lines, node)))
            elif isinstance(named, ast.Constant) and isinstance(named.value, str):
                found.append(UserSession(named.value, named.lineno, _column(lines, named)))
            # A computed name= cannot be read without running the noxfile: not checked.
    return sorted(found, key=lambda s: (s.line, s.column))


def _is_session(decorator: ast.expr) -> bool:
    """`@nox.session`, `@session`, or either called with arguments."""
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    if isinstance(target, ast.Attribute):
        return (
            target.attr == "session"
            and isinstance(target.value, ast.Name)
            and target.value.id == "nox"
        )
    return isinstance(target, ast.Name) and target.id == "session"


def _name_keyword(decorator: ast.expr) -> ast.expr | None:
    if isinstance(decorator, ast.Call):
        for keyword in decorator.keywords:
            if keyword.arg == "name":
                return keyword.value
    return None


def _column(lines: list[str], node: ast.expr | ast.stmt) -> int:
    # ast counts columns in UTF-8 bytes; an editor counts characters.
    line = lines[node.lineno - 1].encode("utf-8")
    return len(line[: node.col_offset].decode("utf-8", errors="replace")) + 1


def _name_column(lines: list[str], node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """Where the function's name is on its `def` line (ast only knows where `def` is)."""
    start = _column(lines, node) - 1
    match = re.compile(r"def\s+(\w+)").search(lines[node.lineno - 1], start)
    return match.start(1) + 1 if match else start + 1


def check_noxfile(root: Path, path: str, markers: Markers, levels: list[str], matrix: str) -> None:
    """Refuse a session in the existing noxfile (`path`, under `root`) named like a level.

    `matrix` is matrix.yaml as the user named it; the noxfile is named the same way.
    """
    try:  # bounded: a FIFO or a link to /dev/zero is the writer's one-line refusal, no hang
        text = read_text(root / path, MAX_BYTES, shown=path, links=True, within=root)
    except UnreadableFileError:
        return  # a file the writer will refuse itself
    if text is None:
        return  # nothing of the user's yet
    noxfile = posixpath.normpath(posixpath.join(posixpath.dirname(matrix), path))
    try:
        check_level_names(text, markers, levels, noxfile=noxfile, matrix=matrix)
    except MarkersError:
        return  # without one region, the user's part is unknown; the writer names the markers


def check_level_names(
    text: str, markers: Markers, levels: list[str], *, noxfile: str, matrix: str
) -> None:
    """Raise ConfigError for each user session named like a level (`noxfile.py:LINE:COL: ...`)."""
    wanted = set(levels)
    problems = [
        Problem(
            noxfile,
            session.line,
            session.column,
            "",
            f"session '{session.name}' is defined here and by level '{session.name}' "
            f"of {matrix}; rename one",
        )
        for session in user_sessions(text, markers)
        if session.name in wanted
    ]
    if problems:
        raise ConfigError(problems)
