"""Docs pages in the markup their extension names: a `.rst` page gets a reStructuredText
`list-table` with footnotes, built by `sphinx-build -W` (hostile labels, reasons and test
names included); a Markdown page keeps its table, built by `mkdocs build --strict`. `render`
and `report` apply the same region rules to both."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from xml.sax.saxutils import quoteattr

import pytest
from support.cli import Result, invoke

from matrixgen.errors import OverwriteRefusedError
from matrixgen.load.matrix import load
from matrixgen.results.docs import MARKDOWN, RST, docs_page, page_format
from matrixgen.results.rst import rst_escape, rst_literal

from .helpers import DESIGN, junit, write

START, END = ".. matrixgen:table:start", ".. matrixgen:table:end"
PAGE = f"Testing\n=======\n\nOur words [1]_.\n\n{START}\n{END}\n\nAfter.\n\n.. [1] Our footnote.\n"
# reStructuredText (and Markdown) markup in every free-text place: a directive, emphasis,
# a role, a substitution, footnote and link references, a bare URL, an e-mail address,
# an enumerated list, a line block, HTML, and a control character (as `\u001b`).
HOSTILE = (
    ".. danger:: *em* **strong** `code`\x1b ``lit`` |sub| [#x]_ [1]_ _ref_ ref_ :math:`x` "
    "<b>b</b> http://example.com a@b.co \\"
)
SHOWN = HOSTILE.replace("\x1b", "\\u001b")  # as the built page shows it


def matrixgen(root: Path, *args: str) -> Result:
    return invoke("-C", str(root), *args)


def design(root: Path, page: str) -> Path:
    """The design matrix with its docs table in `page`."""
    root.mkdir(exist_ok=True)
    text = (DESIGN / "matrix.yaml").read_text(encoding="utf-8")
    (root / "matrix.yaml").write_text(text.replace("docs/testing.md", page), encoding="utf-8")
    shutil.copytree(DESIGN / "testing", root / "testing")
    return root


def results(root: Path, **overrides: str) -> None:
    """A JUnit for every cell (e2e skipped), one failed cell, then `overrides` by id."""
    files = {}
    for cell in load(root).cells:
        if cell.level == "e2e":
            text = junit(cell.id, passed=0, skipped=1, status="skipped", reason="needs kind")
        elif cell.id == "unit/s3-cas":
            text = junit(cell.id, passed=1, failed=1, message="AssertionError: 412 != 200")
        else:
            text = junit(cell.id, passed=3)
        files[f"results/{cell.level}/{cell.name}.xml"] = overrides.get(cell.id, text)
    write(root, files)


class Text(HTMLParser):
    """The text of an HTML page's body, and the tags in it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag + "".join(f" {k}={v}" for k, v in attrs))

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def page_text(path: Path) -> Text:
    parser = Text()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def sphinx(docs: Path, root_doc: str) -> Path:
    """`sphinx-build -W -n` of the folder (warnings are errors); the built page."""
    (docs / "conf.py").write_text(
        f"project = 'matrixgen test'\nroot_doc = {root_doc!r}\n"
        "smartquotes = False  # the page's text exactly as written\n",
        encoding="utf-8",
    )
    out = docs.parent / "_build"
    done = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "-n", "-E", "-q", "-b", "html", str(docs), str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return out / f"{root_doc}.html"


def mkdocs(root: Path, page: str) -> Path:
    """`mkdocs build --strict` of a site whose one page is `docs/<page>`; the built page."""
    config = {"site_name": "matrixgen test", "docs_dir": "docs", "nav": [page]}
    (root / "mkdocs.yml").write_text(json.dumps(config), encoding="utf-8")  # JSON is YAML
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(root / "site")],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return root / "site" / Path(page).stem / "index.html"


def test_the_format_follows_the_extension() -> None:
    assert page_format("docs/testing.rst") is RST and page_format("a/B.REST") is RST
    assert page_format("docs/testing.md") is MARKDOWN
    assert page_format("docs/testing.markdown") is MARKDOWN and page_format("README") is MARKDOWN


def test_rst_escape_makes_markup_text() -> None:
    assert rst_escape("*a* `b` |c|\n.. d") == r"\*a\* \`b\` \|c\| \.\. d"
    assert rst_escape("x\x1by") == r"x\\u001by"
    assert rst_literal("a`b\\") == r":literal:`a\`b\\`"
    assert rst_literal("  ") == ""


def test_render_then_report_an_rst_page_that_sphinx_builds(tmp_path: Path) -> None:
    root = design(tmp_path, "docs/testing.rst")
    write(root, {"docs/testing.rst": PAGE})
    assert matrixgen(root, "render").code == 0
    page = (root / "docs/testing.rst").read_text(encoding="utf-8")
    assert page.startswith("Testing\n=======\n\nOur words [1]_.\n\n" + START + " (digest ")
    assert page.endswith(f"{END}\n\nAfter.\n\n.. [1] Our footnote.\n")
    assert ".. statuses: declared; layout " in page and ".. list-table::" in page
    assert "   * - Storage backend\n     - Mode\n     - Unit\n" in page
    assert "     - —\\ [#matrixgen-2]_ (sqs\\-redis)\n" in page
    assert ".. [#matrixgen-1] excluded\\: no GCS passthrough connector yet\n" in page
    built = page_text(sphinx(root / "docs", "testing"))
    text = " ".join(built.parts)
    assert "excluded: the Redis connector implements CAS only" in text
    assert "table class=docutils align-default" in built.tags

    results(root)
    reported = matrixgen(root, "report")
    assert reported.code == 1, reported.out + reported.err  # unit/s3-cas failed
    page = (root / "docs/testing.rst").read_text(encoding="utf-8")
    assert ".. statuses: results; layout " in page
    failed = ".. rubric:: Failures\n\n- :literal:`unit\\/s3\\-cas` ❌ 1 of 2 tests failed\n\n"
    assert failed in page
    test = r"  - :literal:`tests\.test\_x\.test\_bad\_0`: AssertionError\: 412 \!\= 200"
    assert test + "\n" in page
    assert page.endswith(f"\n\n{END}\n\nAfter.\n\n.. [1] Our footnote.\n")
    built = page_text(sphinx(root / "docs", "testing"))
    text = " ".join(built.parts)
    assert "tests.test_x.test_bad_0" in text and "AssertionError: 412 != 200" in text
    assert "skipped: needs kind" in text and "Our footnote." in text

    # The results stay through render until the layout changes, as in a Markdown page.
    assert matrixgen(root, "render", "--check").code == 0
    assert matrixgen(root, "report", "--check").code == 1  # the failure, not staleness
    assert (root / "docs/testing.rst").read_text(encoding="utf-8") == page
    matrix = (root / "matrix.yaml").read_text(encoding="utf-8")
    (root / "matrix.yaml").write_text(matrix.replace("label: CAS", "label: C.A.S."))
    stale = matrixgen(root, "render", "--check")
    assert stale.code == 1 and "\n+     - C\\.A\\.S\\.\n" in stale.out + stale.err, stale.out
    assert matrixgen(root, "render").code == 0
    fresh = (root / "docs/testing.rst").read_text(encoding="utf-8")
    assert ".. statuses: declared; layout " in fresh and "Failures" not in fresh


def test_a_new_rst_page_builds(tmp_path: Path) -> None:
    root = design(tmp_path, "docs/support.rst")
    assert matrixgen(root, "render").code == 0
    page = (root / "docs/support.rst").read_text(encoding="utf-8")
    assert page.startswith("Support matrix\n==============\n\nWhich combinations are tested")
    built = page_text(sphinx(root / "docs", "support"))
    assert "Support matrix" in built.parts


def hostile_matrix(root: Path, page: str, hostile: str) -> Path:
    evil = json.dumps(hostile)  # a JSON string is a YAML double-quoted scalar
    write(
        root,
        {
            "matrix.yaml": f"""\
version: 1
axes:
  backend:
    title: {evil}
    values:
      s3: {{label: {evil}}}
      gcs: {{label: "- a list | a table cell"}}
      gone: {{label: "1. an enumerated list"}}
levels:
  unit:
    label: {evil}
    axes: [backend]
    run: "true"
  lint:
    label: "| a line block"
    axes: [backend]
    run: "true"
exclude:
  - match: {{backend: gone}}
    reason: {evil}
outputs:
  docs: {{file: {page}, rows: [backend], columns: level, names: true}}
"""
        },
    )
    test = hostile.replace("\x1b", "")  # XML 1.0 has no ESC, not even as a reference
    failing = junit("unit/s3", passed=0, failed=1, message=test)
    failing = failing.replace('name="test_bad_0"', f"name={quoteattr(test)}")
    write(
        root,
        {
            "results/unit/s3.xml": failing,
            "results/unit/gcs.xml": junit("unit/gcs", status="error", reason=test, passed=0),
            "results/lint/s3.xml": junit(
                "lint/s3", passed=0, skipped=1, status="skipped", reason=test
            ),
        },
    )
    return root


@pytest.mark.parametrize("page", ["docs/testing.rst", "docs/testing.md"])
def test_hostile_values_come_out_as_text(tmp_path: Path, page: str) -> None:
    rst = page.endswith(".rst")
    # Markdown pages keep control characters as they are (an HTML page shows none).
    plain = HOSTILE.replace("\x1b", "")
    # Python-Markdown shows the backslash of the escapes that break GitHub's autolinks.
    mkdocs_shown = plain.replace("://", "\\://").replace("@", "\\@")
    hostile, shown = (HOSTILE, SHOWN) if rst else (plain, mkdocs_shown)
    root = hostile_matrix(tmp_path, page, hostile)
    reported = matrixgen(root, "report")
    assert reported.code == 1, reported.out + reported.err
    built = page_text(sphinx(root / "docs", "testing") if rst else mkdocs(root, "testing.md"))
    text = "".join(built.parts)
    # The axis title, a value's label, a level's label, and the exclude's reason as a note.
    assert text.count(shown) >= 3 and f"excluded: {shown}" in text, text
    test = shown.replace("\\u001b", "")  # the JUnit file's text (XML 1.0 has no ESC)
    assert f"skipped: {test}" in text and f"error: {test}" in text  # notes from results
    # The failing test's name (in code: no escapes), then its message.
    assert f"tests.test_x.{plain}: {test}" in text.replace("\n", " ")
    markup = [t for t in built.tags if t.split()[0] in ("em", "strong", "b", "ol")]
    assert markup == [], markup
    links = [t for t in built.tags if t.startswith("a ") and ("example.com" in t or "a@b" in t)]
    assert links == [] and "admonition" not in " ".join(built.tags)
    assert "- a list | a table cell" in text and "1. an enumerated list" in text
    assert "| a line block" in text


def test_markdown_pages_build_in_mkdocs_strict(tmp_path: Path) -> None:
    root = design(tmp_path, "docs/testing.md")
    assert matrixgen(root, "render").code == 0
    results(root)
    assert matrixgen(root, "report").code == 1
    built = page_text(mkdocs(root, "testing.md"))
    assert "table" in built.tags
    text = " ".join(built.parts)
    assert "S3" in text and "Failures" in text
    assert "excluded: no GCS passthrough connector yet" in text


@pytest.mark.parametrize(
    "page", ["no markers\n", f"{END}\n{START}\n", f"{START}\n{START}\n{END}\n"]
)
def test_an_rst_page_without_one_pair_of_markers_is_refused(page: str) -> None:
    with pytest.raises(
        OverwriteRefusedError,
        match=r"^docs\.rst has no '\.\. matrixgen:table:start' and '\.\. matrixgen:table:end' ",
    ):
        docs_page(load(DESIGN), page, None, name="docs.rst", page=RST)


def test_rst_region_rules_in_render_and_report(tmp_path: Path) -> None:
    root = design(tmp_path / "project", "docs/testing.rst")
    results(root)
    write(root, {"docs/testing.rst": "Testing\n=======\n\nNo markers.\n"})
    refused = matrixgen(root, "render")
    assert refused.code == 2 and "docs/testing.rst has no matrixgen region" in refused.err
    report = matrixgen(root, "report")
    assert report.code == 2, report.out + report.err
    assert "has no '.. matrixgen:table:start' and '.. matrixgen:table:end' lines" in report.err
    assert (root / "docs/testing.rst").read_text() == "Testing\n=======\n\nNo markers.\n"

    twice = f"Testing\n=======\n\n{START}\n{END}\n\n{START}\n{END}\n"
    write(root, {"docs/testing.rst": twice})
    broken = matrixgen(root, "render", "--force")
    assert broken.code == 2
    assert broken.err == (
        "docs/testing.rst: broken matrixgen markers: 'matrixgen:table:start' on lines 4 and 7, "
        "'matrixgen:table:end' on lines 5 and 8. Keep exactly one start marker and one end "
        "marker after it, around the generated part (delete the other marker lines), then "
        "run the command again\n"
    )
    assert (root / "docs/testing.rst").read_text() == twice

    outside = tmp_path / "elsewhere.rst"
    outside.write_text(PAGE)
    (root / "docs/testing.rst").unlink()
    (root / "docs/testing.rst").symlink_to(outside)
    for args in (["render"], ["report"]):
        done = matrixgen(root, *args)
        assert done.code == 2 and "docs/testing.rst leads outside the project folder" in done.err
    assert outside.read_text() == PAGE
