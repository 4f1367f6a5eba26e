"""The seam every runtime stands behind: what it is (`Runtime`), and what it sees of the
service it runs (`Handle`, which `run.services.RunningService` is)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

from matrixgen.load.model import Ready, Service
from matrixgen.run.ledger import Ledger


class Handle(Protocol):
    """What a runtime uses of the running service (`run.services.RunningService`)."""

    name: str
    service: Service
    root: Path
    base_env: Mapping[str, str]
    ledger: Ledger | None
    port: int
    host: str
    instance: str  # of a `scope: cell` service: which cell's instance; "" for the one
    variant: Mapping[str, str]  # the cell's values of the axes it takes (its version)
    process: asyncio.subprocess.Process | None

    def fill(self, text: str) -> str: ...

    def fill_argv(self, argv: list[str]) -> list[str]: ...

    def failure(self, reason: str) -> Exception: ...

    async def spawn(
        self, what: str, argv: list[str], env: Mapping[str, str], cwd: Path
    ) -> asyncio.subprocess.Process: ...

    async def settle(self, process: asyncio.subprocess.Process) -> None: ...

    async def run_step(
        self,
        shown: str,
        what: str,
        argv: list[str],
        env: Mapping[str, str],
        timeout: float,
        grace: float = 1.0,
    ) -> None: ...


class Runtime(Protocol):
    name: str
    # Whether the service's own process (`Handle.process`) listens on its port: then a probe
    # counts only while its process tree holds the probed port, and a port in use before it
    # starts is an error (compose publishes through the engine's proxy; provided is foreign).
    holds_port: bool

    async def start(self, handle: Handle) -> None:
        """Bring the service up (it is probed and set up afterwards)."""
        ...

    def ready(self, handle: Handle, declared: Ready | None) -> Ready | None:
        """The probe that says it is ready: the declared one, or one of the runtime's."""
        ...

    async def stop(self, handle: Handle) -> None:
        """Take down what `start` brought up; never raises for what is already gone."""
        ...

    def described(self, handle: Handle) -> str:
        """How it ran, for the results (`matrixgen.service.NAME`)."""
        ...
