"""What `matrixgen run` does differently on POSIX and elsewhere (Windows), in one place.

POSIX: each child leads a session of its own (`start_new_session`), so `killpg` reaches its
grandchildren; children hold the run's badge open (`pass_fds`); locks are `flock`; the
runner stops on SIGHUP, SIGINT, SIGQUIT and SIGTERM; matrixgen becomes a child subreaper on
Linux (`reaper`); the loop reads children's output from plain pipes.

Portable (Windows, or forced with MATRIXGEN_PLATFORM=portable): no process groups, no
descriptor passing, no fcntl, no POSIX-only signals. A process is stopped with its tree as
psutil walks it (taken before anything is killed); a lock is a file made with O_EXCL that
names its holder (pid and start time), taken over when that holder is gone; a shell line
goes to the `sh` on PATH (Git for Windows' on a GitHub runner), since `run:` lines are sh;
output pipes are read by a thread (a Windows event loop cannot watch an anonymous pipe);
SIGINT, SIGTERM and SIGBREAK (Windows' Ctrl-Break) stop the run. Orphans are not reaped:
without a subreaper a daemon that leaves its tree is found only by the run marker sweep.

MATRIXGEN_PLATFORM=posix|portable overrides the choice by `sys.platform`; it exists so the
test suite runs the portable path on Linux (nothing here was run on real Windows).
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import psutil

from matrixgen.errors import MatrixgenError

VARIABLE = "MATRIXGEN_PLATFORM"
LOCK_POLL = 0.05  # seconds between two looks at a lock file another process holds
_IDENTITY = 128  # bytes: a lock file's content is at most this
NOT_A_LOCK = "\0"  # what a link, a folder or an unreadable file at a lock's path reads as


class NoShell(MatrixgenError):
    exit_code = 2


class Lock:
    """A lock held by this process; `release` gives it up (also when its holder dies)."""

    def release(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError


@dataclass(frozen=True)
class Platform:
    name: str

    @property
    def posix(self) -> bool:
        return self.name == "posix"

    # --- children -------------------------------------------------------------------

    def spawn_options(self, badge: int | None) -> dict[str, Any]:
        """Options for asyncio's subprocess functions: a session of its own and the badge
        descriptor on POSIX; on Windows a process group of its own, which Ctrl-C in the
        console does not reach (the runner decides when it stops)."""
        if self.posix:
            return {"start_new_session": True, "pass_fds": () if badge is None else (badge,)}
        if sys.platform == "win32":  # pragma: no cover - not run here
            return {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
        return {}

    def shell(self, line: str, env: Mapping[str, str]) -> list[str] | None:
        """The argv that runs a `run:` line, or None for asyncio's shell (POSIX /bin/sh)."""
        if self.posix:
            return None
        found = shutil.which("sh", path=env.get("PATH", os.defpath))
        if found is None:
            raise NoShell(
                "`run:` lines are sh lines, and no `sh` is on PATH; on Windows install Git for "
                "Windows and put its usr\\bin on PATH (a GitHub runner's `shell: bash` steps do)"
            )
        return [found, "-c", line]

    def stop_group(self, process: Any, *, force: bool) -> None:
        """Stop the child `process` (an asyncio subprocess): on POSIX its whole process group."""
        if self.posix:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL if force else signal.SIGTERM)
            return
        with contextlib.suppress(ProcessLookupError, PermissionError, OSError):
            process.kill() if force else process.terminate()

    def in_my_session(self, pid: int) -> bool:
        """Whether `pid` shares this process's session (its own helper commands); portable:
        there are no sessions, so no process is told apart this way."""
        if not self.posix:
            return False
        return os.getsid(pid) == os.getsid(0)

    @property
    def reaps_orphans(self) -> bool:
        """Whether orphans of cells can be found among this process's descendants."""
        return self.posix

    @property
    def loop_reads_pipes(self) -> bool:
        """Whether the event loop can watch an anonymous pipe (not Windows' proactor)."""
        return self.posix

    @property
    def stop_signals(self) -> tuple[signal.Signals, ...]:
        """Every way a terminal or a supervisor asks a process to stop: the terminal closed
        or the ssh connection dropped (SIGHUP), Ctrl-C (SIGINT), Ctrl-\\ (SIGQUIT),
        kill/CI/systemd (SIGTERM); on Windows Ctrl-Break (SIGBREAK)."""
        names = ("SIGHUP", "SIGINT", "SIGQUIT", "SIGTERM") if self.posix else _PORTABLE_SIGNALS
        return tuple(getattr(signal, name) for name in names if hasattr(signal, name))

    def on_stop(self, loop: Any, callback: Callable[[int], None]) -> Callable[[], None]:
        """Call `callback(signum)` on the loop for each stop signal; returns the undo."""
        signals = self.stop_signals
        if self.posix:
            for signum in signals:
                loop.add_signal_handler(signum, callback, signum)

            def remove() -> None:
                for signum in signals:
                    with contextlib.suppress(ValueError, RuntimeError):
                        loop.remove_signal_handler(signum)

            return remove
        # Windows' event loops have no add_signal_handler: a plain handler hands over to it.
        before = {signum: signal.getsignal(signum) for signum in signals}
        for signum in signals:
            signal.signal(signum, lambda n, _f: loop.call_soon_threadsafe(callback, n))

        def restore() -> None:
            for signum, handler in before.items():
                signal.signal(signum, handler)

        return restore

    def ephemeral_range(self) -> tuple[int, int]:
        """The ports the kernel hands out for outgoing connections: Linux's own; elsewhere
        one that holds Linux's default (32768-60999), macOS' and Windows' (49152-65535)."""
        with contextlib.suppress(OSError, ValueError):
            low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
            return int(low), int(high)
        return 32768, 65535

    def open_paths(self, process: psutil.Process) -> list[str]:
        """Paths of what `process` holds open: every descriptor on Linux (/proc/PID/fd, a
        deleted or unnamed file too), elsewhere the regular files psutil lists."""
        if sys.platform.startswith("linux"):
            return [entry.path for entry in os.scandir(f"/proc/{process.pid}/fd")]
        return [opened.path for opened in process.open_files()]  # pragma: no cover - not Linux

    # --- files ----------------------------------------------------------------------

    def read_at(self, fd: int, length: int, offset: int) -> bytes:
        if self.posix:
            return os.pread(fd, length, offset)
        os.lseek(fd, offset, os.SEEK_SET)
        return os.read(fd, length)

    def write_at(self, fd: int, data: bytes | memoryview, offset: int) -> int:
        if self.posix:
            return os.pwrite(fd, data, offset)
        os.lseek(fd, offset, os.SEEK_SET)
        return os.write(fd, data)

    def own(self, info: os.stat_result) -> bool:
        """Whether this user owns the file (Windows has no uids: yes)."""
        geteuid = getattr(os, "geteuid", None)
        return geteuid is None or info.st_uid == geteuid()

    def try_lock(self, path: Path, opener: Callable[[Path], int]) -> Lock | str:
        """Lock `path` for this process, or say who holds it (a pid, or 'unknown').

        POSIX: flock on the file `opener` opens, which then holds this pid. Portable: the
        file exists only while held (`_FileLock`). Raises OSError naming the path."""
        if not self.posix:
            return _FileLock.take(path, wait=False)
        import fcntl

        fd = opener(path)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            if error.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                os.close(fd)
                raise
            other = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            return other
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        except OSError as error:
            os.close(fd)
            raise OSError(error.errno, error.strerror, str(path)) from None
        return _FdLock(fd)

    @contextlib.contextmanager
    def locked(self, path: Path) -> Iterator[None]:
        """Hold the lock on `path` while the block runs, waiting for it first. Two threads of
        one process exclude each other as two processes do."""
        if not self.posix:
            taken = _FileLock.take(path, wait=True)
            assert isinstance(taken, Lock)
            try:
                yield
            finally:
                taken.release()
            return
        import fcntl

        # flock locks an open file description, so threads exclude each other too. The file
        # stays: removing it would race with a waiter.
        with path.open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


_PORTABLE_SIGNALS = ("SIGINT", "SIGTERM", "SIGBREAK")


class _FdLock(Lock):
    def __init__(self, fd: int) -> None:
        self.fd = fd

    def release(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self.fd)


class _FileLock(Lock):
    """A lock file made with O_EXCL: `pid created token`, its holder's pid, start time and a
    token of this holding. A file whose holder is gone (killed: nothing removed it) is
    renamed aside, then removed, and the lock is taken anew; renaming is atomic, so of two
    processes taking over one stale file only one succeeds. Left open: a third process
    taking the lock between another's rename and its own check."""

    def __init__(self, path: Path, identity: str) -> None:
        self.path, self.identity = path, identity

    @classmethod
    def take(cls, path: Path, *, wait: bool) -> _FileLock | str:
        me = psutil.Process()
        identity = f"{me.pid} {me.create_time()!r} {secrets.token_hex(8)}"
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        while True:
            try:
                fd = os.open(path, flags, 0o644)
            except FileExistsError:
                seen = _read_lock(path)
                holder = _holder(path, seen)
                if holder is None:
                    _take_over(path, seen)
                    continue
                if not wait:
                    return holder
                time.sleep(LOCK_POLL)
                continue
            try:
                os.write(fd, f"{identity}\n".encode())
            except OSError as error:
                os.close(fd)
                with contextlib.suppress(OSError):
                    os.unlink(path)
                raise OSError(error.errno, error.strerror, str(path)) from None
            os.close(fd)
            return cls(path, identity)

    def release(self) -> None:
        if _read_lock(self.path) == f"{self.identity}\n":
            with contextlib.suppress(OSError):
                os.unlink(self.path)


def _read_lock(path: Path) -> str | None:
    """The lock file's text; None when it is gone, NOT_A_LOCK when it is no regular file."""
    from matrixgen.files import read_regular

    try:
        os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError:
        return NOT_A_LOCK
    data = read_regular(path, _IDENTITY)
    return data.decode(errors="replace") if isinstance(data, bytes) else NOT_A_LOCK


def _holder(path: Path, seen: str | None) -> str | None:
    """Who holds the lock (its pid), or None when nobody does any more."""
    if seen is None:
        return "unknown"  # released just now: look again
    if seen == NOT_A_LOCK:
        return None  # a link or a folder planted there: replaced
    parts = seen.split()
    if len(parts) != 3:
        # Made, not written yet (its maker is between two calls), or garbage: give a maker
        # a moment, then take it over.
        with contextlib.suppress(OSError):
            if time.time() - os.lstat(path).st_mtime < 5:
                return "unknown"
        return None
    try:
        pid, created = int(parts[0]), float(parts[1])
        alive = abs(psutil.Process(pid).create_time() - created) < 0.01
    except (ValueError, psutil.Error):
        alive = False
    return parts[0] if alive else None


def _take_over(path: Path, seen: str | None) -> None:
    aside = path.with_name(f"{path.name}.{os.getpid()}-{secrets.token_hex(4)}.stale")
    try:
        os.rename(path, aside)
    except FileNotFoundError:
        return  # another process took it over first
    if _read_lock(aside) != seen:
        # A live holder's file, made after the stale one was read: give it back.
        with contextlib.suppress(OSError):
            os.link(aside, path)
    with contextlib.suppress(OSError):
        os.unlink(aside)


def choose(environ: Mapping[str, str], system: str) -> Platform:
    """POSIX unless on Windows; MATRIXGEN_PLATFORM=posix|portable overrides (for tests)."""
    asked = environ.get(VARIABLE, "").strip().lower()
    if asked in ("posix", "portable"):
        return Platform(asked)
    return Platform("portable" if system == "win32" else "posix")


@cache
def current() -> Platform:
    """This process's platform, chosen once: what it can do does not change while it runs."""
    return choose(os.environ, sys.platform)
