"""Hostile input, round 2 (issue 19): attacks on validate, list, explain, render and report,
each with the exact safe outcome. Those needing `matrixgen run` are in
tests/run/test_attacks_round2.py."""

from __future__ import annotations

import json
import shutil
import subprocess
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from support.cli import Result, on_terminal

from matrixgen.load.placeholders import fill_command

from .project import errors, validate

Validate = Callable[..., Result]
EVIL = "x$(touch PWNED);touch PWNED2`touch PWNED3` 'q' \"d\""
ESCAPES = "\x1b]0;pwned\x07\x1b[2J\x9b2J\u202e"
# What a terminal acts on: C0 but tab and newline, DEL, C1, and the bidi override used here.
ACTIVE = {chr(c) for c in [*range(0, 9), *range(11, 32), *range(0x7F, 0xA0)]} | {"\u202e"}


@pytest.fixture
def check(
    matrixgen: Callable[..., Result], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Validate:
    def run(text: str, files: tuple[str, ...] = ()) -> Result:
        return validate(matrixgen, tmp_path, monkeypatch, text, files)

    return run


def assert_inert(output: str) -> None:
    found = sorted({f"U+{ord(c):04X}" for c in output if c in ACTIVE})
    assert found == [], f"raw control characters reached the terminal: {found}\n{output!r}"


def received(argv: list[str], cwd: Path) -> list[str]:
    """Run a filled argv for real; the arguments its innermost `printf` got."""
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 0, (argv, done.stderr)
    return done.stdout.split("\0")[:-1]


# -- class 1: placeholder values never become shell code ------------------------------------

PRINT = "printf '%s\\0' ${env.X} \"in dq ${env.X}\""
SHELL_OPTIONS = [
    ["sh", "-o", "errexit", "-c", PRINT],  # an option with an argument before -c
    ["bash", "-O", "extglob", "-c", PRINT],  # bash's shopt option
    ["bash", "-eo", "pipefail", "-c", PRINT],  # -o inside a cluster
    ["sh", "+e", "-c", PRINT],  # a + option
    ["bash", "--rcfile", "/dev/null", "-c", PRINT],  # a long option with an argument
    ["sh", "-c", "-e", PRINT],  # options after -c: the script is the first operand
    ["sh", "-c", "--", PRINT],
]
SHELL_RUN_BY = [
    ["env", "LC_ALL=C", "sh", "-c", PRINT],
    ["timeout", "20", "sh", "-c", PRINT],
    ["nice", "-n", "1", "bash", "-c", PRINT],
    ["/usr/bin/env", "/bin/sh", "-ec", PRINT],
]


@pytest.mark.parametrize("argv", SHELL_OPTIONS, ids=lambda argv: " ".join(argv[:4]))
def test_sh_options_before_the_script_keep_values_data(argv: list[str], tmp_path: Path) -> None:
    """`sh -o errexit -c SCRIPT` (and -O, +e, --rcfile, options after -c): the script was
    not recognized and `${env.X}` ran as code; now it is quoted, PWNED never made."""
    filled = fill_command(argv, {}, {"X": EVIL})
    assert isinstance(filled, list)
    assert received(filled, tmp_path) == [EVIL, f"in dq {EVIL}"]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("argv", SHELL_RUN_BY, ids=lambda argv: argv[0])
def test_a_shell_run_by_another_command_keeps_values_data(argv: list[str], tmp_path: Path) -> None:
    """`env sh -c SCRIPT`, `timeout 20 sh -c`, `nice -n 1 bash -c`: the shell was not the
    first item, so its script was literal and `${env.X}` ran as code; now it is quoted."""
    if shutil.which(argv[0]) is None:
        pytest.skip(f"{argv[0]} is not installed")
    filled = fill_command(argv, {}, {"X": EVIL})
    assert isinstance(filled, list)
    assert received(filled, tmp_path) == [EVIL, f"in dq {EVIL}"]
    assert list(tmp_path.iterdir()) == []


def test_a_shell_word_that_is_no_shell_invocation_stays_literal(tmp_path: Path) -> None:
    """An argv naming sh without -c (`sh script.sh ${x}`, `python -c`): items stay literal."""
    (tmp_path / "script.sh").write_text("printf '%s\\0' \"$1\"\n")
    filled = fill_command(["sh", "script.sh", "${env.X}"], {}, {"X": EVIL})
    assert isinstance(filled, list)
    assert received(filled, tmp_path) == [EVIL]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["script.sh"]


def test_a_nested_shell_in_a_run_line_keeps_values_data(tmp_path: Path) -> None:
    """`run: bash -c 'printf ... ${env.X}'`: the inner shell reads `$(touch PWNED)` as code;
    safe: the inner program gets the text, no PWNED."""
    line = fill_command("bash -c 'printf \"%s\\0\" ${env.X}'", {}, {"X": EVIL})
    assert isinstance(line, str)
    subprocess.run(["sh", "-c", line], cwd=tmp_path, capture_output=True, timeout=30, check=False)
    assert list(tmp_path.iterdir()) == []


# -- class 4: ids never collide ---------------------------------------------------------------

TESTER = """\
    version: 1
    axes: {b: [x, NAME]}
    levels:
      unit:
        axes: [b]
        compose: {files: [c/t.yml], tester: tester}
        run: "true"
        junit: false
    outputs: {compose: PATTERN}
    """


@pytest.mark.parametrize(
    ("name", "pattern", "clash"),
    [("x.tester", '"p/${cell}.yml"', "p/x.tester.yml"), ("x.env", '"p/${cell}"', "p/x.env")],
)
def test_a_cell_named_like_another_cells_overlay_or_env_file_is_refused(
    check: Validate, tmp_path: Path, name: str, pattern: str, clash: str
) -> None:
    """Cells `x` (with a tester) and `x.tester`: x's overlay p/x.tester.yml is the other's
    profile. validate said ok and render refused it (exit 1); now a located validate error."""
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "t.yml").write_text("services:\n  tester:\n    image: busybox\n")
    text = TESTER.replace("NAME", name).replace("PATTERN", pattern)
    problems = errors(check(text))
    assert problems == [
        f"matrix.yaml:9:20: outputs.compose: outputs.compose puts files of cells unit/x and "
        f"unit/{name} in one file ({clash}); give each cell its own file, e.g. with "
        "${level}/${cell} in it, and name no cell like another's env file or overlay"
    ]
    assert not (tmp_path / "p").exists()


def test_suites_that_differ_only_in_case_are_refused(check: Validate) -> None:
    """Suites `API` and `api` of one level: one results file on macOS and Windows; a
    located error at the level, exit 2."""
    text = """\
        version: 1
        axes: {b: [x]}
        levels:
          unit:
            suites:
              API: {axes: [b], run: "true", junit: false}
              api: {axes: [b], run: "true", junit: false}
        """
    assert errors(check(text)) == [
        "matrix.yaml:4:3: levels.unit: cells unit/API-x and unit/api-x differ only in case: on "
        "a case-insensitive file system (macOS, Windows) both write results/unit/api-x.xml; "
        "rename a level, suite or value so that they differ in more than case"
    ]


# -- class 5: terminal text stays inert -------------------------------------------------------


def test_debug_tracebacks_are_inert(tmp_path: Path) -> None:
    """`--debug` on a matrix file named with escape sequences: the traceback printed them
    raw; now as \\uXXXX, exit 2."""
    code, output = on_terminal(tmp_path, "--debug", "validate", "-f", f"m{ESCAPES}.yaml")
    assert code == 2, output
    assert "Traceback" in output and "\\u001b]0;pwned\\u0007" in output
    assert_inert(output)


@pytest.mark.parametrize(
    "args",
    [
        ["list", f"unit/{ESCAPES}"],
        ["explain", f"unit/{ESCAPES}"],
        ["run", f"*{ESCAPES}*"],
        ["run", "-j", ESCAPES],
        ["run", "--services", ESCAPES],
        ["run", "--timeout", ESCAPES],
        ["run", "--provided", ESCAPES],
        ["list", "--where", f"b={ESCAPES}"],
    ],
    ids=lambda args: " ".join(args[:2]).encode("unicode_escape").decode(),
)
def test_selectors_and_options_with_escapes_are_inert(tmp_path: Path, args: list[str]) -> None:
    """Selectors and option values from a CI script (a PR label, a branch) holding escape
    sequences: exit 2 or nothing selected, every byte printed inert, nothing run."""
    (tmp_path / "matrix.yaml").write_text(
        "version: 1\naxes: {b: [x]}\nlevels:\n  unit: {axes: [b], run: touch RAN, junit: false}\n"
    )
    code, output = on_terminal(tmp_path, *args)
    assert code in (0, 2), output
    assert_inert(output)
    assert not (tmp_path / "RAN").exists()


def test_a_results_file_named_with_a_workflow_command_stays_one_line(tmp_path: Path) -> None:
    """A JUnit file from an artifact named `a<newline>::error ...::x.xml`: under GitHub
    Actions the warning naming it is one line, so no line of the log is a workflow command."""
    (tmp_path / "matrix.yaml").write_text(
        "version: 1\naxes: {b: [x]}\nlevels:\n  unit: {axes: [b], run: 'true', junit: false}\n"
    )
    folder = tmp_path / "results" / "unit"
    folder.mkdir(parents=True)
    case = '<testsuite name="s" tests="1"><testcase name="t"/></testsuite>'
    (folder / "a\n::error title=pwned::injected.xml").write_text(case)
    (folder / "b\n::add-mask::secret.xml").write_text(case)
    code, output = on_terminal(tmp_path, "report", env={"GITHUB_ACTIONS": "true"})
    assert code == 0, output
    injected = [line for line in output.splitlines() if line.startswith(("::error t", "::add"))]
    assert injected == [], output
    assert "a ::error title=pwned::injected.xml: ignored" in output


def test_labels_with_newlines_and_pipes_keep_one_table_row(tmp_path: Path) -> None:
    """A label holding a newline and `| evil | row |`: one row per value in the docs table,
    the pipes escaped."""
    (tmp_path / "matrix.yaml").write_text(
        textwrap.dedent(
            """\
            version: 1
            axes:
              b:
                values:
                  x: {label: "L\\n| evil | row |\\n\\n# heading"}
                  y: {}
            levels:
              unit: {axes: [b], run: "true", junit: false}
            outputs: {docs: {file: docs/t.md, rows: [b], columns: level}}
            """
        )
    )
    code, output = on_terminal(tmp_path, "render")
    assert code == 0, output
    page = (tmp_path / "docs" / "t.md").read_text()
    rows = [line for line in page.splitlines() if line.startswith("|")]
    assert len(rows) == 4, page  # header, separator, x, y
    assert rows[2].startswith("| L \\| evil \\| row \\|"), rows
    table = page[page.index("matrixgen:table:start") : page.index("matrixgen:table:end")]
    assert not [line for line in table.splitlines() if line.startswith("#")], page


# -- class 7: durations are finite and at most a week -----------------------------------------


@pytest.mark.parametrize("given", ['"١٠m"', '"１０s"', '"1h٣٠m"', "true", "false"])
def test_durations_in_other_digits_or_booleans_are_refused(
    check: Validate, matrixgen: Callable[..., Result], given: str
) -> None:
    """`timeout: "١٠m"` (Arabic-Indic digits) was 10 minutes and `timeout: true` one second,
    though the schema refuses both; now a located validate error, exit 2, nothing written."""
    text = f"""\
        version: 1
        axes: {{b: [x]}}
        levels:
          unit: {{axes: [b], run: "true", junit: false, timeout: {given}}}
        outputs: {{github: .github/workflows/matrix.yml}}
        """
    problems = errors(check(text))
    assert len(problems) == 1, problems
    assert problems[0].startswith("matrix.yaml:4:57: levels.unit.timeout: "), problems
    assert "is not a duration" in problems[0], problems
    assert matrixgen("render").code == 2
    assert not Path(".github").exists()


@pytest.mark.parametrize("given", ["١٠s", "１０"])
def test_a_run_timeout_in_other_digits_is_refused(tmp_path: Path, given: str) -> None:
    """`matrixgen run --timeout ١٠s`: was a 10 s timeout; now exit 2 naming --timeout, no
    cell started."""
    (tmp_path / "matrix.yaml").write_text(
        "version: 1\naxes: {b: [x]}\nlevels:\n  unit: {axes: [b], run: touch RAN, junit: false}\n"
    )
    code, output = on_terminal(tmp_path, "run", "--timeout", given)
    assert code == 2, output
    assert "--timeout:" in output and "is not a duration" in output, output
    assert not (tmp_path / "RAN").exists() and not (tmp_path / "results").exists()


# -- class 6: report follows render's path rules ----------------------------------------------


def test_report_refuses_a_docs_page_linking_out_of_the_project(tmp_path: Path) -> None:
    """A committed docs/testing.md that is a link to a page outside the project: report
    exits 2 naming it; the page outside is neither read into the table nor replaced."""
    root = tmp_path / "project"
    (root / "docs").mkdir(parents=True)
    outside = tmp_path / "outside.md"
    text = "<!-- matrixgen:table:start -->\n<!-- matrixgen:table:end -->\n"
    outside.write_text(text)
    (root / "docs" / "testing.md").symlink_to(outside)
    (root / "matrix.yaml").write_text(
        "version: 1\naxes: {b: [x]}\nlevels:\n  unit: {axes: [b], run: 'true', junit: false}\n"
        "outputs: {docs: {file: docs/testing.md, rows: [b], columns: level}}\n"
    )
    code, output = on_terminal(root, "report")
    assert code == 2, output
    assert "docs/testing.md" in output, output
    assert outside.read_text() == text
    assert (root / "docs" / "testing.md").is_symlink()


# -- cross-cutting -----------------------------------------------------------------------------


def test_github_expressions_in_labels_and_env_stay_text(
    tmp_path: Path, require_binary: Callable[[str], str]
) -> None:
    """`${{ github.event.pull_request.title }}` in a title, labels, a reason, a cell's env
    and a job's env: no label reaches the workflow, a job env value is written as a literal
    (`${{ '${{' }}`), and zizmor finds no template injection (only unpinned default tags)."""
    zizmor = require_binary("zizmor")
    (tmp_path / "matrix.yaml").write_text(
        textwrap.dedent(
            """\
            version: 1
            axes:
              b:
                title: "T ${{ github.event.pull_request.title }}"
                values:
                  x:
                    label: "L ${{ github.event.issue.title }}"
                    env: {E: "$${{ github.head_ref }}"}
                    github: {env: {J: "${{ github.event.pull_request.body }}"}}
                  y: {}
                  z: {}
            levels:
              unit:
                label: "${{ secrets.GITHUB_TOKEN }}"
                axes: [b]
                run: pytest --junitxml=${junit} "$${{ github.event.comment.body }}"
            exclude:
              - {match: {b: z}, reason: "${{ github.event.review.body }}"}
            outputs:
              github: {file: .github/workflows/m.yml, branch: main}
            """
        )
    )
    code, output = on_terminal(tmp_path, "render")
    assert code == 0, output
    workflow = tmp_path / ".github" / "workflows" / "m.yml"
    text = workflow.read_text()
    for hostile in ("issue.title", "pull_request.title", "secrets.", "review.body"):
        assert hostile not in text, hostile
    assert "J: \"${{ '${{' }} github.event.pull_request.body }}\"" in text, text
    audit = subprocess.run(
        [zizmor, "--offline", "--persona=auditor", "--format=json", str(workflow)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    findings = {finding["ident"] for finding in json.loads(audit.stdout)}
    assert findings == {"unpinned-uses"}, audit.stdout


def test_a_bom_and_crlf_matrix_renders_as_its_lf_twin(tmp_path: Path) -> None:
    """matrix.yaml saved by a Windows editor (UTF-8 BOM, CRLF): validates, and renders the
    same files as the plain LF file."""
    text = (
        "version: 1\naxes: {b: [x, y]}\nlevels:\n  unit: {axes: [b], run: 'true', junit: false}\n"
        "outputs: {nox: noxfile.py, docs: {file: docs/t.md, rows: [b], columns: level}}\n"
    )
    pages = []
    windows = b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode()
    for name, data in (("lf", text.encode()), ("bom", windows)):
        root = tmp_path / name
        root.mkdir()
        (root / "matrix.yaml").write_bytes(data)
        code, output = on_terminal(root, "render")
        assert code == 0, output
        pages.append(((root / "noxfile.py").read_text(), (root / "docs" / "t.md").read_text()))
    assert pages[0] == pages[1]


@pytest.mark.parametrize("name", ["A=B", '""', "PATH=/tmp/evil:"])
def test_an_env_name_no_environment_can_hold_is_refused(check: Validate, name: str) -> None:
    """A cell env name with `=` or empty: safe outcome a located validate error, exit 2."""
    text = f"""\
        version: 1
        axes: {{b: [x]}}
        levels:
          unit: {{axes: [b], run: "true", junit: false, env: {{{name}: "1"}}}}
        """
    problems = errors(check(text))
    assert len(problems) == 1 and problems[0].startswith("matrix.yaml:4:"), problems
    assert "cannot be the name of an environment variable" in problems[0], problems


@pytest.mark.parametrize(
    "settings", ['run: "echo a\\0b"', 'run: "true", env: {X: "a\\0b"}'], ids=["run", "env"]
)
def test_an_escaped_nul_is_refused(check: Validate, settings: str) -> None:
    """`"a\\0b"` in a run line or env value: no argv or environment can hold it; safe
    outcome a located validate error, exit 2."""
    text = f"""\
        version: 1
        axes: {{b: [x]}}
        levels:
          unit: {{axes: [b], junit: false, {settings}}}
        """
    problems = errors(check(text))
    assert len(problems) == 1 and "NUL" in problems[0], problems
