"""`matrixgen run` never lets a shell read a placeholder's value as code: a CI variable
holding `$(...)` (a pull request's branch name), a project folder with spaces or `$(...)` in
its name, a service's data folder under such a TMPDIR."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tests.run.conftest import Project

RECORD = (
    "import json, os, sys; "
    "open(os.environ['CELL_RECORDS'] + '/argv.list', 'w').write(json.dumps(sys.argv[1:]))"
)
EVIL_FOLDER = "My Projects $(touch PWNED); touch PWNED2"
EVIL_BRANCH = "x$(touch PWNED);touch PWNED2`touch PWNED3`"


def _pwned(*folders: Path) -> list[Path]:
    return [path for folder in folders for path in folder.rglob("PWNED*")]


def test_values_in_a_shell_run_line_stay_data(tmp_path: Path) -> None:
    root = tmp_path / EVIL_FOLDER
    root.mkdir()
    project = Project(root)
    (root / "record.py").write_text(RECORD)
    project.write(
        f"""\
        version: 1
        axes:
          backend: [s3]
        levels:
          unit:
            axes: [backend]
            junit: false
            run: >-
              {sys.executable} record.py ${{env.BRANCH_NAME}} --junitxml=${{junit}}
              "${{namespace}} in dq" '${{cell}} in sq' ${{backend}} ${{args}}
        """
    )
    try:
        code = project.run(env={"BRANCH_NAME": EVIL_BRANCH}, extra_args=("-k", "a b"))
        assert code == 0, project.output
        argv = json.loads((project.records / "argv.list").read_text())
        junit = root / "results" / "unit" / "s3.xml"
        assert argv[:2] == [EVIL_BRANCH, f"--junitxml={junit}"]
        assert argv[2].endswith(" in dq") and argv[2].startswith("mg")
        assert argv[3:] == ["s3 in sq", "s3", "-k", "a b"]
        assert junit.is_file()
        assert not (tmp_path / "My").exists()  # the JUnit of the old bug went to <parent>/My
        assert _pwned(tmp_path) == []
    finally:
        project.assert_clean()


def test_a_service_data_folder_under_a_hostile_tmpdir_stays_data(tmp_path: Path) -> None:
    """`${dir}`, `${port}`, `${host}` in a service's `sh -c` setup step and its command."""
    tmpdir = tmp_path / "tmp $(touch PWNED)"
    tmpdir.mkdir()
    root = tmp_path / "project"
    root.mkdir()
    project = Project(root)
    server = (
        "import socket, sys, time; s = socket.socket(); "
        "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); "
        "s.bind(('127.0.0.1', int(sys.argv[1]))); s.listen(); time.sleep(600)"
    )
    (root / "server.py").write_text(server)
    project.write(
        f"""\
        version: 1
        services:
          kv:
            process:
              command: [{sys.executable}, server.py, "${{port}}"]
              ready: {{tcp: "${{host}}:${{port}}"}}
              timeout: 20s
            setup:
              - [sh, -c, 'printf "%s|%s|%s" ${{dir}} "${{host}}" ${{port}} > "$CELL_RECORDS/setup"']
        levels:
          unit:
            services: [kv]
            junit: false
            run: "true"
        """
    )
    try:
        # A process of its own: tempfile reads TMPDIR once per process.
        run = project.cli(env={"TMPDIR": str(tmpdir)})
        output, _ = run.communicate(timeout=120)
        assert run.returncode == 0, output
        folder, host, port = (project.records / "setup").read_text().split("|")
        assert folder.startswith(str(tmpdir)) and folder.endswith("/data")
        assert host == "127.0.0.1" and port.isdigit()
        assert _pwned(tmp_path) == []
    finally:
        project.assert_clean()
