"""Where a service runs: the runtimes matrixgen knows, declared once.

`native` starts the service's `process:` on a free port, `compose` brings its `compose:`
file up on a Docker engine, `provided` uses one already running at an address given to
the run (`--provided`, a CI job's service container). This registry is what every choice
reads: the choices of `matrixgen run --services`, the one decision of a runtime per service
(`choose`, used by `run` and, for a CI job's `--services`, by `github.checks`), and the
behaviour of each in `run/runtimes/` (keyed by these names; a test holds the two together).
A new runtime (kind, a Kubernetes cluster) is an entry here and a module there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the CLI reads CHOICES at import: no pydantic for `--help`
    from matrixgen.load.model import Service


@dataclass(frozen=True)
class RuntimeKind:
    name: str
    runs: Callable[[Service], bool]  # whether it can run this service
    cannot: str  # why not, said of a service it cannot run
    selectable: bool = True  # a choice of `matrixgen run --services`
    needs_engine: bool = False  # a Docker engine must answer `docker info`


RUNTIMES: dict[str, RuntimeKind] = {
    kind.name: kind
    for kind in (
        RuntimeKind(
            "native", lambda s: s.process is not None, "has no `process:` to run it natively"
        ),
        RuntimeKind(
            "compose",
            lambda s: s.compose is not None,
            "has no `compose:` file",
            needs_engine=True,
        ),
        RuntimeKind(
            "provided",
            lambda _s: True,
            "is not provided (--provided NAME=[HOST:]PORT)",
            selectable=False,
        ),
    )
}
AUTO = "auto"
CHOICES = (AUTO, *(name for name, kind in RUNTIMES.items() if kind.selectable))

# The runtimes each choice tries, in order: `auto` takes compose where an engine answers
# (the project's own pinned images), a service without a compose file natively.
PREFERENCE: dict[str, tuple[str, ...]] = {
    AUTO: ("compose", "native"),
    "compose": ("compose", "native"),
    "native": ("native",),
}


@dataclass(frozen=True)
class Choice:
    runtime: str  # "" when none can run the service
    why: str = ""  # why none can


def choose(
    name: str, service: Service, *, choice: str, engine: bool, provided: bool = False
) -> Choice:
    """The runtime of one service: provided when the run was given its address, else the
    first of the choice's preference that can run it (one that needs an engine only where
    one answers)."""
    if provided:
        return Choice("provided")
    for runtime in PREFERENCE[choice]:
        kind = RUNTIMES[runtime]
        if kind.runs(service) and (engine or not kind.needs_engine):
            return Choice(runtime)
    if choice == "native":
        return Choice("", f"service {name} {RUNTIMES['native'].cannot} (--services native)")
    return Choice(
        "", f"service {name} runs only under Docker (`compose:`) and no Docker engine answers"
    )


def ci_choice(services: Iterable[Service]) -> str:
    """The `--services` of a CI job whose runner has a Docker engine: the first selectable
    choice under which every one of its services has a runtime. Explicit, never `auto`,
    which would take every compose file on such a runner."""
    listed = list(services)
    for choice in (name for name, kind in RUNTIMES.items() if kind.selectable):
        if all(choose("", s, choice=choice, engine=True).runtime for s in listed):
            return choice
    return "compose"  # pragma: no cover - a service has a process or a compose file
