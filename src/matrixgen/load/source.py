"""Where matrix.yaml is: the project root that every generated path is relative to.

Kept apart from the loader so that commands can find the file without importing pydantic,
and light: `list` from its cache imports this, so a NamedTuple, not a dataclass (whose
import costs that call milliseconds).
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

DEFAULT_FILE = "matrix.yaml"


class Source(NamedTuple):
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
