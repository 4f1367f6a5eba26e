"""`matrixgen report` on results folders and JUnit files from pull requests and artifacts:
planted FIFOs and links never hang it, a forged attempt never improves a cell, and text from
JUnit stays inert text in the step summary, the docs page, the HTML and the console."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import pytest

from matrixgen.cli import main

from .helpers import DESIGN, junit, write

START = "<!-- matrixgen:table:start -->"
END = "<!-- matrixgen:table:end -->"
LINK = (
    "it is a symbolic link; matrixgen reads only regular files, never through a link "
    "(copy the file itself into the results folder)"
)
FIFO = "it is a named pipe (FIFO), not a regular file"


@dataclass
class Ran:
    code: int
    out: str
    err: str


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copy(DESIGN / "matrix.yaml", tmp_path / "matrix.yaml")
    shutil.copytree(DESIGN / "testing", tmp_path / "testing")
    write(tmp_path, {"docs/testing.md": f"# Testing\n\n{START}\n{END}\n"})
    from matrixgen.load.matrix import load

    write(
        tmp_path,
        {f"results/{c.level}/{c.name}.xml": junit(c.id, passed=3) for c in load(tmp_path).cells},
    )
    return tmp_path


@pytest.fixture
def report(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Callable[..., Ran]:
    """`matrixgen -C PROJECT report ARGS` through `main`, as the console script runs it."""

    def run(*args: str, env: dict[str, str] | None = None) -> Ran:
        for name in ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY"):
            monkeypatch.delenv(name, raising=False)
        for name, value in (env or {}).items():
            monkeypatch.setenv(name, value)
        capsys.readouterr()
        try:
            main(["-C", str(project), "report", *args])
            code = 0
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else 1
        captured = capsys.readouterr()
        return Ran(code, captured.out, captured.err)

    return run


# --- files that are not regular files ---------------------------------------------------


@pytest.mark.usefixtures("quick")
def test_a_fifo_is_its_cell_s_error_or_a_warning(project: Path, report: Callable[..., Ran]) -> None:
    (project / "results/component/s3-lww.xml").unlink()
    os.mkfifo(project / "results/component/s3-lww.xml")
    os.mkfifo(project / "results/x.xml")
    ran = report("--json", "out.json")
    assert ran.code == 1
    lines = ran.out.splitlines()
    assert f"warning: {project}/results/x.xml: ignored, its path names no cell: {FIFO}" in lines
    assert f"❌ component/s3-lww: error: unreadable JUnit: {FIFO}" in lines
    cells = {c["id"]: c for c in json.loads((project / "out.json").read_text())["cells"]}
    assert (cells["component/s3-lww"]["status"], cells["component/s3-lww"]["reason"]) == (
        "error",
        f"unreadable JUnit: {FIFO}",
    )


@pytest.mark.usefixtures("quick")
def test_a_link_to_dev_zero_is_refused_unread(project: Path, report: Callable[..., Ran]) -> None:
    (project / "results/unit/s3-lww.xml").unlink()
    (project / "results/unit/s3-lww.xml").symlink_to("/dev/zero")
    ran = report()
    assert ran.code == 1
    assert f"❌ unit/s3-lww: error: unreadable JUnit: {LINK}" in ran.out.splitlines()


@pytest.mark.usefixtures("quick")
def test_a_link_to_a_passing_file_outside_the_folder_is_not_read(
    project: Path, report: Callable[..., Ran], tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside = tmp_path_factory.mktemp("elsewhere") / "pass.xml"
    outside.write_text(junit("unit/s3-cas", passed=9))
    (project / "results/unit/s3-cas.xml").unlink()
    (project / "results/unit/s3-cas.xml").symlink_to(outside)
    ran = report()
    assert ran.code == 1
    assert f"❌ unit/s3-cas: error: unreadable JUnit: {LINK}" in ran.out.splitlines()


@pytest.mark.usefixtures("quick")
def test_a_folder_named_xml_is_reported(project: Path, report: Callable[..., Ran]) -> None:
    (project / "results/unit/gcs-cas.xml").unlink()
    (project / "results/unit/gcs-cas.xml").mkdir()
    (project / "results/stray.xml").mkdir()
    ran = report()
    assert ran.code == 1
    lines = ran.out.splitlines()
    assert "❌ unit/gcs-cas: error: unreadable JUnit: it is a folder, not a file" in lines
    assert (
        f"warning: {project}/results/stray.xml: ignored, its path names no cell: "
        "it is a folder, not a file"
    ) in lines


@pytest.mark.usefixtures("quick")
def test_a_planted_durations_file_is_left_alone_with_a_warning(
    project: Path, report: Callable[..., Ran]
) -> None:
    os.mkfifo(project / "results/durations.json")
    ran = report()
    assert ran.code == 0
    assert (
        f"warning: {project}/results/durations.json: durations not recorded: {FIFO}"
    ) in ran.out.splitlines()
    (project / "results/durations.json").unlink()
    (project / "results/durations.json").symlink_to("/dev/zero")
    ran = report()
    assert ran.code == 0
    assert (
        f"warning: {project}/results/durations.json: durations not recorded: {LINK}"
    ) in ran.out.splitlines()
    assert os.readlink(project / "results/durations.json") == "/dev/zero"


@pytest.mark.usefixtures("quick")
def test_a_docs_page_that_is_not_a_file_is_exit_2(
    project: Path, report: Callable[..., Ran]
) -> None:
    page = project / "docs/testing.md"
    page.unlink()
    os.mkfifo(page)
    ran = report()
    assert (ran.code, ran.err) == (
        2,
        f"{page}: cannot read the docs page: it is a named pipe (FIFO), not a regular file; "
        "replace it with a regular UTF-8 file\n",
    )
    page.unlink()
    page.symlink_to("/dev/zero")
    ran = report()
    assert (ran.code, ran.err) == (  # render's path rule: no link out of the project
        2,
        "docs/testing.md leads outside the project folder (the folder of matrix.yaml), "
        "through '..', an absolute path or a symlink (it is a symbolic link to /dev/zero); "
        "nothing written. Point the output at a path inside that folder in `outputs:` of "
        "matrix.yaml, or make it a regular file\n",
    )
    assert os.readlink(page) == "/dev/zero"
    ran = report("--docs", "/dev/null", "--html", "/dev/null")
    assert (ran.code, ran.err) == (
        2,
        "/dev/null: cannot read the docs page: it is a character device, not a regular file; "
        "replace it with a regular UTF-8 file\n",
    )
    page.unlink()
    page.write_bytes(f"caf\xe9\n{START}\n{END}\n".encode("latin-1"))
    ran = report()
    assert (ran.code, ran.err) == (
        2,
        f"{page}: cannot read the docs page: not UTF-8 (byte 3); save it as UTF-8\n",
    )
    page.write_text(f"{START}\n{END}\n")
    ran = report("--html", "/dev/null")
    assert (ran.code, ran.err) == (
        2,
        "/dev/null: cannot write the HTML report: it is a character device, not a regular "
        "file; matrixgen replaces whole files, so name a file (or - for stdout)\n",
    )
    assert Path("/dev/null").is_char_device()


# --- attempts ----------------------------------------------------------------------------


def test_a_forged_later_attempt_leaves_a_failed_cell_failed(
    project: Path, report: Callable[..., Ran]
) -> None:
    write(
        project,
        {
            "results/component/s3-lww.xml": junit("component/s3-lww", passed=3, failed=1),
            "results/component/s3-lww-retry.xml": junit("component/s3-lww", passed=4, attempt=2),
        },
    )
    ran = report("--check-complete", "--json", "out.json")
    assert ran.code == 1
    assert "❌ component/s3-lww: failed: 1 of 4 tests failed" in ran.out.splitlines()
    cells = {c["id"]: c for c in json.loads((project / "out.json").read_text())["cells"]}
    assert (cells["component/s3-lww"]["status"], cells["component/s3-lww"]["tests"]) == (
        "failed",
        {"passed": 7, "failed": 1, "skipped": 0},
    )


# --- hostile text ------------------------------------------------------------------------

NAME = (
    "test_x\n\n# All tests passed ✅\n![img](https://evil.example/i.png) "
    "<img src=x onerror=alert(1)> [link](https://evil.example) | a | b |\n"
    "`code` </details>\n::error::forged"
)
MESSAGE = (
    "boom\n\n# All tests passed\n</details>\n\n![img](https://evil.example/i.png)\n"
    "::error title=x::forged\n```\n<img src=x>\n| a | b |"
)
REASON = (
    "crashed\n\n# All tests passed\n::error::forged </details> <img src=x> "
    "[l](https://evil.example) www.evil.example a@b.example %0A::warning::x"
)


def stamped(cell: str, status: str, reason: str, case: str) -> str:
    props = {"matrixgen.cell": cell, "matrixgen.status": status, "matrixgen.reason": reason}
    holder = "".join(
        f"<property name={quoteattr(k)} value={quoteattr(v)}/>" for k, v in props.items()
    )
    return f'<testsuite name="x"><properties>{holder}</properties>{case}</testsuite>'


@pytest.fixture
def hostile(project: Path) -> Path:
    failing = (
        f'<testcase classname="tests.t" name={quoteattr(NAME)}>'
        f"<failure message={quoteattr(MESSAGE)}/></testcase>"
    )
    crashed = f'<testcase name="t"><error>{escape(MESSAGE)}</error></testcase>'
    write(
        project,
        {
            "results/unit/s3-lww.xml": stamped("unit/s3-lww", "failed", "", failing),
            "results/unit/s3-cas.xml": stamped("unit/s3-cas", "error", REASON, crashed),
            "results/other.xml": stamped("unit/gone\n::error::forged", "passed", "", ""),
        },
    )
    return project


INERT_NAME = (
    "tests.t.test&#95;x &#35; All tests passed ✅ &#33;&#91;img&#93;&#40;https&#58;//evil.example/"
    "i.png&#41; &#60;img src=x onerror=alert&#40;1&#41;&#62; &#91;link&#93;&#40;https&#58;//"
    "evil.example&#41; &#124; a &#124; b &#124; &#96;code&#96; &#60;/details&#62; "
    "&#58;&#58;error&#58;&#58;forged"
)
INERT_REASON = (
    "crashed &#35; All tests passed &#58;&#58;error&#58;&#58;forged &#60;/details&#62; "
    "&#60;img src=x&#62; &#91;l&#93;&#40;https&#58;//evil.example&#41; www.evil.example "
    "a&#64;b.example %0A&#58;&#58;warning&#58;&#58;x"
)
FENCED = [
    "````text",
    "boom",
    "",
    "# All tests passed",
    "</details>",
    "",
    "![img](https://evil.example/i.png)",
    "::error title=x::forged",
    "```",
    "<img src=x>",
    "| a | b |",
    "````",
]
MARKDOWN_REASON = (
    r"crashed \# All tests passed ::error::forged &lt;/details&gt; &lt;img src=x&gt; "
    r"\[l\](https\://evil.example) www\.evil.example a\@b.example %0A::warning::x"
)


def outside_fences(lines: list[str]) -> list[str]:
    """The lines Markdown reads as Markdown: not inside a fenced block."""
    kept: list[str] = []
    fence = ""
    for line in lines:
        ticks = line[: len(line) - len(line.lstrip("`"))]
        if not fence and len(ticks) >= 3:
            fence = ticks
        elif fence and line.strip() == "`" * len(line.strip()) and len(line.strip()) >= len(fence):
            fence = ""
        elif not fence:
            kept.append(line)
    return kept


def test_hostile_junit_is_inert_text_in_every_output(
    hostile: Path, report: Callable[..., Ran], tmp_path_factory: pytest.TempPathFactory
) -> None:
    summary = tmp_path_factory.mktemp("gh") / "summary.md"
    env = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)}
    ran = report("--github-summary", "--html", "report.html", env=env)
    assert ran.code == 1

    # The step summary: after the table, exactly these lines. HTML lines carry the text as
    # character references (no Markdown inside them), and the message sits in a fence
    # longer than any backtick run in it.
    lines = summary.read_text(encoding="utf-8").splitlines()
    after_table = lines[lines.index("- ³ excluded: the Redis connector implements CAS only") + 1 :]
    assert after_table == [
        "",
        "<details>",
        "<summary>❌ <code>unit/s3-lww</code> 1 of 1 test failed</summary>",
        "",
        f"<p><b>{INERT_NAME}</b> (failure)</p>",
        "",
        *FENCED,
        "",
        "</details>",
        "",
        "<details>",
        f"<summary>❌ <code>unit/s3-cas</code> {INERT_REASON}</summary>",
        "",
        "<p><b>t</b> (error)</p>",
        "",
        *FENCED,
        "",
        "</details>",
        "",
    ]
    markdown = outside_fences(lines)
    assert [line for line in markdown if line.startswith("#")] == ["## Test matrix: state-proxy"]
    table = [line for line in markdown if line.startswith("|")]
    assert len(table) == 2 + 9  # heading, rule, one row per backend and mode
    assert f"- ¹ error: {MARKDOWN_REASON}" in lines

    # The docs page: the note and the failures, each on its line, escaped or in a code span.
    page = (hostile / "docs/testing.md").read_text(encoding="utf-8").splitlines()
    region = page[page.index("#### Failures") :]
    code = NAME.replace("\n", " ").replace("  ", " ")
    assert region == [
        "#### Failures",
        "",
        "- `unit/s3-lww` ❌ 1 of 1 test failed",
        f"  - `` tests.t.{' '.join(code.split())} ``: boom",
        f"- `unit/s3-cas` ❌ {MARKDOWN_REASON}",
        "  - `t`: boom",
        END,
    ]
    assert f"- ¹ error: {MARKDOWN_REASON}" in page
    assert [line for line in page if line.startswith("#")] == ["# Testing", "#### Failures"]

    # The HTML: no element and no attribute came from the JUnit files.
    tags: set[str] = set()
    attributes: set[str] = set()
    links: list[str] = []

    class Tags(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            tags.add(tag)
            attributes.update(name for name, _ in attrs)
            links.extend(value or "" for name, value in attrs if name == "href")

    Tags().feed((hostile / "report.html").read_text(encoding="utf-8"))
    assert "img" not in tags and "script" not in tags
    assert attributes <= {"lang", "charset", "http-equiv", "content", "name", "class", "title",
                          "rowspan", "href"}  # fmt: skip
    # The only links are matrixgen's own: to the result files beside the report.
    assert links and all(link.startswith("results/") for link in links), links
    assert all((hostile / link).is_file() for link in links)

    # The console: one line per message; the only workflow commands are matrixgen's own.
    commands = [line for line in ran.out.splitlines() if line.startswith("::")]
    assert commands == [
        "::error title=unit/s3-lww::failed: 1 of 1 test failed",
        "::error title=unit/s3-cas::error: crashed # All tests passed ::error::forged "
        "</details> <img src=x> [l](https://evil.example) www.evil.example a@b.example "
        "%250A::warning::x",
    ]
    assert (
        f"warning: {hostile}/results/other.xml: ignored, its cell unit/gone ::error::forged "
        "is not in the matrix (stale result?)"
    ) in ran.out.splitlines()


def test_a_file_name_with_a_newline_stays_on_its_warning_line(
    project: Path, report: Callable[..., Ran]
) -> None:
    (project / "results/x\n::error::forged.xml").write_text("<testsuite/>")
    ran = report(env={"GITHUB_ACTIONS": "true"})
    assert [line for line in ran.out.splitlines() if "forged" in line] == [
        f"warning: {project}/results/x ::error::forged.xml: ignored, no matrixgen.cell "
        "property and its path names no cell"
    ]


# --- writes that fail --------------------------------------------------------------------


@pytest.fixture
def tmpfs() -> Iterator[Callable[[Path, str], Path]]:
    """Mount a tmpfs (`mount -o OPTIONS`) at a folder; unmounted after the test. Root
    ignores file modes, so a read-only or a full file system is the only way to make a
    write fail. Skipped where mounting is not allowed, a failure under CI."""
    mounted: list[Path] = []

    def mount(folder: Path, options: str) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        try:
            done = subprocess.run(
                ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
                capture_output=True,
                text=True,
                timeout=10,
            )
            why = done.stderr.strip() if done.returncode else None
        except OSError as error:
            why = str(error)
        if why is not None:
            message = f"cannot mount a tmpfs here ({why}); these tests need root"
            if os.environ.get("CI"):
                pytest.fail(message)
            pytest.skip(message)
        mounted.append(folder)
        return folder

    yield mount
    for folder in reversed(mounted):
        subprocess.run(["umount", "-l", str(folder)], check=True, timeout=10)


def remount_read_only(folder: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True, timeout=10)


def fill(folder: Path) -> None:
    """Write until the file system is full."""
    with open(folder / "filler", "wb", buffering=0) as stream:
        try:
            while True:
                stream.write(b"\0" * 4096)
        except OSError as error:
            assert error.strerror == "No space left on device"


def test_a_read_only_docs_page_is_one_line_and_exit_2(
    project: Path, report: Callable[..., Ran], tmpfs: Callable[[Path, str], Path]
) -> None:
    docs = tmpfs(project / "docs", "size=1m")
    (docs / "testing.md").write_text(f"# Testing\n\n{START}\n{END}\n")
    remount_read_only(docs)
    ran = report()
    assert (ran.code, ran.err) == (
        2,
        f"{docs}/testing.md: cannot write the docs page: Read-only file system; nothing was "
        "written there. Make its folder writable, free some space, or choose another path\n",
    )
    assert (docs / "testing.md").read_text() == f"# Testing\n\n{START}\n{END}\n"
    assert sorted(p.name for p in docs.iterdir()) == ["testing.md"]


def test_a_read_only_output_folder_is_one_line_and_exit_2(
    project: Path, report: Callable[..., Ran], tmpfs: Callable[[Path, str], Path]
) -> None:
    out = tmpfs(project / "out", "ro,size=1m")
    ran = report("--html", "out/report.html")
    assert (ran.code, ran.err) == (
        2,
        f"{out}/report.html: cannot write the HTML report: Read-only file system; nothing was "
        "written there. Make its folder writable, free some space, or choose another path\n",
    )
    assert list(out.iterdir()) == []


def test_a_read_only_results_folder_only_skips_the_durations(
    project: Path, report: Callable[..., Ran], tmpfs: Callable[[Path, str], Path]
) -> None:
    """Durations are the scheduler's cache: without them the report is still whole."""
    results = tmpfs(project / "results", "size=1m")
    write(project, {"results/unit/s3-lww.xml": junit("unit/s3-lww", passed=2)})
    remount_read_only(results)
    ran = report()
    assert ran.code == 0
    assert (
        f"warning: {results}/durations.json: durations not recorded: Read-only file system"
    ) in ran.out.splitlines()


def test_a_full_disk_leaves_no_half_file(
    project: Path, report: Callable[..., Ran], tmpfs: Callable[[Path, str], Path]
) -> None:
    out = tmpfs(project / "out", "size=64k")
    fill(out)
    ran = report("--json", "out/report.json")
    assert (ran.code, ran.err) == (
        2,
        f"{out}/report.json: cannot write the JSON report: No space left on device; nothing "
        "was written there. Make its folder writable, free some space, or choose another "
        "path\n",
    )
    assert sorted(p.name for p in out.iterdir()) == ["filler"]


def test_a_full_disk_cuts_the_step_summary_back(
    project: Path, report: Callable[..., Ran], tmpfs: Callable[[Path, str], Path]
) -> None:
    """The summary fills the slack of its last page, then the disk is full: the file is cut
    back to what earlier steps wrote, so no half `<details>` swallows what comes after."""
    gh = tmpfs(project / "gh", "size=64k")
    summary = gh / "summary.md"
    summary.write_text("earlier step\n")
    fill(gh)
    write(project, {"results/unit/s3-lww.xml": junit("unit/s3-lww", failed=40, message="x" * 200)})
    ran = report("--github-summary", env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert (ran.code, ran.err) == (
        2,
        f"{summary}: cannot write the GitHub step summary: No space left on device; nothing "
        "was written there. Make its folder writable, free some space, or choose another "
        "path\n",
    )
    assert summary.read_text() == "earlier step\n"
