"""`list` from .matrixgen/cache: the same answers and errors, without loading pydantic,
and never stale — a changed matrix.yaml or a file it names makes it load again."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

MATRIX = """\
version: 1
axes:
  backend: {values: {s3: {label: S3, services: [s3]}, gcs: {label: GCS}}}
  mode: [lww, cas]
services:
  s3: {compose: compose/s3.yml}
levels:
  unit: {axes: [backend, mode], run: pytest}
"""
# The second call reports whether it had to import pydantic (it must not, from the cache).
PROBE = (
    "import sys; from matrixgen.cli import main\n"
    "try: main(sys.argv[1:])\n"
    "except SystemExit as stop: code = stop.code\n"
    "else: code = 0\n"
    "print('PYDANTIC' if 'pydantic' in sys.modules else 'LIGHT', file=sys.stderr)\n"
    "sys.exit(code)\n"
)


def listing(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", PROBE, "-C", str(root), "list", *args],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def project(tmp_path: Path) -> Path:
    (tmp_path / "compose").mkdir()
    (tmp_path / "compose" / "s3.yml").write_text("services: {s3: {image: moto}}\n")
    (tmp_path / "matrix.yaml").write_text(MATRIX)
    return tmp_path


def test_a_repeated_list_comes_from_the_cache_with_the_same_answers(tmp_path: Path) -> None:
    root = project(tmp_path)
    for args in [("--json",), (), ("*/s3-*", "--where", "mode=cas"), ("--level", "unit")]:
        first = listing(root, *args)
        again = listing(root, *args)
        assert first.returncode == again.returncode == 0, first.stderr
        assert first.stdout == again.stdout
        assert again.stderr.strip().endswith("LIGHT")
    line = next(x for x in first.stdout.splitlines() if x.startswith("unit/s3-cas"))
    assert line.split() == ["unit/s3-cas", "unit(s3-cas)", "s3", "-", "backend=S3,", "mode=cas"]
    assert (root / ".matrixgen" / ".gitignore").read_text() == "*\n"
    # Errors are the same from the cache: with a did-you-mean, exit 2.
    for args in [("unit/s3-lw",), ("--level", "unti"), ("--where", "bakend=s3")]:
        cached = listing(root, *args)
        assert cached.returncode == 2 and "did you mean" in cached.stderr, cached.stderr


def test_an_edit_or_a_vanished_file_loads_the_matrix_again(tmp_path: Path) -> None:
    root = project(tmp_path)
    assert listing(root).returncode == 0
    (root / "matrix.yaml").write_text(MATRIX.replace("mode: [lww, cas]", "mode: [lww]"))
    edited = listing(root, "--json")
    assert edited.stderr.strip().endswith("PYDANTIC") and "cas" not in edited.stdout
    (root / "compose" / "s3.yml").unlink()
    gone = listing(root, "--json")
    assert gone.returncode == 2 and "no such file 'compose/s3.yml'" in gone.stderr


def test_a_read_only_project_still_lists(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / ".matrixgen").write_text("not a folder")  # the cache cannot be written
    for _ in range(2):
        done = listing(root, "--json")
        assert done.returncode == 0 and '"id": "unit/s3-lww"' in done.stdout


def test_cached_lines_survive_unicode_line_separators(tmp_path: Path) -> None:
    """Cells are cached one per line; a label holding U+2028 or U+0085 (which
    `str.splitlines` would cut at) comes back whole."""
    (tmp_path / "matrix.yaml").write_text(
        'version: 1\naxes:\n  mode: {values: {a: {label: "x\\u2028y\\x85z"}, b: {}}}\n'
        "levels:\n  unit: {axes: [mode], run: pytest}\n",
        encoding="utf-8",
    )
    first = listing(tmp_path, "--json")
    again = listing(tmp_path, "--json")
    assert first.returncode == 0, first.stderr
    assert again.stderr.strip().endswith("LIGHT") and again.stdout == first.stdout
    cells = json.loads(again.stdout)
    assert [c["labels"]["mode"] for c in cells] == ["x\u2028y\x85z", "b"]


def test_a_cache_of_another_matrix_text_or_version_is_not_used(tmp_path: Path) -> None:
    root = project(tmp_path)
    assert listing(root, "--json").returncode == 0
    cache = root / ".matrixgen" / "cache" / "list-matrix.yaml.jsonl"
    header, _, cells = cache.read_text(encoding="utf-8").partition("\n")
    for key, value in [("version", "0.0.0"), ("format", 1), ("source", "version: 1\n")]:
        cache.write_text(
            json.dumps({**json.loads(header), key: value}) + "\n" + cells, encoding="utf-8"
        )
        assert listing(root, "--json").stderr.strip().endswith("PYDANTIC"), key
    cache.write_text("not json\n", encoding="utf-8")
    redone = listing(root, "--json")
    assert redone.returncode == 0 and redone.stderr.strip().endswith("PYDANTIC")
    assert listing(root, "--json").stderr.strip().endswith("LIGHT")  # written anew
