"""The bundled example's generated workflow, run as a GitHub runner would
(tests/github/runner.py): a line of each level job whose cells run here, every `run:` step
in order (the apt and pip installs, the Pub/Sub emulator's install script, the cell), on a
copy of this checkout in which the example is the repository (its `-e ../..` is the copy),
with the runner's variables and a Python environment of its own."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from collections.abc import Callable
from pathlib import Path

import pytest
from github.runner import Runner
from support import yamls

ROOT = Path(__file__).resolve().parents[2]
FOLDER = "examples/state-proxy"
# One line of each job but k8s, whose cell needs kind (the whole workflow was run by hand,
# with every line and the gate: see the README's Development section).
LINES = {"unit/s3-lww", "component/redis-cas", "integration/pubsub-gcs", "e2e/sqs-s3"}
# The runner's folder: coverage leaves out the copies of this checkout under it (pyproject).
HOME = "matrixgen-runner-copies"
NOT_COPIED = shutil.ignore_patterns(
    ".git", ".nox", ".matrixgen", "results", "__pycache__", "*.egg-info", ".venv", ".*_cache"
)

pytestmark = [pytest.mark.services, pytest.mark.slow]


class Lines(Runner):
    def matrix_lines(self, job: dict[str, object]) -> list[dict[str, object]]:
        return [line for line in super().matrix_lines(job) if line.get("id") in LINES]


def test_a_line_of_each_level_job_runs_green_step_by_step(
    tmp_path: Path, compose_engine: dict[str, str], require_binary: Callable[[str], str]
) -> None:
    require_binary("redis-server")
    require_binary("java")
    project = tmp_path / "checkout"
    shutil.copytree(ROOT, project, ignore=NOT_COPIED, symlinks=True)
    # The runner's Python: this one's packages are there, what the jobs install goes into it.
    python = tmp_path / "python"
    in_venv = sys.prefix != sys.base_prefix
    # From the checkout's .venv, only its packages, not those of the Python it was made
    # from: a machine's own Python may hold pytest plugins (pytest-benchmark) that turn
    # the cells' pytest against xdist, which .venv has.
    venv.create(python, system_site_packages=not in_venv, with_pip=True)
    if in_venv:  # a venv made from a venv does not see its packages (its base is the base's):
        # a path line, which loads none of that venv's .pth files (its editable matrixgen).
        site = sysconfig.get_path("purelib", vars={"base": str(python)})
        Path(site, "outer-venv.pth").write_text(sysconfig.get_path("purelib") + "\n")
    env = {
        "PATH": f"{python / 'bin'}{os.pathsep}{compose_engine['PATH']}",
        "VIRTUAL_ENV": str(python),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        **{k: compose_engine[k] for k in ("DOCKER_HOST", "DOCKER_CONFIG") if k in compose_engine},
    }
    workflow = yamls.load((project / FOLDER / ".github/workflows/matrix.yml").read_text())
    runner = Lines(workflow, project, tmp_path / HOME, env=env, folder=FOLDER,
                   step_timeout=1200)  # fmt: skip
    jobs = runner.run(only=["unit", "component", "integration", "e2e"])

    ran = {line.matrix["id"]: line for job in jobs.values() for line in job.lines}
    assert set(ran) == LINES
    for cell, line in ran.items():
        failed = [(s.name, s.output[-3000:]) for s in line.steps if s.outcome == "failure"]
        assert line.result == "success", (cell, failed)
        outcomes = {s.name: s.outcome for s in line.steps}
        assert outcomes["Run the cell"] == "success"
        assert outcomes.get("Install the Pub/Sub emulator", "skipped") == (
            "success" if "pubsub" in cell else "skipped"
        )
        junit = tmp_path / HOME / "artifacts" / f"results-{line.matrix['artifact']}"
        assert (junit / f"{cell}.xml").is_file(), sorted(junit.rglob("*"))

    # The jobs' installs went into the runner's Python, not into the one running this test.
    def matrixgen_of(executable: Path | str) -> str:
        return subprocess.run(
            [str(executable), "-c", "import matrixgen; print(matrixgen.__file__)"],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip

    assert matrixgen_of(python / "bin" / "python").startswith(str(tmp_path / HOME))
    assert matrixgen_of(sys.executable).startswith(str(ROOT))
