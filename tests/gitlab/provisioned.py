"""A project's third-party packages as a runner image that carries them would offer them:
a folder of links to the distributions this suite's environment has installed, given to
the jobs as PYTHONPATH. A job's `pip install` then finds them installed and installs only
what is not (the project itself, editable, and matrixgen): nothing is downloaded, and the
~400 MB of the example's packages (moto[server], boto3, the Google clients) are not
unpacked again in every job, which on a 2-core machine took 2 minutes a job.

The distributions are those `requirements` need, extras followed (`moto[server]`), markers
other than extras read as this environment answers them (what it lacks is left out)."""

from __future__ import annotations

import importlib.metadata
import re
from pathlib import Path

_REQUIREMENT = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[([^\]]*)\])?")
_EXTRA = re.compile(r"""extra\s*==\s*["']([^"']+)["']""")


def normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def closure(requirements: list[str]) -> dict[str, set[str]]:
    """Each installed distribution `requirements` need (themselves included), to the
    extras asked of it."""
    found: dict[str, set[str]] = {}
    todo = list(requirements)
    while todo:
        match = _REQUIREMENT.match(todo.pop())
        if match is None:
            continue
        name = normal(match[1])
        extras = {normal(e) for e in (match[2] or "").split(",") if e.strip()}
        if name in found and extras <= found[name]:
            continue
        try:
            dist = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:  # for another Python or platform
            continue
        found[name] = found.get(name, set()) | extras
        for line in dist.requires or []:
            extra = _EXTRA.search(line)
            if extra is None or normal(extra[1]) in found[name]:
                todo.append(line.split(";")[0])
    return found


def link_site(folder: Path, requirements: list[str], leave_out: set[str]) -> list[str]:
    """`folder` holding a link to each top-level file and folder (packages, modules,
    dist-info) of the distributions `requirements` need, but `leave_out`'s. Returns their
    names."""
    folder.mkdir(parents=True, exist_ok=True)
    names = sorted(set(closure(requirements)) - {normal(name) for name in leave_out})
    for name in names:
        dist = importlib.metadata.distribution(name)
        site = Path(str(dist.locate_file("")))
        tops = {str(f).split("/")[0] for f in dist.files or [] if not str(f).startswith("..")}
        for top in sorted(tops - {"__pycache__"}):
            link = folder / top
            if not link.exists():
                link.symlink_to(site / top)
    return names
