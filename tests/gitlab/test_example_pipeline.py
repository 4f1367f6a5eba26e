"""The bundled example's own pipeline (examples/state-proxy/.gitlab-ci.yml, as committed) run
by gitlab-ci-local with the shell executor, as on a shell runner: every job of every level
green, a level per test (each in a fresh copy of the example, its jobs in copies of their own,
`--shell-isolation`), so the levels run on different xdist workers: the whole pipeline in one
test took 9 to 15 minutes of one worker here. Its services start natively (moto, the GCS
emulator, Redis, RabbitMQ, the Pub/Sub emulator: the Pub/Sub install script finds it
installed), the e2e cells build and run the proxy's container on the private Docker engine,
the k8s cell is skipped for want of kind (its job green, the cell reported skipped). Then one
cell broken: its job fails, and so does the gate, which names it.

What the jobs get that a runner of this project would have set up (the pipeline itself runs
unchanged):
- matrixgen as a wheel (MATRIXGEN_REQUIREMENT=matrixgen-cli: the example's `-e ../..` names
  this checkout, which a copy of the example alone does not hold), from the session's
  wheelhouse with pip's own variables (PIP_FIND_LINKS, PIP_NO_INDEX);
- the example's third-party packages pre-installed (PYTHONPATH: `provisioned`), as an image
  carrying them would have them: each job's pip finds them and installs the project and
  matrixgen only; console scripts such as moto_server come from the suite's environment.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from support import wheelhouse, yamls
from support.cli import invoke

from .provisioned import link_site
from .test_gitlab_ci_local import GIT, commit

pytestmark = [pytest.mark.services, pytest.mark.slow]

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "state-proxy"
NOT_COPIED = shutil.ignore_patterns(
    "results", ".matrixgen", ".matrixgen-ci", ".nox", "__pycache__", "*.egg-info", ".*_cache",
    ".gitlab-ci-local",
)  # fmt: skip
# Two jobs at a time: the machine's two cores; more only makes every service slower to start.
CONCURRENCY = "2"


def run_pipeline(
    tool: str, root: Path, env: dict[str, str], variables: dict[str, str], *jobs: str
) -> tuple[int, str]:
    argv = [tool, "--no-color", "--shell-isolation", "--concurrency", CONCURRENCY]
    argv += ["--home", str(root.parent / "gitlab-ci-local-home")]
    for name, value in variables.items():
        argv += ["--variable", f"{name}={value}"]
    done = subprocess.run(
        [*argv, *jobs], cwd=root, env={**env, **GIT}, capture_output=True, timeout=3600,
        check=False,
    )  # fmt: skip
    return done.returncode, done.stdout.decode() + done.stderr.decode()


def gate_lines(log: str) -> str:
    return "\n".join(line for line in log.splitlines() if line.startswith("matrix gate "))


# The example's levels, each a stage of its pipeline (its cell jobs need no other level's).
LEVELS = yamls.load((EXAMPLE / ".gitlab-ci.yml").read_text())["stages"]


def example(
    tmp_path: Path,
    compose_engine: dict[str, str],
    require_binary: Callable[[str], str],
    wheels: Path,
) -> tuple[str, Path, dict[str, str], dict[str, str]]:
    """gitlab-ci-local, a committed copy of the example, the environment and the variables
    its jobs run with."""
    tool = require_binary("gitlab-ci-local")
    for binary in ("rsync", "redis-server", "rabbitmq-server", "java", "moto_server"):
        require_binary(binary)
    root = Path(shutil.copytree(EXAMPLE, tmp_path / "state-proxy", ignore=NOT_COPIED))
    (root / ".gitignore").write_text(
        (root / ".gitignore").read_text() + ".gitlab-ci-local/\n.matrixgen-ci/\n"
    )
    commit(root)
    site = tmp_path / "site-packages"
    linked = link_site(site, ["state-proxy[test]", "matrixgen-cli"], {"state-proxy", "pip"})
    assert {"moto", "boto3", "google-cloud-pubsub", "pika", "pytest"} <= set(linked)

    # This test's environment (its tag: what the jobs start and leave running fails it),
    # pointed at the engine.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(
        {k: compose_engine[k] for k in ("DOCKER_HOST", "DOCKER_CONFIG") if k in compose_engine}
    )
    variables = {
        "MATRIXGEN_REQUIREMENT": "matrixgen-cli",
        "PIP_FIND_LINKS": str(wheels),
        "PIP_NO_INDEX": "1",
        "PYTHONPATH": str(site),
        "GITLAB_CI": "true",  # GitLab's own value (gitlab-ci-local says false)
    }
    return tool, root, env, variables


# Where a level's test leaves its jobs' artifacts (gitlab-ci-local's `.gitlab-ci-local/
# artifacts`, what the gate's `needs:` download) for the gate's test, in the run's temp folder
# that every xdist worker shares; a level's lock is held while its test runs.
ARTIFACTS = Path(".gitlab-ci-local") / "artifacts"


def shared_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = wheelhouse.run_folder(tmp_path_factory) / "example-pipeline"
    folder.mkdir(exist_ok=True)
    return folder


@contextmanager
def level_lock(shared: Path, level: str) -> Iterator[Path]:
    """The level's folder of artifacts in `shared`, held by this test alone meanwhile."""
    with open(shared / f"{level}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        yield shared / level


# Left in a level's folder when its test ends, passed or not: the gate's test waits for it.
ENDED = "ended"


def wait_until_ended(shared: Path, level: str, timeout: float = 3600) -> None:
    """Until the test of `level`, which this session runs, has ended. It cannot be queued
    behind the gate's test on the gate's own worker: it is `slow`, so pytest-xdist hands
    it out before the `late` gate (tests/conftest.py), and a worker runs its tests in the
    order it got them; nor can it be in no worker at all once the gate's test has started."""
    deadline = time.monotonic() + timeout
    while not (shared / level / ENDED).exists():
        assert time.monotonic() < deadline, f"the {level} level's test did not end"
        time.sleep(1)


def run_level(
    level: str, tool: str, root: Path, env: dict[str, str], variables: dict[str, str]
) -> None:
    """Every job of `level` in `root`, each green, each cell PASSED (k8s: SKIPPED)."""
    code, log = run_pipeline(tool, root, env, variables, "--stage", level)
    assert "json schema validated" in log, log[-5000:]
    every = json.loads(invoke("list", "--json", "--file", str(EXAMPLE / "matrix.yaml")).out)
    cells = [cell for cell in every if cell["level"] == level]
    assert cells, level
    failed = [line for line in log.splitlines() if " FAIL " in line]
    assert code == 0, (failed, log[-20000:])
    passed = {line.split(" PASS  ", 1)[1].strip() for line in log.splitlines() if " PASS  " in line}
    for cell in cells:  # GitLab names a job `level: [CELL, its entry's other values]`
        named = (f"{level}: [{cell['id']}]", f"{level}: [{cell['id']},")
        assert any(name.startswith(named) for name in passed), (cell["id"], sorted(passed))
        # Each cell ran and passed (the k8s cell is skipped: no kind here), as run says.
        outcome = "SKIPPED" if level == "k8s" else "PASSED"
        assert f"{outcome} {cell['id']} (" in log, (cell["id"], log[-5000:])
    assert len(passed) == len(cells), sorted(passed)


@pytest.mark.parametrize("level", LEVELS)
def test_every_job_of_a_level_of_the_examples_pipeline_runs_green(
    level: str,
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    compose_engine: dict[str, str],
    require_binary: Callable[[str], str],
    wheels: Path,
) -> None:
    tool, root, env, variables = example(tmp_path, compose_engine, require_binary, wheels)
    with level_lock(shared_folder(tmp_path_factory), level) as kept:
        shutil.rmtree(kept, ignore_errors=True)
        try:
            run_level(level, tool, root, env, variables)
            shutil.copytree(root / ARTIFACTS, kept / "artifacts")
        finally:
            kept.mkdir(parents=True, exist_ok=True)
            (kept / ENDED).touch()


@pytest.mark.late
def test_the_examples_gate_passes_over_the_jobs_of_every_level(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    compose_engine: dict[str, str],
    require_binary: Callable[[str], str],
    wheels: Path,
) -> None:
    """The gate job of the whole pipeline, on the artifacts of every level's jobs: those the
    level tests left (waiting for those this session runs to end), or, for a level whose
    test this session does not run (run alone, or deselected) or that left none, its jobs
    run here. The gate's render --check and report pass over all the example's cells, the
    k8s cell skipped. (Taking a level whose test had not started yet as one that does not
    run made its jobs run twice, here and in its test.)"""
    tool, root, env, variables = example(tmp_path, compose_engine, require_binary, wheels)
    shared = shared_folder(tmp_path_factory)
    level_test = test_every_job_of_a_level_of_the_examples_pipeline_runs_green.__name__
    selected = {
        item.callspec.params["level"]
        for item in request.session.items
        if isinstance(item, pytest.Function) and item.originalname == level_test
    }
    for level in LEVELS:
        if level in selected:
            wait_until_ended(shared, level)
        with level_lock(shared, level) as kept:
            if (kept / "artifacts").is_dir():
                shutil.copytree(kept / "artifacts", root / ARTIFACTS, dirs_exist_ok=True)
            else:
                run_level(level, tool, root, env, variables)
    code, log = run_pipeline(tool, root, env, variables, "matrix gate")
    gate = gate_lines(log)
    assert code == 0, log[-10000:]
    assert " PASS  matrix gate" in log, log[-5000:]
    assert "unchanged    .gitlab-ci.yml" in gate, gate  # render --check passed
    cells = json.loads(invoke("list", "--json", "--file", str(EXAMPLE / "matrix.yaml")).out)
    summary = gate.split(f"{len(cells)} JUnit files: ", 1)
    assert len(summary) == 2, gate  # every cell's JUnit file, none missing
    counts = summary[1].splitlines()[0]
    assert "1 skipped" in counts and f"{len(cells) - 1} passed" in counts, gate
    assert "failed" not in counts, gate


def test_a_failing_cell_of_the_examples_pipeline_fails_its_job_and_the_gate(
    tmp_path: Path,
    compose_engine: dict[str, str],
    require_binary: Callable[[str], str],
    wheels: Path,
) -> None:
    """One cell broken: its job fails, and the gate (past its `render --check` of the
    committed files) names it and fails. The other cells' jobs did not run here: the gate
    also counts them as missing (the small project's test, test_gitlab_ci_local, shows the
    gate failing on a failed cell among results of all the others)."""
    tool, root, env, variables = example(tmp_path, compose_engine, require_binary, wheels)
    (root / "tests" / "unit" / "test_broken.py").write_text(
        "def test_broken() -> None:\n    raise AssertionError('broken on purpose')\n"
    )
    commit(root)
    job = "unit: [unit/s3-lww]"
    code, log = run_pipeline(tool, root, env, variables, job, "matrix gate")
    assert code != 0, log[-5000:]
    assert "broken on purpose" in log, log[-5000:]
    assert f" FAIL  {job}" in log, log[-5000:]
    assert " FAIL  matrix gate" in log, log[-5000:]
    gate = gate_lines(log)
    assert "unchanged    .gitlab-ci.yml" in gate, gate  # render --check passed
    assert "unit/s3-lww: failed" in gate, gate
