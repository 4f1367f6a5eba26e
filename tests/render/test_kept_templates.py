"""The shipped templates' compiled code kept beside matrixgen's bytecode (render/templating.py,
`kept`): a new process reads it instead of compiling, and renders the same bytes; a file
that does not load, or holds another source's code, is compiled and written again; nothing
is written where Python writes no bytecode; a project's own templates are never kept."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

MATRIX = """\
version: 1
axes:
  backend: [memory, redis]
levels:
  unit:
    axes: [backend]
    run: pytest --junitxml=${junit}
outputs:
  matrixgen: matrixgen-cli
  nox: noxfile.py
  github: .github/workflows/matrix.yml
"""
# Renders in a process of its own, then says which templates its environment compiled.
SCRIPT = """
import sys
from pathlib import Path
import jinja2.environment
from matrixgen.cli import main
compiled = []
original = jinja2.environment.Environment._compile
def counting(self, source, filename):
    compiled.append(Path(filename).name)
    return original(self, source, filename)
jinja2.environment.Environment._compile = counting
try:
    main(["-C", sys.argv[1], "render"])
except SystemExit as stop:
    assert stop.code in (0, None), stop.code
print("compiled:", *sorted(compiled))
"""


def render(project: Path, env: dict[str, str]) -> tuple[list[str], dict[str, bytes]]:
    """The templates the render compiled, and what it wrote."""
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(project)],
        env=env, capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    written = {
        p.relative_to(project).as_posix(): p.read_bytes()
        for p in sorted(project.rglob("*"))
        if p.is_file() and ".matrixgen" not in p.parts and p.name != "matrix.yaml"
    }
    (last,) = [line for line in done.stdout.splitlines() if line.startswith("compiled:")]
    return last.split()[1:], written


def kept(env: dict[str, str]) -> list[Path]:
    return sorted(Path(env["PYTHONPYCACHEPREFIX"]).rglob("matrixgen-template.*.bin"))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (root / "matrix.yaml").write_text(MATRIX, encoding="utf-8")
    return root


def test_a_new_process_reads_the_kept_code_and_renders_the_same(
    project: Path, bytecode_env: dict[str, str]
) -> None:
    compiled, first = render(project, bytecode_env)
    assert "nox-sessions.py.j2" in compiled and any(n.startswith("github-") for n in compiled)
    files = kept(bytecode_env)
    assert len(files) == len(compiled), (files, compiled)
    assert all(f.name.endswith(f".{sys.implementation.cache_tag}.bin") for f in files)
    again, second = render(project, bytecode_env)
    assert again == []  # every template's code read back, none compiled
    assert second == first


def test_a_broken_or_stale_file_is_compiled_and_written_again(
    project: Path, bytecode_env: dict[str, str]
) -> None:
    _compiled, first = render(project, bytecode_env)
    broken, *others = kept(bytecode_env)
    broken.write_bytes(b"not Jinja's bytecode")
    # Another source's code under this file's name: Jinja's checksum refuses it.
    stale = others[0]
    stale.write_bytes(others[1].read_bytes())
    # A file of an older source of the same template: removed when the new one is written.
    older = broken.with_name(broken.name.replace(broken.name.split(".")[2], "0" * 16))
    older.write_bytes(b"older")
    again, second = render(project, bytecode_env)
    assert len(again) == 2 and second == first, again
    assert broken.read_bytes() != b"not Jinja's bytecode"
    assert stale.read_bytes() != others[1].read_bytes()
    assert not older.exists()
    assert render(project, bytecode_env)[0] == []


def test_nothing_is_kept_without_bytecode_nor_of_a_projects_own_template(
    project: Path, bytecode_env: dict[str, str]
) -> None:
    compiled, _ = render(project, {**bytecode_env, "PYTHONDONTWRITEBYTECODE": "1"})
    assert compiled and kept(bytecode_env) == []
    # The project's own nox template: compiled in every process, never kept.
    shipped = Path(__file__).resolve().parents[2] / "templates" / "nox-sessions.py.j2"
    own = project / "templates" / "nox-sessions.py.j2"
    own.parent.mkdir()
    own.write_text("# the project's own\n" + shipped.read_text(encoding="utf-8"))
    compiled, written = render(project, bytecode_env)
    assert b"# the project's own" in written["noxfile.py"]
    assert render(project, bytecode_env)[0] == ["nox-sessions.py.j2"]
    assert len(kept(bytecode_env)) == len(compiled) - 1
