"""What `matrixgen report` writes: readable modes, nothing under --check, no machine paths."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest
from support.cli import invoke

from .helpers import DESIGN, junit, write

START = "<!-- matrixgen:table:start -->"
END = "<!-- matrixgen:table:end -->"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(DESIGN, tmp_path, dirs_exist_ok=True)
    write(tmp_path, {"docs/testing.md": f"# Testing\n\n{START}\n{END}\n"})
    write(tmp_path, {"results/unit/s3-lww.xml": junit("unit/s3-lww", passed=2)})
    return tmp_path


def report(project: Path, *args: str, env: dict[str, str] | None = None) -> int:
    return invoke("-C", str(project), "report", *args, env=env).code


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    return {
        p.relative_to(root).as_posix(): (p.read_bytes(), p.stat().st_mode)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_files_get_the_umask_mode_and_a_page_keeps_its_own(project: Path) -> None:
    os.chmod(project / "docs/testing.md", 0o664)
    old = os.umask(0o022)
    try:
        report(project, "--json", "out/report.json", "--html", "out/report.html")
    finally:
        os.umask(old)
    modes = {
        name: stat.S_IMODE((project / name).stat().st_mode)
        for name in ("docs/testing.md", "out/report.json", "out/report.html",
                     "results/durations.json")
    }  # fmt: skip
    assert modes == {
        "docs/testing.md": 0o664,
        "out/report.json": 0o644,
        "out/report.html": 0o644,
        "results/durations.json": 0o644,
    }
    leftovers = [p.name for p in project.rglob("*.tmp")]
    assert leftovers == []


def test_check_writes_nothing(project: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    summary = tmp_path_factory.mktemp("gh") / "summary.md"
    summary.write_text("")
    before = snapshot(project)
    code = report(
        project, "--check", "--json", "out/report.json", "--html", "out/report.html",
        "--github-summary", env={"GITHUB_STEP_SUMMARY": str(summary)},
    )  # fmt: skip
    assert code == 1  # the docs table is stale
    assert snapshot(project) == before
    assert summary.read_text() == ""


def test_reasons_in_the_docs_carry_no_machine_path(project: Path) -> None:
    reason = f"exited with code 1 and wrote no JUnit at {project}/results/unit/s3-cas.xml"
    write(
        project,
        {"results/unit/s3-cas.xml": junit("unit/s3-cas", passed=0, failed=1, status="error",
                                          reason=reason)},
    )  # fmt: skip
    report(project)
    page = (project / "docs/testing.md").read_text()
    assert "wrote no JUnit at results/unit/s3-cas.xml" in page
    assert str(project) not in page
