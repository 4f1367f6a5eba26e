"""`matrixgen report` end to end through the CLI: docs, --check, --check-complete, JSON,
GitHub summary, durations, attribution by path, hostile files in a results folder."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from support.cli import Result, invoke

from .helpers import DESIGN, junit, write

CORPUS = Path(__file__).parent.parent / "outcome" / "corpus"
# The marker lines as a user types them; matrixgen's own carry a digest after the tag.
START = "<!-- matrixgen:table:start -->"
END = "<!-- matrixgen:table:end -->"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copy(DESIGN / "matrix.yaml", tmp_path / "matrix.yaml")
    shutil.copytree(DESIGN / "testing", tmp_path / "testing")  # the compose files it names
    write(tmp_path, {"docs/testing.md": f"# Testing\n\nIntro.\n\n{START}\n{END}\n\nOutro.\n"})
    return tmp_path


def all_results(project: Path, **overrides: str) -> None:
    """A JUnit for every cell of the design matrix (skipped for e2e), then `overrides` by id."""
    from matrixgen.load.matrix import load

    files = {}
    for cell in load(project).cells:
        if cell.level == "e2e":
            text = junit(
                cell.id,
                passed=0,
                skipped=1,
                status="skipped",
                reason="requires docker, kind",
                duration=0.0,
            )
        else:
            text = junit(cell.id, passed=3, duration=float(len(cell.name)))
        files[f"results/{cell.level}/{cell.name}.xml"] = overrides.get(cell.id, text)
    write(project, files)


def report(project: Path, *args: str, env: dict[str, str | None] | None = None) -> Result:
    return invoke("-C", str(project), "report", *args, env=env)


def test_all_passing_updates_the_docs_idempotently(project: Path) -> None:
    all_results(project)
    first = report(project)
    assert first.code == 0, first.out + first.err
    page = (project / "docs/testing.md").read_text()
    assert page.startswith("# Testing\n\nIntro.\n\n<!-- matrixgen:table:start (digest ")
    assert page.endswith(END + "\n\nOutro.\n")
    assert "| S3 | LWW | ✅ | ✅ | ✅ (sqs-s3, rabbitmq-s3) | ⏭¹ (sqs-s3, rabbitmq-s3) |" in page
    assert "- ¹ skipped: requires docker, kind" in page
    assert "Failures" not in page
    assert "updated" in (first.out + first.err)
    second = report(project)
    assert (project / "docs/testing.md").read_text() == page
    assert f"unchanged {project / 'docs/testing.md'}" in (second.out + second.err)
    assert report(project, "--check").code == 0


def test_check_reports_drift_without_writing(project: Path) -> None:
    all_results(project)
    report(project)
    before = (project / "docs/testing.md").read_text()
    all_results(
        project, **{"unit/s3-cas": junit("unit/s3-cas", passed=1, failed=1, message="expected 412")}
    )
    result = report(project, "--check")
    assert result.code == 1
    assert "-| S3 | CAS | ✅ | ✅ |  |  |" in (result.out + result.err)
    assert "+| S3 | CAS | ❌ | ✅ |  |  |" in (result.out + result.err)
    assert "is stale; run `matrixgen report` to update it" in (result.out + result.err)
    assert (project / "docs/testing.md").read_text() == before


def test_failures_section_and_exit_code(project: Path) -> None:
    all_results(
        project,
        **{
            "unit/s3-cas": junit(
                "unit/s3-cas", passed=2, failed=1, message="AssertionError: expected 412\nmore"
            ),
            "component/gcs-lww": "<testsuites><testsuite>",
            "component/gcs-cas": (CORPUS / "xxe_file.xml").read_text(),
        },
    )
    result = report(project)
    assert result.code == 1
    page = (project / "docs/testing.md").read_text()
    assert "#### Failures\n\n- `unit/s3-cas` ❌ 1 of 3 tests failed\n" in page
    assert "  - `tests.test_x.test_bad_0`: AssertionError: expected 412\n" in page
    assert "- `component/gcs-cas` ❌ unreadable JUnit: refused: it declares a DTD" in page
    assert "❌ component/gcs-lww: error: unreadable JUnit: it ends early" in (
        result.out + result.err
    )


def test_check_complete_fails_on_a_missing_cell(project: Path) -> None:
    all_results(project)
    (project / "results/component/s3-lww.xml").unlink()
    assert report(project).code == 0
    result = report(project, "--check-complete")
    assert result.code == 1
    assert "❔ component/s3-lww: missing: no JUnit result" in (result.out + result.err)
    assert "1 cells have no result; each should have run (--check-complete)" in (
        result.out + result.err
    )


def test_json_shape_on_stdout(project: Path) -> None:
    all_results(project, **{"unit/s3-cas": junit("unit/s3-cas", passed=2, failed=1)})
    result = report(project, "--json", "-")
    data = json.loads(result.out)
    cells = {c["id"]: c for c in data["cells"]}
    assert cells["unit/s3-cas"] == {
        "id": "unit/s3-cas",
        "level": "unit",
        "suite": "unit",
        "cell": "s3-cas",
        "values": {"backend": "s3", "mode": "cas"},
        "status": "failed",
        "reason": "1 of 3 tests failed",
        "allowed_failure": False,
        "tests": {"passed": 2, "failed": 1, "skipped": 0},
        "duration": 1.0,
        "files": ["results/unit/s3-cas.xml"],
        "failures": [
            {
                "test": "tests.test_x.test_bad_0",
                "kind": "failure",
                "message": "AssertionError: boom\nAssertionError: boom",
            }
        ],
        "earlier_attempts": [],  # what each retried attempt of `run --retries` failed
    }
    assert cells["unit/redis-lww"]["status"] == "excluded"
    assert cells["unit/redis-lww"]["reason"] == "the Redis connector implements CAS only"
    assert cells["e2e/sqs-s3"]["status"] == "skipped"
    assert data["summary"] == {
        "passed": 16,
        "flaky": 0,
        "failed": 1,
        "error": 0,
        "skipped": 5,
        "not-run": 0,
        "missing": 0,
        "excluded": 8,
    }
    assert data["complete"] is True


def test_durations_for_the_scheduler_merge_with_earlier_ones(project: Path) -> None:
    all_results(project)
    write(project, {"results/durations.json": json.dumps({"old/cell": 9.5, "unit/s3-lww": 100})})
    report(project)
    durations = json.loads((project / "results/durations.json").read_text())
    assert durations["old/cell"] == 9.5
    assert durations["unit/s3-lww"] == 6.0  # len("s3-lww")
    assert "e2e/sqs-s3" not in durations  # skipped cells did not run


def test_github_summary_is_appended(project: Path) -> None:
    all_results(
        project, **{"unit/s3-cas": junit("unit/s3-cas", passed=0, failed=1, message="```x``` <b>")}
    )
    summary = project / "summary.md"
    summary.write_text("earlier step\n")
    result = report(
        project,
        "--github-summary",
        env={"GITHUB_STEP_SUMMARY": str(summary), "GITHUB_ACTIONS": "true"},
    )
    text = summary.read_text()
    assert text.startswith("earlier step\n## Test matrix: state-proxy\n")
    assert "<summary>❌ <code>unit/s3-cas</code> 1 of 1 test failed</summary>" in text
    assert "````text\n```x``` <b>\n```x``` <b>\n````" in text  # the fence outlasts the backticks
    assert "::error title=unit/s3-cas::failed: 1 of 1 test failed" in (result.out + result.err)


def test_github_summary_outside_actions_is_a_usage_error(project: Path) -> None:
    all_results(project)
    result = report(project, "--github-summary", env={"GITHUB_STEP_SUMMARY": None})
    assert (result.code, result.out) == (2, ""), result
    assert "$GITHUB_STEP_SUMMARY is not set" in result.err and "Traceback" not in result.err


def test_files_without_stamps_are_attributed_by_path(project: Path, tmp_path: Path) -> None:
    artifacts = tmp_path / "artifacts"
    write(
        artifacts,
        {
            "junit-unit-s3-lww/unit/s3-lww.xml": junit(None, passed=2),
            "component/s3-cas/TEST-com.example.StoreIT.xml": junit(None, passed=1, failed=1),
            "sqs-gcs.xml": junit(None, passed=4),  # ambiguous: integration and e2e both have it
            "stray/notes.xml": junit(None),
            "e2e/sqs-s3.xml": junit("e2e/removed-cell"),
        },
    )
    result = report(project, str(artifacts), "--json", "-")
    cells = {c["id"]: c for c in json.loads(result.out)["cells"]}
    assert (cells["unit/s3-lww"]["status"], cells["unit/s3-lww"]["tests"]["passed"]) == (
        "passed",
        2,
    )
    assert cells["component/s3-cas"]["status"] == "failed"
    assert cells["integration/sqs-gcs"]["status"] == cells["e2e/sqs-gcs"]["status"] == "missing"
    assert f"warning: {artifacts / 'stray/notes.xml'}: ignored, no matrixgen.cell property" in (
        result.out + result.err
    )
    assert "its cell e2e/removed-cell is not in the matrix (stale result?)" in (
        result.out + result.err
    )


def test_every_corpus_file_becomes_a_cell_error_and_never_a_crash(project: Path) -> None:
    from matrixgen.load.matrix import load

    cells = [c for c in load(project).cells if c.level != "e2e"]
    corpus = sorted(CORPUS.iterdir())
    harmless = {"stylesheet_pi.xml", "xinclude.xml", "utf16_with_bom.xml"}
    for start in range(0, len(corpus), len(cells)):  # one results folder per batch of cells
        folder = project / f"batch{start}"
        placed = {}
        for cell, source in zip(cells, corpus[start : start + len(cells)], strict=False):
            target = folder / cell.level / f"{cell.name}.xml"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, target)
            placed[cell.id] = source.name
        result = report(project, str(folder), "--json", "out.json", "--html", "out.html")
        assert result.code == 1
        data = json.loads((project / "out.json").read_text())
        statuses = {c["id"]: (c["status"], c["reason"]) for c in data["cells"]}
        for cell_id, name in placed.items():
            status, reason = statuses[cell_id]
            if name in harmless:
                assert status == "passed", name
            else:
                assert status == "error", name
                assert reason.startswith("unreadable JUnit: "), name
        assert "<script" not in (project / "out.html").read_text()


def test_a_missing_results_folder_argument_is_a_usage_error(project: Path) -> None:
    result = report(project, str(project / "nope"))
    assert (result.code, result.out) == (2, ""), result
    assert "does not exist; pass the folder `matrixgen run` wrote" in result.err
    assert "Traceback" not in result.err


def test_no_results_at_all_is_all_missing(project: Path) -> None:
    result = report(project, "--check-complete")
    assert result.code == 1
    assert "warning: no results folder at" in (result.out + result.err)
    assert "❔" in (project / "docs/testing.md").read_text()
