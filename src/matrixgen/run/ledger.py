"""What a run has started, on disk while it runs: `<results>/.matrixgen/run-<id>.json`.

Written before each start and updated on each stop, so that after a run is killed
(SIGKILL, an OOM kill, a power cut) the next `matrixgen run` or `matrixgen clean` knows
what it left: processes (pid and start time, so a reused pid is never mistaken for
one of ours), private data folders, compose projects, and the run's marker variable.
Beside it, `run-<id>.badge`: a file every process the run starts holds open (see
`processes.Badge`), proof of descent that no ledger can forge. A run that ends normally
removes both. `dead_runs` reads the ledgers of dead runs and `leftovers` cleans up after them.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import json
import os
import re
import shutil
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from matrixgen.files import write_atomic
from matrixgen.run.processes import MARKER_PREFIX, Badge, process_clock

FOLDER = ".matrixgen"  # in the results folder: this file, the lock
OWNER = ".matrixgen-run"  # in each data folder a run makes: the run's id (clean checks it)
PREFIX = "matrixgen-"  # of data folders and compose projects of services
# Never through a link; not inherited but where passed (pass_fds). Windows has neither flag.
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
VERSION = 2  # 2: compose project names carry `compose_name`'s token; the badge file
_tokens = itertools.count()


def ledger_path(results_dir: Path, run_id: str) -> Path:
    return results_dir / FOLDER / f"run-{run_id}.json"


def badge_path(ledger: Path) -> Path:
    """The run's badge file, beside its ledger."""
    return ledger.with_suffix(".badge")


def run_marker(run_id: str, results_dir: Path) -> str:
    """The variable every process of the run carries: `MATRIXGEN_RUN_` and 16 hex digits of
    a hash of the run's id and its results folder. A ledger that copies a run alive in
    another results folder names a marker this folder would not make (`dead_runs`)."""
    where = os.path.realpath(results_dir)
    digest = hashlib.sha256("\0".join((where, run_id)).encode()).hexdigest()[:16]
    return f"{MARKER_PREFIX}{digest.upper()}"


def compose_name(stem: str, root: Path, run_id: str, file: Path | str) -> str:
    """The compose project a run brings up from `file`: `STEM-TOKEN`, TOKEN 12 hex digits of
    a hash of the project folder, the run's id and the file's place in that folder.

    `matrixgen clean` recomputes it from its own project folder and a ledger's run id and
    file, and brings down no project whose name it cannot derive so: not another project's
    stack, not a `matrixgen-*` name a ledger made up, not a profile brought up by hand (that
    one has the profile's own `name:`, without a token)."""
    real_root = os.path.realpath(root)
    place = os.path.relpath(os.path.realpath(file), real_root)
    token = hashlib.sha256("\0".join((real_root, run_id, place)).encode()).hexdigest()[:12]
    return f"{re.sub(r'[^a-z0-9_-]+', '-', stem.lower()).strip('-_') or 'matrixgen'}-{token}"


@dataclass
class Ledger:
    path: Path
    run_id: str
    marker: str
    on_error: Callable[[OSError], None] | None = None
    badge: int | None = None  # an open descriptor on the badge file, passed to every child
    badge_id: Badge | None = None
    processes: dict[int, dict[str, Any]] = field(default_factory=dict)  # live ones, by pid
    folders: list[str] = field(default_factory=list)
    compose: dict[str, str] = field(default_factory=dict)  # project -> compose file
    starting: dict[int, float] = field(default_factory=dict)  # spawns under way -> since when
    # (on `process_clock`, the clock of process start times)
    _waits: set[asyncio.Task[int]] = field(default_factory=set)

    def data(self) -> dict[str, Any]:
        me = psutil.Process()
        return {
            "version": VERSION,
            "run": self.run_id,
            "marker": self.marker,
            "pid": me.pid,
            "created": me.create_time(),
            "processes": list(self.processes.values()),
            "folders": self.folders,
            "compose": [{"project": p, "file": f} for p, f in self.compose.items()],
        }

    def begin(self) -> None:
        """Before anything starts: make the run's badge file and write the ledger."""
        path = badge_path(self.path)
        made = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW
        try:
            descriptor = os.open(path, made, 0o600)
            try:
                os.write(descriptor, f"{self.run_id}\n".encode())
            finally:
                os.close(descriptor)
            self.badge = os.open(path, os.O_RDONLY | _NOFOLLOW)
            info = os.fstat(self.badge)
            self.badge_id = (info.st_dev, info.st_ino)
        except OSError as error:
            if self.on_error is None:
                raise
            self.on_error(error)
        self.save()

    def save(self) -> None:
        try:
            write_atomic(self.path, json.dumps(self.data(), indent=1) + "\n")
        except OSError as error:
            if self.on_error is None:
                raise
            self.on_error(error)

    async def start(
        self, what: str, starting: Awaitable[asyncio.subprocess.Process]
    ) -> asyncio.subprocess.Process:
        """Await a spawn and record its process. While the spawn is under way the child
        exists unrecorded: `starting` says so, so that the reaper leaves it alone."""
        token = next(_tokens)
        self.starting[token] = process_clock()
        try:
            process = await starting
            self.track(process, what)
            return process
        finally:
            del self.starting[token]

    def track(self, process: asyncio.subprocess.Process, what: str) -> None:
        """Record a process just started; it is forgotten once it has been waited for."""
        try:
            created = psutil.Process(process.pid).create_time()
        except psutil.Error:
            return  # already gone
        self.processes[process.pid] = {"pid": process.pid, "created": created, "what": what}
        self.save()
        waiting = asyncio.ensure_future(process.wait())
        self._waits.add(waiting)
        waiting.add_done_callback(lambda done: self._ended(done, process.pid))

    def _ended(self, done: asyncio.Task[int], pid: int) -> None:
        self._waits.discard(done)
        if self.processes.pop(pid, None) is not None:
            self.save()

    def make_folder(self) -> Path:
        """A private data folder, recorded before anything starts in it."""
        folder = Path(tempfile.mkdtemp(prefix=PREFIX))
        (folder / OWNER).write_text(self.run_id)
        self.folders.append(str(folder))
        self.save()
        return folder

    def remove_folder(self, folder: Path) -> None:
        shutil.rmtree(folder, ignore_errors=True)
        if str(folder) in self.folders and not folder.exists():
            self.folders.remove(str(folder))
            self.save()

    def compose_up(self, project: str, file: Path) -> None:
        self.compose[project] = str(file)
        self.save()

    def compose_down(self, project: str) -> None:
        if self.compose.pop(project, None) is not None:
            self.save()

    def live(self) -> list[int]:
        return list(self.processes)

    def close(self) -> list[str]:
        """At the end of the run: remove the ledger when nothing recorded is left, else keep
        it for `matrixgen clean` and say what is left."""
        left = [f"{p['what']} (pid {p['pid']})" for p in self.processes.values() if _alive(p)]
        left += [f"data folder {f}" for f in self.folders if os.path.isdir(f)]
        left += [f"compose project {p}" for p in self.compose]
        if left:
            self.processes = {pid: p for pid, p in self.processes.items() if _alive(p)}
            self.folders = [f for f in self.folders if os.path.isdir(f)]
            self.save()
        else:
            with contextlib.suppress(OSError):
                self.path.unlink()
            with contextlib.suppress(OSError):
                badge_path(self.path).unlink()
        if self.badge is not None:
            os.close(self.badge)
            self.badge = None
        return left


def same_process(pid: int, created: float) -> psutil.Process | None:
    """The process `pid` if it is still the one that started at `created`, else None."""
    try:
        process = psutil.Process(pid)
        if abs(process.create_time() - created) < 0.02:
            return process
    except (psutil.Error, OSError, ValueError, OverflowError, TypeError):
        pass  # gone, or not a pid at all (a ledger is checked before, `dead_runs`)
    return None


def _alive(entry: dict[str, Any]) -> bool:
    process = same_process(int(entry["pid"]), float(entry["created"]))
    try:
        return process is not None and process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False
