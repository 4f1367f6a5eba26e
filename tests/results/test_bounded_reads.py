"""results/durations.json comes with results folders (artifacts, caches): `run`, `shard` and
`report` read it bounded, and a FIFO, a link to /dev/zero, a 200 MB file or JSON nested
100,000 deep is the documented warning (an error under `shard --durations FILE`), within
seconds (issue 19, item 3). The docs page matrix.yaml names follows render's path rule:
`report` never follows it out of the project (item 6)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from support.cli import invoke

from matrixgen.outcome.durations import SHAPE
from tests.hostile_files import DEEP, DEVICE, FIFO, KINDS, LINK, matrixgen, plant, too_big

from .helpers import DESIGN

# What each planted durations.json is, read where the results folder is (links refused)
# and where the user named it (`shard --durations FILE`: a link is followed).
IN_RESULTS = {"fifo": FIFO, "dev-zero": LINK, "sparse": too_big(16), "deep-json": DEEP}
NAMED = {**IN_RESULTS, "dev-zero": DEVICE}
IGNORED = "cannot use these durations: {why}; ignoring it (the next run writes it anew)"


@pytest.fixture
def ran(tmp_path: Path) -> Path:
    """A project that ran once: results/ with a result and durations.json."""
    (tmp_path / "matrix.yaml").write_text(
        "version: 1\nlevels:\n  unit: {run: 'true', junit: false}\n  lint: {run: 'true', "
        "junit: false}\n"
    )
    # In-process: this run is the setting, not what is tested (each test's own call runs
    # as a process, under a timeout).
    assert invoke("-C", str(tmp_path), "run").code == 0
    return tmp_path


@pytest.mark.parametrize("kind", KINDS)
def test_run_warns_and_writes_the_file_anew(ran: Path, kind: str) -> None:
    path = ran / "results/durations.json"
    plant(path, kind)
    done = matrixgen(ran, "run")
    assert done.code == 0
    warnings = [line for line in done.out.splitlines() if "durations" in line]
    assert len(warnings) == 1, done.out
    assert warnings[0].endswith(f"] {path}: " + IGNORED.format(why=IN_RESULTS[kind]))
    assert not path.is_symlink() and set(json.loads(path.read_text())) == {"unit/unit", "lint/lint"}


@pytest.mark.parametrize("kind", KINDS)
def test_shard_warns_for_the_default_file_and_refuses_a_named_one(ran: Path, kind: str) -> None:
    path = ran / "results/durations.json"
    plant(path, kind)
    done = matrixgen(ran, "shard", "--shards", "2")
    assert done.code == 0
    assert f"warning: {path}: " + IGNORED.format(why=IN_RESULTS[kind]) in done.out.splitlines()
    done = matrixgen(ran, "shard", "--shards", "2", "--durations", str(path))
    assert (done.code, done.out) == (2, "")
    assert done.err == f"{path}: cannot use these durations: {NAMED[kind]}; expected {SHAPE}\n"


@pytest.mark.parametrize("kind", KINDS)
def test_report_warns_and_never_reads_what_is_no_file(ran: Path, kind: str) -> None:
    path = ran / "results/durations.json"
    plant(path, kind)
    done = matrixgen(ran, "report")
    assert (done.code, done.err) == (0, "")
    if kind in ("fifo", "dev-zero"):  # not report's to replace: left as it is
        why = IN_RESULTS[kind]
        assert f"warning: {path}: durations not recorded: {why}" in done.out.splitlines()
        assert path.is_fifo() if kind == "fifo" else path.readlink() == Path("/dev/zero")
    else:  # a regular file of bad content: no history, written anew
        assert f"warning: {path}: " + IGNORED.format(why=IN_RESULTS[kind]) in done.out
        assert set(json.loads(path.read_text())) == {"unit/unit", "lint/lint"}


# --- the docs page: render's path rule ------------------------------------------------------


@pytest.fixture
def design(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    shutil.copy(DESIGN / "matrix.yaml", root / "matrix.yaml")
    shutil.copytree(DESIGN / "testing", root / "testing")
    return root


@pytest.mark.parametrize("args", [(), ("--check",)], ids=["write", "check"])
def test_report_refuses_a_docs_page_linking_out_of_the_project_as_render_does(
    design: Path, tmp_path: Path, args: tuple[str, ...]
) -> None:
    outside = tmp_path / "elsewhere.md"
    text = "# Someone else's page\n\n<!-- matrixgen:table:start -->\n<!-- matrixgen:table:end -->\n"
    outside.write_text(text)
    os.utime(outside, (1_000_000, 1_000_000))
    (design / "docs").mkdir()
    (design / "docs/testing.md").symlink_to(outside)

    report = matrixgen(design, "report", *args)
    render = matrixgen(design, "render", *args)

    refusal = (
        "docs/testing.md leads outside the project folder (the folder of matrix.yaml), through "
        "'..', an absolute path or a symlink (it is a symbolic link to "
        f"{outside}); nothing written. Point the output at a path inside that folder in "
        "`outputs:` of matrix.yaml, or make it a regular file\n"
    )
    assert (report.code, report.err) == (2, refusal)
    assert (render.code, render.err) == (2, refusal)  # one rule, one message
    assert outside.read_text() == text and outside.stat().st_mtime == 1_000_000
    assert (design / "docs/testing.md").readlink() == outside  # the link itself untouched
    copied = [p for p in design.rglob("*") if p.is_file() and "Someone else" in p.read_text()]
    assert copied == [design / "docs/testing.md"]  # only through the link: nothing copied in


def test_report_follows_a_docs_page_link_inside_the_project(design: Path) -> None:
    (design / "docs").mkdir()
    page = design / "docs/real.md"
    page.write_text("# Testing\n\n<!-- matrixgen:table:start -->\n<!-- matrixgen:table:end -->\n")
    (design / "docs/testing.md").symlink_to("real.md")
    done = matrixgen(design, "report")
    assert (done.code, done.err) == (0, ""), done.out
    assert "| " in (design / "docs/testing.md").read_text()
