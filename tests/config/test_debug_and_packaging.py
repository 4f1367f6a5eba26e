"""--debug keeps the exit code; the package ships py.typed; every dependency is used."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import matrixgen

ROOT = Path(__file__).parents[2]


@pytest.mark.parametrize(
    ("before", "after", "traceback"),
    [
        ([], [], False),
        (["--debug"], [], True),
        ([], ["-f", "--debug"], False),  # a file named --debug, not the option
        ([], ["--", "--debug"], False),
    ],
)
def test_debug_shows_the_traceback_and_keeps_exit_code_2(
    tmp_path: Path, before: list[str], after: list[str], traceback: bool
) -> None:
    """--debug is the option as parsed, not any argument that spells it."""
    (tmp_path / "matrix.yaml").write_text(
        "version: 1\nlevels: {unit: {run: pytest, axes: [nope]}}\n"
    )
    (tmp_path / "--debug").write_text("version: 1\nlevels: {unit: {run: pytest, axes: [nop]}}\n")
    command = "run" if "--" in after else "validate"
    done = subprocess.run(
        [sys.executable, "-m", "matrixgen", *before, "-C", str(tmp_path), command, *after],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "unknown axis 'no" in done.stderr
    assert ("Traceback (most recent call last)" in done.stderr) == traceback


def test_py_typed_ships_with_the_package() -> None:
    assert (Path(matrixgen.__file__).parent / "py.typed").is_file()


def test_runtime_dependencies_are_all_imported_somewhere() -> None:
    """A dependency nothing imports only costs users install time (nox, junitparser were)."""
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    source = "\n".join(p.read_text() for p in (ROOT / "src" / "matrixgen").rglob("*.py"))
    for requirement in project["dependencies"]:
        name = requirement.split(">")[0].split("=")[0].split("[")[0].strip().lower()
        module = {"pyyaml": "yaml"}.get(name, name)
        assert f"import {module}" in source or f"from {module}" in source, requirement
    assert project["name"] == matrixgen.DISTRIBUTION == "matrixgen-cli"
