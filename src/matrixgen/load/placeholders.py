"""`${name}` placeholders in matrix.yaml strings; `$${` is a literal `${`.

Which names are allowed depends on where the string is (see `CELL_NAMES`,
`SERVICE_NAMES`, `ARGS`); unknown names are reported by `validate`, never at run time.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator, Mapping, Sequence

from matrixgen.load.shell import fill_shell, shell_script_index

_TOKEN = re.compile(r"\$\$\{|\$\{([^}]*)\}")

# Names every cell-side string may use, beside the axis names of its suite.
CELL_NAMES = frozenset({"level", "suite", "cell", "junit", "namespace"})
# Names a service-side string (process command, ready probe, service env, setup) may use.
SERVICE_NAMES = frozenset({"port", "host", "dir", "name"})
# The arguments after `--` (`matrixgen run SEL -- -k foo`, `nox -s CELL -- -k foo`): only in
# `run:`, where a shell line gets them shell-quoted and an argv list gets them as items.
ARGS = "args"
ARGS_ITEM = "${args}"


def names(text: str) -> Iterator[tuple[str, int]]:
    """Each placeholder name in `text` with its offset; escapes are skipped."""
    for match in _TOKEN.finditer(text):
        if match.group(1) is not None:
            yield match.group(1), match.start()


def substitute(text: str, values: Mapping[str, str], env: Mapping[str, str] | None = None) -> str:
    """Fill placeholders. `env.NAME` reads `env`. A missing name raises KeyError."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name is None:
            return "${"
        if name.startswith("env."):
            return (env or {}).get(name[4:], "")
        return values[name]

    return _TOKEN.sub(replace, text)


def unknown(text: str, allowed: frozenset[str] | set[str]) -> Iterator[tuple[str, int]]:
    """Placeholders in `text` that are neither in `allowed` nor `env.NAME`."""
    for name, offset in names(text):
        if name.startswith("env.") and re.fullmatch(r"env\.[A-Za-z_][A-Za-z0-9_]*", name):
            continue
        if name not in allowed:
            yield name, offset


def uses_args(run: str | Sequence[str]) -> bool:
    """Whether a `run:` places the extra arguments itself (else they go at its end)."""
    parts = [run] if isinstance(run, str) else run
    return any(name == ARGS for part in parts for name, _ in names(part))


def fill_command(
    run: str | Sequence[str],
    values: Mapping[str, str],
    env: Mapping[str, str],
    args: Sequence[str] = (),
) -> str | list[str]:
    """A `run:` with its placeholders filled and the extra arguments where `${args}` is, or
    appended. No value is ever read by a shell as code: in a shell line (a string, or the
    script of an argv's `sh -c`) each is quoted for the spot it fills (`shell.fill_shell`),
    so `$(...)`, `;` or a space in it stays text; the other items of an argv list are
    literal, read by no shell at all (`validate` holds `${args}` there to a whole item)."""

    def resolve(name: str) -> str | Sequence[str]:
        if name == ARGS:
            return args
        if name.startswith("env."):
            return env.get(name[4:], "")
        return values[name]

    if isinstance(run, str):
        line = fill_shell(run, resolve)
        return line if uses_args(run) or not args else f"{line} {shlex.join(args)}"
    script = shell_script_index(run)
    argv: list[str] = []
    for index, part in enumerate(run):
        if part == ARGS_ITEM:
            argv.extend(args)
        elif index == script:
            argv.append(fill_shell(part, resolve))
        else:
            argv.append(substitute(part, values, env))
    return argv if uses_args(run) else argv + list(args)


def fill_argv(argv: Sequence[str], values: Mapping[str, str], env: Mapping[str, str]) -> list[str]:
    """A service's argv (`process.command`, `setup`, a `command:` probe) filled: literal
    items, except the script of `sh -c SCRIPT`, a shell line whose values are quoted."""
    script = shell_script_index(argv)

    def resolve(name: str) -> str:
        return env.get(name[4:], "") if name.startswith("env.") else values[name]

    return [
        fill_shell(part, resolve) if index == script else substitute(part, values, env)
        for index, part in enumerate(argv)
    ]
