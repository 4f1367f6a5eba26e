"""Who holds a port: the proof that a service's answer came from the service.

A ready probe only shows that *something* answers on the port. Issue 21: with a foreign
server already on a service's fixed port, the probe succeeded against it, matrixgen's own
server exited (port in use), and its cells passed against the stranger. So a probe counts
only while the service's own process tree listens on the port (`held_by_tree`), and a port
in use before the service starts is an error naming its holder (`holder`).

Both read psutil's connection tables (on Linux /proc/net/tcp and each process's fds): a
process of another user shows as "a process matrixgen cannot see" rather than a pid.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable

import psutil

LISTEN = psutil.CONN_LISTEN


def _listens(connections: Iterable[object], port: int) -> bool:
    for connection in connections:
        address = getattr(connection, "laddr", ())
        if getattr(connection, "status", "") == LISTEN and address and address[1] == port:
            return True
    return False


def _own_connections(process: psutil.Process) -> list[object]:
    # `net_connections` since psutil 6.0; `connections` before (pyproject allows 5.9).
    read = getattr(process, "net_connections", None) or process.connections
    try:
        return list(read(kind="inet"))
    except (psutil.Error, OSError):
        return []


def held_by_tree(pid: int, port: int) -> bool:
    """Whether process `pid` or one of its descendants listens on `port`."""
    try:
        root = psutil.Process(pid)
        members = [root, *root.children(recursive=True)]
    except psutil.Error:
        return False
    return any(_listens(_own_connections(member), port) for member in members)


def holder(port: int) -> str:
    """What listens on `port`, as `name (pid N: command line)`; a hint when it cannot be seen."""
    try:
        connections = psutil.net_connections(kind="inet")
    except (psutil.Error, OSError):
        connections = []
    pids = sorted(
        {
            c.pid
            for c in connections
            if c.status == LISTEN and c.laddr and c.laddr[1] == port and c.pid is not None
        }
    )
    described = [_describe(pid) for pid in pids]
    if not described:
        return "a process matrixgen cannot see (another user's, or in another network namespace)"
    return ", ".join(described)


def _describe(pid: int) -> str:
    name, command = "?", ""
    with contextlib.suppress(psutil.Error):
        process = psutil.Process(pid)
        name = process.name()
        command = " ".join(" ".join(process.cmdline()).split())  # redis pads its title
    if len(command) > 200:
        command = command[:197] + "..."
    return f"{name} (pid {pid}" + (f": {command})" if command else ")")
