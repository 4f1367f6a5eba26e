"""Child processes: free ports, starting in a session of their own, and killing whole trees.

Why not mirakuru or port-for: mirakuru's executors block the caller in `start()` while
they poll, one service at a time, and this runner waits for several services and
cells at once on one asyncio loop; its idea of tagging every child with an env marker
so that leftovers can be found even after they re-parent (daemons such as RabbitMQ's
epmd) is what `MARKER_PREFIX` does here, through psutil, which is already a dependency.
port-for picks ports outside the kernel's ephemeral range so that an outgoing
connection cannot take the port between choosing it and the service binding it; that
rule is `free_port` below, in a few lines rather than a dependency with an IANA table.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import socket
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import psutil

from matrixgen.run.logs import Log
from matrixgen.run.platform import current as platform

# Every process matrixgen starts carries `MATRIXGEN_RUN_<id>=1`; a nested run adds its own.
MARKER_PREFIX = "MATRIXGEN_RUN_"
HOST = "127.0.0.1"

_taken: set[int] = set()


def port_is_free(port: int, host: str = HOST) -> bool:
    """Nothing listens on it. SO_REUSEADDR, as servers set it: connections of a stopped
    service lingering in TIME_WAIT do not keep the next one from binding."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = HOST) -> int:
    """A port nothing listens on, outside the ephemeral range, not handed out before in this run."""
    low, high = platform().ephemeral_range()
    candidates = [p for p in range(10000, 65000) if not (low <= p <= high) and p not in _taken]
    for port in random.sample(candidates, k=min(200, len(candidates))):
        if port_is_free(port, host):
            _taken.add(port)
            return port
    # Fall back on the kernel's choice rather than fail the run.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port = int(sock.getsockname()[1])
    _taken.add(port)
    return port


def process_clock() -> float:
    """Now, on the clock of `psutil.Process.create_time()`: boot time (whole seconds) plus
    the time since boot. time.time() can be a second away from it, too far to tell whether
    a process started before or after something."""
    try:
        return psutil.boot_time() + time.clock_gettime(time.CLOCK_BOOTTIME)
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return time.time()


def tree(pid: int) -> list[psutil.Process]:
    """The process and every descendant, found before anything is killed (orphans re-parent)."""
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.Error:
        return []


def _stop_all(processes: Iterable[psutil.Process], *, force: bool) -> None:
    """SIGTERM (force: SIGKILL) each; on Windows both are TerminateProcess."""
    for process in processes:
        with contextlib.suppress(psutil.Error):
            process.kill() if force else process.terminate()


async def terminate(process: asyncio.subprocess.Process, *, grace: float = 3.0) -> int:
    """SIGTERM the session led by `process` and its descendants, then SIGKILL what is left.

    On POSIX children start with `start_new_session=True`, so each leads its own process
    group and `killpg` reaches grandchildren even when their parent died first; the psutil
    walk (taken before any signal, since orphans re-parent) catches those that left the
    group, and is all there is on the portable platform. The direct child is reaped by
    asyncio, never by psutil, so its exit code stays right.
    """
    descendants = tree(process.pid)[1:]
    platform().stop_group(process, force=False)
    _stop_all(descendants, force=False)
    deadline = time.monotonic() + grace
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(process.wait(), grace)
    while any(_alive(p) for p in descendants) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    platform().stop_group(process, force=True)
    _stop_all([p for p in descendants if _alive(p)], force=True)
    return await process.wait()


def _alive(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


# A run's badge: (st_dev, st_ino) of a file only that run made (`ledger.Ledger.begin`), which
# every process it starts holds open (pass_fds). Unlike the marker, which a process can
# overwrite (redis puts its title there) and a ledger can name, a descriptor is the
# kernel's word that the process descends from the run: no file can make a stranger hold it.
Badge = tuple[int, int]


def holds(process: psutil.Process, badge: Badge | None) -> bool:
    """Whether `process` holds an open descriptor on the badge's file. Unreadable: no."""
    if badge is None:
        return False
    try:
        paths = platform().open_paths(process)
    except (OSError, psutil.Error):
        return False
    for path in paths:
        try:
            info = os.stat(path)
        except OSError:
            continue
        if (info.st_dev, info.st_ino) == badge:
            return True
    return False


def carries(process: psutil.Process, marker: str, badge: Badge | None = None) -> bool:
    """Proof that the run of `marker` and `badge` started `process`: its environment, read
    and not empty, carries the marker, or it holds the badge. An environment that reads
    empty (`env -i`, or overwritten as redis does) or cannot be read proves nothing."""
    try:
        if marker in process.environ():
            return True
    except (psutil.Error, OSError):
        pass
    return holds(process, badge)


def ours(marker: str, badge: Badge | None = None) -> list[psutil.Process]:
    """Live processes that carry `marker` or hold `badge` (see `carries`); never this process
    or one of its ancestors."""
    found = []
    mine = protected()
    for process in psutil.process_iter():
        if process.pid in mine:
            continue
        with contextlib.suppress(psutil.Error):
            if process.status() != psutil.STATUS_ZOMBIE and carries(process, marker, badge):
                found.append(process)
    return found


def _parents(process: psutil.Process) -> list[psutil.Process]:
    try:
        return process.parents()
    except psutil.Error:  # pragma: no cover - this process always exists
        return []


def protected() -> set[int]:
    """Never stopped whatever a ledger says: init, this process and its ancestors."""
    me = psutil.Process()
    return {0, 1, me.pid, *(p.pid for p in _parents(me))}


def sweep(marker: str, badge: Badge | None = None, grace: float = 2.0) -> list[str]:
    """Kill every leftover process that carries `marker` or holds `badge`; return what was
    found."""
    leftovers = ours(marker, badge)
    names = []
    for process in leftovers:
        with contextlib.suppress(psutil.Error):
            names.append(f"{process.name()} (pid {process.pid})")
    _stop_all(leftovers, force=False)
    _gone, alive = psutil.wait_procs(leftovers, timeout=grace)
    _stop_all(alive, force=True)
    psutil.wait_procs(alive, timeout=grace)
    return names


def tail(path: Path, lines: int = 40, limit: int = 8192) -> str:
    """The last lines of a log file, decoded leniently; '' when there is none."""
    try:
        with path.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - limit))
            data = handle.read()
    except OSError:
        return ""
    text = data.decode("utf-8", errors="replace")
    return "\n".join(text.splitlines()[-lines:])


async def spawn(
    command: str | list[str] | tuple[str, ...],
    *,
    env: Mapping[str, str],
    cwd: Path,
    log: Log,
    badge: int | None = None,
) -> asyncio.subprocess.Process:
    """Start a shell line or an argv in a new session, stdout and stderr into `log` (a pipe).

    Its own session keeps Ctrl-C in the terminal from reaching it directly (the runner
    decides when it stops) and makes its process group killable as a whole. `badge`, the
    descriptor of the run's badge file, stays open in it (see `Badge`; POSIX only).
    """
    system = platform()
    if isinstance(command, str) and (argv := system.shell(command, env)) is not None:
        command = argv
    output, done = await log.pipe()
    try:
        options: dict[str, Any] = {
            "stdin": asyncio.subprocess.DEVNULL,
            "stdout": output,
            "stderr": asyncio.subprocess.STDOUT,
            "env": dict(env),
            "cwd": cwd,
            **system.spawn_options(badge),
        }
        if isinstance(command, str):
            process = await asyncio.create_subprocess_shell(command, **options)
        else:
            process = await asyncio.create_subprocess_exec(*command, **options)
    finally:
        os.close(output)  # the child holds its own copy; EOF comes when the last writer exits
    log.bind(process.pid, done)
    return process
