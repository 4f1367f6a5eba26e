"""One running service: a native process on a free port with a private data folder, a
compose file brought up on a Docker engine, or one already running at an address given to
the run (`--provided`, a CI job's service container). Started once per run (or once per
cell, `scope: cell`), probed until ready, set up, and stopped with its whole process tree
(a provided one is left running).

A service is what its cells used (issue 21): where its runtime runs its process
(`Runtime.holds_port`), a port already in use before it starts is an error naming the
holder, a probe counts only while its own process tree listens on the probed port, and
`gone` says when it stopped being so while cells use it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import stat
import tempfile
import time
import urllib.parse
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from matrixgen.load.model import Ready, Service
from matrixgen.load.placeholders import fill_argv, substitute
from matrixgen.load.service_values import variant_key
from matrixgen.probe import aprobe_until
from matrixgen.run.ledger import Ledger
from matrixgen.run.logs import Log, Watch
from matrixgen.run.platform import current as platform
from matrixgen.run.ports import held_by_tree, holder
from matrixgen.run.processes import HOST, free_port, port_is_free, spawn, terminate
from matrixgen.run.runtimes import Runtime, runtime

PROBE_LIMIT = 2.0  # seconds one http, tcp or log probe may take
COMMAND_LIMIT = 5.0  # seconds one ready command may take
TIMEOUT = 30.0  # seconds a provided service without `process:` may take to accept connections
TAIL_BYTES = 8192  # of its log read for the last lines shown with a failure


class ServiceFailed(Exception):
    """The service could not be started, probed or set up; the message says why."""


class _Exited(Exception):
    """The service process ended while being probed: retrying cannot help."""


@dataclass
class RunningService:
    name: str
    service: Service
    mode: str  # its runtime: a name of `load.runtimes.RUNTIMES` (native, compose, provided)
    root: Path
    base_env: Mapping[str, str]  # os env plus the run marker
    ledger: Ledger | None = None  # records what it starts, for a later `matrixgen clean`
    port: int = field(default_factory=free_port)
    host: str = HOST
    folder: Path | None = None  # made at start: ${dir} (data/) and the output log live here
    output: Log | None = None
    process: asyncio.subprocess.Process | None = None
    started: float = 0.0
    ready_after: float = 0.0  # seconds from start to ready
    last_output: str = ""  # the tail of its log when it was stopped (the folder is gone)
    log_file: Path | None = None  # where its log goes (results/services/); else in its folder
    instance: str = ""  # of a `scope: cell` service: which cell's instance (`c1`, `c2`, ...)
    not_owned: str = ""  # the last probe that answered from a process not the service's
    on_log_error: Callable[[OSError], None] | None = None  # a write into its log failed
    # The cell's values of the axes the service takes (`load.service_values`): its version.
    variant: Mapping[str, str] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """Which instance it is: `postgres`, or `postgres[pg=16]` for one version of several."""
        return variant_key(self.name, self.variant)

    @property
    def runtime(self) -> Runtime:
        return runtime(self.mode)

    @property
    def home(self) -> Path:
        assert self.folder is not None, "the service has not been started"
        return self.folder

    @property
    def data_dir(self) -> Path:
        return self.home / "data"

    @property
    def log(self) -> Path:
        return self.log_file if self.log_file is not None else self.home / "output.log"

    @property
    def probe_port(self) -> int | None:
        """The port its ready probe reaches (tcp, http, or a command naming ${port}): the one
        its own process must hold; None when the probe names none."""
        process = self.service.process
        ready = process.ready if process is not None else None
        if ready is None:
            return None
        try:
            if ready.tcp is not None:
                return int(self.fill(ready.tcp).rpartition(":")[2])
            if ready.http is not None:
                parts = urllib.parse.urlsplit(self.fill(ready.http))
                return parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            return None  # the probe itself says so when it runs
        if ready.command is not None and any("${port}" in item for item in ready.command):
            return self.port
        return None

    @property
    def fixed_port(self) -> int | None:
        """The port it listens on whatever port matrixgen chose, when its probe names one."""
        port = self.probe_port
        return port if port is not None and port != self.port else None

    @property
    def values(self) -> dict[str, str]:
        return {
            **self.variant,  # the service's own names win over an axis named so
            "port": str(self.port),
            "host": self.host,
            "dir": str(self.data_dir) if self.folder is not None else "",  # made at start
            "name": self.name,
        }

    @property
    def described(self) -> str:
        """How it ran, for the results: native, compose, or provided at host:port; with
        the values it took from the cell (`compose, pg=16`)."""
        values = "".join(f", {axis}={value}" for axis, value in self.variant.items())
        return self.runtime.described(self) + values

    def fill(self, text: str) -> str:
        return substitute(text, self.values, self.base_env)

    def fill_argv(self, argv: list[str]) -> list[str]:
        """An argv with its values as literal items (a `sh -c` script gets them quoted)."""
        return fill_argv(argv, self.values, self.base_env)

    def fill_pattern(self, pattern: str) -> re.Pattern[str]:
        """A `log:` probe: the values matched as text (a `.` in `${dir}` is a dot)."""
        values = {key: re.escape(value) for key, value in self.values.items()}
        env = {key: re.escape(value) for key, value in self.base_env.items()}
        return re.compile(substitute(pattern, values, env))

    @property
    def env(self) -> dict[str, str]:
        """What every cell using the service sees."""
        return {key: self.fill(value) for key, value in self.service.env.items()}

    def log_tail(self, lines: int = 30) -> str:
        if self.output is not None and self.output.fd >= 0:
            return _tail(self.log, lines)
        return "\n".join(self.last_output.splitlines()[-lines:])

    def failure(self, reason: str) -> ServiceFailed:
        output = self.log_tail()
        detail = f"\n--- last lines of {self.name}'s output ---\n{output}" if output else ""
        return ServiceFailed(f"service {self.key} {reason}{detail}")

    async def spawn(
        self, what: str, argv: list[str], env: Mapping[str, str], cwd: Path
    ) -> asyncio.subprocess.Process:
        assert self.output is not None
        badge = self.ledger.badge if self.ledger is not None else None
        starting = spawn(argv, env=env, cwd=cwd, log=self.output, badge=badge)
        if self.ledger is not None:
            starting = self.ledger.start(f"{what} of service {self.name}", starting)
        # Shielded: a Ctrl-C (`halt`) that cancels this task just as the child has been
        # made would drop the process (the task resumes with CancelledError, not with it),
        # and nobody would stop it. The spawn finishes, and what it made is stopped.
        made = asyncio.ensure_future(starting)
        try:
            return await asyncio.shield(made)
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await terminate(await made, grace=0.5)
            raise

    async def settle(self, process: asyncio.subprocess.Process) -> None:
        if self.output is not None:
            await self.output.settle(process.pid)

    async def start(self) -> None:
        """Start, wait until ready, run setup. Raises ServiceFailed with the log tail; any
        other error is the caller's to turn into a failure (`failure`)."""
        if self.ledger is not None:
            self.folder = self.ledger.make_folder()
        else:
            self.folder = Path(tempfile.mkdtemp(prefix="matrixgen-"))
        self.data_dir.mkdir()
        self.output = Log(self.log, on_error=self.on_log_error)
        self.started = time.monotonic()
        port = self.probe_port
        if self.runtime.holds_port and port is not None and not port_is_free(port):
            fix = "let matrixgen choose it: ${port}" if port != self.port else "run again"
            raise self.failure(
                f"cannot start: port {port} is already in use by {holder(port)}; stop that "
                f"process, or {fix}"
            )
        process = self.service.process
        ready = process.ready if process is not None else None
        # Watched from the first byte: output written before the probe starts counts too.
        watch = None
        if ready is not None and ready.log is not None:
            watch = self.output.watch(self.fill_pattern(ready.log))
        ready = self.runtime.ready(self, ready)
        if ready is None or ready.log is None:
            watch = None
        await self.runtime.start(self)
        if ready is not None:
            await self._wait_ready(ready, process.timeout if process else TIMEOUT, watch)
        self.ready_after = time.monotonic() - self.started
        for step in self.service.setup:
            await self._setup(step)

    async def _wait_ready(self, ready: Ready, timeout: float, watch: Watch | None) -> None:
        """Probe every `ready.interval` until it answers; `timeout` bounds the whole wait,
        and each probe has its own shorter limit (a server that accepts and never answers)."""
        check, limit = self._probe(ready, watch)
        deadline = time.monotonic() + timeout

        async def attempt() -> None:
            if self.process is not None and self.process.returncode is not None:
                await self.settle(self.process)
                raise _Exited(f"exited with code {self.process.returncode} before it was ready")
            left = max(0.05, min(limit, deadline - time.monotonic()))
            try:
                await asyncio.wait_for(check(), left)
            except asyncio.TimeoutError:
                raise _Retry("a probe got no answer in time") from None
            self._owned()

        probing = aprobe_until(attempt, interval=ready.interval, timeout=timeout, retry=_Retry)
        try:
            await asyncio.wait_for(probing, timeout + 1.0)
        except _Exited as error:
            raise self.failure(f"{error}{self.not_owned}") from None
        except _Retry as error:
            raise self.failure(f"was not ready after {timeout:g}s ({error})") from None
        except asyncio.TimeoutError:
            raise self.failure(f"was not ready after {timeout:g}s") from None

    def _owned(self) -> None:
        """A probe that answered counts only when the service's own process tree listens on
        the probed port: else a stranger on that port answered it."""
        port = self.probe_port
        if not self.runtime.holds_port or port is None or self.process is None:
            return
        if not held_by_tree(self.process.pid, port):
            self.not_owned = f" (port {port} answered, but held by {holder(port)})"
            raise _Retry(f"port {port} answers, but not from its own process{self.not_owned}")

    def gone(self) -> str | None:
        """Why it no longer is what its cells use (its process ended, or left its port);
        None while it is, and for a runtime whose process is not its own."""
        if not self.runtime.holds_port or self.process is None:
            return None
        code = self.process.returncode
        if code is not None or not _running(self.process.pid):
            return f"exited with code {code}" if code is not None else "exited"
        port = self.probe_port
        if port is not None and not held_by_tree(self.process.pid, port):
            return f"no longer listens on port {port}"
        return None

    def _probe(self, ready: Ready, watch: Watch | None) -> tuple[_Check, float]:
        """The check and how long one attempt may take."""
        if ready.http is not None:
            return _http(self.fill(ready.http)), PROBE_LIMIT
        if ready.tcp is not None:
            host, _, port = self.fill(ready.tcp).rpartition(":")
            return _tcp(host or HOST, int(port)), PROBE_LIMIT
        if ready.command is not None:
            return _command(self.fill_argv(ready.command), self), COMMAND_LIMIT
        assert watch is not None
        return _log_line(watch), PROBE_LIMIT

    async def _setup(self, step: list[str]) -> None:
        argv = self.fill_argv(step)
        timeout = self.service.process.timeout if self.service.process else 60.0
        env = {**self.base_env, **self.env}
        await self.run_step(f"setup `{' '.join(argv)}`", "setup", argv, env, timeout)

    async def run_step(
        self,
        shown: str,
        what: str,
        argv: list[str],
        env: Mapping[str, str],
        timeout: float,
        grace: float = 1.0,
    ) -> None:
        """Run one command of the service's (a setup step, `docker compose up`) to its end
        within `timeout`; a command that cannot start, takes too long or fails fails the
        service, as `shown` names it."""
        try:
            process = await self.spawn(what, argv, env, self.root)
        except OSError as error:
            raise self.failure(f"{shown} could not start: {error.strerror or error}") from None
        try:
            code = await asyncio.wait_for(process.wait(), timeout)
        except asyncio.TimeoutError:
            await terminate(process, grace=grace)
            raise self.failure(f"{shown} took over {timeout:g}s") from None
        await self.settle(process)
        if code != 0:
            raise self.failure(f"{shown} exited with code {code}")

    async def wait_exit(self) -> int | None:
        """The exit code when the service process ends; never returns for compose services."""
        if self.process is None:
            await asyncio.Event().wait()
            return None
        code = await self.process.wait()
        await self.settle(self.process)
        return code

    async def stop(self) -> None:
        try:
            if self.output is not None:  # started: its runtime takes down what it brought up
                await self.runtime.stop(self)
        finally:
            if self.output is not None:
                await self.output.drain(0.5)
                self.output.close()
                self.last_output = _tail(self.log, 100)
            if self.folder is not None:
                if self.ledger is not None:
                    self.ledger.remove_folder(self.folder)
                else:
                    shutil.rmtree(self.folder, ignore_errors=True)


class _Retry(Exception):
    """A readiness probe that did not succeed yet."""


def _running(pid: int) -> bool:
    try:
        return bool(psutil.Process(pid).status() != psutil.STATUS_ZOMBIE)
    except psutil.Error:
        return False


def _tail(path: Path, lines: int) -> str:
    """The last lines of its log: a bounded read of a regular file, never through a link."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return ""
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return ""
        start = max(0, info.st_size - TAIL_BYTES)
        data = platform().read_at(fd, TAIL_BYTES, start)  # no os.pread on Windows
    except OSError:
        return ""
    finally:
        os.close(fd)
    return "\n".join(data.decode("utf-8", errors="replace").splitlines()[-lines:])


_Check = Callable[[], Awaitable[None]]


def _http(url: str) -> _Check:
    """GET `url`: any answer below 500 proves the server answers (a 404 too). Spoken over
    asyncio, not urllib in a thread, so a server that accepts and never answers is cancelled
    with the attempt instead of holding a thread the run must wait for at exit."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"ready.http: expected an http:// or https:// URL, got {url!r}")
    secure = parts.scheme == "https"
    port = parts.port or (443 if secure else 80)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    host = parts.netloc.rpartition("@")[2]
    request = f"GET {target} HTTP/1.0\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode()

    async def check() -> None:
        context = None
        if secure:
            import ssl

            context = ssl.create_default_context()
        try:
            reader, writer = await asyncio.open_connection(parts.hostname, port, ssl=context)
        except OSError as error:
            raise _Retry(f"GET {url}: {error.strerror or error}") from None
        try:
            writer.write(request)
            await writer.drain()
            answer = (await reader.readline()).split()
        except OSError as error:
            raise _Retry(f"GET {url}: {error.strerror or error}") from None
        finally:
            writer.close()
        if len(answer) < 2 or not answer[0].startswith(b"HTTP/") or not answer[1].isdigit():
            raise _Retry(f"GET {url}: no HTTP answer")
        status = int(answer[1])
        if status >= 500:
            raise _Retry(f"GET {url}: HTTP {status}")

    return check


def _tcp(host: str, port: int) -> _Check:
    async def check() -> None:
        try:
            _reader, writer = await asyncio.open_connection(host, port)
        except OSError as error:
            raise _Retry(f"connect {host}:{port}: {error.strerror or error}") from None
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()

    return check


def _command(argv: list[str], service: RunningService) -> _Check:
    async def check() -> None:
        try:
            process = await service.spawn("ready command", argv, service.base_env, service.root)
        except OSError as error:
            raise _Exited(f"ready command `{argv[0]}` could not start: {error}") from None
        try:
            code = await asyncio.wait_for(process.wait(), COMMAND_LIMIT)
        except asyncio.TimeoutError:
            code = await terminate(process, grace=0.5)
        finally:
            if process.returncode is None:  # the attempt was cancelled: no probe outlives it
                await terminate(process, grace=0.5)
        if code != 0:
            raise _Retry(f"`{' '.join(argv)}` exited with code {code}")

    return check


def _log_line(watch: Watch) -> _Check:
    async def check() -> None:
        if not watch.matched:
            raise _Retry(f"no line matching /{watch.pattern.pattern}/ in its output yet")

    return check
