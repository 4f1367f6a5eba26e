"""`requires:` of a cell: tools that must be present, or the cell is skipped with the reason."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from collections.abc import Mapping


@functools.lru_cache(maxsize=4)
def _engine_answers(docker: str | None) -> bool:
    if docker is None:
        return False
    try:
        done = subprocess.run(
            [docker, "info", "--format", "{{.ServerVersion}}"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0 and bool(done.stdout.strip())


def docker_engine_answers(env: Mapping[str, str]) -> bool:
    """True when a Docker engine answers `docker info`; a client alone is not enough."""
    return _engine_answers(shutil.which("docker", path=env.get("PATH", os.defpath)))


def unmet(requires: tuple[str, ...], env: Mapping[str, str]) -> str | None:
    """Why the requirements are not met, or None when they all are.

    `docker` means a Docker engine that answers; any other name is a program on PATH
    (`kind`, `helm`, `java`).
    """
    reasons = []
    path = env.get("PATH", os.defpath)
    for name in requires:
        if name == "docker":
            if shutil.which("docker", path=path) is None:
                reasons.append("docker is not installed")
            elif not docker_engine_answers(env):
                reasons.append("no Docker engine answers `docker info`")
        elif shutil.which(name, path=path) is None:
            reasons.append(f"{name} is not on PATH")
    if not reasons:
        return None
    return f"requires {', '.join(requires)}: {'; '.join(reasons)}"
