"""`render` and `report` share the docs region: report's results survive render until
matrix.yaml changes the table's layout, then render lays out the fresh skeleton."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from support.cli import Result, invoke

from matrixgen.outcome.stamp import properties, stamp, synthesize
from matrixgen.outcome.status import Status

from .conftest import Project

PASSING = "def test_put():\n    pass\n\n\ndef test_get():\n    pass\n"
PYTEST = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:cov"]
FAILING = "def test_put():\n    pass\n\n\ndef test_cas():\n    assert 412 == 200, 'no 412'\n"


def matrixgen(project: Project, *args: str) -> Result:
    return invoke("-C", str(project.root), *args)


def pytest_junit(folder: Path, name: str, source: str) -> Path:
    """A JUnit file written by a real pytest run of `source`."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"test_{name}.py").write_text(source, encoding="utf-8")
    junit = folder / f"{name}.xml"
    subprocess.run(
        [*PYTEST, f"--junitxml={junit}", f"test_{name}.py"],
        cwd=folder,
        capture_output=True,
        check=False,
    )
    assert junit.is_file()
    return junit


def results(project: Project, tmp_path: Path) -> Path:
    """Some cells' results as `matrixgen run` leaves them; the other cells have none."""
    matrix = project.matrix()
    passing = pytest_junit(tmp_path / "runs", "passing", PASSING)
    failing = pytest_junit(tmp_path / "runs", "failing", FAILING)
    folder = tmp_path / "results"

    def place(cell_id: str, source: Path, status: str | None) -> None:
        cell = matrix.cell(cell_id)
        path = folder / cell.level / f"{cell.name}.xml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(source.read_bytes())
        if status is not None:  # None: the runner's own file, attributed by its path
            props = properties(cell, attempt=1, duration=2.0, status=status, reason="")
            stamp(path, props)

    place("unit/s3-lww", passing, "passed")
    place("component/s3-lww", passing, None)
    place("integration/rabbitmq-s3", failing, "failed")
    synthesize(
        folder / "e2e/sqs-s3.xml",
        matrix.cell("e2e/sqs-s3"),
        outcome=Status.SKIPPED,
        message="requires docker, kind",
        details="",
        duration=0.0,
    )
    stamp(
        folder / "e2e/sqs-s3.xml",
        properties(
            matrix.cell("e2e/sqs-s3"),
            attempt=1,
            duration=0.0,
            status=Status.SKIPPED,
            reason="requires docker, kind",
        ),
    )
    return folder


def test_report_results_survive_render_until_the_layout_changes(
    storage_proxy: Project, tmp_path: Path
) -> None:
    assert matrixgen(storage_proxy, "render").code == 0
    storage_proxy.write(
        "docs/testing.md",
        "# Testing\n\nOur words.\n\n" + storage_proxy.read("docs/testing.md") + "\nAfter.\n",
    )
    folder = results(storage_proxy, tmp_path)

    reported = matrixgen(storage_proxy, "report", str(folder))
    assert reported.code == 1, reported.out + reported.err  # integration/rabbitmq-s3 failed
    page = storage_proxy.read("docs/testing.md")
    assert "<!-- statuses: results; layout " in page
    assert "| S3 | LWW | ✅ | ✅ | ❌ (rabbitmq-s3) ❔ (sqs-s3, pubsub-s3) |" in page
    assert "#### Failures\n\n- `integration/rabbitmq-s3` ❌ 1 of 2 tests failed\n" in page
    assert "- ¹ skipped: requires docker, kind" in page
    assert page.startswith("# Testing\n\nOur words.\n\n") and page.endswith("\nAfter.\n")

    checked = matrixgen(storage_proxy, "render", "--check")
    assert checked.code == 0, checked.out + checked.err  # results for this very layout: no drift
    assert matrixgen(storage_proxy, "render").code == 0
    assert storage_proxy.read("docs/testing.md") == page
    again = matrixgen(storage_proxy, "report", "--check", str(folder))
    assert "is stale" not in (again.out + again.err) and "unchanged" in (again.out + again.err)

    # A change that leaves the table's layout alone (a timeout) keeps the results too.
    text = storage_proxy.read("matrix.yaml")
    storage_proxy.write("matrix.yaml", text.replace("timeout: 15m", "timeout: 25m"))
    assert storage_proxy.render() == 0
    assert storage_proxy.actions()[".github/workflows/matrix.yml"] == "updated"
    assert storage_proxy.actions()["docs/testing.md"] == "unchanged"

    storage_proxy.write(
        "matrix.yaml",
        text.replace(
            "      passthrough: {label: passthrough}\n",
            "      passthrough: {label: passthrough}\n      ttl: {label: TTL}\n",
        ),
    )
    stale = matrixgen(storage_proxy, "render", "--check")
    assert stale.code == 1
    assert "+| S3 | TTL | ○ | ○ |  |  |" in (stale.out + stale.err)
    assert storage_proxy.read("docs/testing.md") == page  # --check writes nothing

    assert matrixgen(storage_proxy, "render").code == 0
    fresh = storage_proxy.read("docs/testing.md")
    assert "<!-- statuses: declared; layout " in fresh
    assert "| S3 | LWW | ○ | ○ | ○ (sqs-s3, rabbitmq-s3, pubsub-s3) |" in fresh
    assert "✅" not in fresh.split("\n\n— excluded")[0] and "Failures" not in fresh
    assert fresh.startswith("# Testing\n\nOur words.\n\n") and fresh.endswith("\nAfter.\n")
    assert matrixgen(storage_proxy, "render", "--check").code == 0
