"""`${name}` placeholders in matrix.yaml strings; `$${` is a literal `${`.

Which names are allowed depends on where the string is (see `CELL_NAMES`,
`SERVICE_NAMES`); unknown names are reported by `validate`, never at run time.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

_TOKEN = re.compile(r"\$\$\{|\$\{([^}]*)\}")

# Names every cell-side string may use, beside the axis names of its suite.
CELL_NAMES = frozenset({"level", "suite", "cell", "junit", "namespace"})
# Names a service-side string (process command, ready probe, service env, setup) may use.
SERVICE_NAMES = frozenset({"port", "host", "dir", "name"})


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
