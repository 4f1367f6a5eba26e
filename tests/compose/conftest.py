"""Projects whose cells run in containers, rendered and brought up on the real engine."""

from __future__ import annotations

import fcntl
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from engine_tools import FIXTURES, IMAGES
from support.cli import process


def _rendered(tmp_path: Path, fixture: str) -> Path:
    root = tmp_path / fixture
    shutil.copytree(FIXTURES / fixture, root)
    done = process(root, "render")
    assert done.returncode == 0, done.stdout + done.stderr
    return root


@pytest.fixture
def kvstore(tmp_path: Path) -> Path:
    """The kvstore fixture, copied and rendered."""
    return _rendered(tmp_path, "kvstore")


@pytest.fixture
def sleeper(tmp_path: Path) -> Path:
    """The sleeper fixture (a tester that writes JUnit, one that never ends), rendered."""
    return _rendered(tmp_path, "sleeper")


@pytest.fixture(scope="session")
def kv_images(docker_engine: dict[str, str]) -> Iterator[None]:
    """The fixture's images, built with `docker build --network=none`, removed at the end."""
    for tag, context in IMAGES.items():
        done = subprocess.run(
            ["docker", "build", "--network=none", "-q", "-t", tag,
             str(FIXTURES / "kvstore" / context)],
            env=docker_engine, capture_output=True, text=True, timeout=600, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
    yield
    subprocess.run(
        ["docker", "rmi", *IMAGES], env=docker_engine, capture_output=True, timeout=120,
        check=False,
    )  # fmt: skip


@pytest.fixture
def engine_turn() -> Iterator[None]:
    """One test of this folder at a time on the engine, across test sessions on this host:
    the example's profiles publish fixed host ports, and every profile has a fixed project
    name, so two sessions bringing the same one up would fight over it."""
    path = Path(tempfile.gettempdir()) / "matrixgen-tests-compose-engine.lock"
    with open(path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
