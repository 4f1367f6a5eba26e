"""Text that reaches a terminal or a CI log stays text.

matrix.yaml strings, JUnit messages, a committed file's lines in a diff and a cell's output
are written by others; printed raw, an escape sequence in them would act on the user's
terminal: set the window title, write the clipboard (OSC 52), hide a link (OSC 8), move the
cursor to overwrite a line, or reorder what is shown (bidirectional overrides). `inert`
writes each such character as `\\uXXXX` instead: visible, and in JSON output a valid escape
of the same character, so `list --json` stays exact.
"""

from __future__ import annotations

import re

# C0 controls but tab and newline, DEL, C1 controls (8-bit CSI, OSC, ... on some
# terminals), and the Unicode format characters that reorder or hide text.
_ACTIVE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2069"
    "\ufeff\ufff9-\ufffb]"
)


def inert(text: str) -> str:
    """`text` with every character that a terminal would act on written as `\\uXXXX`."""
    return _ACTIVE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)
