"""The per-file lines of `matrixgen render` say what happened: `created` only for a file
that was written, `would create` under --check and --dry-run, nothing on a refusal."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from matrixgen.errors import OverwriteRefusedError

from .conftest import Project
from .helpers import run, tool

MATRIX = """\
version: 1
axes:
  db:
    values:
      pg: {services: [pg]}
      lite: {}
services:
  pg:
    compose: shared/pg.yml
    install: {pip: [psycopg]}
levels:
  unit: {axes: [db], run: pytest}
outputs:
  nox: noxfile.py
  compose: "profiles/${cell}.yml"
  github: ci.yml
"""
FILES = ["noxfile.py", "profiles/pg.yml", "profiles/pg.env", "ci.yml"]


@pytest.fixture
def small(project: Callable[[str], Project]) -> Project:
    proj = project(MATRIX)
    proj.write("shared/pg.yml", "services:\n  pg:\n    image: postgres:16\n")
    return proj


def test_render_reports_each_file_it_wrote(small: Project) -> None:
    assert small.render() == 0
    assert small.lines == [
        "created      noxfile.py",
        "created      profiles/pg.yml",
        "created      profiles/pg.env",
        "created      ci.yml",
    ]
    small.write("matrix.yaml", MATRIX.replace("run: pytest", "run: pytest, timeout: 20m"))
    assert small.render() == 0
    assert small.lines == [
        "unchanged    noxfile.py",
        "unchanged    profiles/pg.yml",
        "unchanged    profiles/pg.env",
        "updated      ci.yml",
    ]
    small.write("matrix.yaml", small.read("matrix.yaml").replace("{services: [pg]}", "{}"))
    assert small.render() == 0
    assert small.lines == [
        "unchanged    noxfile.py",
        "updated      ci.yml",
        "deleted      profiles/pg.env",
        "deleted      profiles/pg.yml",
    ]


def test_dry_run_says_would_and_writes_nothing(small: Project) -> None:
    assert small.render(dry_run=True) == 0
    assert small.lines == [
        "would create noxfile.py",
        "would create profiles/pg.yml",
        "would create profiles/pg.env",
        "would create ci.yml",
        "dry run: nothing written",
    ]
    assert set(small.files()) == {"matrix.yaml", "shared/pg.yml"}
    assert small.render() == 0
    small.write("matrix.yaml", small.read("matrix.yaml").replace("{services: [pg]}", "{}"))
    assert small.render(dry_run=True) == 0
    assert small.lines == [  # noxfile.py: its sessions name cells, not their packages
        "unchanged    noxfile.py",
        "would update ci.yml",
        "would delete profiles/pg.env",
        "would delete profiles/pg.yml",
        "dry run: nothing written",
    ]
    assert (small.root / "profiles/pg.yml").exists()


def test_check_says_would_and_names_what_needs_force(small: Project) -> None:
    assert small.render() == 0
    small.write("profiles/pg.yml", small.read("profiles/pg.yml") + "# mine\n")
    small.write("matrix.yaml", MATRIX.replace("run: pytest", "run: pytest, timeout: 20m"))
    assert small.render(check=True) == 1
    assert small.lines[:4] == [
        "unchanged    noxfile.py",
        "would update profiles/pg.yml (needs --force)",
        "unchanged    profiles/pg.env",
        "would update ci.yml",
    ]
    assert small.lines[4].startswith("--- a/profiles/pg.yml\n")
    assert small.lines[5] == (
        "note: profiles/pg.yml was edited by hand since matrixgen generated it; move the change "
        "into matrix.yaml or templates/, or rerun with --force to discard it"
    )
    assert small.lines[6].startswith("--- a/ci.yml\n")
    assert small.lines[7:] == [
        "2 generated file(s) out of date; run `matrixgen render --force` to update them"
    ]


def test_a_refusal_writes_nothing_and_reports_nothing_as_written(small: Project) -> None:
    assert small.render() == 0
    small.write("profiles/pg.yml", small.read("profiles/pg.yml") + "# mine\n")
    small.write("noxfile.py", "import nox\n")  # the user's own, without markers
    small.write("matrix.yaml", MATRIX.replace("run: pytest", "run: pytest, timeout: 20m"))
    before = small.files()
    for dry_run in (False, True):
        with pytest.raises(OverwriteRefusedError) as refused:
            small.render(dry_run=dry_run)
        assert small.lines == []
        assert str(refused.value) == (
            "refused 2 files; nothing written:\n"
            "  noxfile.py has no matrixgen region (lines 'matrixgen:sessions:start' and "
            "'matrixgen:sessions:end', once each, in comments); add them where the generated "
            "part belongs, or rerun with --force to append it\n"
            "  profiles/pg.yml was edited by hand since matrixgen generated it; move the change "
            "into matrix.yaml or templates/, or rerun with --force to discard it"
        )
        assert small.files() == before  # ci.yml is stale, and still not written

    result = run([tool("matrixgen"), "render"], small.root)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.startswith("refused 2 files; nothing written:\n  noxfile.py has no")
    assert small.files() == before

    assert small.render(force=True) == 0
    assert small.lines == [
        "updated      noxfile.py",
        "updated      profiles/pg.yml",
        "unchanged    profiles/pg.env",
        "updated      ci.yml",
    ]
