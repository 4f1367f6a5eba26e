"""The services of one run: each started once when the scheduler asks (or once per cell),
watched while its cells run, and stopped after its last cell (or at teardown).

A service's `scope:` says which cells use one instance (`load.service_scope`): `shared`, one
instance for all, several cells at once; `exclusive`, one instance, one cell at a time;
`cell`, an instance of each cell's own, started when the cell is taken (`start_own`) and
stopped when it ends. A per-cell service on a fixed port, or provided at one address, has
one instance at a time, so it is used one cell at a time too. A service whose version comes
from the cell (`load.service_values`) has an instance per version: keyed `postgres[pg=16]`,
never one for cells of another version.

A shared service's state is idle, starting, ready, failed, died, stopping or stopped; `why`
holds what went wrong, with its log tail. The pool tells the scheduler when a state changes
(`on_change`) and when a service dies under running cells (`on_death`), answers whether a
cell's services are still what it uses (`check`, before and after each attempt), and never
decides which cell runs when: that is the scheduler's. Each service's log is kept in the
results folder (`results/services/`), and the last lines of one that failed are shown.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from pathlib import Path
from typing import Any

from matrixgen.load.cells import Cell
from matrixgen.load.model import Service
from matrixgen.load.service_values import variant_key
from matrixgen.run.ledger import Ledger
from matrixgen.run.progress import Progress
from matrixgen.run.services import RunningService, ServiceFailed

BAD = ("failed", "died")
SHOWN_LINES = 10  # of a failed service's log, on the console


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
        on_death: Callable[[str, str, str, str | None], None],  # service, reason, details, cell
        spawn: Callable[[Coroutine[Any, Any, None], bool], None],  # a task kept alive
        log_path: Callable[[str, Cell | None], Path] | None = None,  # results/services/...
        on_write_error: Callable[[OSError], None] | None = None,  # the results folder
        variant: Callable[[str, Cell], dict[str, str]] | None = None,  # the cell's version
    ) -> None:
        self.specs, self.modes, self.root, self.base_env = specs, modes, root, base_env
        self.ledger, self.progress, self.addresses = ledger, progress, addresses
        self.on_change, self.on_death, self.spawn = on_change, on_death, spawn
        self.log_path, self.on_write_error = log_path, on_write_error
        self.variant = variant or (lambda name, cell: {})
        # Shared and exclusive: one instance per key (the name, and the version if any).
        self.services: dict[str, RunningService] = {}
        self.state: dict[str, str] = {}  # by key
        self.why: dict[str, str] = {}  # by key
        self.per_cell = {
            name for name in modes if specs[name].scope == "cell" and modes[name] != "provided"
        }
        self.variants: dict[str, tuple[str, dict[str, str]]] = {}  # key -> name, version
        self.remaining: dict[str, int] = {}  # key -> cells still to use it
        for cell in cells:
            for name in cell.services:
                if name in modes:
                    version = self.variant(name, cell)
                    key = variant_key(name, version)
                    self.variants.setdefault(key, (name, version))
                    if name not in self.per_cell:
                        self.remaining[key] = self.remaining.get(key, 0) + 1
        self.one_at_a_time = {name for name in modes if self._one_at_a_time(name)}
        self.busy: dict[str, str] = {}  # a one-at-a-time instance (its `_busy` key) -> cell id
        self.own: dict[str, dict[str, RunningService]] = {}  # cell id -> its own instances
        self.instances = 0  # per-cell instances made so far (c1, c2, ...)
        self.stops: set[asyncio.Task[None]] = set()  # a failed start's stop, awaited at teardown
        self.own_starts: set[asyncio.Future[list[str | None]]] = set()  # per-cell starts under way
        # Set by `halt`: a start stops waiting on it even if its cancel was lost (Python 3.11's
        # wait_for returns a probe's result, and drops the cancel, when both come at once).
        self.halted = asyncio.Event()

    def _one_at_a_time(self, name: str) -> bool:
        scope = self.specs[name].scope
        if scope == "exclusive":
            return True
        if scope != "cell":
            return False
        if self.modes[name] == "provided":  # one address: the instance every cell gets
            return True
        # Two instances cannot both listen on a fixed port: one at a time (port 0 is never
        # a probe's, so any port the probe names is fixed).
        spec, mode = self.specs[name], self.modes[name]
        version = next((v for n, v in self.variants.values() if n == name), {})
        probe = RunningService(name, spec, mode, self.root, self.base_env, port=0, variant=version)
        return probe.fixed_port is not None

    def key(self, name: str, cell: Cell) -> str:
        """The instance of service `name` that serves the cell: `name[axis=value,...]`."""
        return variant_key(name, self.variant(name, cell))

    def _busy(self, name: str, cell: Cell) -> str:
        """What one cell at a time holds: an exclusive service's instance of the cell's
        version; a per-cell one's port or address, whatever the version."""
        return (
            name
            if name in self.per_cell or self.modes[name] == "provided"
            else (self.key(name, cell))
        )

    def _make(self, name: str, version: dict[str, str], cell: Cell | None = None) -> RunningService:
        instance = ""
        if cell is not None:
            self.instances += 1
            instance = f"c{self.instances}"
        return RunningService(
            name,
            self.specs[name],
            self.modes[name],
            self.root,
            self.base_env,
            ledger=self.ledger,
            instance=instance,
            variant=version,
            **self.addresses(name),
        )

    def prepare(self) -> None:
        """Every shared and exclusive instance idle, made but not started (`want` starts one)."""
        for key, (name, version) in self.variants.items():
            if name not in self.per_cell:
                self.state[key] = "idle"
                self.services[key] = self._make(name, version)

    def want(self, key: str) -> None:
        if self.state.get(key) == "idle":
            self.state[key] = "starting"
            self.spawn(self._start(key), False)

    def wants(self, cell: Cell) -> list[str]:
        """The instances of the cell's services that run once for many cells (their keys:
        `want` starts them)."""
        return [self.key(name, cell) for name in cell.services if name not in self.per_cell]

    def uses(self, cell: Cell, key: str) -> bool:
        """Whether the cell uses the instance `key` (or, for its own, the service of that name)."""
        return key in cell.services or key in self.wants(cell)

    def settled(self, cell: Cell) -> bool:
        """Whether the cell can be taken: its services ready, or one of them failed (the
        cell then fails with its reason), and no one-at-a-time service of it in use."""
        states = [self.state[s] for s in self.wants(cell)]
        if any(s in BAD for s in states):
            return True
        free = not any(self._busy(name, cell) in self.busy for name in cell.services)
        return free and all(s == "ready" for s in states)

    def take(self, cell: Cell) -> None:
        """The cell is taken: its one-at-a-time services are its own until `release`, and
        its per-cell instances are made (with their ports, so its env is known)."""
        for name in cell.services:
            if name in self.one_at_a_time:
                self.busy[self._busy(name, cell)] = cell.id
        own = {
            name: self._make(name, self.variant(name, cell), cell)
            for name in cell.services
            if name in self.per_cell
        }
        if own:
            self.own[cell.id] = own

    def broken(self, cell: Cell) -> str | None:
        """Why a service of the cell failed or died (with its log tail), or None."""
        bad = [s for s in self.wants(cell) if self.state[s] in BAD]
        return self.why[bad[0]] if bad else None

    def check(self, cell: Cell) -> str | None:
        """Why the cell's services are not what it uses (failed, died, or no longer its own
        process on its port), with the log tail; None when they all are."""
        broken = self.broken(cell)
        if broken is not None:
            return broken
        for name in cell.services:
            service = self._instance(cell, name)
            if service is None or service.output is None:
                continue  # not started: `start_own` says why
            gone = service.gone()
            if gone is not None:
                return str(service.failure(f"{gone} while cells were using it"))
        return None

    def _instance(self, cell: Cell, name: str) -> RunningService | None:
        if name in self.per_cell:
            return self.own.get(cell.id, {}).get(name)
        return self.services.get(self.key(name, cell))

    def env(self, cell: Cell) -> dict[str, str]:
        """What the cell's services add to its env."""
        found: dict[str, str] = {}
        for name in cell.services:
            service = self._instance(cell, name)
            if service is not None:
                found.update(service.env)
        return found

    def described(self, cell: Cell) -> dict[str, str]:
        found = {}
        for name in cell.services:
            service = self._instance(cell, name)
            if service is not None:  # how it served the cell: `native, cell`
                scope = "cell" if name in self.per_cell else ""
                scope = scope or ("exclusive" if name in self.one_at_a_time else "")
                found[name] = service.described + (f", {scope}" if scope else "")
        return found

    async def start_own(self, cell: Cell) -> str | None:
        """Start the cell's own instances (`scope: cell`), each watched until the cell ends;
        why one could not be started (with its log tail), or None (also when `halt` stopped
        the start: the scheduler then sees the run stopping, and `release` stops them)."""
        own = self.own.get(cell.id, {})
        if not own:
            return None
        starting = asyncio.gather(*(self._start_own(cell, service) for service in own.values()))
        self.own_starts.add(starting)
        halted: asyncio.Future[Any] = asyncio.ensure_future(self.halted.wait())
        waiting: set[asyncio.Future[Any]] = {starting, halted}
        try:
            await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
        finally:
            halted.cancel()
            self.own_starts.discard(starting)
            if not starting.done():  # halted, or this task itself was cancelled
                starting.cancel()
        if self.halted.is_set():
            return None
        try:
            failures = starting.result()
        except asyncio.CancelledError:  # halted (a cancelled gather may hold it as its error)
            return None
        return next((why for why in failures if why is not None), None)

    def halt(self) -> None:
        """Ctrl-C: per-cell starts under way stop waiting for their services to be ready."""
        self.halted.set()
        for starting in self.own_starts:
            starting.cancel()

    async def _start_own(self, cell: Cell, service: RunningService) -> str | None:
        shown = f"{service.name} ({cell.id})"
        try:
            await self._boot(service, shown, cell)
        except ServiceFailed as error:
            return str(error)
        self.spawn(self._watch_own(cell, service, shown), False)
        return None

    async def _watch_own(self, cell: Cell, service: RunningService, shown: str) -> None:
        code = await service.wait_exit()
        if self.own.get(cell.id, {}).get(service.name) is not service:
            return  # the cell ended: it is being stopped
        why = str(service.failure(f"exited with code {code} while its cell was using it"))
        self._show_failure(service, shown, "died", why, f"exit code {code}")
        reason, _, details = why.partition("\n")
        self.on_death(service.name, reason, details, cell.id)

    def release(self, cell: Cell) -> None:
        """The cell is done: its own instances are stopped, its one-at-a-time services
        freed, and a service no remaining cell needs is stopped."""
        for name in cell.services:
            held = self._busy(name, cell)
            if self.busy.get(held) == cell.id:
                del self.busy[held]
            if name in self.per_cell:
                continue
            key = self.key(name, cell)
            self.remaining[key] -= 1
            if self.remaining[key] == 0 and self.state.get(key) in ("starting", "ready"):
                self.spawn(self.stop(key), True)
        for service in self.own.pop(cell.id, {}).values():
            self.spawn(self._stop_own(cell, service), True)

    async def _stop_own(self, cell: Cell, service: RunningService) -> None:
        await service.stop()
        if service.output is not None:
            self.progress.service(f"{service.name} ({cell.id})", "stopped")

    async def stop_all(self) -> None:
        await asyncio.gather(*self.stops, return_exceptions=True)
        stops = [
            self.stop(name)
            for name, state in self.state.items()
            if state not in ("idle", "stopped")
        ]
        stops += [service.stop() for own in self.own.values() for service in own.values()]
        self.own.clear()
        await asyncio.gather(*stops, return_exceptions=True)

    async def _boot(self, service: RunningService, shown: str, cell: Cell | None) -> None:
        """Start the service, its log in the results folder; raises ServiceFailed (any
        error at all becomes one), after stopping what started and showing why."""
        try:
            if self.log_path is not None:  # one log per instance: postgres[pg=16].log
                service.log_file = self.log_path(
                    service.key if cell is None else service.name, cell
                )
        except OSError as error:  # the results folder cannot be written: the run stops
            if self.on_write_error is not None:
                self.on_write_error(error)
        service.on_log_error = self.on_write_error
        # The port it listens on: its probe's where that names a fixed one, not the port
        # matrixgen chose for ${port}, which then nothing holds.
        port = service.fixed_port or service.port
        self.progress.service(shown, "starting", f"{service.mode}, port {port}")
        try:
            await service.start()
        except Exception as error:  # any error at all: never leave a service "starting"
            # Stopped first, so that its log holds all it wrote; cells wait meanwhile.
            stopping = asyncio.ensure_future(service.stop())
            self.stops.add(stopping)  # teardown awaits it even if this task is cancelled
            stopping.add_done_callback(self.stops.discard)
            with contextlib.suppress(Exception):
                await asyncio.shield(stopping)
            if not isinstance(error, ServiceFailed):
                error = service.failure(f"could not be started: {_kind(error)}: {error}")
            why = str(error)
            self._show_failure(service, shown, "failed", why, why.splitlines()[0])
            raise ServiceFailed(why) from None
        self.progress.service(shown, "ready", f"in {service.ready_after:.1f}s")

    def _show_failure(
        self, service: RunningService, shown: str, state: str, why: str, detail: str
    ) -> None:
        self.progress.service(shown, state, detail)
        self.progress.service_log(shown, service.log_tail(SHOWN_LINES), service.log_file)

    async def _start(self, name: str) -> None:  # `name`: the instance's key
        service = self.services[name]
        try:
            await self._boot(service, name, None)
        except ServiceFailed as error:
            self.state[name], self.why[name] = "failed", str(error)
            await self.on_change()
            return
        self.state[name] = "ready"
        await self.on_change()
        code = await service.wait_exit()
        if self.state[name] != "ready":
            return  # we are stopping it
        self.state[name] = "died"
        self.why[name] = str(service.failure(f"exited with code {code} while cells were using it"))
        self._show_failure(service, name, "died", self.why[name], f"exit code {code}")
        reason, _, details = self.why[name].partition("\n")
        self.on_death(name, reason, details, None)
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
