"""Text from matrix.yaml, result files and committed files never acts on the terminal: every
command prints an escape sequence, C1 control or bidirectional override as `\\uXXXX`
(`matrixgen.terminal.inert`), and `list --json` stays valid JSON holding the exact text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.cli import on_terminal

from matrixgen.terminal import inert
from tests.results.helpers import junit

# Set the window title, write the clipboard (OSC 52), a hidden link (OSC 8), clear the
# screen (CSI), the same as 8-bit C1 controls, a carriage return that overwrites the line,
# a bell, and a right-to-left override.
OSC_TITLE = "\x1b]0;pwned\x07"
OSC_CLIPBOARD = "\x1b]52;c;cm0gLXJmIH4=\x07"
OSC_LINK = "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\"
CSI_CLEAR = "\x1b[2J\x1b[H"
C1 = "\x9b2J\x9d0;title\x9c"
OTHERS = "a\rb\x08c\u202eevil\u2066"
ALL = OSC_TITLE + OSC_CLIPBOARD + OSC_LINK + CSI_CLEAR + C1 + OTHERS
ACTIVE = [chr(c) for c in [*range(0, 9), *range(11, 32), *range(0x7F, 0xA0)]] + [
    "\u202e",
    "\u2066",
]


def yaml_quoted(text: str) -> str:
    """`text` as a YAML double-quoted scalar (YAML streams may not hold control bytes)."""
    return json.dumps(text)  # JSON strings are YAML double-quoted scalars


def assert_inert(output: str) -> None:
    found = sorted({f"U+{ord(c):04X}" for c in output if c in ACTIVE})
    assert found == [], f"raw control characters reached the terminal: {found}\n{output!r}"


def test_inert_keeps_text_and_shows_each_control() -> None:
    assert inert("plain\ttab\nnew line é ü 日本") == "plain\ttab\nnew line é ü 日本"
    assert inert(OSC_TITLE) == "\\u001b]0;pwned\\u0007"
    assert inert("\x9b") == "\\u009b" and inert("\u202e") == "\\u202e"
    assert_inert(inert(ALL + "".join(ACTIVE)))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    evil = yaml_quoted(ALL)
    (tmp_path / "matrix.yaml").write_text(
        f"""\
version: 1
axes:
  backend:
    title: {evil}
    values:
      s3: {{label: {evil}, env: {{EVIL: {evil}}}}}
      gcs: {{label: GCS}}
      gone: {{label: gone}}
levels:
  unit:
    label: {evil}
    axes: [backend]
    run: {yaml_quoted("echo " + ALL + " ${backend}; exit 1")}
exclude:
  - match: {{backend: gone}}
    reason: {evil}
outputs:
  docs: {{file: docs/testing.md, rows: [backend], columns: level}}
""",
        encoding="utf-8",
    )
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "testing.md").write_text(
        "# Testing\n\n<!-- matrixgen:table:start -->\n<!-- matrixgen:table:end -->\n"
    )
    return tmp_path


def test_list_and_explain_print_inert_text(project: Path) -> None:
    for args in (["list"], ["explain", "unit/s3"], ["explain", "unit/gone"], ["validate"]):
        code, output = on_terminal(project, *args)
        assert code == 0, output
        assert_inert(output)
    code, output = on_terminal(project, "list", "--json")
    listed = json.loads(output)  # `\uXXXX` is a JSON escape of the very same character
    assert listed[0]["labels"]["backend"] == ALL, listed


def test_validate_errors_print_inert_text(tmp_path: Path) -> None:
    evil = yaml_quoted(ALL)
    (tmp_path / "matrix.yaml").write_text(
        f"version: 1\naxes:\n  b: [x]\nlevels:\n  unit: {{axes: [b], run: x, labl: {evil}}}\n"
        f"exclude:\n  - match: {{b: x}}\n    reason: {evil}\n"
    )
    code, output = on_terminal(tmp_path, "validate")
    assert code == 2 and "labl" in output, output
    assert_inert(output)
    (tmp_path / "matrix.yaml").write_text(f"version: 1\naxes: {{{evil}: [x]}}\n")
    code, output = on_terminal(tmp_path, "validate")
    assert code == 2, output
    assert_inert(output)
    assert "\\u001b]0;pwned" in output


def test_render_check_diff_prints_inert_text(project: Path) -> None:
    assert on_terminal(project, "render")[0] == 0
    page = project / "docs" / "testing.md"
    end = "<!-- matrixgen:table:end -->"
    page.write_text(page.read_text().replace(end, f"{ALL}\n{end}"))  # a hand edit inside
    code, output = on_terminal(project, "render", "--check")
    assert code == 1, output
    assert_inert(output)
    assert "\\u001b]52;c;" in output


@pytest.mark.parametrize("github", [False, True])
def test_run_and_report_print_inert_text(project: Path, github: bool) -> None:
    env = {"GITHUB_ACTIONS": "true", "CI": "true"} if github else {}
    code, output = on_terminal(project, "run", "-v", env=env)
    assert code == 1, output
    assert_inert(output)
    # A JUnit from a pull request's artifact: C1 controls and a bidi override are valid
    # XML 1.0 (C0 escapes are not, even as character references).
    forged = "\x9b2J\x9d0;title\x9c \u202eevil\u2066"
    (project / "results" / "unit" / "gcs.xml").write_text(
        junit("unit/gcs", passed=0, failed=1, message=forged), encoding="utf-8"
    )
    code, output = on_terminal(project, "report", env=env)
    assert code in (0, 1), output
    assert_inert(output)
