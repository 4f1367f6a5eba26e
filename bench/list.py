"""Benchmark: `matrixgen list --json` vs `nox -l --json`, and `matrixgen --help` start-up.

Generates matrices of ~1,000 and ~10,000 cells (levels of 250 cells: backend × mode),
renders their noxfile with `matrixgen render` (one session per cell, as a project has
it), times each command as a subprocess and prints RESULT lines:

    python bench/list.py [--repeats N] [--quick]

- `list_vs_nox_1k`, `list_vs_nox_10k`: a repeated `list` on an unchanged matrix.yaml,
  served from `.matrixgen/cache` (target: at most half of nox's time);
- `list_first_vs_nox_1k`: an uncached `list` (`.matrixgen` removed before each run, as in
  a fresh checkout), which loads and validates the matrix (target: no slower than nox);
- `help_overhead_ms`: `matrixgen --help` minus `python -c pass`.

Side by side: the commands of a comparison take turns (15 by default), so that a load
spike on a shared machine hits each; a ratio is the median of the turns' ratios (as
farm-bench pairs its runs), a time the median of its runs. All run as installed
code does, from bytecode: the subprocesses write it under the temporary folder
(PYTHONPYCACHEPREFIX), even where PYTHONDONTWRITEBYTECODE is set, which would otherwise
make every call compile matrixgen's sources again (~8 ms) while nox's come compiled.

`--quick` (what the test suite runs, tests/test_bench.py): the 1,000-cell matrix only,
one run each; its figures show that the script works, they measure nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from matrixgen import DISTRIBUTION, __version__

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
    run = "pytest -m ${backend} --junitxml=${junit}"
    for index in range(levels):
        lines.append(f"  level{index}: {{axes: [backend, mode], run: '{run}'}}")
    # The install line the sessions get, set: from a checkout's editable install matrixgen
    # derives none (`load.installed`), and the bench measures listing, not installing.
    lines += ["outputs:", "  nox: noxfile.py", f"  matrixgen: {DISTRIBUTION}=={__version__}"]
    return "\n".join(lines) + "\n"


class Command:
    """A command to time, and what to do (untimed) before each run of it."""

    def __init__(self, argv: list[str], before: Callable[[], object] | None = None) -> None:
        self.argv, self.before = argv, before


def forget(folder: Path) -> None:
    if folder.exists():
        shutil.rmtree(folder)


def side_by_side(
    commands: list[Command], cwd: Path, repeats: int, env: dict[str, str]
) -> tuple[list[list[float]], list[str]]:
    """The wall times in seconds of each command's runs, run in turns, and their last
    outputs."""
    times: list[list[float]] = [[] for _ in commands]
    outputs = [""] * len(commands)
    for _ in range(repeats):
        for index, command in enumerate(commands):
            if command.before is not None:
                command.before()
            start = time.perf_counter()
            done = subprocess.run(
                command.argv, cwd=cwd, env=env, capture_output=True, text=True, check=True
            )
            times[index].append(time.perf_counter() - start)
            outputs[index] = done.stdout
    return times, outputs


def ratio(ours: list[float], theirs: list[float]) -> float:
    """The median of the turns' ratios: each pair ran back to back, so a spell of a busy
    machine slows both sides of a pair, where the ratio of two medians takes them from
    different turns (nox's own time moved 0.33-0.54 s from run to run here)."""
    return statistics.median(a / b for a, b in zip(ours, theirs, strict=True))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--quick", action="store_true", help="1,000 cells, one run each")
    args = parser.parse_args()
    repeats = 1 if args.quick else args.repeats
    sizes = (("1k", 4),) if args.quick else (("1k", 4), ("10k", 40))
    python = sys.executable
    rows: list[tuple[str, list[float], list[float], float]] = []
    results: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        matrixgen = [python, "-m", "matrixgen"]
        nox_list = Command([python, "-m", "nox", "-l", "--json"])
        for label, levels in sizes:
            folder = Path(tmp) / label
            folder.mkdir()
            (folder / "matrix.yaml").write_text(matrix_yaml(levels), encoding="utf-8")
            # The noxfile matrixgen writes for it; `validate` (which fills no cache) and one
            # nox listing write the bytecode of every module either side imports.
            side_by_side(
                [Command([*matrixgen, "render"]), Command([*matrixgen, "validate"]), nox_list],
                folder, 1, env,
            )  # fmt: skip
            cache = folder / ".matrixgen"
            # In each turn: a first list in a fresh checkout (no .matrixgen), which loads,
            # validates and fills the cache; then a repeated one, served from the cache.
            first = Command([*matrixgen, "list", "--json"], lambda c=cache: forget(c))
            cached = Command([*matrixgen, "list", "--json"])
            (uncached, ours, theirs), (listed_first, listed, sessions) = side_by_side(
                [first, cached, nox_list], folder, repeats, env
            )
            assert listed_first == listed, "the cache changed what list prints"
            cells, nox_sessions = len(json.loads(listed)), len(json.loads(sessions))
            assert cells == nox_sessions == levels * CELLS_PER_LEVEL, (cells, nox_sessions)
            first_ratio, cached_ratio = ratio(uncached, theirs), ratio(ours, theirs)
            rows.append((f"list {cells} cells, uncached", uncached, theirs, first_ratio))
            rows.append((f"list {cells} cells, cached", ours, theirs, cached_ratio))
            results.append(f"RESULT list_vs_nox_{label} {cached_ratio:.2f} <=0.5")
            if label == "1k":
                results.append(f"RESULT list_first_vs_nox_1k {first_ratio:.2f} <=1.0")
        (helps, bares), _ = side_by_side(
            [Command([*matrixgen, "--help"]), Command([python, "-c", "pass"])],
            Path(tmp), repeats, env,
        )  # fmt: skip
    help_ms = statistics.median(a - b for a, b in zip(helps, bares, strict=True)) * 1000
    rows.append(("--help vs python -c pass", helps, bares, ratio(helps, bares)))
    print(
        f"{repeats} runs each, in turns; times are medians, ratios the median of the turns'"
        + (" (--quick)" if args.quick else "")
    )
    print(f"{'case':<28}{'matrixgen s':>12}{'nox s':>12}{'ratio':>8}")
    for name, ours_s, theirs_s, turns in rows:
        ours_m, theirs_m = statistics.median(ours_s), statistics.median(theirs_s)
        print(f"{name:<28}{ours_m:>12.3f}{theirs_m:>12.3f}{turns:>8.2f}")
    results.append(f"RESULT help_overhead_ms {help_ms:.0f} <=150")
    print("\n".join(results))


if __name__ == "__main__":
    main()
