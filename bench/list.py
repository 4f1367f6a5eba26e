"""Benchmark: `matrixgen list --json` vs `nox -l --json`, and `matrixgen --help` start-up.

The RESULT lines compare repeated calls on an unchanged matrix.yaml (served from
`.matrixgen/cache`); the table also shows the first, uncached call.

Generates matrices of ~1,000 and ~10,000 cells (levels of 250 cells: backend × mode),
writes an equivalent plain noxfile (one session per level, parametrized by cell id),
times each command as a subprocess and prints RESULT lines:

    python bench/list.py [--repeats N]

Side by side: the two commands of a comparison take turns, so that a load spike on a
shared machine hits both, and each gets the median of its runs. Both run as installed
code does, from bytecode: the subprocesses write it under the temporary folder
(PYTHONPYCACHEPREFIX), even where PYTHONDONTWRITEBYTECODE is set, which would otherwise
make every call compile matrixgen's sources again (~8 ms) while nox's come compiled.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BACKENDS = [f"b{i:02d}" for i in range(25)]
MODES = [f"m{i}" for i in range(10)]
CELLS_PER_LEVEL = len(BACKENDS) * len(MODES)  # 250: under GitHub's 256 jobs per matrix


def matrix_yaml(levels: int) -> str:
    lines = [
        "version: 1",
        "axes:",
        f"  backend: [{', '.join(BACKENDS)}]",
        f"  mode: [{', '.join(MODES)}]",
        "levels:",
    ]
    for index in range(levels):
        lines.append(f"  level{index}: {{axes: [backend, mode], run: 'pytest -m ${{backend}}'}}")
    return "\n".join(lines) + "\n"


def noxfile(levels: int) -> str:
    ids = [f"{backend}-{mode}" for backend in BACKENDS for mode in MODES]
    out = ["import nox", "", f"CELLS = {ids!r}", ""]
    for index in range(levels):
        out += [
            "",
            f'@nox.session(name="level{index}", python=False)',
            '@nox.parametrize("cell", CELLS, ids=CELLS)',
            f"def level{index}(session, cell):",
            '    session.run("pytest", "-m", cell)',
            "",
        ]
    return "\n".join(out)


def side_by_side(
    commands: list[list[str]], cwd: Path, repeats: int, env: dict[str, str]
) -> tuple[list[float], list[str]]:
    """Median wall time in seconds of each command, run in turns, and their last outputs."""
    times: list[list[float]] = [[] for _ in commands]
    outputs = [""] * len(commands)
    for _ in range(repeats):
        for index, command in enumerate(commands):
            start = time.perf_counter()
            done = subprocess.run(
                command, cwd=cwd, env=env, capture_output=True, text=True, check=True
            )
            times[index].append(time.perf_counter() - start)
            outputs[index] = done.stdout
    return [statistics.median(each) for each in times], outputs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    python = sys.executable
    rows: list[tuple[str, float, float, float]] = []
    results: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        ours_list = [python, "-m", "matrixgen", "list", "--json"]
        nox_list = [python, "-m", "nox", "-l", "--json"]
        for label, levels in (("1k", 4), ("10k", 40)):
            folder = Path(tmp) / label
            folder.mkdir()
            (folder / "matrix.yaml").write_text(matrix_yaml(levels), encoding="utf-8")
            (folder / "noxfile.py").write_text(noxfile(levels), encoding="utf-8")
            # Bytecode for every module either side imports; `validate` fills no cache.
            side_by_side([[python, "-m", "matrixgen", "validate"], nox_list], folder, 1, env)
            # The first list loads and validates the matrix and fills .matrixgen/cache;
            # later calls with an unchanged matrix.yaml read the cache (see listing.py).
            (cold,), _ = side_by_side([ours_list], folder, 1, env)
            (ours, theirs), (listed, sessions) = side_by_side(
                [ours_list, nox_list], folder, args.repeats, env
            )
            cells, nox_sessions = len(json.loads(listed)), len(json.loads(sessions))
            assert cells == nox_sessions == levels * CELLS_PER_LEVEL, (cells, nox_sessions)
            rows.append((f"list {cells} cells, first", cold, theirs, cold / theirs))
            rows.append((f"list {cells} cells, cached", ours, theirs, ours / theirs))
            results.append(f"RESULT list_vs_nox_{label} {ours / theirs:.2f} <=0.5")
        (help_time, bare), _ = side_by_side(
            [[python, "-m", "matrixgen", "--help"], [python, "-c", "pass"]],
            Path(tmp), args.repeats, env,
        )  # fmt: skip
    rows.append(("--help vs python -c pass", help_time, bare, help_time / bare))
    print(f"{'case':<28}{'matrixgen s':>12}{'baseline s':>12}{'ratio':>8}")
    for name, ours, theirs, ratio in rows:
        print(f"{name:<28}{ours:>12.3f}{theirs:>12.3f}{ratio:>8.2f}")
    results.append(f"RESULT help_overhead_ms {(help_time - bare) * 1000:.0f} <=150")
    print("\n".join(results))


if __name__ == "__main__":
    main()
