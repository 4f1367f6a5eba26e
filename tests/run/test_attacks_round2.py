"""Hostile input, round 2 (issue 19), through `matrixgen run`: each attack with the exact
safe outcome, real processes, nothing left running (the `project` fixture checks)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tests.run.conftest import Project

RECORD = (
    "import json, os, sys; "
    "open(os.environ['CELL_RECORDS'] + '/seen.json', 'w').write(json.dumps("
    "{'argv': sys.argv[1:], 'junit': os.environ['MATRIXGEN_JUNIT'], "
    "'cell': os.environ['MATRIXGEN_CELL']}))"
)
EVIL = "x$(touch PWNED);touch PWNED2`touch PWNED3`"


def _pwned(folder: Path) -> list[Path]:
    return list(folder.rglob("PWNED*"))


def test_a_project_folder_named_like_an_option_and_a_command_stays_data(tmp_path: Path) -> None:
    """A project folder `-rf é\\n$(touch PWNED)`: the cell runs there, `${junit}` reaches it
    as one argument, its JUnit lands in results/, nothing is made outside, no PWNED."""
    root = tmp_path / "-rf é\n$(touch PWNED)"
    root.mkdir()
    project = Project(root)
    (root / "record.py").write_text(RECORD)
    project.write(
        f"""\
        version: 1
        axes: {{b: [x]}}
        levels:
          unit:
            axes: [b]
            junit: false
            run: {sys.executable} record.py --junitxml=${{junit}} ${{junit}}
        """
    )
    try:
        assert project.run() == 0, project.output
        junit = root / "results" / "unit" / "x.xml"
        seen = json.loads((project.records / "seen.json").read_text())
        assert seen["argv"] == [f"--junitxml={junit}", str(junit)]
        assert junit.is_file()
        assert sorted(p.name for p in tmp_path.iterdir()) == [root.name]
        assert _pwned(tmp_path) == []
    finally:
        project.assert_clean()


def test_a_cell_argv_through_env_and_sh_options_keeps_a_ci_variable_data(
    project: Project,
) -> None:
    """`run: [env, LC_ALL=C, sh, -o, errexit, -c, SCRIPT]` with `${env.BRANCH}` holding
    `$(touch PWNED)`: the script was not found and the branch ran as code; now the program
    gets the text, no PWNED."""
    (project.root / "record.py").write_text(RECORD)
    project.write(
        f"""\
        version: 1
        axes: {{b: [x]}}
        levels:
          unit:
            axes: [b]
            junit: false
            run: [env, LC_ALL=C, sh, -o, errexit, -c,
                  "{sys.executable} record.py ${{env.BRANCH}} \\"dq ${{env.BRANCH}}\\""]
        """
    )
    assert project.run(env={"BRANCH": EVIL}) == 0, project.output
    seen = json.loads((project.records / "seen.json").read_text())
    assert seen["argv"] == [EVIL, f"dq {EVIL}"]
    assert _pwned(project.root) == []


def test_a_cell_env_cannot_move_its_junit_or_rename_its_cell(project: Project) -> None:
    """A cell `env:` setting MATRIXGEN_JUNIT to a file outside the project and
    MATRIXGEN_CELL to another cell: matrixgen's own values win, the JUnit is written in
    results/ and nothing at the outside path."""
    outside = project.root.parent / f"{project.root.name}-outside.xml"
    (project.root / "record.py").write_text(RECORD)
    project.write(
        f"""\
        version: 1
        axes: {{b: [x]}}
        levels:
          unit:
            axes: [b]
            junit: false
            env: {{MATRIXGEN_JUNIT: "{outside}", MATRIXGEN_CELL: other/cell}}
            run: {sys.executable} record.py
        """
    )
    assert project.run() == 0, project.output
    seen = json.loads((project.records / "seen.json").read_text())
    assert seen["junit"] == str(project.root / "results" / "unit" / "x.xml")
    assert seen["cell"] == "unit/x"
    assert not outside.exists()
    assert project.result("unit/x")["matrixgen.cell"] == "unit/x"
