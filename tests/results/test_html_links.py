"""The HTML report says when, where and from which commit, and links each cell's files."""

from __future__ import annotations

import platform
import shutil
import socket
import subprocess
from pathlib import Path

from support.cli import invoke

from .helpers import DESIGN, junit, write


def test_facts_links_and_failing_tests(tmp_path: Path) -> None:
    shutil.copytree(DESIGN, tmp_path, dirs_exist_ok=True)
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    subprocess.run(
        ["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@t", "commit",
         "-q", "--allow-empty", "-m", "x"], check=True,
    )  # fmt: skip
    commit = subprocess.run(
        ["git", "-C", str(tmp_path), "rev-parse", "--short=12", "HEAD"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    write(
        tmp_path,
        {
            "results/unit/s3-lww.xml": junit("unit/s3-lww", passed=2),
            "results/unit/s3-lww.log": "+ pytest\n2 passed\n",
            "results/unit/s3-cas.xml": junit("unit/s3-cas", passed=1, failed=2),
        },
    )
    reported = invoke("-C", str(tmp_path), "report", "--html", "out/report.html")
    assert reported.code == 1, reported  # unit/s3-cas failed
    page = (tmp_path / "out/report.html").read_text()
    assert f"commit {commit}" in page and f"host {socket.gethostname()}" in page
    assert f"Python {platform.python_version()}" in page and "made 20" in page
    assert '<a href="../results/unit/s3-lww.xml">s3-lww.xml</a>' in page
    assert '<a href="../results/unit/s3-lww.log">s3-lww.log</a>' in page
    assert (
        "<ul><li><code>tests.test_x.test_bad_0</code></li><li><code>tests.test_x.test_bad_1" in page
    )
