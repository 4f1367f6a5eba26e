"""Processes a cell left behind that escaped its process group: daemons.

`redis-server --daemonize yes` forks, leaves its session and rewrites the memory that held
its environment (its process title goes there), so neither the cell's process group nor
the run marker finds it. On Linux matrixgen becomes a child subreaper
(prctl(PR_SET_CHILD_SUBREAPER), see prctl(2)): a process whose parent exits is re-parented
to matrixgen, not to init, so every daemon a cell starts stays among matrixgen's
descendants. What is there that matrixgen did not mean to keep is an orphan: after each
attempt the orphans of that cell are stopped, at teardown all of them.

Being a descendant is not proof enough (issue 19): a process that embeds `run_cells` (a
test suite) has children of its own. An orphan is this run's when its environment shows the
run marker or it holds the run's badge open (`processes.carries`: redis keeps the
descriptor it inherited while it overwrites its environment); an environment that reads
empty or cannot be read proves nothing, and such a process is left alone. A zombie is
reaped whatever it was: it has ended, and only its parent (this process) can reap it.
"""

from __future__ import annotations

import contextlib
import ctypes
import signal
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

import psutil

from matrixgen.run.platform import current as platform
from matrixgen.run.processes import Badge, holds, tree

PR_SET_CHILD_SUBREAPER = 36
PR_GET_CHILD_SUBREAPER = 37
SLACK = 0.05  # seconds: process start times are in clock ticks (10 ms)


@contextlib.contextmanager
def subreaper() -> Iterator[bool]:
    """Be a child subreaper while the block runs (Linux only; elsewhere, or when prctl
    fails, or on the portable platform, nothing changes), then restore what was set before."""
    libc = None
    before = ctypes.c_int(0)
    if sys.platform.startswith("linux") and platform().reaps_orphans:
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_GET_CHILD_SUBREAPER, ctypes.byref(before), 0, 0, 0)
    became = libc is not None and libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    try:
        yield became
    finally:
        if became and libc is not None and not before.value:
            libc.prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)


@dataclass(frozen=True)
class Orphan:
    process: psutil.Process
    created: float  # its start time (epoch seconds)
    marked: bool  # its environment shows the run marker
    cell: str  # the cell its environment names (MATRIXGEN_CELL), or ""
    zombie: bool = False  # it ended already; stopping it only reaps it

    def __str__(self) -> str:
        cell = f", from {self.cell}" if self.cell else ""
        try:
            return f"{self.process.name()} (pid {self.process.pid}{cell})"
        except psutil.Error:
            return f"pid {self.process.pid}{cell}"


def orphans(
    *, keep: Iterable[int], since: float, marker: str, badge: Badge | None = None
) -> list[Orphan]:
    """Descendants of this process outside the trees of `keep` (what it runs now), outside
    its own session (its own helper commands, such as interpreter lookups, which it waits
    for), started at `since` or later (whatever its caller started before is not ours), and
    carrying `marker` or holding `badge` (or ended: zombies). None on the portable
    platform: without a subreaper or sessions, an orphan cannot be told from this process's
    own helpers (the teardown's marker sweep still finds what carries the marker)."""
    if not platform().reaps_orphans:
        return []
    kept: set[int] = set()
    for pid in keep:
        kept.update(p.pid for p in tree(pid))
    found = []
    try:
        descendants = psutil.Process().children(recursive=True)
    except psutil.Error:  # pragma: no cover - this process always exists
        return []
    for process in descendants:
        if process.pid in kept:
            continue
        try:
            if platform().in_my_session(process.pid):
                continue
            created = process.create_time()
            if created < since - SLACK:
                continue
            zombie = process.status() == psutil.STATUS_ZOMBIE
            try:
                environ = {} if zombie else process.environ()
            except psutil.AccessDenied:
                environ = {}
        except (psutil.Error, OSError):
            continue
        if not (zombie or marker in environ or holds(process, badge)):
            continue  # nothing shows this run started it
        cell = environ.get("MATRIXGEN_CELL", "")
        # A zombie (a cell's process that ended after its parent) is judged by its start time.
        found.append(Orphan(process, created, marker in environ, cell, zombie))
    return found


def left_by_finished_cells(
    found: Iterable[Orphan], *, running: Mapping[str, float], starting: float
) -> list[Orphan]:
    """The orphans that belong to no running cell and to no service.

    `running`: cell id -> when its attempt started; `starting`: when the oldest spawn under
    way began (a child not recorded yet is not an orphan); both on `process_clock`. An
    orphan whose environment names its cell is judged by it; one that shows the marker but
    no cell is a service's (kept until teardown); one whose environment was overwritten is
    a finished cell's when it started before every running cell did.
    """
    chosen = []
    for orphan in found:
        if orphan.created >= starting - SLACK:
            continue
        if orphan.marked:
            if orphan.cell and orphan.cell not in running:
                chosen.append(orphan)
        elif all(orphan.created < since - SLACK for since in running.values()):
            chosen.append(orphan)
    return chosen


def stop(found: Iterable[Orphan], grace: float = 2.0) -> list[str]:
    """SIGTERM, then SIGKILL after `grace`; waiting also reaps those re-parented to us."""
    found = list(found)
    victims = [o.process for o in found]
    names = [str(o) for o in found if not o.zombie]
    for process in victims:
        with contextlib.suppress(psutil.Error):
            process.send_signal(signal.SIGTERM)
    _gone, alive = psutil.wait_procs(victims, timeout=grace)
    for process in alive:
        with contextlib.suppress(psutil.Error):
            process.kill()
    psutil.wait_procs(alive, timeout=grace)
    return names
