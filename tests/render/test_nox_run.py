"""The generated sessions run for real under nox: `nox -s CELL -- ARGS` reaches the cell's
command through `matrixgen run`, called from nox's own environment; the cell runs in the
environment matrixgen makes for it (as outside nox), and a second session reuses it,
building it again only when what it declares changed.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import matrixgen

from .conftest import Project
from .helpers import run, tool

pytestmark = pytest.mark.slow

REPO = Path(matrixgen.__file__).resolve().parents[2]
RUNNING = f"{sys.version_info[0]}.{sys.version_info[1]}"

MATRIX = """\
version: 1
axes: {python: ["RUNNING"], b: [x, y]}
levels:
  unit:
    axes: [python, b]
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
    proj = project(MATRIX.replace("REPO", REPO.as_posix()).replace("RUNNING", RUNNING))
    proj.write("requirements.txt", "pytest\n")
    proj.write("tests/test_it.py", TESTS)
    assert proj.render() == 0
    cell = f"{RUNNING}-x"
    junit = proj.root / "results" / "unit" / f"{cell}.xml"

    def nox(*args: str) -> str:
        done = run([tool("nox"), "-s", f"unit({cell})", *args], proj.root)
        return done.stdout + done.stderr

    def venvs() -> dict[str, int]:
        folder = proj.root / ".matrixgen" / "venvs"
        return {
            p.name: (p / ".matrixgen-stamp").stat().st_mtime_ns
            for p in folder.glob("*-*")
            if p.is_dir()
        }

    first = nox("--", "-k", "alpha")
    assert f"-m matrixgen run unit/{cell} -- -k alpha" in first, first
    assert "Session unit(" in first and "was successful" in first, first
    assert _tests_in(junit) == ["test_alpha"]
    assert not (proj.root / ".nox").exists()  # nox made no venv: matrixgen made the cell's
    built = venvs()
    assert len(built) == 1

    again = nox("--", "-k", "gamma")
    assert "was successful" in again, again
    assert _tests_in(junit) == ["test_gamma"]
    assert venvs() == built  # reused as it was

    proj.write("requirements.txt", "pytest\n# one more line: a file it reads changed\n")
    changed = nox("--", "-k", "alpha")
    assert "was successful" in changed, changed
    assert len(venvs()) == 2  # a venv for what the cell declares now

    plain = nox()  # no `--`: the cell as declared, every test
    assert f"-m matrixgen run unit/{cell}\n" in plain, plain
    assert "failed" in plain, plain
    assert _tests_in(junit) == ["test_alpha", "test_beta", "test_gamma"]
