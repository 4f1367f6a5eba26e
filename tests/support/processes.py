"""Processes a test started: every test runs under a tag of its own in its environment
(`TEST_TAG`), which each process it starts inherits unless given an env without it, so what
is still running after the test is found by the tag, wherever it re-parented, and never a
process of another test, another pytest worker or another job on this machine."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

TEST_TAG = "MATRIXGEN_TEST_ID"
PROC = Path("/proc")


def _running(pid: str) -> bool:
    try:
        stat = (PROC / pid / "stat").read_bytes()
    except OSError:
        return False
    return stat[stat.rfind(b")") + 2 : stat.rfind(b")") + 3] not in (b"Z", b"X")


def _environ(pid: str) -> bytes:
    """/proc/PID/environ through os.open and os.read (every test reads every process's:
    pathlib's open cost three times as much); b"" for a process gone or not readable."""
    try:
        fd = os.open(f"/proc/{pid}/environ", os.O_RDONLY)
    except OSError:
        return b""
    try:
        chunks = []
        while chunk := os.read(fd, 1 << 16):
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError:
        return b""
    finally:
        os.close(fd)


def tagged(tag: str, name: str = TEST_TAG) -> list[int]:
    """Live processes (not zombies, not this one) whose environment holds NAME=TAG."""
    needle = f"{name}={tag}".encode()
    me = str(os.getpid())
    found = []
    for pid in os.listdir(PROC):
        if not pid.isdigit() or pid == me:
            continue
        environ = _environ(pid)
        if needle in environ and needle in environ.split(b"\0") and _running(pid):
            found.append(int(pid))
    return found


def describe(pid: int) -> str:
    try:
        argv = (PROC / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").strip()
    except OSError:
        return f"pid {pid}"
    return f"pid {pid}: {argv.decode(errors='replace')[:200]}"


def leftovers(tag: str, grace: float = 3.0) -> list[str]:
    """What the test tagged `tag` left running after `grace` seconds (a process told to stop
    may take a moment): killed, and described for the failure."""
    deadline = time.monotonic() + grace
    left = tagged(tag)
    while left and time.monotonic() < deadline:
        time.sleep(0.1)
        left = tagged(tag)
    names = [describe(pid) for pid in left]
    for pid in left:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            continue
    return names
