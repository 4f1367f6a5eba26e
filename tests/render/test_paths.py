"""render never writes or deletes outside the project root, not even through a symlink."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from support.cli import Result

from matrixgen.errors import OutsideRootError
from matrixgen.load.matrix import Matrix
from matrixgen.marks import HASH, read_header
from matrixgen.render import render_outputs
from matrixgen.render.target import Output, Rendered
from matrixgen.render.writer import plan, write

from .conftest import Project
from .helpers import copy_fixture

SMALL = """
version: 1
name: small
axes:
  db: {values: {pg: {services: [pg]}, my: {services: [my]}}}
services:
  pg: {compose: shared/pg.yml}
  my: {compose: shared/my.yml}
levels:
  component: {axes: [db], run: pytest}
outputs:
  nox: noxfile.py
  compose: "profiles/${cell}.yml"
  github: .github/workflows/matrix.yml
"""


@pytest.fixture
def small(project: Callable[[str], Project]) -> Project:
    proj = project(SMALL)
    proj.write("shared/pg.yml", "services:\n  pg:\n    image: postgres\n")
    proj.write("shared/my.yml", "services:\n  my:\n    image: mysql\n")
    return proj


@pytest.fixture
def other(tmp_path: Path) -> Path:
    """Another project, rendered: its profiles carry matrixgen's header, from `matrix.yaml` too."""
    root = copy_fixture("storage-proxy", tmp_path / "other")
    lines: list[str] = []
    from matrixgen.load.matrix import load

    assert (
        render_outputs(load(root), check=False, dry_run=False, force=False, echo=lines.append) == 0
    )
    return root


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


def test_another_projects_profiles_behind_a_symlinked_folder_are_never_deleted(
    storage_proxy: Project, other: Path, matrixgen: Callable[..., Result]
) -> None:
    assert storage_proxy.render() == 0
    theirs = snapshot(other)
    # testing/*/profiles/*.yml (our owned glob) now also matches the other project's
    # component profiles: generated from a `matrix.yaml`, of a level we do not have.
    os.symlink(other / "testing" / "component", storage_proxy.root / "testing" / "elsewhere")
    # And a single file linked in among our own profiles.
    link = storage_proxy.root / "testing/component/profiles/linked.yml"
    os.symlink(other / "testing/component/profiles/gcs-lww.yml", link)
    assert read_header((other / "testing/component/profiles/gcs-lww.yml").read_text()) is not None

    checked = matrixgen("-C", str(storage_proxy.root), "render", "--check")
    assert checked.code == 0, checked.out + checked.err
    assert "elsewhere" not in checked.out and "linked" not in checked.out
    rendered = matrixgen("-C", str(storage_proxy.root), "render")
    assert rendered.code == 0, rendered.err
    assert "deleted" not in rendered.out

    assert snapshot(other) == theirs
    assert link.is_symlink()


def test_an_output_folder_that_is_a_symlink_out_of_the_root_is_refused(
    small: Project, other: Path, matrixgen: Callable[..., Result]
) -> None:
    target = other / "testing/component/profiles"
    os.symlink(target, small.root / "profiles")
    theirs, ours = snapshot(other), snapshot(small.root)

    for args in (["render"], ["render", "--force"], ["render", "--check"], ["render", "--dry-run"]):
        result = matrixgen("-C", str(small.root), *args)
        assert result.code == 2, (args, result)
        assert result.out == ""
        assert result.err.startswith(
            "profiles/pg.yml leads outside the project folder (the folder of matrix.yaml), "
            "through '..', an absolute path or a symlink; nothing written."
        )
        assert "Traceback" not in result.err

    assert snapshot(other) == theirs
    assert snapshot(small.root) == ours  # no noxfile, no workflow: nothing at all written


@pytest.mark.parametrize("linked", ["noxfile.py", ".github"])
def test_a_symlinked_output_file_or_folder_is_refused(
    small: Project, tmp_path: Path, matrixgen: Callable[..., Result], linked: str
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    if linked == "noxfile.py":
        (outside / "noxfile.py").write_text("# not yours\n")
    os.symlink(outside / linked if linked == "noxfile.py" else outside, small.root / linked)
    before = snapshot(outside)

    result = matrixgen("-C", str(small.root), "render", "--force")

    assert result.code == 2
    shown = "noxfile.py" if linked == "noxfile.py" else ".github/workflows/matrix.yml"
    assert result.err.startswith(f"{shown} leads outside the project folder")
    assert snapshot(outside) == before
    assert not (small.root / "profiles").exists()


@pytest.mark.parametrize(
    "pattern", ["/tmp/matrixgen-elsewhere/${cell}.yml", "../elsewhere/${cell}.yml"]
)
def test_an_escaping_compose_pattern_is_exit_2_without_a_traceback(
    small: Project, matrixgen: Callable[..., Result], pattern: str
) -> None:
    small.write("matrix.yaml", SMALL.replace('"profiles/${cell}.yml"', f'"{pattern}"'))
    result = matrixgen("-C", str(small.root), "render")
    assert result.code == 2
    assert result.err == (
        f"{small.root}/matrix.yaml:13:12: outputs.compose: '{pattern}' must stay inside the "
        "project folder (the folder of matrix.yaml); write it relative to that folder, "
        "without '..' leading out of it\n"
    )
    assert "Traceback" not in result.err
    assert not (small.root.parent / "elsewhere").exists()
    assert not Path("/tmp/matrixgen-elsewhere").exists()


def slipped_through(matrix: Matrix, compose: str) -> Matrix:
    """`matrix` with an outputs.compose that validate would have refused."""
    outputs = matrix.model.outputs.model_copy(update={"compose": compose})
    return dataclasses.replace(matrix, model=matrix.model.model_copy(update={"outputs": outputs}))


@pytest.mark.parametrize(
    "pattern", ["/tmp/matrixgen-elsewhere/${cell}.yml", "../elsewhere/${cell}.yml"]
)
def test_render_refuses_an_escaping_pattern_even_past_validate(
    small: Project, pattern: str
) -> None:
    matrix = slipped_through(small.matrix(), pattern)
    shown = pattern.replace("${cell}", "pg")
    with pytest.raises(OutsideRootError, match=f"^{shown} leads outside") as refused:
        render_outputs(matrix, check=False, dry_run=False, force=True, echo=lambda _: None)
    assert refused.value.exit_code == 2
    assert not (small.root.parent / "elsewhere").exists()
    assert not Path("/tmp/matrixgen-elsewhere").exists()
    assert not (small.root / "noxfile.py").exists()


@pytest.mark.parametrize("owned", ["/tmp/*.yml", "../*/profiles/*.yml", "profiles/../../*.yml"])
def test_the_owned_glob_never_reaches_outside_the_root(tmp_path: Path, owned: str) -> None:
    root = tmp_path / "project"
    root.mkdir()
    with pytest.raises(OutsideRootError, match="leads outside the project folder"):
        plan(root, "matrix.yaml", [Rendered([], owned=[owned])], force=False)


def test_an_output_inside_the_root_through_a_symlink_is_fine(small: Project) -> None:
    (small.root / "real").mkdir()
    os.symlink(small.root / "real", small.root / "profiles")
    assert small.render() == 0
    assert (small.root / "real/pg.yml").is_file()
    assert small.render(check=True) == 0


def test_plan_refuses_an_output_path_that_resolves_outside(tmp_path: Path) -> None:
    root = tmp_path / "project"
    root.mkdir()
    os.symlink(tmp_path, root / "up")
    output = Output("up/x.yml", "a: 1\n", HASH)
    with pytest.raises(OutsideRootError, match=r"^up/x\.yml leads outside"):
        plan(root, "matrix.yaml", [Rendered([output])], force=True)
    assert not (tmp_path / "x.yml").exists()


def test_write_checks_again_right_before_each_file(tmp_path: Path) -> None:
    """A symlink swapped in between planning and writing does not get written through."""
    root = tmp_path / "project"
    root.mkdir()
    (root / "a.yml").write_text("old\n")
    (root / "up").mkdir()
    changes = plan(
        root, "matrix.yaml", [Rendered([Output("up/x.yml", "x: 1\n", HASH)])], force=False
    )
    (root / "up").rmdir()
    os.symlink(tmp_path, root / "up")
    with pytest.raises(OutsideRootError, match=r"^up/x\.yml now leads outside the project folder"):
        write(root, changes)
    assert not (tmp_path / "x.yml").exists()
