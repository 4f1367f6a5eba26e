"""The services of one run: each started once when the scheduler asks, watched while its
cells run, and stopped after its last cell (or at teardown).

A service's state is idle, starting, ready, failed, died, stopping or stopped; `why` holds
what went wrong, with its log tail. The pool tells the scheduler when a state changes
(`on_change`) and when a service dies under running cells (`on_death`), and never decides
which cell runs when: that is the scheduler's.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from pathlib import Path
from typing import Any

from matrixgen.load.cells import Cell
from matrixgen.load.model import Service
from matrixgen.run.ledger import Ledger
from matrixgen.run.progress import Progress
from matrixgen.run.services import RunningService, ServiceFailed

BAD = ("failed", "died")


class ServicePool:
    def __init__(
        self,
        specs: Mapping[str, Service],
        modes: Mapping[str, str],  # service -> its runtime (load.runtimes.choose)
        cells: Sequence[Cell],
        *,
        root: Path,
        base_env: Mapping[str, str],
        ledger: Ledger,
        progress: Progress,
        addresses: Callable[[str], dict[str, Any]],  # `--provided` host and port
        on_change: Callable[[], Awaitable[None]],
        on_death: Callable[[str, str, str], None],  # service, reason, details
        spawn: Callable[[Coroutine[Any, Any, None], bool], None],  # a task kept alive
    ) -> None:
        self.specs, self.modes, self.root, self.base_env = specs, modes, root, base_env
        self.ledger, self.progress, self.addresses = ledger, progress, addresses
        self.on_change, self.on_death, self.spawn = on_change, on_death, spawn
        self.services: dict[str, RunningService] = {}
        self.state: dict[str, str] = {}
        self.why: dict[str, str] = {}
        self.remaining = {name: sum(name in c.services for c in cells) for name in modes}
        self.stops: set[asyncio.Task[None]] = set()  # a failed start's stop, awaited at teardown

    def prepare(self) -> None:
        """Every service idle, made but not started (`want` starts one)."""
        for name in self.modes:
            self.state[name] = "idle"
            self.services[name] = RunningService(
                name,
                self.specs[name],
                self.modes[name],
                self.root,
                self.base_env,
                ledger=self.ledger,
                **self.addresses(name),
            )

    def want(self, name: str) -> None:
        if self.state.get(name) == "idle":
            self.state[name] = "starting"
            self.spawn(self._start(name), False)

    def settled(self, cell: Cell) -> bool:
        """Whether the cell can be taken: its services ready, or one of them failed (the
        cell then fails with its reason)."""
        states = [self.state[s] for s in cell.services]
        return all(s == "ready" for s in states) or any(s in BAD for s in states)

    def broken(self, cell: Cell) -> str | None:
        """Why a service of the cell failed or died (with its log tail), or None."""
        bad = [s for s in cell.services if self.state[s] in BAD]
        return self.why[bad[0]] if bad else None

    def env(self, cell: Cell) -> dict[str, str]:
        """What the cell's services add to its env."""
        found: dict[str, str] = {}
        for name in cell.services:
            found.update(self.services[name].env)
        return found

    def described(self, cell: Cell) -> dict[str, str]:
        return {n: self.services[n].described for n in cell.services if n in self.services}

    def release(self, cell: Cell) -> None:
        """The cell is done: a service no remaining cell needs is stopped."""
        for name in cell.services:
            self.remaining[name] -= 1
            if self.remaining[name] == 0 and self.state.get(name) in ("starting", "ready"):
                self.spawn(self.stop(name), True)

    async def stop_all(self) -> None:
        await asyncio.gather(*self.stops, return_exceptions=True)
        stops = [
            self.stop(name)
            for name, state in self.state.items()
            if state not in ("idle", "stopped")
        ]
        await asyncio.gather(*stops, return_exceptions=True)

    async def _start(self, name: str) -> None:
        service = self.services[name]
        self.progress.service(name, "starting", f"{service.mode}, port {service.port}")
        try:
            await service.start()
        except Exception as error:  # any error at all: never leave a service "starting"
            # Stopped first, so that its log holds all it wrote; cells wait meanwhile.
            self.state[name] = "stopping"
            stopping = asyncio.ensure_future(service.stop())
            self.stops.add(stopping)  # teardown awaits it even if this task is cancelled
            stopping.add_done_callback(self.stops.discard)
            with contextlib.suppress(Exception):
                await asyncio.shield(stopping)
            if not isinstance(error, ServiceFailed):
                error = service.failure(f"could not be started: {_kind(error)}: {error}")
            self.state[name], self.why[name] = "failed", str(error)
            self.progress.service(name, "failed", str(error).splitlines()[0])
            await self.on_change()
            return
        self.state[name] = "ready"
        self.progress.service(name, "ready", f"in {service.ready_after:.1f}s")
        await self.on_change()
        code = await service.wait_exit()
        if self.state[name] != "ready":
            return  # we are stopping it
        self.state[name] = "died"
        self.why[name] = str(service.failure(f"exited with code {code} while cells were using it"))
        self.progress.service(name, "died", f"exit code {code}")
        reason, _, details = self.why[name].partition("\n")
        self.on_death(name, reason, details)
        await self.stop(name, final="died")
        await self.on_change()

    async def stop(self, name: str, final: str = "stopped") -> None:
        if self.state.get(name) in ("stopping", "stopped"):
            return
        was = self.state[name]
        self.state[name] = "stopping"
        try:
            await self.services[name].stop()
        finally:
            self.state[name] = final if was in BAD else "stopped"
        if was not in BAD:
            self.progress.service(name, "stopped")


def _kind(error: Exception) -> str:
    """The exception's class, with its module unless it is a builtin (`re.error`)."""
    cls = type(error)
    module = cls.__module__
    return cls.__qualname__ if module == "builtins" else f"{module}.{cls.__qualname__}"
