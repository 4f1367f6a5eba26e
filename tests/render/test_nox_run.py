"""The generated sessions run for real under nox: `nox -s CELL -- ARGS` reaches the cell's
command, and a second run reuses the venv, installing again only when its lines changed.

nox's uv backend keeps the venvs quick to make (the same generated code runs pip's).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

import matrixgen

from .conftest import Project
from .helpers import run, tool

pytestmark = pytest.mark.slow

REPO = Path(matrixgen.__file__).resolve().parents[2]

MATRIX = """\
version: 1
axes: {b: [x, y]}
levels:
  unit:
    axes: [b]
    services: false
    run: python -m pytest tests -q -p no:cacheprovider -p no:randomly --junitxml=${junit}
outputs:
  nox: noxfile.py
  matrixgen: "-e REPO"
  install: ["-r requirements.txt"]
"""

TESTS = """\
def test_alpha():
    pass


def test_gamma():
    pass


def test_beta():
    assert False, "beta fails: it runs only when nothing deselects it"
"""


def _tests_in(junit: Path) -> list[str]:
    import xml.etree.ElementTree as ET

    return sorted(case.get("name", "") for case in ET.parse(junit).getroot().iter("testcase"))


def test_nox_passes_arguments_on_and_reuses_its_venv(
    project: Callable[[str], Project],
) -> None:
    if shutil.which("uv") is None:
        pytest.skip("uv is not installed")
    proj = project(MATRIX.replace("REPO", REPO.as_posix()))
    proj.write("requirements.txt", "pytest\n")
    proj.write("tests/test_it.py", TESTS)
    assert proj.render() == 0
    junit = proj.root / "results" / "unit" / "x.xml"

    def nox(*args: str) -> str:
        done = run([tool("nox"), "--default-venv-backend", "uv", "-s", "unit(x)", *args], proj.root)
        return done.stdout + done.stderr

    first = nox("--", "-k", "alpha")
    assert "nox > matrixgen run unit/x -- -k alpha" in first, first
    assert "Session unit(x) was successful" in first, first
    assert _tests_in(junit) == ["test_alpha"]
    stamp = proj.root / ".nox" / "unit-x" / "matrixgen-install.json"
    installed, read = json.loads(stamp.read_text())
    assert installed == ["-e", REPO.as_posix(), "-r", "requirements.txt"]
    assert sorted(read) == [f"{REPO.as_posix()}/pyproject.toml", "requirements.txt"]

    again = nox("--", "-k", "gamma")
    assert "Reusing existing virtual environment" in again, again
    assert "install lines unchanged" in again and "pip install" not in again, again
    assert _tests_in(junit) == ["test_gamma"]

    proj.write("requirements.txt", "pytest\n# one more line: the venv gets it\n")
    changed = nox("--", "-k", "alpha")
    assert "pip install" in changed and "install lines unchanged" not in changed, changed
    assert "Session unit(x) was successful" in changed, changed

    plain = nox()  # no `--`: the cell as declared, every test
    assert "nox > matrixgen run unit/x\n" in plain, plain
    assert "Session unit(x) failed" in plain, plain
    assert _tests_in(junit) == ["test_alpha", "test_beta", "test_gamma"]
