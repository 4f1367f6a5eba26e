"""The HTML grid: self-contained, escaped, and rendered by a real browser (headless Chromium)."""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest

from matrixgen.load.matrix import load
from matrixgen.results.collect import collect
from matrixgen.results.html import html_report

from .helpers import DESIGN, junit, write

HOSTILE = '<script>alert(1)</script><img src="http://127.0.0.1:9/x.png">'


def report_page(tmp_path: Path) -> str:
    matrix = load(DESIGN)
    files = {}
    for cell in matrix.cells:
        text = junit(cell.id, passed=4, duration=2.0)
        if cell.id == "unit/s3-cas":
            text = junit(cell.id, passed=3, failed=2, message="AssertionError: " + HOSTILE)
        elif cell.id == "component/gcs-lww":
            text = "<testsuite><testcase>"
        elif cell.id == "component/s3-lww":
            text = junit(cell.id, status="flaky", attempt=2)
        elif cell.level == "e2e":
            text = junit(
                cell.id, passed=0, skipped=1, status="skipped", reason="requires docker, kind"
            )
        if cell.id != "integration/sqs-gcs":  # one cell produced no result
            files[f"results/{cell.level}/{cell.name}.xml"] = text
    write(tmp_path, files)
    return html_report(matrix, collect(matrix, [tmp_path / "results"]).statuses)


def test_page_is_self_contained_and_escaped(tmp_path: Path) -> None:
    page = report_page(tmp_path)
    assert "<script" not in page and "<img" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert not re.search(r"<[^>]*\b(src|href)\s*=", page)  # no tag loads anything
    assert "default-src 'none'" in page
    assert page.count("<details>") == 25  # one drill-down per non-empty grid cell (9+9+3+4)


def test_grid_colors_and_drill_down(tmp_path: Path) -> None:
    page = report_page(tmp_path)
    assert '<td class="grid failed"' in page
    assert '<td class="grid error"' in page
    assert '<td class="grid flaky"' in page
    assert '<td class="grid missing"' in page  # integration/sqs-gcs
    assert '<th class="row" rowspan="3">S3</th>' in page
    assert "unreadable JUnit: it ends early at line 1, column 22 (truncated?)" in page
    assert "tests.test_x.test_bad_1</code> (failure)" in page


def _png_pixels(path: Path) -> tuple[int, int, set[tuple[int, int, int]]]:
    """Width, height and the set of colors of an 8-bit RGB(A) PNG, read with zlib alone."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, chunks, header = 8, b"", b""
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        header = body if kind == b"IHDR" else header
        chunks += body if kind == b"IDAT" else b""
        position += 12 + length
    width, height, depth, color = struct.unpack(">IIBB", header[:10])
    assert depth == 8 and color in (2, 6)
    channels = 3 if color == 2 else 4
    raw = zlib.decompress(chunks)
    stride = width * channels
    colors: set[tuple[int, int, int]] = set()
    previous = bytearray(stride)
    offset = 0
    for _ in range(height):
        kind, line = raw[offset], bytearray(raw[offset + 1 : offset + 1 + stride])
        offset += 1 + stride
        for i in range(stride):  # undo the PNG row filters
            left = line[i - channels] if i >= channels else 0
            up, corner = previous[i], previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 255
            elif kind == 2:
                line[i] = (line[i] + up) & 255
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 255
            elif kind == 4:
                estimate = left + up - corner
                pa, pb, pc = abs(estimate - left), abs(estimate - up), abs(estimate - corner)
                best = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                line[i] = (line[i] + best) & 255
        previous = line
        colors.update(tuple(line[i : i + 3]) for i in range(0, stride, channels * 4))  # type: ignore[misc]
    return width, height, colors


@pytest.mark.services
def test_chromium_renders_the_grid(tmp_path: Path, require_binary: Callable[[str], str]) -> None:
    # Debian's package is `chromium`; GitHub's Ubuntu runners have Google Chrome (and a
    # Chromium under other names): any of them renders the page the same way.
    browsers = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
    chromium = next(filter(None, map(shutil.which, browsers)), None) or require_binary("chromium")
    page = tmp_path / "report.html"
    page.write_text(report_page(tmp_path), encoding="utf-8")  # as a person first sees it
    shot = tmp_path / "grid.png"
    profile = tmp_path / "profile"
    completed = subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={profile}",
            f"--screenshot={shot}",
            "--window-size=1200,800",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    keep = os.environ.get("MATRIXGEN_KEEP_SCREENSHOT")  # a path, for a person to look at
    if keep:
        shutil.copy(shot, keep)
    width, height, colors = _png_pixels(shot)
    assert (width, height) == (1200, 800)
    # the whole grid fits the window: passed, flaky, failed/error, skipped, missing colors show
    greens, yellows, reds, greys, purples = (
        (0xDA, 0xFB, 0xE1),
        (0xFF, 0xF8, 0xC5),
        (0xFF, 0xD8, 0xD3),
        (0xEA, 0xEE, 0xF2),
        (0xFB, 0xEF, 0xFF),
    )
    for rgb in (greens, yellows, reds, greys, purples):
        assert rgb in colors, f"{rgb} not rendered"


def chromium_binary(require_binary: Callable[[str], str]) -> str:
    # Debian's package is `chromium`; GitHub's Ubuntu runners have Google Chrome (and a
    # Chromium under other names): any of them lays the page out the same way.
    browsers = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
    return next(filter(None, map(shutil.which, browsers)), None) or require_binary("chromium")


# Long unbroken words where reports have them: a parametrized test id, a reason quoting a
# path, a long label in the headings; and a failure message wider than any window.
LONG_TEST = "test_roundtrip[" + "-".join(f"payload{i}" for i in range(40)) + "]"
LONG_REASON = "requires /opt/" + "/".join(f"folder{i}" for i in range(30)) + "/kind"
LONG_MESSAGE = "AssertionError: " + "x" * 600 + " " + "y " * 300


def wide_page(tmp_path: Path) -> str:
    """The report of a matrix whose table is as wide as real ones get: three row axes, long
    labels, named cells in every table cell, and long test names, reasons and messages."""
    axes = {
        "backend": ["postgresql", "mysql", "sqlite", "cockroachdb"],
        "driver": ["asyncpg-driver", "psycopg-driver", "aiomysql-driver"],
        "version": ["1.0", "1.1", "2.0", "2.1"],
    }
    levels = ["unit", "component", "integration", "e2e", "performance", "compatibility"]
    lines = ["version: 1", "axes:"]
    for axis, values in axes.items():
        lines.append(f"  {axis}:")
        lines.append(f"    title: The {axis} this cell runs against, in full")
        lines.append("    values:")
        lines += [f"      {v!r}: {{label: {v} with a long label}}" for v in values]
    lines.append("levels:")
    for level in levels:
        lines += [
            f"  {level}:",
            f"    label: {level} tests across every backend",
            "    axes: [backend, driver, version]",
            "    run: pytest",
        ]
    lines += ["outputs:", "  docs: {file: docs/testing.md, rows: [backend], columns: level}"]
    write(tmp_path, {"matrix.yaml": "\n".join(lines) + "\n"})
    matrix = load(tmp_path)
    files = {}
    for index, cell in enumerate(matrix.cells):
        if index % 5 == 0:
            text = junit(cell.id, passed=2, failed=1, message=LONG_MESSAGE)
            text = text.replace("test_bad_0", LONG_TEST)
        elif index % 7 == 0:
            text = junit(cell.id, passed=0, skipped=1, status="skipped", reason=LONG_REASON)
        else:
            text = junit(cell.id, passed=3)
        files[f"results/{cell.level}/{cell.name}.xml"] = text
    write(tmp_path, files)
    return html_report(matrix, collect(matrix, [tmp_path / "results"]).statuses)


# Measures the page as laid out in the window, every drill-down closed and then open, and
# writes the widths into the DOM, where --dump-dom shows them.
MEASURE = """<script>
const root = document.documentElement;
document.body.dataset.closed = String(root.scrollWidth);
document.querySelectorAll("details").forEach((d) => { d.open = true; });
document.body.dataset.open = String(root.scrollWidth);
document.body.dataset.window = String(window.innerWidth);
</script>"""


@pytest.mark.services
@pytest.mark.parametrize("page", [report_page, wide_page])
def test_the_report_fits_a_1280_px_window(
    tmp_path: Path, require_binary: Callable[[str], str], page: Callable[[Path], str]
) -> None:
    text = page(tmp_path)
    # The page's CSP forbids scripts; this copy drops it to let the measuring script run.
    csp = re.search(r'<meta http-equiv="Content-Security-Policy"[^>]*>', text)
    assert csp is not None
    measured = tmp_path / "measured.html"
    measured.write_text(text.replace(csp[0], "").replace("</body>", MEASURE + "</body>"))
    completed = subprocess.run(
        [
            chromium_binary(require_binary),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--window-size=1280,900",
            "--dump-dom",
            measured.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    found = re.search(
        r'data-closed="(\d+)" data-open="(\d+)" data-window="(\d+)"', completed.stdout
    )
    assert found is not None, completed.stdout[-2000:]
    closed, opened, window = map(int, found.groups())
    assert window == 1280
    assert closed <= window and opened <= window, (closed, opened)
