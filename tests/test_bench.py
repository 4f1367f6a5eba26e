"""Every benchmark in bench/ runs in its quick mode: a crashing benchmark is a failing test.

The quick modes use small sizes and one run, so their figures measure nothing; what is
checked is that each script exits 0 and prints its RESULT lines, well formed. Whether a
target is met is the full run's to say (README, "Development"), never a test's: timings on
a shared CI machine are no assertion.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from support import installed

BENCH = Path(__file__).resolve().parents[1] / "bench"
RESULT = re.compile(r"RESULT (?P<name>[a-z0-9_]+) -?\d+(?:\.\d+)? (?:<=|>=)\d+(?:\.\d+)?")

# What each script's quick mode prints; a new script must say here what it prints.
EXPECTED = {
    "cover.py": {
        "cover_size_vs_best_t2",
        "cover_size_vs_best_t3",
        "cover_size_vs_peers",
        "cover_speed_vs_allpairspy",
    },
    "list.py": {"list_vs_nox_1k", "list_first_vs_nox_1k", "help_overhead_ms"},
    "render.py": {"render_per_1k_cells"},
    "report.py": {"report_vs_junitparser_merge", "report_reader_vs_junitparser_parse"},
    # --quick leaves out the example
    "run.py": {"run_speedup_vs_serial", "run_vs_lower_bound", "env_reuse_overhead_seconds"},
    "shard.py": {
        f"shard_ratio_{case}_8" for case in ("uniform", "lognormal", "pareto", "recorded")
    },
}
SERVICES = {"run.py": ("moto_server", "redis-server")}  # it runs cells against the real ones
# Slow even in its quick mode: it times about ten processes (render, validate, nox, list).
PROCESSES = {"list.py"}


def test_every_script_is_here() -> None:
    assert sorted(path.name for path in BENCH.glob("*.py")) == sorted(EXPECTED)


@pytest.mark.parametrize(
    "script",
    [
        pytest.param(name, marks=pytest.mark.services)
        if name in SERVICES
        else pytest.param(name, marks=pytest.mark.slow)
        if name in PROCESSES
        else name
        for name in sorted(EXPECTED)
    ],
)
def test_quick_mode(script: str, tmp_path: Path, require_binary: Callable[[str], str]) -> None:
    for binary in SERVICES.get(script, ()):
        require_binary(binary)
    # Its temporary folders go under tmp_path; its cwd holds no results/durations.json. As
    # it is run from this checkout: matrixgen an editable install, not as from an index
    # (tests/conftest.py), which would give its matrices a default install line (render.py
    # crashed without one, its quick mode green).
    env = {**installed.without_record(os.environ), "TMPDIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, str(BENCH / script), "--quick"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT")]
    malformed = [line for line in lines if not RESULT.fullmatch(line)]
    assert malformed == [], done.stdout
    names = [line.split()[1] for line in lines]
    assert sorted(names) == sorted(EXPECTED[script]), done.stdout
