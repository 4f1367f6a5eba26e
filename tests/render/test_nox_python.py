"""A `python` axis is each nox session's interpreter: `nox -p 3.10` selects the 3.10 cells.

Checked with the real nox on the generated noxfile: nox takes a parametrize argument
named `python` as the interpreter of that one session (nox/_decorators.py, Call).
"""

from __future__ import annotations

from collections.abc import Callable

from .conftest import Project
from .helpers import nox_sessions

MATRIX = """\
version: 1
axes:
  python: ["3.10", "3.11", "3.12"]
levels:
  unit: {axes: [python], services: false, run: pytest}
  lint: {with: {python: "3.12"}, run: ruff check}
outputs: {nox: noxfile.py}
"""


def test_nox_selects_cells_by_python_and_runs_each_on_its_own(
    project: Callable[[str], Project],
) -> None:
    proj = project(MATRIX)
    assert proj.render() == 0
    noxfile = proj.read("noxfile.py")
    assert 'nox.param(\n            "3.10",\n            "3.10",\n' in noxfile
    # No python= and no venv of nox's: matrixgen run makes the cell's, from the param's Python.
    assert '@nox.session(name="unit", tags=["unit"], venv_backend="none")\n' in noxfile

    every = nox_sessions(proj.root)
    assert [(s["session"], s["python"]) for s in every] == [
        ("unit(3.10)", "3.10"),
        ("unit(3.11)", "3.11"),
        ("unit(3.12)", "3.12"),
        ("lint(lint)", "3.12"),
    ]
    # nox took `python` as the interpreter: the session function never receives it.
    assert [s["call_spec"] for s in every[:2]] == [
        {"cell": "3.10"},
        {"cell": "3.11"},
    ]

    def selected(*options: str) -> list[tuple[str, str]]:
        return [(s["session"], s["python"]) for s in nox_sessions(proj.root, *options)]

    assert selected("-p", "3.10") == [("unit(3.10)", "3.10")]
    assert selected("--python", "3.12") == [("unit(3.12)", "3.12"), ("lint(lint)", "3.12")]
    assert selected("-p", "3.10", "3.11") == [("unit(3.10)", "3.10"), ("unit(3.11)", "3.11")]
    assert selected("-p", "3.9") == []
    assert selected("-s", "unit(3.10)") == [("unit(3.10)", "3.10")]
    assert selected("-s", "unit", "-p", "3.11") == [("unit(3.11)", "3.11")]
    assert selected("-t", "3.10") == [("unit(3.10)", "3.10")]
