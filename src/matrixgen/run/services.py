"""One running service: a native process on a free port with a private data folder, or a
compose file brought up on a Docker engine. Started once per run, probed until ready,
set up, and stopped with its whole process tree.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import shutil
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from matrixgen.load.model import Ready, Service
from matrixgen.load.placeholders import substitute
from matrixgen.probe import aprobe_until
from matrixgen.run.processes import HOST, free_port, spawn, tail, terminate

STOP_GRACE = 5.0


class ServiceFailed(Exception):
    """The service could not be started, probed or set up; the message says why."""


class _Exited(Exception):
    """The service process ended while being probed: retrying cannot help."""


@dataclass
class RunningService:
    name: str
    service: Service
    mode: str  # "native" or "compose"
    root: Path
    base_env: Mapping[str, str]  # os env plus the run marker
    port: int = field(default_factory=free_port)
    folder: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="matrixgen-")))
    process: asyncio.subprocess.Process | None = None
    started: float = 0.0
    ready_after: float = 0.0  # seconds from start to ready

    @property
    def data_dir(self) -> Path:
        return self.folder / "data"

    @property
    def log(self) -> Path:
        return self.folder / "output.log"

    @property
    def values(self) -> dict[str, str]:
        return {"port": str(self.port), "host": HOST, "dir": str(self.data_dir), "name": self.name}

    def fill(self, text: str) -> str:
        return substitute(text, self.values, self.base_env)

    @property
    def env(self) -> dict[str, str]:
        """What every cell using the service sees."""
        return {key: self.fill(value) for key, value in self.service.env.items()}

    def log_tail(self, lines: int = 30) -> str:
        return tail(self.log, lines)

    def failure(self, reason: str) -> ServiceFailed:
        output = self.log_tail()
        detail = f"\n--- last lines of {self.name}'s output ---\n{output}" if output else ""
        return ServiceFailed(f"service {self.name} {reason}{detail}")

    async def start(self) -> None:
        """Start, wait until ready, run setup. Raises ServiceFailed with the log tail."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log.touch()
        self.started = time.monotonic()
        process = self.service.process
        if self.mode == "compose":
            await self._compose("up", "-d", "--wait")
        else:
            assert process is not None  # the model guarantees one of process/compose
            command = [self.fill(part) for part in process.command]
            env = {**self.base_env, **{k: self.fill(v) for k, v in process.env.items()}}
            cwd = self.root / self.fill(process.cwd) if process.cwd else self.root
            try:
                self.process = await spawn(command, env=env, cwd=cwd, log=self.log)
            except OSError as error:
                raise self.failure(
                    f"could not start `{command[0]}`: {error.strerror or error}"
                ) from None
        if process is not None and process.ready is not None:
            await self._wait_ready(process.ready, process.timeout)
        self.ready_after = time.monotonic() - self.started
        for step in self.service.setup:
            await self._setup(step)

    async def _wait_ready(self, ready: Ready, timeout: float) -> None:
        check = self._probe(ready)

        async def attempt() -> None:
            if self.process is not None and self.process.returncode is not None:
                raise _Exited(f"exited with code {self.process.returncode} before it was ready")
            await check()

        try:
            await aprobe_until(attempt, interval=ready.interval, timeout=timeout, retry=_Retry)
        except _Exited as error:
            raise self.failure(str(error)) from None
        except _Retry as error:
            raise self.failure(f"was not ready after {timeout:g}s ({error})") from None

    def _probe(self, ready: Ready) -> _Check:
        if ready.http is not None:
            return _http(self.fill(ready.http))
        if ready.tcp is not None:
            host, _, port = self.fill(ready.tcp).rpartition(":")
            return _tcp(host or HOST, int(port))
        if ready.command is not None:
            return _command([self.fill(p) for p in ready.command], self)
        assert ready.log is not None
        return _log_line(re.compile(self.fill(ready.log)), self.log)

    async def _setup(self, step: list[str]) -> None:
        argv = [self.fill(part) for part in step]
        timeout = self.service.process.timeout if self.service.process else 60.0
        env = {**self.base_env, **self.env}
        try:
            process = await spawn(argv, env=env, cwd=self.root, log=self.log)
        except OSError as error:
            raise self.failure(
                f"setup `{' '.join(argv)}` could not start: {error.strerror or error}"
            ) from None
        try:
            code = await asyncio.wait_for(process.wait(), timeout)
        except asyncio.TimeoutError:
            await terminate(process, grace=1.0)
            raise self.failure(f"setup `{' '.join(argv)}` took over {timeout:g}s") from None
        if code != 0:
            raise self.failure(f"setup `{' '.join(argv)}` exited with code {code}")

    async def wait_exit(self) -> int | None:
        """The exit code when the service process ends; never returns for compose services."""
        if self.process is None:
            await asyncio.Event().wait()
            return None
        return await self.process.wait()

    async def stop(self) -> None:
        try:
            if self.process is not None and self.process.returncode is None:
                await terminate(self.process, grace=STOP_GRACE)
            elif self.process is not None:
                await terminate(self.process, grace=0.5)  # the leader died; its group may not have
            if self.mode == "compose":
                with contextlib.suppress(ServiceFailed):
                    await self._compose("down", "--volumes", "--remove-orphans")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    async def _compose(self, *args: str) -> None:
        assert self.service.compose is not None
        project = f"matrixgen-{self.name}-{self.port}".lower()
        argv = [
            "docker",
            "compose",
            "-f",
            str(self.root / self.service.compose),
            "-p",
            project,
            *args,
        ]
        # Compose files map the chosen port with ${MATRIXGEN_PORT}.
        env = {**self.base_env, "MATRIXGEN_PORT": str(self.port), "MATRIXGEN_SERVICE": self.name}
        process = await spawn(argv, env=env, cwd=self.root, log=self.log)
        timeout = self.service.process.timeout if self.service.process else 120.0
        try:
            code = await asyncio.wait_for(process.wait(), timeout)
        except asyncio.TimeoutError:
            await terminate(process, grace=2.0)
            raise self.failure(f"`docker compose {args[0]}` took over {timeout:g}s") from None
        if code != 0:
            raise self.failure(f"`docker compose {args[0]}` exited with code {code}")


class _Retry(Exception):
    """A readiness probe that did not succeed yet."""


_Check = Callable[[], Awaitable[None]]


def _http(url: str) -> _Check:
    def get() -> None:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                status = int(response.status)
        except urllib.error.HTTPError as error:
            status = error.code  # a 404 still proves the server answers
        except (OSError, ValueError) as error:
            raise _Retry(f"GET {url}: {getattr(error, 'reason', error)}") from None
        if status >= 500:
            raise _Retry(f"GET {url}: HTTP {status}")

    async def check() -> None:
        # urllib blocks; a thread keeps the other services' probes and the cells going.
        await asyncio.to_thread(get)

    return check


def _tcp(host: str, port: int) -> _Check:
    async def check() -> None:
        try:
            _reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), 2)
        except (OSError, asyncio.TimeoutError) as error:
            raise _Retry(
                f"connect {host}:{port}: {getattr(error, 'strerror', None) or 'timed out'}"
            ) from None
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()

    return check


def _command(argv: list[str], service: RunningService) -> _Check:
    async def check() -> None:
        try:
            process = await spawn(argv, env=service.base_env, cwd=service.root, log=service.log)
        except OSError as error:
            raise _Exited(f"ready command `{argv[0]}` could not start: {error}") from None
        try:
            code = await asyncio.wait_for(process.wait(), 5)
        except asyncio.TimeoutError:
            code = await terminate(process, grace=0.5)
        if code != 0:
            raise _Retry(f"`{' '.join(argv)}` exited with code {code}")

    return check


def _log_line(pattern: re.Pattern[str], log: Path) -> _Check:
    async def check() -> None:
        text = log.read_text(encoding="utf-8", errors="replace")
        if not pattern.search(text):
            raise _Retry(f"no line matching /{pattern.pattern}/ in its output yet")

    return check
