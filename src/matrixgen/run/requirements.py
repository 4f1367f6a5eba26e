"""`requires:` of a cell: tools that must be present, or the cell is skipped with the reason."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from collections.abc import Mapping

# What decides which engine `docker` talks to; the answer is cached per these.
_DOCKER_VARIABLES = ("DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_CONFIG", "HOME")


@functools.lru_cache(maxsize=8)
def _engine_answers(docker: str | None, settings: tuple[tuple[str, str], ...]) -> bool:
    if docker is None:
        return False
    env = {"PATH": os.defpath, **dict(settings)}
    try:
        done = subprocess.run(
            [docker, "info", "--format", "{{.ServerVersion}}"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=10,
            check=False,
            env=env,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0 and bool(done.stdout.strip())


def docker_engine_answers(env: Mapping[str, str]) -> bool:
    """True when a Docker engine answers `docker info` in `env`; a client alone is not enough."""
    settings = tuple((name, env[name]) for name in _DOCKER_VARIABLES if name in env)
    return _engine_answers(shutil.which("docker", path=env.get("PATH", os.defpath)), settings)


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
