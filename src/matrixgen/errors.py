"""User-facing errors. Each carries its own exit code; the CLI prints them without a traceback.

Every command imports this module, so it stays light: `Problem` is a NamedTuple, not a
dataclass (whose import costs a cached `list` milliseconds, see bench/list.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple


class MatrixgenError(Exception):
    """Base class of every error that is the user's to fix, not a bug."""

    exit_code = 1


class UsageError(MatrixgenError):
    """A command line that cannot be carried out (unknown selector, bad option value)."""

    exit_code = 2


class Problem(NamedTuple):
    """One located problem in an input file."""

    file: str
    line: int  # 1-based
    column: int  # 1-based
    path: str  # key path such as "levels.component.axes[1]"; "" for the document
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class ConfigError(MatrixgenError):
    """matrix.yaml (or another input) is invalid. Holds every problem found, in file order."""

    exit_code = 2

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sorted(set(problems), key=lambda p: (p.file, p.line, p.column, p.message))
        super().__init__("\n".join(str(p) for p in self.problems))


class StaleOutputError(MatrixgenError):
    """`render --check` or `report --check` found files that differ from what would be generated."""

    exit_code = 1


class OverwriteRefusedError(MatrixgenError):
    """A file the user owns lacks matrixgen's markers; overwriting it needs --force."""

    exit_code = 2


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """' (did you mean 'x'?)' for the closest choice, or '' when none is close."""
    import difflib  # only when there is an error to explain

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""
