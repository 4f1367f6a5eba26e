"""Benchmark: `matrixgen render` of 1,000 and 10,000 cells to every target.

    python bench/render.py [--quick]

Prints a table of seconds per phase and ends with
`RESULT render_per_1k_cells <seconds> <=0.3`: seconds per 1,000 cells of a first render
(in memory, compared with the disk, every file written) of the 10,000-cell matrix.
`--quick` (what the test suite runs, tests/test_bench.py) renders one level of 250 cells
only, and its figure measures nothing.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from matrixgen import DISTRIBUTION, __version__
from matrixgen.load.matrix import Matrix, load
from matrixgen.render import render_all, render_outputs

CELLS_PER_LEVEL = 250  # 25 x 10: under GitHub's 256 jobs per matrix
TARGET = 0.3


def matrix_text(cells: int) -> str:
    levels = cells // CELLS_PER_LEVEL
    backends = ", ".join(f"b{i}" for i in range(25))
    lines = [
        "version: 1",
        "name: bench",
        "axes:",
        "  backend:",
        "    title: Backend",
        f"    values: [{backends}]",
        "  mode: [m0, m1, m2, m3, m4, m5, m6, m7, m8, m9]",
        "services:",
        "  store:",
        "    compose: shared/store.yml",
        "    install: {pip: ['moto[server]'], apt: [redis-server]}",
        "levels:",
    ]
    for level in range(levels):
        lines += [
            f"  level{level}:",
            f"    label: Level {level}",
            "    axes: [backend, mode]",
            "    services: [store]",
            "    run: pytest tests -k '${backend} and ${mode}'",
            "    timeout: 10m",
        ]
    lines += [
        "outputs:",
        "  nox: noxfile.py",
        "  compose: 'testing/${level}/profiles/${cell}.yml'",
        "  github: .github/workflows/matrix.yml",
        "  docs: {file: docs/matrix.md, rows: [backend, mode], columns: level}",
        # The install line the sessions and jobs get, set: from a checkout's editable
        # install matrixgen derives none (`load.installed`) and refuses to render.
        f"  matrixgen: {DISTRIBUTION}=={__version__}",
    ]
    return "\n".join(lines) + "\n"


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def measure(cells: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="matrixgen-bench-") as folder:
        root = Path(folder)
        (root / "matrix.yaml").write_text(matrix_text(cells))
        (root / "shared").mkdir()
        (root / "shared/store.yml").write_text("services:\n  store:\n    image: redis:7\n")
        matrix: Matrix = load(root)
        assert len(matrix.cells) == cells, len(matrix.cells)
        lines: list[str] = []

        def render(expected: str) -> None:
            lines.clear()
            code = render_outputs(
                matrix, check=False, dry_run=False, force=False, echo=lines.append
            )
            assert code == 0
            assert {line.split()[0] for line in lines} == {expected}, lines[:5]
            # A profile per cell (and the files beside it), the noxfile, workflow and docs.
            written = [line.split()[-1] for line in lines]
            profiles = [name for name in written if "/profiles/" in name]
            assert sum(name.endswith(".yml") for name in profiles) == cells, len(profiles)
            others = {name for name in written if "/profiles/" not in name}
            assert others == {"noxfile.py", ".github/workflows/matrix.yml", "docs/matrix.md"}

        return {
            "in memory": timed(lambda: render_all(matrix)),
            "first render (write all)": timed(lambda: render("created")),
            "second render (unchanged)": timed(lambda: render("unchanged")),
            "check": timed(
                lambda: render_outputs(
                    matrix, check=True, dry_run=False, force=False, echo=lines.append
                )
            ),
        }


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="250 cells only")
    args = parser.parse_args()
    sizes = [CELLS_PER_LEVEL] if args.quick else [1_000, 10_000]
    results = {size: measure(size) for size in sizes}
    phases = list(results[sizes[0]])
    print(f"{'phase':<28}" + "".join(f"{size:>10,} cells  per 1k" for size in sizes))
    for phase in phases:
        row = "".join(
            f"{results[s][phase]:>16.3f}s {results[s][phase] / (s / 1000):>6.3f}s" for s in sizes
        )
        print(f"{phase:<28}{row}")
    per_1k = results[sizes[-1]]["first render (write all)"] / (sizes[-1] / 1000)
    print(f"RESULT render_per_1k_cells {per_1k:.3f} <={TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
