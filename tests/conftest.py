"""Shared test fixtures."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from types import FrameType

import pytest
from support import bytecode, docker, installed
from support.cli import Result, invoke
from support.processes import TEST_TAG, leftovers

# What a GitHub runner sets for a step: matrixgen's own workflow runs this suite in a cell
# job, where a test would otherwise see them (report and run then write `::error` annotations
# and a step summary instead of the lines tests expect). A test that tests them sets them.
# `CI` stays: under it a missing service binary fails a test instead of skipping it.
RUNNER_VARIABLES = (
    "GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_PATH",
    "GITHUB_SHA", "GITHUB_EVENT_NAME", "GITHUB_WORKSPACE",
)  # fmt: skip


# What `matrixgen run` sets for the cell that runs this suite (its unit and integration
# cells do): a test would otherwise see the outer cell's MATRIXGEN_RESULTS in the profiles
# it renders, its axis values, its JUnit path. Kept: the run's process marker and cell
# (MATRIXGEN_RUN_*, MATRIXGEN_CELL: what the suite starts stays the outer run's, and its
# reaper tells them from a finished cell's by them), the log of Pythons a python-axis cell
# starts, and this suite's own switches.
KEPT_MATRIXGEN = (
    "MATRIXGEN_RUN_", "MATRIXGEN_CELL", "MATRIXGEN_PYTHON_LOG", TEST_TAG,
    "MATRIXGEN_UPDATE_GOLDEN", "MATRIXGEN_FUZZ_EXAMPLES", "MATRIXGEN_KEEP_SCREENSHOT",
    "MATRIXGEN_PLATFORM",  # =portable: the suite on the code path Windows takes
)  # fmt: skip


# What pytest-xdist sets in a worker: a pytest that a test starts (a cell's, the example's)
# would take itself for a worker (pytest-benchmark then warns, an error under
# filterwarnings = error, and that pytest stops with exit code 3).
XDIST_PREFIX = "PYTEST_XDIST_"


def outer_variables(env: Mapping[str, str]) -> list[str]:
    """The names of `env` a runner, an outer matrixgen run or pytest-xdist set, which a test
    must not see."""
    return [
        name
        for name in env
        if name in RUNNER_VARIABLES
        or name.startswith(XDIST_PREFIX)
        or (name.startswith("MATRIXGEN_") and not name.startswith(KEPT_MATRIXGEN))
    ]


def clean_environ() -> dict[str, str]:
    """os.environ without what a runner or an outer matrixgen run set (`outer_variables`)."""
    outer = set(outer_variables(os.environ))
    return {name: value for name, value in os.environ.items() if name not in outer}


@pytest.fixture(autouse=True)
def _no_runner_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in outer_variables(os.environ):
        monkeypatch.delenv(name)


@pytest.fixture(autouse=True)
def test_tag(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """This test's tag, in its environment and so in every process it starts: a process
    still running after the test fails it (and is killed), as a container left on the
    Docker engine does. Only processes with this test's tag count, never another test's,
    another worker's or another job's."""
    tag = uuid.uuid4().hex
    monkeypatch.setenv(TEST_TAG, tag)
    yield tag
    left = leftovers(tag)
    assert left == [], f"the test left processes running (killed now): {left}"


@pytest.fixture(scope="session", autouse=True)
def _matrixgen_as_from_an_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Tests render with matrixgen's default install line, as from an index
    (`support.installed`): from this editable checkout validate derives none."""
    installed.as_from_an_index(tmp_path_factory.mktemp("index-install"))
    yield
    installed.undo()


@pytest.fixture(scope="session")
def _pycache_prefix(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pycache")


@pytest.fixture
def bytecode_env(_pycache_prefix: Path) -> dict[str, str]:
    """os.environ for processes that write bytecode (no PYTHONDONTWRITEBYTECODE) under a
    PYTHONPYCACHEPREFIX this worker's tests share, so what every such process imports
    compiles once a run, not once a test (~0.7 s of CPU each), with nothing of what
    matrixgen keeps beside its bytecode (`matrixgen.kept`) there yet: the test sees it made."""
    for kept in _pycache_prefix.rglob("matrixgen-*"):
        kept.unlink()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(_pycache_prefix)
    return env


@pytest.fixture
def matrixgen() -> Callable[..., Result]:
    """`matrixgen ARGS` in-process through `main`, as the console script runs it; `env=`
    sets (None: removes) variables for the call. Returns exit code, stdout, stderr
    (`support.cli.invoke`)."""
    return invoke


@pytest.fixture
def require_binary() -> Callable[[str], str]:
    """Path of a service binary. Missing: skip locally, fail under CI=true.

    A CI run that skips a service test proves nothing, so there it fails.
    """

    def find(name: str) -> str:
        path = shutil.which(name) or (
            name if os.path.isabs(name) and os.access(name, os.X_OK) else None
        )
        if path is None:
            message = f"{name} is not installed; run `bash scripts/install.sh`"
            if os.environ.get("CI"):
                pytest.fail(message)
            pytest.skip(message)
        return path

    return find


ROOT = Path(__file__).resolve().parents[1]
ENGINE_SCRIPT = ROOT / "scripts" / "docker-engine.sh"


def _engine_answers(env: dict[str, str]) -> bool:
    try:
        done = subprocess.run(
            ["docker", "version", "--format", "{{.Server.Version}}"],
            env=env, capture_output=True, timeout=20, check=False,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def _engine_env() -> dict[str, str]:
    """os.environ pointed at the project's private engine (scripts/docker-engine.sh env)."""
    done = subprocess.run(
        ["bash", str(ENGINE_SCRIPT), "env"], capture_output=True, text=True, check=True
    )
    env = clean_environ()
    for line in done.stdout.splitlines():
        name, _, value = line.removeprefix("export ").partition("=")
        env[name] = value
    return env


# The base of the images tests build and run (Python 3 on Debian bookworm, nothing else
# used): scripts/docker-engine.sh makes it without a registry; an engine that can pull (a
# GitHub runner's) stands in the official Python image under its name.
BASE_IMAGE = "matrixgen/debian-services:bookworm"
BASE_STAND_IN = "python:3.11-slim-bookworm"


def _base_image(env: dict[str, str]) -> None:
    def docker(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["docker", *args], env=env, capture_output=True, text=True,
                              timeout=900, check=False)  # fmt: skip

    if docker("image", "inspect", BASE_IMAGE).returncode == 0:
        return
    pulled = docker("pull", "-q", BASE_STAND_IN)
    if pulled.returncode != 0 or docker("tag", BASE_STAND_IN, BASE_IMAGE).returncode != 0:
        pytest.fail(
            f"{BASE_IMAGE} is not on the engine and {BASE_STAND_IN} could not be pulled "
            f"({pulled.stderr.strip()}): run `bash scripts/docker-engine.sh up`"
        )


@pytest.fixture(scope="session")
def docker_engine() -> Iterator[dict[str, str]]:
    """An env whose `docker` reaches a real engine: one that already answers, else the
    project's private engine, started here (and stopped at the end) when it is not running.
    Without one: skip locally, fail under CI=true (CI starts it through scripts/test.sh)."""
    started = False
    env = clean_environ()  # session-wide: made before any test's env is cleaned
    if not _engine_answers(env):
        env = _engine_env()
        if not _engine_answers(env) and os.geteuid() == 0:
            subprocess.run(["bash", str(ENGINE_SCRIPT), "up"], check=False, timeout=900)
            started = _engine_answers(env)
    if not _engine_answers(env):
        message = "no Docker engine answers; start one with `bash scripts/docker-engine.sh up`"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    _base_image(env)
    yield env
    if started:
        subprocess.run(["bash", str(ENGINE_SCRIPT), "down"], check=False, timeout=300)


@pytest.fixture
def compose_engine(
    docker_engine: dict[str, str],
    test_tag: str,
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
) -> Iterator[dict[str, str]]:
    """`docker_engine` for one test, which must leave no container, network or volume of
    its own; those of other tests, workers and jobs on the same engine are not counted
    (`support.docker`): its own are those of this worker's temp folders, and this
    checkout's for the tests that bring stacks up there (`STACKS`, one at a time). A network
    or volume of a compose project with no container yet (or no longer) cannot be told from
    a leftover at once: what is found is looked at again for up to 10 s, and only what stays
    counts (a volume of another test's project was once counted, between its creation and
    its containers')."""
    before = docker.snapshot(docker_engine)
    yield docker_engine
    roots = [tmp_path_factory.getbasetemp().resolve()]
    group = request.node.get_closest_marker("xdist_group")
    if group is not None and group.args == ("stacks",):
        roots.append(ROOT)
    left = docker.left_by(before, docker.snapshot(docker_engine), test_tag, roots)
    for _ in range(5):  # another test's compose up/down between its volumes and containers
        if not left:
            break
        time.sleep(2)
        left = docker.left_by(before, docker.snapshot(docker_engine), test_tag, roots)
    assert left == [], f"the test left {left} on the Docker engine"


@pytest.fixture
def quick() -> Iterator[None]:
    """Stops the test after 20 s: a blocked open never returns by itself (a hang guard, not
    a speed check: a loaded machine only makes the test slower)."""

    def expired(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError("the test ran for 20 s: a read blocked")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(20)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


# Tests that bring up compose stacks with fixed names or host ports, where no name can be made
# per worker: the kvstore and sleeper fixtures' profiles (fixed project names), the example's
# profiles brought up by hand (fixed names and host ports). Under pytest-xdist (`--dist
# loadgroup`) they run on one worker, one at a time; every other test, those on the engine
# too (the example's runs, on a copy each), runs on any worker. Only these tests count this
# checkout's compose projects as their own.
STACKS = ("compose/",)
TESTS = Path(__file__).resolve().parent


def _remove_list_caches() -> None:
    """`list` keeps a cache in `.matrixgen/cache/` beside each matrix.yaml it lists, also
    the matrices of this checkout that tests list in place (tests/data/design, the adoption
    corpus, the example, this repository's own): without them the first `list` of each
    loads its matrix, as in a fresh clone, whatever ran before."""
    caches = [TESTS.parent / ".matrixgen/cache"]
    for folder in (TESTS, TESTS.parent / "examples"):
        caches += folder.glob("**/.matrixgen/cache")
    for cache in caches:
        shutil.rmtree(cache, ignore_errors=True)
        with contextlib.suppress(OSError):  # what list made of it: its .gitignore alone
            if [p.name for p in cache.parent.iterdir()] == [".gitignore"]:
                shutil.rmtree(cache.parent)


def pytest_configure(config: pytest.Config) -> None:
    # Bytecode despite PYTHONDONTWRITEBYTECODE (`support.bytecode`); matrixgen's is written
    # by the controller alone (an xdist worker has `workerinput`), before the workers start.
    controller = not hasattr(config, "workerinput")
    bytecode.prepare(controller=controller)
    if controller:
        _remove_list_caches()


def pytest_unconfigure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput"):  # the suite leaves no cache in the checkout
        _remove_list_caches()


def _weight(item: pytest.Item) -> int:
    """How early a test starts: the long ones first (`slow`, then real services or the
    engine), so that under pytest-xdist the suite does not end waiting on one long test
    that began last; the rest keep their order. A `late` test (one that reads what other
    long tests leave, and does their work itself when they have not) starts after them."""
    marks = {mark.name for mark in item.iter_markers()}
    if "late" in marks:
        return 1
    if "slow" in marks:
        return 0
    return 1 if marks & {"services", "engine"} else 2


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        where = Path(str(item.path)).resolve().relative_to(TESTS).as_posix()
        if where.startswith(STACKS):
            item.add_marker(pytest.mark.xdist_group("stacks"))
        if "docker_engine" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.engine)
    items.sort(key=_weight)  # stable: the same order in every worker, as xdist needs
