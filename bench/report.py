"""Reading 1,000 JUnit files (100,000 test cases): `matrixgen report --json` vs `junitparser merge`.

    python bench/report.py [--files 1000] [--cases 100] [--repeat 3] [--runs 7] [--quick]

Both read the same files, written the way pytest writes them (a `testsuites` root, one
`testsuite` with matrixgen's stamped properties, test cases with ~1% failures carrying a
traceback and ~2% skips). Each side runs as its CLI in a fresh process, so each pays its
own start-up: matrixgen loads matrix.yaml and writes the JSON report and durations.json;
junitparser merges into one XML file. The best of `--repeat` runs counts (a side that takes
over 20 s runs once: junitparser's merge recounts every case after each file, so its time
grows with the square of the cases).

A second comparison, without the merge: matrixgen's JUnit reader and verdict (read_junit
and of_file, what report and run judge a file with) vs junitparser's API parsing each file
(JUnitXml.fromfile) and walking every case. Each side runs `--runs` times in a fresh
process of its own (`--read SIDE FOLDER`), the two in turns, and the median of the
seconds each spends reading (its start-up and imports left out) counts:
`RESULT report_reader_vs_junitparser_parse` (junitparser / matrixgen), target >= 2.

`--quick` (what the test suite runs, tests/test_bench.py): 20 files of 10 cases, one run
each; its figures show that the script works, they measure nothing.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

TARGET = 2.0
READER_TARGET = 2.0
TRACEBACK = """def test_put(store):
>       assert store.put("key", b"value", if_match=etag) == 412
E       AssertionError: expected 412, got 200

tests/test_store.py:{line}: AssertionError"""


def cell_ids(files: int) -> list[str]:
    """`files` cells in levels of 250 (GitHub's limit is 256 jobs per level): l0/a3-b17, ..."""
    per_level = 25  # parts per level, times 10 shards
    return [
        f"l{part // per_level}/a{shard}-b{part}"
        for part in range(files // 10)
        for shard in range(10)
    ]


def matrix_yaml(files: int) -> str:
    parts = [f"b{i}" for i in range(files // 10)]
    lines = [
        "version: 1",
        "name: bench",
        "axes:",
        f"  shard: [{', '.join(f'a{i}' for i in range(10))}]",
        f"  part: [{', '.join(parts)}]",
        "levels:",
    ]
    for level in range((len(parts) + 24) // 25):
        chosen = ", ".join(parts[level * 25 : level * 25 + 25])
        lines += [f"  l{level}:", f"    axes: {{shard: null, part: [{chosen}]}}", "    run: pytest"]
    return "\n".join(lines) + "\n"


def junit_file(cell_id: str, cases: int, rng: random.Random) -> str:
    level, _, name = cell_id.partition("/")
    props = {
        "matrixgen.cell": cell_id,
        "matrixgen.level": level,
        "matrixgen.attempt": "1",
        "matrixgen.duration": f"{rng.uniform(1, 60):.3f}",
        "matrixgen.status": "passed",
        "matrixgen.reason": "",
    }
    parts = [
        '<?xml version="1.0" encoding="utf-8"?><testsuites name="pytest tests">',
        f'<testsuite name="pytest" tests="{cases}" time="12.5" hostname="runner"><properties>',
        *(f"<property name={quoteattr(k)} value={quoteattr(v)}/>" for k, v in props.items()),
        "</properties>",
    ]
    for index in range(cases):
        module = f"tests.test_{name.replace('-', '_')}"
        head = f'<testcase classname="{module}" name="test_{index}" time="0.012"'
        roll = rng.random()
        if roll < 0.01:
            text = escape(TRACEBACK.format(line=index))
            failure = f'<failure message="AssertionError: expected 412">{text}</failure>'
            parts.append(f"{head}>{failure}</testcase>")
        elif roll < 0.03:
            skipped = '<skipped type="pytest.skip" message="needs redis 7">skip</skipped>'
            parts.append(f"{head}>{skipped}</testcase>")
        else:
            parts.append(f"{head} />")
    parts.append("</testsuite></testsuites>\n")
    return "".join(parts)


def best_of(repeat: int, command: list[str], cwd: Path) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        completed = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
        elapsed = time.perf_counter() - start
        if completed.returncode not in (0, 1):  # 1: our report saw failing cells, as it should
            sys.exit(f"{command[0]} failed ({completed.returncode}):\n{completed.stderr[-2000:]}")
        best = min(best, elapsed)
        if elapsed > 20:
            break
    return best


def read(side: str, folder: Path) -> None:
    """One side of the reader comparison: read every file of `folder`, print the seconds
    it took (imports left out) and how many test cases it saw, and how many passed."""
    paths = sorted(folder.glob("*/*.xml"))
    tests = passed = 0
    if side == "matrixgen":
        from matrixgen.outcome.junit import read_junit
        from matrixgen.outcome.verdict import of_file

        start = time.perf_counter()
        for path in paths:
            junit = read_junit(path)
            of_file(junit)
            tests += junit.tests
            passed += junit.passed
    else:
        from junitparser import JUnitXml

        start = time.perf_counter()
        for path in paths:
            for suite in JUnitXml.fromfile(str(path)):
                for case in suite:
                    tests += 1
                    passed += case.is_passed
    print(f"{time.perf_counter() - start:.6f} {tests} {passed}")


def readers(runs: int, folder: Path) -> dict[str, float]:
    """Median seconds of each side of the reader comparison, each run a fresh process, the
    two sides in turns (a load spike on a shared machine hits both)."""
    seconds: dict[str, list[float]] = {"matrixgen": [], "junitparser": []}
    counted: dict[str, tuple[int, int]] = {}
    for _ in range(runs):
        for side, each in seconds.items():
            done = subprocess.run(
                [sys.executable, __file__, "--read", side, str(folder)],
                capture_output=True, text=True, check=True,
            )  # fmt: skip
            elapsed, tests, passed = done.stdout.split()
            each.append(float(elapsed))
            counted[side] = (int(tests), int(passed))
    if counted["matrixgen"] != counted["junitparser"]:
        sys.exit(f"the readers counted different test cases (all, passed): {counted}")
    return {side: statistics.median(each) for side, each in seconds.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--cases", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--runs", type=int, default=7, help="of each reader, in turns")
    parser.add_argument("--quick", action="store_true", help="20 files of 10 cases, one run")
    parser.add_argument("--read", nargs=2, metavar=("SIDE", "FOLDER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.read:
        read(args.read[0], Path(args.read[1]))
        return
    if args.quick:
        args.files, args.cases, args.repeat, args.runs = 20, 10, 1, 1
    junitparser = shutil.which("junitparser")
    matrixgen = shutil.which("matrixgen")
    if not junitparser or not matrixgen:
        sys.exit("needs `junitparser` and `matrixgen` on PATH: pip install -e '.[dev]'")

    rng = random.Random(6)
    with tempfile.TemporaryDirectory(prefix="bench-report-") as temporary:
        root = Path(temporary)
        (root / "matrix.yaml").write_text(matrix_yaml(args.files), encoding="utf-8")
        paths = []
        for cell_id in cell_ids(args.files):
            level, _, name = cell_id.partition("/")
            path = root / "results" / level / f"{name}.xml"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(junit_file(cell_id, args.cases, rng), encoding="utf-8")
            paths.append(str(path.relative_to(root)))
        size = sum((root / p).stat().st_size for p in paths)

        ours = best_of(args.repeat, [matrixgen, "report", "--json", "report.json"], root)
        data = json.loads((root / "report.json").read_text(encoding="utf-8"))
        tests = sum(sum(c["tests"].values()) for c in data["cells"])
        theirs = best_of(args.repeat, [junitparser, "merge", *paths, "merged.xml"], root)
        reading = readers(args.runs, root / "results")

    expected = len(paths) * args.cases
    if tests != expected:
        sys.exit(f"matrixgen counted {tests} test cases, expected {expected}")
    speedup = theirs / ours
    print(f"{len(paths)} JUnit files, {tests:,} test cases, {size / 2**20:.1f} MiB")
    print(f"best of {args.repeat} runs (one when a run takes over 20 s)")
    print(f"{'command':<40} {'seconds':>8}")
    print(f"{'matrixgen report --json':<40} {ours:>8.3f}")
    print(f"{'junitparser merge':<40} {theirs:>8.3f}")
    print(f"{'speedup (junitparser / matrixgen)':<40} {speedup:>8.2f}")
    reader_speedup = reading["junitparser"] / reading["matrixgen"]
    print(f"reading only, median of {args.runs} fresh processes each, in turns")
    print(f"{'junitparser fromfile + walk':<40} {reading['junitparser']:>8.3f}")
    print(f"{'matrixgen read_junit + of_file':<40} {reading['matrixgen']:>8.3f}")
    print(f"{'speedup (junitparser / matrixgen)':<40} {reader_speedup:>8.2f}")
    print(f"RESULT report_vs_junitparser_merge {speedup:.2f} >={TARGET:g}")
    print(f"RESULT report_reader_vs_junitparser_parse {reader_speedup:.2f} >={READER_TARGET:g}")


if __name__ == "__main__":
    main()
