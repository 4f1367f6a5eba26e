"""What a test left on a Docker engine that other jobs, workers and tests use at once: only
containers, networks and volumes that are its own count, never another job's.

A container is the test's when compose brought it up from a folder of this pytest session
(`com.docker.compose.project.working_dir` under `roots`: the session's base temp folder,
this checkout) or when it carries the label `matrixgen.test` with the test's tag (the
workflow runner labels its service containers so). A network or volume is the test's
when it appeared during the test and is not another's: not of a compose project whose
containers are another's, not mounted by (a volume) or attached to (a network) another's
container (gitlab-ci-local's Docker executor makes a network for a job and its services)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

LABEL = "matrixgen.test"
_SEP = "\x1f"


@dataclass(frozen=True)
class Engine:
    # name -> project, working dir, tag, mounts, networks
    containers: dict[str, tuple[str, str, str, str, str]]
    networks: dict[str, str]  # name -> compose project ('' when none)
    volumes: dict[str, str]


def _lines(env: dict[str, str], *argv: str) -> list[list[str]]:
    done = subprocess.run(
        ["docker", *argv], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    return [line.split(_SEP) for line in done.stdout.splitlines() if line.strip()]


def snapshot(env: dict[str, str]) -> Engine:
    fields = _SEP.join(
        ("{{.Names}}", '{{.Label "com.docker.compose.project"}}',
         '{{.Label "com.docker.compose.project.working_dir"}}', f'{{{{.Label "{LABEL}"}}}}',
         "{{.Mounts}}", "{{.Networks}}")
    )  # fmt: skip
    containers = {
        row[0]: (row[1], row[2], row[3], row[4], row[5])
        for row in _lines(env, "ps", "-a", "--no-trunc", "--format", fields)
        if len(row) == 6
    }
    project = _SEP.join(("{{.Name}}", '{{.Label "com.docker.compose.project"}}'))
    networks = {
        row[0]: row[1]
        for row in _lines(env, "network", "ls", "--filter", "type=custom", "--format", project)
        if len(row) == 2
    }
    volumes = {
        row[0]: row[1] for row in _lines(env, "volume", "ls", "--format", project) if len(row) == 2
    }
    return Engine(containers, networks, volumes)


def _under(folder: str, roots: Iterable[Path]) -> bool:
    return bool(folder) and any(
        folder == str(root) or folder.startswith(f"{root}/") for root in roots
    )


def left_by(before: Engine, after: Engine, tag: str, roots: Iterable[Path]) -> list[str]:
    """What the test tagged `tag` added to the engine and left there."""
    roots = list(roots)
    mine = {
        name
        for name, (_project, folder, label, _mounts, _networks) in after.containers.items()
        if label == tag or _under(folder, roots)
    }
    others = {name: row for name, row in after.containers.items() if name not in mine}
    other_projects = {row[0] for row in others.values() if row[0]}
    other_mounts = {m for row in others.values() for m in row[3].split(",") if m}
    other_networks = {n for row in others.values() for n in row[4].split(",") if n}
    found = [
        f"container {name} (compose project {after.containers[name][0] or '-'}, "
        f"from {after.containers[name][1] or '-'})"
        for name in sorted(mine - set(before.containers))
    ]
    found += [
        f"network {name}"
        for name, project in sorted(after.networks.items())
        if name not in before.networks
        and name not in other_networks
        and (not project or project not in other_projects)
    ]
    found += [
        f"volume {name}"
        for name, project in sorted(after.volumes.items())
        if name not in before.volumes
        and (project not in other_projects if project else name not in other_mounts)
    ]
    return found
