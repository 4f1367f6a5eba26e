"""Axes whose values a command prints: `values: {from: COMMAND, timeout: 30s}`.

A test module list discovered at run time, a server version read from a file: values that
are known when a command runs, not when matrix.yaml is written. The command runs in the
folder of matrix.yaml, without a shell when it is a list, under a timeout; each non-empty
line it prints is one value, in order, validated as a written value would be.

It runs only when the cells are needed (`list`, `run`, `explain`, `report`, the CI plan
job's `affected`), never for `render` (its files stay the same whatever the command
prints) nor for `validate` unless asked (`--compute`). Otherwise each computed axis holds
one stand-in value: every check of the file runs on its cells, which then stand for the
level's cells in the places that describe a level without listing them (the CI job the
plan fills at run time), and are left out of everything that lists cells.

A computed value declares nothing (no label, services, env or `github:`), and no rule,
pin or level restriction may name one, so every cell of a computed value is its stand-in's
twin but for its name: what the workflow renders from the stand-in holds for all of them.
"""

from __future__ import annotations

import contextlib
import re
import shlex
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from matrixgen.errors import ConfigError, Problem
from matrixgen.load.document import Document, PathKey
from matrixgen.load.fields import NAME_PATTERN, parse_duration

if TYPE_CHECKING:  # imported where a command runs: every load imports this module
    import subprocess

DEFAULT_TIMEOUT = 60.0
STAND_IN = "computed"  # the value a computed axis holds when its command does not run
PYTHON_STAND_IN = "3.12"  # ... on the python axis, whose values are interpreters
_SHOWN = 2000  # characters of the command's output shown in an error


@dataclass(frozen=True)
class ComputedAxis:
    axis: str
    command: str | tuple[str, ...]
    timeout: float

    @property
    def path(self) -> PathKey:
        return ("axes", self.axis, "values", "from")

    @property
    def shown(self) -> str:
        return self.command if isinstance(self.command, str) else shlex.join(self.command)


def _is_computed(values: Any) -> bool:
    """`values: {from: ...}`: a value named `from` has settings (a mapping) or none."""
    return isinstance(values, dict) and isinstance(values.get("from"), (str, list))


def find(document: Document) -> tuple[dict[str, ComputedAxis], list[Problem]]:
    """The computed axes of the file, and what is wrong with how they are written."""
    axes = document.data.get("axes") if isinstance(document.data, dict) else None
    found: dict[str, ComputedAxis] = {}
    problems: list[Problem] = []
    for name, axis in (axes or {}).items() if isinstance(axes, dict) else ():
        values = axis.get("values") if isinstance(axis, dict) else None
        if not isinstance(name, str) or not isinstance(values, dict) or not _is_computed(values):
            continue
        base: PathKey = ("axes", name, "values")
        command = values["from"]
        unknown = [key for key in values if key not in ("from", "timeout")]
        for key in unknown:
            problems.append(
                document.problem(
                    (*base, key),
                    f"unknown key '{key}' beside `from:`; allowed keys: from, timeout "
                    "(a computed value declares nothing: no label, services or env)",
                    key=True,
                )
            )
        if isinstance(command, list) and not (
            command and all(isinstance(word, str) and word for word in command)
        ):
            problems.append(
                document.problem(
                    (*base, "from"),
                    "expected a command: a shell line, or a non-empty list of words "
                    '(["python", "scripts/versions.py"])',
                )
            )
            continue
        if isinstance(command, str) and not command.strip():
            problems.append(
                document.problem((*base, "from"), "must not be empty; write the command")
            )
            continue
        timeout = DEFAULT_TIMEOUT
        if "timeout" in values:
            try:
                seconds = parse_duration(values["timeout"])
            except ValueError as error:
                problems.append(document.problem((*base, "timeout"), str(error)))
                continue
            if not isinstance(seconds, float) or seconds <= 0:
                problems.append(
                    document.problem(
                        (*base, "timeout"),
                        "expected a duration above 0; write e.g. 30s, 2m or 90",
                    )
                )
                continue
            timeout = seconds
        as_written = command if isinstance(command, str) else tuple(command)
        found[name] = ComputedAxis(name, as_written, timeout)
    return found, problems


def compute(
    document: Document, axis: ComputedAxis, root: Path, env: Mapping[str, str]
) -> list[str]:
    """The values `axis`'s command prints, or a ConfigError located at its `from:`."""

    import subprocess

    def refuse(message: str) -> ConfigError:
        return ConfigError([document.problem(axis.path, message)])

    argv: str | list[str] = axis.command if isinstance(axis.command, str) else list(axis.command)
    try:
        process = subprocess.Popen(
            argv,
            shell=isinstance(argv, str),
            cwd=root,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
        )
        try:
            stdout, stderr = process.communicate(timeout=axis.timeout)
        except subprocess.TimeoutExpired:
            _kill(process)
            raise refuse(
                f"the command of axis '{axis.axis}' ({axis.shown}) did not end within "
                f"{axis.timeout:g}s; make it faster or raise `timeout:` beside `from:`"
            ) from None
    except OSError as error:
        raise refuse(
            f"the command of axis '{axis.axis}' ({axis.shown}) could not start: "
            f"{error.strerror or error}; fix the command (it runs in {root})"
        ) from None
    if process.returncode != 0:
        tail = (stderr or stdout).strip()[-_SHOWN:]
        raise refuse(
            f"the command of axis '{axis.axis}' ({axis.shown}) failed with exit code "
            f"{process.returncode}" + (f":\n{tail}\n" if tail else "") + "; fix the command "
            f"(it runs in {root})"
        )
    values: list[str] = []
    for number, line in enumerate(stdout.splitlines(), 1):
        value = line.strip()
        if not value:
            continue
        if re.match(NAME_PATTERN, value) is None:
            raise refuse(
                f"the command of axis '{axis.axis}' printed {value[:200]!r} (line {number}), "
                "which is not a value: one value per line, only letters, digits, '.', '_' "
                "and '-' (not only dots)"
            )
        if value in values:
            raise refuse(
                f"the command of axis '{axis.axis}' printed '{value}' twice (line {number}); "
                "print each value once"
            )
        values.append(value)
    if not values:
        raise refuse(
            f"the command of axis '{axis.axis}' ({axis.shown}) printed no value; an axis "
            "needs at least one (one value per line)"
        )
    return values


def _kill(process: subprocess.Popen[str]) -> None:
    """End the command and every process it started (a shell line's children too, which
    would otherwise keep its output pipes open), portably: its descendants are listed
    before it is killed, while they are still its own."""
    import psutil  # only on a timeout

    try:
        family = psutil.Process(process.pid).children(recursive=True)
    except psutil.Error:  # it ended meanwhile
        family = []
    process.kill()
    for child in family:
        with contextlib.suppress(psutil.Error):
            child.kill()
    process.communicate()


def with_values(document: Document, values: Mapping[str, list[str]]) -> Document:
    """The document with each computed axis's `values:` the plain list it stands for."""
    data = dict(document.data)
    axes = dict(data["axes"])
    for name, listed in values.items():
        axes[name] = {**axes[name], "values": list(listed)}
    data["axes"] = axes
    return Document(
        document.file, data, document.marks, document.key_marks, document.scalars,
        document.text,
    )  # fmt: skip


def stand_ins(computed: Mapping[str, ComputedAxis]) -> dict[str, list[str]]:
    return {name: [PYTHON_STAND_IN if name == "python" else STAND_IN] for name in computed}


def named(document: Document, computed: Mapping[str, ComputedAxis]) -> list[Problem]:
    """Places that name values of a computed axis, which are not known when it is written:
    rules (`exclude`, `include`, `overrides`), a level's pins (`with:`), its restriction
    (`axes: {axis: [...]}`) and listed `cells:`; and the docs table's rows or columns. And
    `compose: files` of cells with computed values, for which render writes no profile."""
    data = document.data if isinstance(document.data, dict) else {}
    problems = []
    for path, axis in _naming(data, set(computed)):
        if path[-1] == "files":
            message = (
                f"these cells span axis '{axis}', whose values a command prints (`from:`), "
                "and render writes no compose profile for such cells (its files stay the "
                "same whatever the command prints); declare the axis's values, or run the "
                "tests without `compose: files`"
            )
        else:
            message = (
                f"axis '{axis}' takes its values from a command (`from:`): they are known "
                "only when it runs, so nothing can name one; remove this, or declare the "
                "axis's values"
            )
        problems.append(document.problem(path, message, key=path[-1] != "files"))
    return problems


def _naming(data: dict[str, Any], axes: set[str]) -> Iterator[tuple[PathKey, str]]:
    for section in ("exclude", "overrides"):
        for index, rule in enumerate(_list(data.get(section))):
            match = rule.get("match") if isinstance(rule, dict) else None
            for key in _dict(match):
                if key in axes:
                    yield (section, index, "match", key), key
    for index, entry in enumerate(_list(data.get("include"))):
        for key in _dict(entry):
            if key in axes:
                yield ("include", index, key), key
    for level, fields in _dict(data.get("levels")).items():
        places: list[tuple[PathKey, Any]] = [(("levels", level), fields)]
        for suite, suite_fields in _dict(_dict(fields).get("suites")).items():
            places.append((("levels", level, "suites", suite), suite_fields))
        spans = set(_axes(_dict(fields).get("axes")))
        for base, settings in places:
            settings = _dict(settings)
            own = set(_axes(settings.get("axes"))) if "axes" in settings else spans
            files = _dict(settings.get("compose")).get("files")
            if files and own & axes:
                yield (*base, "compose", "files"), sorted(own & axes)[0]
            for key in _dict(settings.get("with")):
                if key in axes:
                    yield (*base, "with", key), key
            for key, only in _dict(settings.get("axes")).items():
                if key in axes and only is not None:
                    yield (*base, "axes", key), key
            for index, cell in enumerate(_list(settings.get("cells"))):
                for key in _dict(cell):
                    if key in axes:
                        yield (*base, "cells", index, key), key
    docs = _dict(_dict(data.get("outputs")).get("docs"))
    for key in ("rows", "columns"):
        named_axes = docs.get(key)
        for index, axis in enumerate(named_axes if isinstance(named_axes, list) else [named_axes]):
            if isinstance(axis, str) and axis in axes:
                path: PathKey = ("outputs", "docs", key, index)
                yield (path if isinstance(named_axes, list) else path[:-1]), str(axis)


def _axes(value: Any) -> list[str]:
    """The axis names of a level's `axes:`, a list or a mapping (others are schema errors)."""
    names = list(value) if isinstance(value, (list, dict)) else []
    return [name for name in names if isinstance(name, str)]


def _dict(value: Any) -> dict[Any, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
