"""`matrixgen run SELECTOR... -- ARGS`: the arguments reach every selected cell's command,
verbatim, on every attempt, and the results say the cells did not run as declared."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path

from tests.run.conftest import Project

# Text a shell would act on, were it ever read as shell code: each must arrive as it is.
HOSTILE = ("a b", "it's", '"q"', "$(touch pwned)", "`touch pwned2`", "; touch pwned3", "${junit}")

ARGV = """\
import json, os, sys
from pathlib import Path

seen = Path(os.environ["CELL_RECORDS"]) / (os.environ["MATRIXGEN_CELL"].replace("/", "-") + ".argv")
with seen.open("a") as file:
    file.write(json.dumps(sys.argv[1:]) + "\\n")
first = len(seen.read_text().splitlines()) == 1
sys.exit(1 if first and os.environ.get("FAIL_FIRST") else 0)
"""

FORMS = """\
version: 1
axes:
  b: [x, y]
levels:
  line:
    axes: [b]
    junit: false
    run: PYTHON argv.py --first ${args} --last
  appended:
    axes: [b]
    junit: false
    run: PYTHON argv.py --first
  argv:
    axes: [b]
    junit: false
    run: [PYTHON, argv.py, --first, "${args}", --last]
  argv_appended:
    axes: [b]
    junit: false
    run: [PYTHON, argv.py, --first]
"""


def _project(project: Project, text: str) -> Project:
    (project.root / "argv.py").write_text(ARGV)
    (project.root / "matrix.yaml").write_text(text.replace("PYTHON", sys.executable))
    return project


def _argvs(project: Project, cell_id: str) -> list[list[str]]:
    seen = project.records / (cell_id.replace("/", "-") + ".argv")
    return [json.loads(line) for line in seen.read_text().splitlines()]


def test_every_cell_gets_them_verbatim_and_no_shell_reads_them(project: Project) -> None:
    _project(project, FORMS)
    assert project.run(extra_args=HOSTILE) == 0, project.output
    for b in ("x", "y"):  # several cells selected: each gets them
        assert _argvs(project, f"line/{b}") == [["--first", *HOSTILE, "--last"]]
        assert _argvs(project, f"appended/{b}") == [["--first", *HOSTILE]]
        assert _argvs(project, f"argv/{b}") == [["--first", *HOSTILE, "--last"]]
        assert _argvs(project, f"argv_appended/{b}") == [["--first", *HOSTILE]]
    assert not list(project.root.glob("pwned*"))  # no `$(...)`, backtick or `;` ever ran
    assert project.result("line/x")["matrixgen.args"] == shlex.join(HOSTILE)


def test_without_them_the_placeholder_is_empty(project: Project) -> None:
    _project(project, FORMS)
    assert project.run() == 0, project.output
    assert _argvs(project, "line/x") == [["--first", "--last"]]
    assert _argvs(project, "argv/x") == [["--first", "--last"]]
    assert _argvs(project, "appended/x") == [["--first"]]
    assert "matrixgen.args" not in project.result("line/x")


def test_every_attempt_gets_them(project: Project) -> None:
    _project(project, FORMS)
    code = project.run("argv/x", retries=1, extra_args=("-k", "one"), env={"FAIL_FIRST": "1"})
    assert code == 0, project.output
    assert _argvs(project, "argv/x") == [["--first", "-k", "one", "--last"]] * 2
    result = project.result("argv/x")
    assert (result["matrixgen.status"], result["matrixgen.attempt"]) == ("flaky", "2")
    assert result["matrixgen.args"] == "-k one"


PYTEST = """\
version: 1
name: args
axes:
  b: [x, y]
levels:
  unit:
    axes: [b]
    services: false
    run: PYTHON -m pytest tests -q -p no:cacheprovider -p no:randomly --junitxml=${junit}
outputs:
  docs: {file: docs.md, rows: [b], columns: level}
"""

TESTS = """\
def test_alpha():
    pass


def test_beta():
    assert False, "beta is not selected: it must not run"
"""


def test_pytest_arguments_through_the_cli_and_what_report_says(project: Project) -> None:
    _project(project, PYTEST)
    (project.root / "tests").mkdir()
    (project.root / "tests" / "test_it.py").write_text(TESTS)
    # `--debug` after `--` is pytest's business: it must not be taken for matrixgen's.
    running = project.cli("unit/x", "-v", "--", "-k", "alpha", "--debug=pytest-debug.log")
    output, _ = running.communicate(timeout=120)
    assert running.returncode == 0, output
    junit = (project.root / "results" / "unit" / "x.xml").read_text()
    assert 'name="test_alpha"' in junit and "test_beta" not in junit
    assert "-k alpha --debug=pytest-debug.log" in output  # -v shows the command as run
    assert (project.root / "pytest-debug.log").is_file()
    assert project.result("unit/x")["matrixgen.args"] == "-k alpha --debug=pytest-debug.log"

    report = subprocess.run(
        [sys.executable, "-m", "matrixgen", "-C", str(project.root), "report"],
        capture_output=True, text=True, timeout=60, env=project.env, check=False,
    )  # fmt: skip
    assert report.returncode == 0, report.stdout + report.stderr
    note = "unit/x ran with extra arguments -k alpha --debug=pytest-debug.log, not as declared"
    assert f"note: {note}" in report.stdout
    table = (project.root / "docs.md").read_text()
    assert "✅¹" in table  # the pass carries a note under the table
    assert "¹ passed: ran with extra arguments -k alpha --debug=pytest-debug.log" in table


def test_an_unknown_selector_is_still_refused_before_the_separator(project: Project) -> None:
    _project(project, PYTEST)
    running = project.cli("unit/nope", "--", "-k", "alpha", "--debug")
    output, _ = running.communicate(timeout=60)
    assert running.returncode == 2
    # The cells' `--debug` is not matrixgen's: one line, no traceback.
    assert output.startswith("selector 'unit/nope' matches no cell (did you mean 'unit/")
    assert output.count("\n") == 1 and "Traceback" not in output


def test_help_shows_the_separator() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "matrixgen", "run", "--help"],
        capture_output=True, text=True, timeout=60, check=False, cwd=Path(__file__).parent,
    )  # fmt: skip
    assert "[SELECTORS]... [-- ARGS]..." in done.stdout
    assert "${args}" in done.stdout
