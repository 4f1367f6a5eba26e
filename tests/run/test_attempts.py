"""What a retried, a stopped or a crashed cell leaves behind, with real runs of
`cell_program.py`: every attempt's JUnit and log, the tests that flaked named in the report,
cells `--fail-fast` kept from starting as not run, and crash reasons that fit the command."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from support.cli import invoke

from matrixgen.errors import ResultsFolderError
from matrixgen.load.matrix import load
from matrixgen.outcome.attempts import EarlierAttempt
from matrixgen.run.results_folder import ResultsFolder
from tests.run.conftest import RETRIED, Project


def report(project: Project, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    """Its exit code and its standard output; `--json -` alone: the JSON."""
    done = invoke("-C", str(project.root), "report", *args, env=env)
    return done.code, done.out if "--json" in args else done.out + done.err


def test_a_flaky_cell_keeps_every_attempt_and_the_report_names_the_test(
    project: Project,
) -> None:
    project.write(RETRIED)
    assert project.run("unit/flaky", "unit/pass", retries=1) == 0
    level = project.root / "results" / "unit"
    first = (level / "flaky.attempt-1.xml").read_text()
    assert 'failures="1"' in first and "assert 1 == 2" in first  # the failing attempt, as written
    assert "+ " in (level / "flaky.attempt-1.log").read_text()
    assert (level / "flaky.xml").is_file() and (level / "flaky.log").is_file()
    assert not (level / "pass.attempt-1.xml").exists()  # passed at once: one attempt
    final = project.result("unit/flaky")
    assert final["matrixgen.status"] == "flaky"
    assert final["matrixgen.attempt"] == "2"
    assert final["matrixgen.attempt.1.status"] == "failed"
    assert final["matrixgen.attempt.1.failed"] == "tests.test_it.test_it"
    # The first failure's message attribute, then its text (the runner's traceback), clipped.
    assert final["matrixgen.attempt.1.message"] == "assert 1 == 2\nassert 1 == 2"
    reason = "passed on attempt 2; attempt 1 failed: tests.test_it.test_it (assert 1 == 2)"
    assert final["matrixgen.reason"] == reason
    assert reason in project.output  # the run's own line says it too
    assert (
        "retry unit/flaky: attempt 1 failed: 1 of 1 test failed "
        "(kept as results/unit/flaky.attempt-1.xml and .log)"
    ) in project.output

    code, shown = report(project, "--json", "-")
    assert code == 0
    data = json.loads(shown)
    cells = {c["id"]: c for c in data["cells"]}
    assert cells["unit/flaky"]["status"] == "flaky"
    assert cells["unit/flaky"]["reason"] == reason
    assert cells["unit/flaky"]["files"] == ["results/unit/flaky.xml"]  # not the attempt's
    assert cells["unit/flaky"]["earlier_attempts"] == [
        {"attempt": 1, "status": "failed", "failed": ["tests.test_it.test_it"],
         "message": "assert 1 == 2\nassert 1 == 2"}
    ]  # fmt: skip
    assert cells["unit/pass"]["earlier_attempts"] == []
    assert "ignored" not in shown  # the attempt file is no stray result

    code, shown = report(project)
    assert f"⚠️ unit/flaky: flaky: {reason}\n" in shown  # one line, though it passed
    code, shown = report(project, env={"GITHUB_ACTIONS": "true"})
    assert f"::warning title=unit/flaky::flaky: {reason}\n" in shown

    html = project.root / "page.html"
    assert report(project, "--html", str(html))[0] == 0
    assert "tests.test_it.test_it (assert 1 == 2)" in html.read_text()


def test_a_new_run_clears_the_attempts_of_an_earlier_one(project: Project) -> None:
    project.write(RETRIED)
    assert project.run("unit/flaky", retries=1) == 0
    level = project.root / "results" / "unit"
    assert (level / "flaky.attempt-1.xml").is_file()
    assert project.run("unit/flaky", retries=1) == 0  # passes at once now (its marker is there)
    assert not (level / "flaky.attempt-1.xml").exists()
    assert not (level / "flaky.attempt-1.log").exists()
    final = project.result("unit/flaky")
    assert final["matrixgen.status"] == "passed"
    assert "matrixgen.attempt.1.status" not in final


def test_a_cell_failing_every_attempt_keeps_each(project: Project) -> None:
    project.write(RETRIED)
    assert project.run("unit/fail", retries=2) == 1
    level = project.root / "results" / "unit"
    assert sorted(p.name for p in level.glob("fail.*")) == [
        "fail.attempt-1.log", "fail.attempt-1.xml", "fail.attempt-2.log", "fail.attempt-2.xml",
        "fail.log", "fail.xml",
    ]  # fmt: skip
    final = project.result("unit/fail")
    assert (final["matrixgen.status"], final["matrixgen.attempt"]) == ("failed", "3")
    assert final["matrixgen.attempt.2.failed"] == "tests.test_it.test_it"


def test_a_crashed_attempt_records_why_it_went_wrong(project: Project) -> None:
    project.write(
        """\
        version: 1
        axes:
          outcome: [crash]
        levels:
          unit:
            axes: [outcome]
            run: PROGRAM ${outcome}
        """
    )
    assert project.run(retries=1) == 1
    final = project.result("unit/crash")
    assert final["matrixgen.attempt.1.status"] == "error"
    assert final["matrixgen.attempt.1.failed"] == ""  # no test failed: it crashed
    assert "SIGABRT" in final["matrixgen.attempt.1.message"]
    kept = project.root / "results" / "unit" / "crash.attempt-1.xml"
    assert "SIGABRT" in kept.read_text()  # the file matrixgen wrote for it


def test_fail_fast_records_the_cells_it_kept_from_starting_as_not_run(project: Project) -> None:
    project.write(
        """\
        version: 1
        axes:
          outcome: [fail, pass, flaky]
        levels:
          unit:
            axes: [outcome]
            run: PROGRAM ${outcome}
          later:
            requires: [no-such-tool-for-matrixgen]
            run: PROGRAM pass
        """
    )
    assert project.run("unit/fail", "unit/pass", "unit/flaky", "later/later", jobs=1,
                       fail_fast=True) == 1  # fmt: skip
    assert project.result("unit/fail")["matrixgen.status"] == "failed"
    for cell in ("unit/pass", "unit/flaky"):
        stopped = project.result(cell)
        assert stopped["matrixgen.status"] == "not-run"
        assert stopped["matrixgen.reason"] == "stopped by --fail-fast: unit/fail failed"
        assert stopped["junit.skipped"].startswith("stopped by --fail-fast")  # to JUnit readers
    assert not list(project.records.glob("started-unit-pass*"))  # really never started
    assert project.result("later/later")["matrixgen.status"] == "skipped"  # a real skip stays one
    assert "not-run" in project.output

    code, shown = report(project, "--json", "-")
    assert code == 1  # the failure that stopped the run fails the report
    data = json.loads(shown)
    assert data["summary"]["not-run"] == 2 and data["summary"]["skipped"] == 1
    statuses = {c["id"]: c["status"] for c in data["cells"]}
    assert statuses["unit/pass"] == statuses["unit/flaky"] == "not-run"


def test_fail_fast_not_run_in_table_html_and_merged_junit(project: Project) -> None:
    project.write(
        """\
        version: 1
        axes:
          outcome: [fail, pass]
        levels:
          unit:
            axes: [outcome]
            run: PROGRAM ${outcome}
        outputs:
          docs: {file: docs/testing.md, rows: [outcome], columns: level}
        """
    )
    (project.root / "docs").mkdir()
    (project.root / "docs" / "testing.md").write_text(
        "<!-- matrixgen:table:start -->\n<!-- matrixgen:table:end -->\n"
    )
    assert project.run("unit/fail", "unit/pass", jobs=1, fail_fast=True) == 1
    html, merged = project.root / "page.html", project.root / "all.xml"
    assert report(project, "--html", str(html), "--junit", str(merged))[0] == 1
    page = (project.root / "docs" / "testing.md").read_text()
    assert "⏹ not-run" in page  # the legend
    assert "not-run: stopped by --fail-fast: unit/fail failed" in page  # its note
    assert '<td class="not-run">' in html.read_text()
    text = merged.read_text()
    assert "unit/pass :: pass" in text and 'message="stopped by --fail-fast' in text


def test_crash_reasons_fit_how_the_command_takes_its_junit_path(project: Project) -> None:
    crash = f"{sys.executable} -c 'import os; os.abort()'"
    project.write(
        f"""\
        version: 1
        axes:
          how: [plain, braced, listed, env, clean]
        levels:
          unit:
            axes: [how]
            run: "{crash}"
        overrides:
          - match: {{how: braced}}
            run: "{crash} --junitxml=$${{MATRIXGEN_JUNIT}}"
          - match: {{how: listed}}
            run: ["{sys.executable}", "-c", "import os; os.abort()", "--junitxml=${{junit}}"]
          - match: {{how: env}}
            env: {{PYTEST_ADDOPTS: "--junitxml=${{junit}}"}}
          - match: {{how: clean}}
            run: "{sys.executable} -c pass"
        """
    )
    assert project.run() == 1
    # A run line runs in a shell, which reports the signal as 128 + 6; a list runs as is.
    aborted = "exited with code 134 (SIGABRT)"
    # A crash may have come before a runner told through a script wrote its file.
    assert project.result("unit/plain")["matrixgen.reason"] == (
        f"{aborted} and wrote no JUnit at results/unit/plain.xml (did it stop "
        "before writing it? If the test runner is not told where, pass it ${junit} or "
        "$MATRIXGEN_JUNIT)"
    )
    assert project.result("unit/clean")["matrixgen.reason"] == (
        "exited with code 0 and wrote no JUnit at results/unit/clean.xml (pass ${junit} or "
        "$MATRIXGEN_JUNIT to the test runner, or declare junit: false for a cell that writes "
        "none)"
    )
    for how in ("braced", "listed", "env"):
        reason = project.result(f"unit/{how}")["matrixgen.reason"]
        how_it_ended = "was killed by SIGABRT" if how == "listed" else aborted
        assert reason == (
            f"{how_it_ended} and wrote no JUnit at results/unit/{how}.xml (its command "
            "passes the path; did the runner stop before writing it?)"
        ), how


def test_an_attempt_that_cannot_be_kept_stops_the_run_as_an_unwritable_folder(
    project: Project,
) -> None:
    """The cell plants a folder where its first attempt's file goes: moving it there fails,
    as on a full or read-only results folder, and the run ends with exit 2, no retry."""
    project.write(
        """\
        version: 1
        levels:
          unit:
            run: mkdir -p results/unit/unit.attempt-1.xml/x && PROGRAM fail
        """
    )
    with pytest.raises(ResultsFolderError, match=r"unit\.attempt-1\.xml: cannot write"):
        project.run(retries=2)
    assert "retry unit/unit" not in project.output  # it never said the files were kept
    assert "start unit/unit (attempt 2)" not in project.output
    assert len(list(project.records.glob("started-*"))) == 1


def test_keeping_an_attempt_moves_what_it_left_over_a_planted_link(tmp_path: Path) -> None:
    (tmp_path / "matrix.yaml").write_text('version: 1\nlevels:\n  unit: {run: "t ${junit}"}\n')
    cell = load(tmp_path).cells[0]
    folder = tmp_path / "results" / "unit"
    folder.mkdir(parents=True)
    junit = folder / "unit.xml"
    junit.write_text('<testsuite tests="1"><testcase classname="t" name="a"><failure message="m"/>'
                     "</testcase></testsuite>")  # fmt: skip
    outside = tmp_path / "outside.xml"
    outside.write_text("keep me")
    (folder / "unit.attempt-1.xml").symlink_to(outside)
    kept = ResultsFolder.keep_attempt(cell, junit, folder / "unit.log", 1, "failed", "1 failed")
    assert kept == EarlierAttempt(1, "failed", ("t.a",), "m")
    assert not junit.exists()
    assert not (folder / "unit.attempt-1.xml").is_symlink()  # the link went, not its target
    assert 'message="m"' in (folder / "unit.attempt-1.xml").read_text()
    assert outside.read_text() == "keep me"
    assert not (folder / "unit.attempt-1.log").exists()  # it left no log: nothing to keep
