"""`render` writes the same bytes whatever the hash seed, so `render --check` right after it
passes in any other process: nothing generated may follow set or dict-of-hash order."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .helpers import FIXTURES

REPO = Path(__file__).resolve().parents[2]
PROJECTS = {
    **{path.name: path for path in sorted(FIXTURES.iterdir()) if path.is_dir()},
    "design": REPO / "tests/data/design",
    "state-proxy": REPO / "examples/state-proxy",
}
SEEDS = ["0", "1", "2", "123", "random"]
SKIP = shutil.ignore_patterns(
    ".nox", "__pycache__", "results", ".pytest_cache", ".benchmarks", "*.egg-info"
)


def matrixgen(root: Path, seed: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "matrixgen", "render", *args],
        cwd=root,
        env={**os.environ, "PYTHONHASHSEED": seed},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen[str]) -> tuple[int, str]:
    out, err = process.communicate(timeout=120)
    return process.returncode, out + err


def tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.mark.slow  # a render process per hash seed
@pytest.mark.parametrize("name", sorted(PROJECTS))
def test_render_is_byte_identical_under_every_hash_seed(name: str, tmp_path: Path) -> None:
    roots = {seed: tmp_path / f"seed-{seed}" for seed in SEEDS}
    for root in roots.values():
        shutil.copytree(PROJECTS[name], root, ignore=SKIP)
    running = {seed: matrixgen(root, seed) for seed, root in roots.items()}
    for seed, process in running.items():
        code, output = finish(process)
        assert code == 0, f"PYTHONHASHSEED={seed}: {output}"

    first = tree(roots[SEEDS[0]])
    for seed in SEEDS[1:]:
        differs = sorted(p for p, b in tree(roots[seed]).items() if first.get(p) != b)
        assert not differs, f"PYTHONHASHSEED={seed} rendered other bytes in {differs}"

    # A later process with yet another seed finds nothing to do.
    code, output = finish(matrixgen(roots["1"], "7", "--check"))
    assert code == 0, output
    assert all(line.startswith("unchanged ") for line in output.splitlines()), output


def test_note_marks_of_one_table_cell_are_in_note_order(tmp_path: Path) -> None:
    root = tmp_path / "two-reasons"
    shutil.copytree(PROJECTS["two-reasons"], root)
    for seed in ("0", "1"):  # these two seeds iterate a set of '¹' and '²' in both orders
        code, output = finish(matrixgen(root, seed))
        assert code == 0, output
        page = (root / "docs/testing.md").read_text(encoding="utf-8")
        assert "| GCS |  | —¹,² (gcs-lww, gcs-cas) |\n" in page
        assert "- ¹ excluded: the GCS emulator has no generation preconditions\n" in page
        assert "- ² excluded: no GCS CAS connector yet\n" in page
