"""Colour in what `matrixgen run` prints: whether to use any, and which for what.

Plain ANSI codes, not rich: the plain progress (CI logs, pipes) writes lines straight to
its stream, and rich's Console would wrap them at 80 columns off a terminal. The live view
hands the same painted lines to rich (`Text.from_ansi`), so both look alike. A whole line
is painted, never a word in it, so that `FAILED unit/a` stays one piece of text to search.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TextIO

from matrixgen.terminal import inert

# Rich style names (the live view's table uses them as they are) and their SGR codes.
SGR = {"green": "32", "yellow": "33", "red": "31", "bold red": "1;31", "dim": "2", "cyan": "36"}
STATUS_STYLE = {
    "passed": "green",
    "flaky": "yellow",
    "failed": "red",
    "error": "bold red",
    "skipped": "dim",
    "not-run": "dim",
    "interrupted": "yellow",
}
SERVICE_STYLE = {"starting": "yellow", "ready": "green", "failed": "bold red", "died": "bold red"}


def wants_colour(stream: TextIO, env: Mapping[str, str]) -> bool:
    """NO_COLOR (any value but empty, https://no-color.org) turns colour off, and wins;
    FORCE_COLOR (any value but empty or 0) turns it on, for CI logs that show colour;
    otherwise a terminal gets colour, unless TERM=dumb, and a pipe or file none."""
    if env.get("NO_COLOR"):
        return False
    if env.get("FORCE_COLOR", "0") not in ("", "0"):
        return True
    return env.get("TERM") != "dumb" and _is_terminal(stream)


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (OSError, ValueError):
        return False


def paint(text: str, style: str | None, colour: bool) -> str:
    """`text` made inert (`terminal.inert`: it holds names and reasons from matrix.yaml and
    results), in `style` when `colour`: the only escape sequences are the palette's own."""
    text = inert(text)
    if not colour or style is None or not text:
        return text
    return f"\x1b[{SGR[style]}m{text}\x1b[0m"
