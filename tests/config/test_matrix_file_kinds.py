"""matrix.yaml from a pull request: a FIFO, a link to /dev/zero, a huge file — refused at once,
by every command, and so are the compose files it names and a planted list cache."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.hostile_files import DEVICE, FIFO, matrixgen, plant, too_big


def validate(root: Path) -> tuple[int, str]:
    """`matrixgen validate`: a read that blocked would hang it, and the hang guard of
    `hostile_files.matrixgen` ends the test instead."""
    done = matrixgen(root, "validate", timeout=30)
    return done.code, done.err


@pytest.mark.parametrize(
    ("make", "why"),
    [
        (lambda p: os.mkfifo(p), "it is a named pipe (FIFO), not a regular file"),
        (lambda p: p.symlink_to("/dev/zero"), "it is a character device, not a regular file"),
        (lambda p: p.write_bytes(b"#" * (9 * 2**20)), "over the 8 MiB limit"),
    ],
)
def test_a_matrix_file_that_is_no_file_is_refused_at_once(
    tmp_path: Path, make: object, why: str
) -> None:
    make(tmp_path / "matrix.yaml")  # type: ignore[operator]
    code, err = validate(tmp_path)
    assert code == 2 and why in err and "matrix.yaml:1:1: cannot read it:" in err, err


def test_a_link_to_a_real_matrix_file_is_read(tmp_path: Path) -> None:
    (tmp_path / "real.yaml").write_text("version: 1\nlevels: {unit: {run: pytest}}\n")
    (tmp_path / "matrix.yaml").symlink_to("real.yaml")
    code, err = validate(tmp_path)
    assert code == 0, err


# --- every command, and the files matrix.yaml names (issue 19, item 3) ----------------------


@pytest.mark.parametrize(
    "command",
    [
        ("list",),
        ("list", "--json"),
        ("render", "--check"),
        ("explain", "unit"),
        ("shard", "--shards", "2"),
        ("report",),
        ("run",),
    ],
)
@pytest.mark.parametrize(
    ("kind", "why"), [("fifo", FIFO), ("dev-zero", DEVICE), ("sparse", too_big(8))]
)
def test_every_command_refuses_a_matrix_file_that_is_no_file(
    tmp_path: Path, command: tuple[str, ...], kind: str, why: str
) -> None:
    plant(tmp_path / "matrix.yaml", kind)
    ran = matrixgen(tmp_path, *command, timeout=30)
    assert (ran.code, ran.out) == (2, "")
    assert ran.err == (
        f"{tmp_path}/matrix.yaml:1:1: cannot read it: {why}; matrix.yaml must be a file\n"
    )


COMPOSE = """\
version: 1
levels:
  unit:
    run: pytest --junitxml=${junit}
    compose: {files: [testing/compose.yml], tester: tests}
outputs:
  nox: noxfile.py
  compose: "profiles/${cell}.yml"
"""


@pytest.mark.parametrize("command", [("validate",), ("render", "--check"), ("list",)])
@pytest.mark.parametrize(("kind", "why"), [("fifo", FIFO), ("dev-zero", DEVICE)])
def test_a_compose_file_that_is_no_file_is_a_located_error(
    tmp_path: Path, command: tuple[str, ...], kind: str, why: str
) -> None:
    (tmp_path / "matrix.yaml").write_text(COMPOSE)
    plant(tmp_path / "testing/compose.yml", kind)
    ran = matrixgen(tmp_path, *command, timeout=30)
    assert (ran.code, ran.out) == (2, "")
    assert ran.err == (
        f"{tmp_path}/matrix.yaml:5:23: levels.unit.compose.files[0]: 'testing/compose.yml' "
        "cannot be read "
        "(the compose file; paths are relative to the folder of matrix.yaml): "
        f"{why}; make it a regular file\n"
    )


def test_a_compose_file_linking_out_of_the_project_is_not_read(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "testing").mkdir(parents=True)
    (project / "matrix.yaml").write_text(COMPOSE)
    elsewhere = tmp_path / "compose.yml"
    elsewhere.write_text("services: {tests: {image: x}}\n")
    (project / "testing/compose.yml").symlink_to(elsewhere)
    ran = matrixgen(project, "validate", timeout=30)
    assert (ran.code, ran.out) == (2, "")
    assert ran.err == (
        f"{project}/matrix.yaml:5:23: levels.unit.compose.files[0]: 'testing/compose.yml' is not "
        f"a compose file matrixgen can read: it is a symbolic link to {elsewhere}, outside the "
        "project folder; matrixgen follows no link out of the project (copy the file itself into "
        "it); fix it\n"
    )


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "sparse", "deep-json"])
def test_a_planted_list_cache_is_a_miss(tmp_path: Path, kind: str) -> None:
    (tmp_path / "matrix.yaml").write_text("version: 1\nlevels: {unit: {run: pytest}}\n")
    first = matrixgen(tmp_path, "list", "--json", timeout=30)
    assert first.code == 0
    cache = tmp_path / ".matrixgen/cache/list-matrix.yaml.jsonl"
    header = cache.read_text().split("\n", 1)[0]
    plant(cache, kind)
    if kind == "deep-json":  # a valid header, then a cell line nested 100,000 deep
        cache.write_text(header + "\n" + "[" * 100_000 + "]" * 100_000 + "\n")
    ran = matrixgen(tmp_path, "list", "--json", timeout=30)
    assert (ran.code, ran.out, ran.err) == (0, first.out, "")
    assert cache.is_file() and not cache.is_symlink()  # written anew
