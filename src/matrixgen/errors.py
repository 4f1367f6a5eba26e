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


class OverwriteRefusedError(MatrixgenError):
    """A file the user owns lacks matrixgen's markers; overwriting it needs --force."""

    exit_code = 2


# Bad input beyond matrix.yaml itself (exit 2): files matrixgen reads or writes for it.


class OutsideRootError(MatrixgenError):
    """A path matrix.yaml names leads outside the project folder; nothing is read or written."""

    exit_code = 2


class UnreadableFileError(MatrixgenError):
    """A file matrixgen must read is not a regular UTF-8 file within its limits."""

    exit_code = 2


class MarkersError(MatrixgenError):
    """A file's region markers are there but not one start line followed by one end line."""

    exit_code = 2


class TemplateError(MatrixgenError):
    """A template could not be rendered; the message names the template file and line."""

    exit_code = 2


class UnreadableTemplateError(TemplateError):
    """A template file that is no regular UTF-8 file within the limits; the message names it."""


class WriteError(MatrixgenError):
    """A file the report writes (or the docs page it updates) cannot be written or read."""

    exit_code = 2


class ResultsFolderError(MatrixgenError):
    """The results folder cannot be used: not writable, full, or owned by another run."""

    exit_code = 2


# A tool matrixgen drives failed (exit 1): not the user's input, but what it ran on.


class InstallError(MatrixgenError):
    """Creating a venv or installing into it failed; `output` is the tail of what the tool said."""

    def __init__(self, message: str, output: str) -> None:
        self.output = output
        super().__init__(f"{message}\n{output}" if output else message)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """' (did you mean 'x'?)' for the closest choice, or '' when none is close."""
    import difflib  # only when there is an error to explain

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""
