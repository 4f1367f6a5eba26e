"""`render --check` is a pre-commit hook and a CI gate: a FIFO, a link to /dev/zero or a
200 MB file where it reads (the committed noxfile and docs page, a template, a compose file)
is one line and exit 2 within seconds, never a hang or MemoryError (issue 19, item 3)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from support.cli import invoke

from tests.hostile_files import FIFO, matrixgen, plant, too_big
from tests.results.helpers import DESIGN

OUTSIDE = (
    "{file} leads outside the project folder (the folder of matrix.yaml), through '..', an "
    "absolute path or a symlink (it is a symbolic link to {target}); nothing written. Point "
    "the output at a path inside that folder in `outputs:` of matrix.yaml, or make it a "
    "regular file\n"
)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The DESIGN project, rendered once for the module: a noxfile, a docs page, compose
    profiles, a workflow (rendered files name no absolute path, so a copy is the same)."""
    root = tmp_path_factory.mktemp("rendered") / "project"
    root.mkdir()
    shutil.copy(DESIGN / "matrix.yaml", root / "matrix.yaml")
    shutil.copytree(DESIGN / "testing", root / "testing")
    assert invoke("-C", str(root), "render").code == 0
    return root


@pytest.fixture
def design(rendered: Path, tmp_path: Path) -> Path:
    """A copy of the rendered DESIGN project of this test's own, which it may spoil."""
    root = tmp_path / "project"
    shutil.copytree(rendered, root, symlinks=True)
    return root


def snapshot(root: Path) -> dict[str, bytes | tuple[int, int]]:
    """Each regular file's bytes; a large one (the planted sparse file: reading its 200 MB
    of zeros twice was most of the module's CPU) by its size and mtime."""
    return {
        p.relative_to(root).as_posix(): (
            p.read_bytes() if (s := p.stat()).st_size < 2**20 else (s.st_size, s.st_mtime_ns)
        )
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


@pytest.mark.parametrize("file", ["noxfile.py", "docs/testing.md"])
@pytest.mark.parametrize(
    ("kind", "says"),
    [
        ("fifo", "{file}: cannot read it: " + FIFO + "; replace it with a regular UTF-8 file\n"),
        ("dev-zero", OUTSIDE.replace("{target}", "/dev/zero")),
        (
            "sparse",
            "{file}: cannot read it: " + too_big(16) + "; replace it with a regular UTF-8 file\n",
        ),
    ],
)
@pytest.mark.parametrize("check", [True, False], ids=["check", "write"])
def test_a_planted_noxfile_or_docs_page_is_one_line_and_exit_2(
    design: Path, file: str, kind: str, says: str, check: bool
) -> None:
    plant(design / file, kind)
    before = snapshot(design)
    ran = matrixgen(design, "render", *(["--check"] if check else []))
    assert (ran.code, ran.out, ran.err) == (2, "", says.format(file=file))
    # No hang: matrixgen() fails the test after its subprocess timeout.
    assert snapshot(design) == before  # nothing written, the planted file left as it is
    if kind == "fifo":
        assert (design / file).is_fifo()
    elif kind == "dev-zero":
        assert (design / file).readlink() == Path("/dev/zero")


def test_a_template_that_is_a_fifo_is_refused_not_skipped(design: Path) -> None:
    plant(design / "templates/nox-sessions.py.j2", "fifo")
    ran = matrixgen(design, "render", "--check")
    assert (ran.code, ran.out, ran.err) == (
        2,
        "",
        f"templates/nox-sessions.py.j2: cannot read this template: {FIFO}; replace it with a "
        "regular UTF-8 file\n",
    )


def test_a_template_linking_out_of_the_project_is_never_rendered(
    design: Path, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.j2"
    secret.write_text("SECRET KEY MATERIAL\n")
    (design / "templates").mkdir()
    (design / "templates/nox-sessions.py.j2").symlink_to(secret)
    before = snapshot(design)
    ran = matrixgen(design, "render")
    assert (ran.code, ran.out) == (2, "")
    assert ran.err == (
        f"templates/nox-sessions.py.j2: cannot read this template: it is a symbolic link to "
        f"{secret}, outside the project folder; matrixgen follows no link out of the project "
        "(copy the file itself into it); replace it with a regular UTF-8 file\n"
    )
    assert snapshot(design) == before
    assert secret.read_text() == "SECRET KEY MATERIAL\n"


def test_a_template_linking_inside_the_project_is_read(design: Path) -> None:
    shipped = Path(__file__).parents[2] / "templates/nox-sessions.py.j2"
    (design / "mine.j2").write_text(shipped.read_text())
    (design / "templates").mkdir()
    (design / "templates/nox-sessions.py.j2").symlink_to(design / "mine.j2")
    ran = matrixgen(design, "render", "--check")
    assert (ran.code, ran.err) == (0, ""), ran.out
