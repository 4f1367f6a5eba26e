"""The example's component, integration and e2e levels through `--services compose` on a
real Docker engine give the same table as native runs (every cell passes), and leave no
container, network or volume. In e2e the proxy itself runs as a container too.

The engine is the project's private one (scripts/docker-engine.sh): images built locally and
tagged with the names the example's compose files use, so nothing is pulled.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.services, pytest.mark.slow]


def test_component_integration_and_e2e_pass_through_compose(
    tmp_path: Path, compose_engine: dict[str, str], example_copy: Path
) -> None:
    results = tmp_path / "results"
    matrixgen = [sys.executable, "-m", "matrixgen", "-C", str(example_copy)]
    run = subprocess.run(
        [*matrixgen, "run", "component", "integration", "e2e", "-j", "2", "--services", "compose",
         "--results", str(results)],
        env=compose_engine, capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    assert "(compose)" in run.stdout  # the services did run under compose
    report = subprocess.run(
        [*matrixgen, "report", str(results), "--docs", str(tmp_path / "t.md"), "--json", "-"],
        env=compose_engine, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    cells = {
        c["id"]: c["status"]
        for c in json.loads(report.stdout)["cells"]
        if c["level"] in ("component", "integration", "e2e") and c["status"] != "excluded"
    }
    assert len(cells) == 13
    assert set(cells.values()) == {"passed"}, cells
