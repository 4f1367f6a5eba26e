"""Service addresses written out as 127.0.0.1 where the service is another host.

A service container reached from a GitLab job, or from a cell's GitHub job container, is a
host of its own there (GitLab's alias, GitHub's service id), whose address `${host}` fills
(127.0.0.1 where the service runs on the runner or natively). An env value, ready probe or
setup argument of such a service that says 127.0.0.1 or localhost reaches nothing there:
validate warns at each, with the fix.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from matrixgen.errors import Problem
from matrixgen.load.cells import Cell
from matrixgen.load.document import Document, PathKey
from matrixgen.load.github.checks import cell_github
from matrixgen.load.gitlab.jobs import alias, cell_job, gitlab_of
from matrixgen.load.model import MatrixFile, Service

# A loopback address written out, where `${host}` would be filled per place.
_LOOPBACK = re.compile(r"(?<![\w.-])(127\.0\.0\.1|localhost|\[::1\])(?![\w-])")


def loopback_warnings(doc: Document, model: MatrixFile, cells: Sequence[Cell]) -> list[Problem]:
    # service -> where it is another host -> its host name there
    places: dict[str, dict[str, str]] = {}
    github = model.outputs.github
    if github is not None:
        for cell in cells:
            folded = cell_github(model, cell, github)
            if folded.container is not None:
                for name in folded.containers:
                    places.setdefault(name, {})["a GitHub job container"] = name
    setting = getattr(model.outputs, "gitlab", None)
    if setting is not None:
        gitlab = gitlab_of(setting)
        for cell in cells:
            for name, _image in cell_job(model, gitlab, cell).containers:
                places.setdefault(name, {})["a GitLab job"] = alias(name)
    problems = []
    for name, where in sorted(places.items()):
        hosts = " and ".join(dict.fromkeys(f"'{host}'" for host in where.values()))
        for key, text in _addresses(name, model.services[name]):
            found = _LOOPBACK.search(text)
            if found is not None:
                problems.append(
                    doc.problem(
                        key,
                        f"warning: in {' and in '.join(sorted(where))} service '{name}' is "
                        f"a container of its own, host {hosts}, not {found.group(1)}; say "
                        "${host}, which each place fills with the service's address",
                    )
                )
    return problems


def _addresses(name: str, service: Service) -> list[tuple[PathKey, str]]:
    """Each text of the service that names where it listens: env, ready probe, setup."""
    texts: list[tuple[PathKey, str]] = [
        (("services", name, "env", key), value) for key, value in service.env.items()
    ]
    ready = service.process.ready if service.process is not None else None
    if ready is not None:
        texts += [
            (("services", name, "process", "ready", probe), text)
            for probe in ("http", "tcp")
            if (text := getattr(ready, probe)) is not None
        ]
        texts += [
            (("services", name, "process", "ready", "command", index), arg)
            for index, arg in enumerate(ready.command or ())
        ]
    texts += [
        (("services", name, "setup", index, position), arg)
        for index, argv in enumerate(service.setup)
        for position, arg in enumerate(argv)
    ]
    return texts
