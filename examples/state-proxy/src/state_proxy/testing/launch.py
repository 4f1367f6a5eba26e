"""Shared launcher plumbing: free ports, and children that die with the launcher."""

from __future__ import annotations

import signal
import socket
import subprocess
from collections.abc import Mapping, Sequence
from types import FrameType


def free_port() -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def supervise(children: Sequence[subprocess.Popen[bytes]], *, grace: float = 15.0) -> int:
    """Wait for the first child (the service); on SIGTERM/SIGINT stop every child, last first.

    The launcher stays in the runner's process group with its children, so a hard kill of
    the group still takes everything down; this path makes the usual stop a clean one.
    """
    main = children[0]
    stopped = False

    def stop(signum: int, frame: FrameType | None) -> None:
        # Only signal here: waiting inside a handler that interrupted main.wait() would
        # deadlock on the Popen's wait lock. The main path below does the waiting.
        nonlocal stopped
        stopped = True
        for child in children:
            if child.poll() is None:
                child.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        code = main.wait()
    finally:
        terminate(children, grace=grace)
    return 0 if stopped else code


def terminate(children: Sequence[subprocess.Popen[bytes]], *, grace: float) -> None:
    for child in reversed(children):
        if child.poll() is None:
            child.terminate()
    for child in reversed(children):
        try:
            child.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def start(argv: Sequence[str], env: Mapping[str, str] | None = None) -> subprocess.Popen[bytes]:
    print("+", " ".join(argv), flush=True)
    return subprocess.Popen(list(argv), env=None if env is None else dict(env))
