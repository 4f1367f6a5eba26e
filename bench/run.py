"""`matrixgen run -j 2` vs a Makefile-style loop that runs each cell alone with its own services.

Both sides run the same cells of a generated project against real moto_server and
redis-server. The loop calls `matrixgen run <cell>` once per cell, so each call starts
and stops the services that cell needs (what `for c in $(CELLS); do make test-$c; done`
or running nox sessions one after another does).

    python bench/run.py [--cell-seconds 0.5] [--no-example] [--quick]

Prints a table and two RESULT lines:
    RESULT run_speedup_vs_serial X >=3
    RESULT run_vs_lower_bound X <=1.25
(lower bound: longest service start + sum of cell times / 2 workers)

Then the bundled example's real matrix (unit, component and integration: 16 cells against
moto, fake-gcs-server, Redis, RabbitMQ and the Pub/Sub emulator, natively), run twice in
the same invocation: services started just before their first cell (`--start
when-needed`, the default; run first, on colder caches) and all started before any cell
(`--start all`, the behaviour before). Two more RESULT lines:
    RESULT example_when_needed_vs_all X <=1     (wall time, lower is better)
    RESULT example_vs_lower_bound X <=1.25
`--no-example` skips that part (it takes a few minutes).

Last, the cost of a cell's own environment once it exists: one cell of a `python` axis
(its venv of this Python, already built) against the same cell run in matrixgen's own
environment, the two run in turns, each median of REPEATS:
    RESULT env_reuse_overhead_seconds X <=0.2

`--quick` (what the test suite runs, tests/test_bench.py): the generated project only, with
one mode (3 cells) of 0.1 s each and no example; its figures show that the script works
against the real services, they measure nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

JOBS = 2

CELL = """\
import os, socket, sys, time, urllib.request
from pathlib import Path
time.sleep(float(sys.argv[1]))
if "REDIS_URL" in os.environ:
    port = int(os.environ["REDIS_URL"].rsplit(":", 1)[1].split("/")[0])
    with socket.create_connection(("127.0.0.1", port)) as conn:
        conn.sendall(b"PING\\r\\n")
        assert conn.recv(16).startswith(b"+PONG")
if "AWS_ENDPOINT_URL" in os.environ:
    urllib.request.urlopen(os.environ["AWS_ENDPOINT_URL"] + "/moto-api/").read()
Path(os.environ["MATRIXGEN_JUNIT"]).write_text(
    '<testsuite name="bench" tests="1"><testcase classname="bench" name="it"/></testsuite>'
)
"""

MATRIX = """\
version: 1
axes:
  backend:
    values:
      s3: {services: [s3]}
      redis: {services: [redis]}
      both: {services: [s3, redis]}
  mode: MODES
services:
  s3:
    process:
      command: [moto_server, -H, 127.0.0.1, -p, "${port}"]
      ready: {http: "http://127.0.0.1:${port}/moto-api/"}
    env: {AWS_ENDPOINT_URL: "http://127.0.0.1:${port}"}
  redis:
    process:
      command: [redis-server, --port, "${port}", --bind, 127.0.0.1, --save, "", --dir, "${dir}"]
      ready: {tcp: "127.0.0.1:${port}"}
    env: {REDIS_URL: "redis://127.0.0.1:${port}/0"}
levels:
  component:
    axes: [backend, mode]
    run: PYTHON cell.py SECONDS
"""


def matrixgen(root: Path, *args: str) -> tuple[float, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "GITHUB_ACTIONS")}
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "matrixgen", "-C", str(root), "run", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        command = " ".join(args)
        sys.exit(f"matrixgen run {command} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return elapsed, done.stdout


EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "state-proxy"
EXAMPLE_LEVELS = ("unit", "component", "integration")  # e2e needs Docker; not measured here


def example(folder: Path) -> list[tuple[str, str]]:
    """The example's matrix with each way of starting services, on a copy of the example."""
    root = folder / "state-proxy"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("results", ".nox", "*.egg-info"))
    timings: dict[str, float] = {}
    outputs: dict[str, str] = {}
    for start in ("when-needed", "all"):
        timings[start], outputs[start] = matrixgen(
            root, *EXAMPLE_LEVELS, "-j", str(JOBS), "--services", "native", "--start", start,
            "--results", str(root / f"results-{start}"),
        )  # fmt: skip
    starts = [float(s) for s in re.findall(r"service \S+ ready: in ([\d.]+)s", outputs["all"])]
    recorded = json.loads((root / "results-when-needed" / "durations.json").read_text())
    lower_bound = max(starts, default=0.0) + sum(recorded.values()) / JOBS
    print(f"RESULT example_when_needed_vs_all {timings['when-needed'] / timings['all']:.2f} <=1")
    print(f"RESULT example_vs_lower_bound {timings['when-needed'] / lower_bound:.2f} <=1.25")
    return [
        ("example: cells", f"{len(recorded)}"),
        ("example: sum of cell times", f"{sum(recorded.values()):.2f}s"),
        ("example: longest service start", f"{max(starts, default=0.0):.2f}s"),
        ("example: --start all", f"{timings['all']:.2f}s"),
        ("example: --start when-needed", f"{timings['when-needed']:.2f}s"),
        ("example: lower bound", f"{lower_bound:.2f}s"),
    ]


ENV_MATRIX = """\
version: 1
axes:
  python: ["VERSION"]
levels:
  own: {axes: [python], run: "python write.py ${junit}"}
  plain: {run: "python write.py ${junit}"}
"""
WRITE = (
    "import sys\n"
    "open(sys.argv[1], 'w').write('<testsuite tests=\"1\"><testcase name=\"t\"/></testsuite>')\n"
)


def env_reuse(repeats: int) -> tuple[float, float]:
    """Median seconds of `run own/X` (its venv built once before) and of `run plain`."""
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    with tempfile.TemporaryDirectory(prefix="matrixgen-bench-env-") as folder:
        root = Path(folder)
        (root / "matrix.yaml").write_text(ENV_MATRIX.replace("VERSION", version))
        (root / "write.py").write_text(WRITE)
        matrixgen(root, f"own/{version}")  # builds the venv
        own: list[float] = []
        plain: list[float] = []
        for _ in range(repeats):  # in turns: a load spike hits both
            own.append(matrixgen(root, f"own/{version}")[0])
            plain.append(matrixgen(root, "plain")[0])
    return statistics.median(own), statistics.median(plain)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--cell-seconds",
        type=float,
        default=0.5,
        help="work each cell does (the speedup shrinks as cells grow longer than a service start)",
    )
    parser.add_argument("--no-example", action="store_true", help="skip the example's matrix")
    parser.add_argument(
        "--quick", action="store_true", help="3 cells of 0.1 s, no example (for the test suite)"
    )
    args = parser.parse_args()
    modes = "[lww]" if args.quick else "[lww, cas, passthrough, strict]"
    if args.quick:
        args.cell_seconds, args.no_example = 0.1, True
    for binary in ("moto_server", "redis-server"):
        if shutil.which(binary) is None:
            sys.exit(f"{binary} is not installed; run `bash scripts/install.sh`")
    with tempfile.TemporaryDirectory(prefix="matrixgen-bench-") as folder:
        root = Path(folder)
        (root / "cell.py").write_text(CELL)
        text = (
            MATRIX.replace("PYTHON", sys.executable)
            .replace("SECONDS", str(args.cell_seconds))
            .replace("MODES", modes)
        )
        (root / "matrix.yaml").write_text(text)
        listed = subprocess.run(
            [sys.executable, "-m", "matrixgen", "-C", str(root), "list", "--json"],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        cells = [c["id"] for c in json.loads(listed.stdout)]

        parallel, output = matrixgen(root, "-j", str(JOBS), "--results", str(root / "parallel"))
        starts = [float(s) for s in re.findall(r"service \S+ ready: in ([\d.]+)s", output)]
        durations = json.loads((root / "parallel" / "durations.json").read_text())
        cell_total = sum(durations[c] for c in cells)

        serial = 0.0
        for cell in cells:
            seconds, _ = matrixgen(root, cell, "--results", str(root / "serial"))
            serial += seconds
        measured = [] if args.no_example else example(root)

    lower_bound = max(starts, default=0.0) + cell_total / JOBS
    rows = [
        ("cells", f"{len(cells)}"),
        ("work per cell", f"{args.cell_seconds:.2f}s"),
        ("sum of cell times", f"{cell_total:.2f}s"),
        ("longest service start", f"{max(starts, default=0.0):.2f}s"),
        ("one cell at a time, own services", f"{serial:.2f}s"),
        (f"matrixgen run -j {JOBS}", f"{parallel:.2f}s"),
        ("lower bound", f"{lower_bound:.2f}s"),
        *measured,
    ]
    width = max(len(name) for name, _ in rows)
    print(textwrap.dedent("\n".join(f"{name:<{width}}  {value:>8}" for name, value in rows)))
    print(f"RESULT run_speedup_vs_serial {serial / parallel:.2f} >=3")
    print(f"RESULT run_vs_lower_bound {parallel / lower_bound:.2f} <=1.25")
    own, plain = env_reuse(2 if args.quick else 9)
    print(f"cell in its own existing venv {own:.3f}s, in matrixgen's environment {plain:.3f}s")
    print(f"RESULT env_reuse_overhead_seconds {own - plain:.3f} <=0.2")


if __name__ == "__main__":
    main()
