"""The example's committed profiles: current, accepted by `docker compose config`, and each
brought up on its own (`up --wait`) on the real engine, then down, leaving nothing."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from engine_tools import compose, profiles
from support.cli import process

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "state-proxy"

pytestmark = [pytest.mark.services, pytest.mark.slow]


@pytest.fixture
def example(tmp_path: Path) -> Path:
    root = tmp_path / "state-proxy"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("results", ".nox", "*.egg-info"))
    return root


def generated(root: Path) -> dict[str, str]:
    folder = root / "testing"
    return {
        p.relative_to(root).as_posix(): p.read_text() for p in sorted(folder.glob("*/profiles/*"))
    }


def test_the_committed_profiles_are_what_render_writes(example: Path) -> None:
    committed = generated(example)
    for path in committed:
        (example / path).unlink()
    done = process(example, "render")
    assert done.returncode == 0, done.stderr
    assert generated(example) == committed, "re-render examples/state-proxy (`matrixgen render`)"


@pytest.fixture
def proxy_image(compose_engine: dict[str, str]) -> None:
    """The e2e profiles' system under test, the proxy's image, built locally (kept)."""
    build = EXAMPLE / "testing" / "e2e" / "image" / "build.sh"
    done = subprocess.run(["bash", str(build)], env=compose_engine, capture_output=True,
                          text=True, timeout=900, check=False)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def _serving(profile: Path, env: dict[str, str]) -> None:
    """The profile's proxy connected to its emulators and serves (it says so once it has)."""
    deadline = time.monotonic() + 60
    while True:
        logs = compose(profile, "logs", "proxy", env=env).stdout
        ps = compose(profile, "ps", "--all", "--format", "json", "proxy", env=env)
        state = json.loads(ps.stdout.splitlines()[0])["State"]
        if "state-proxy:" in logs:
            assert state == "running", logs
            return
        assert state == "running" and time.monotonic() < deadline, f"{state}: {logs}"
        time.sleep(0.5)


def test_every_profile_comes_up_and_goes_down(
    example: Path, engine_turn: None, compose_engine: dict[str, str], proxy_image: None
) -> None:
    found = profiles(example)
    assert len(found) == 13
    for profile in found:
        checked = compose(profile, "config", "--quiet", env=compose_engine)
        assert checked.returncode == 0, f"{profile}: {checked.stderr}"
        try:
            up = compose(profile, "up", "--wait", "--wait-timeout", "180", env=compose_engine)
            if "/e2e/" in profile.as_posix():  # the proxy itself, beside the emulators
                _serving(profile, compose_engine)
        finally:
            down = compose(profile, "down", "--volumes", "--remove-orphans", env=compose_engine)
        assert up.returncode == 0, f"{profile.relative_to(example)}:\n{up.stderr[-3000:]}"
        assert down.returncode == 0, down.stderr
