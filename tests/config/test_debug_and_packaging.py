"""--debug keeps the exit code; the package ships py.typed; every dependency is used."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import matrixgen

ROOT = Path(__file__).parents[2]


def test_debug_shows_the_traceback_and_keeps_exit_code_2(tmp_path: Path) -> None:
    (tmp_path / "matrix.yaml").write_text(
        "version: 1\nlevels: {unit: {run: pytest, axes: [nope]}}\n"
    )
    for debug in ([], ["--debug"]):
        done = subprocess.run(
            [sys.executable, "-m", "matrixgen", *debug, "-C", str(tmp_path), "validate"],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert done.returncode == 2, done.stderr
        assert "unknown axis 'nope'" in done.stderr
        assert ("Traceback (most recent call last)" in done.stderr) == bool(debug)


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
