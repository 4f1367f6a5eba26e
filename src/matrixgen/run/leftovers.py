"""What runs that died left behind, and stopping it: `matrixgen clean`, and the start of
every `matrixgen run` (both under the results folder's lock, so no live run is touched).

For each ledger (`ledger.py`) whose run is dead — its pid is gone, or now belongs to a
process that started at another time:
- each recorded process that still has the same pid *and* start time is stopped with its
  process tree, provided its environment carries the dead run's marker where it still
  shows one (redis overwrites its own); so is any other process carrying that marker;
- its compose projects get `docker compose -p NAME down --volumes`, where an engine answers;
- its data folders are removed: only folders named `matrixgen-*` that hold the run's id;
- the ledger is removed, unless something could not be cleaned (it is kept for next time).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import stat
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

from matrixgen.files import read_regular
from matrixgen.marks import read_header
from matrixgen.run.ledger import FOLDER, OWNER, PREFIX, same_process
from matrixgen.run.processes import MARKER_PREFIX, marked
from matrixgen.run.requirements import docker_engine_answers

GRACE = 5.0
_RUN = re.compile(r"[0-9a-f]{32}")
_MARKER = re.compile(re.escape(MARKER_PREFIX) + r"[0-9A-F]{12}")
_PROJECT = re.compile(re.escape(PREFIX) + r"[a-z0-9_.-]+")


@dataclass(frozen=True)
class DeadRun:
    path: Path
    run_id: str
    marker: str
    pid: int
    created: float
    processes: list[tuple[int, float, str]]
    folders: list[str]
    compose: list[tuple[str, str]]


@dataclass
class Cleaned:
    lines: list[str]  # what was done, one line per dead run
    complete: bool = True  # False: something could not be cleaned (its ledger is kept)


def clean(results_dir: Path, env: Mapping[str, str], *, skip: str = "") -> Cleaned:
    """Clean up after every dead run that recorded a ledger in `results_dir`."""
    cleaned = Cleaned([])
    for path in sorted((results_dir / FOLDER).glob("run-*.json")):
        if path.name == f"run-{skip}.json":
            continue
        run = _read(path)
        if run is None:
            _remove(path)
            cleaned.lines.append(f"{path}: not a ledger matrixgen wrote; removed it")
            continue
        if same_process(run.pid, run.created) is not None:
            continue  # alive (another results folder's lock is not ours to judge)
        done, left = _clean_run(run, env)
        head = f"cleaned up after run {run.run_id[:8]} (pid {run.pid}, no longer running)"
        cleaned.lines.append(f"{head}: {'; '.join(done) or 'nothing of it was left'}")
        if left:
            cleaned.complete = False
            cleaned.lines.append(f"  could not clean: {'; '.join(left)}; its ledger {path} is kept")
        else:
            _remove(path)
    return cleaned


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):  # a read-only folder: the lock could not be taken
        path.unlink(missing_ok=True)


def _read(path: Path) -> DeadRun | None:
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
        run = DeadRun(
            path=path,
            run_id=data["run"],
            marker=data["marker"],
            pid=int(data["pid"]),
            created=float(data["created"]),
            processes=[(int(p["pid"]), float(p["created"]), str(p["what"]))
                       for p in data["processes"]],
            folders=[str(f) for f in data["folders"]],
            compose=[(str(c["project"]), str(c["file"])) for c in data["compose"]],
        )  # fmt: skip
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None
    if not (isinstance(run.run_id, str) and _RUN.fullmatch(run.run_id)):
        return None
    if not (isinstance(run.marker, str) and _MARKER.fullmatch(run.marker)):
        return None
    return run


def _clean_run(run: DeadRun, env: Mapping[str, str]) -> tuple[list[str], list[str]]:
    done: list[str] = []
    left: list[str] = []
    stopped = _stop(run)
    if stopped:
        done.append(f"stopped {', '.join(stopped)}")
    for project, file in run.compose:
        why = compose_down(project, file, env)
        (left if why else done).append(
            f"compose project {project}" + (f" ({why})" if why else " down")
        )
    for folder in run.folders:
        kept = _remove_folder(Path(folder), run.run_id)
        if kept:
            left.append(f"{folder} ({kept})")
        elif kept is not None:
            done.append(f"removed {folder}")
    return done, left


def _carries(process: psutil.Process, marker: str) -> bool:
    """Whether the process carries `marker`, as far as its environment still shows."""
    try:
        environ = process.environ()
    except psutil.AccessDenied:
        return True  # unreadable: pid and start time must do
    except psutil.Error:
        return False
    return not environ or marker in environ  # {}: overwritten (redis's process title)


def _stop(run: DeadRun) -> list[str]:
    victims: dict[int, psutil.Process] = {}
    for pid, created, _what in run.processes:
        process = same_process(pid, created)
        if process is None or not _carries(process, run.marker):
            continue
        try:
            family = [process, *process.children(recursive=True)]
        except psutil.Error:
            family = [process]
        victims.update((p.pid, p) for p in family)
    for process in marked(run.marker):
        victims.setdefault(process.pid, process)
    names = []
    for process in victims.values():
        try:
            names.append(f"{process.name()} (pid {process.pid})")
            process.send_signal(signal.SIGTERM)
        except psutil.Error:
            continue
    _gone, alive = psutil.wait_procs(list(victims.values()), timeout=GRACE)
    for process in alive:
        try:
            process.kill()
        except psutil.Error:
            continue
    psutil.wait_procs(alive, timeout=GRACE)
    return names


def compose_down(project: str, file: str, env: Mapping[str, str]) -> str:
    """'' when the project is down, else why not. Only projects matrixgen names: its own
    services' (`matrixgen-...`) and those of the profiles it generated (`name:` there)."""
    if not (_PROJECT.fullmatch(project) or _profile_names(file, project)):
        return "not a project matrixgen names"
    if not docker_engine_answers(env):
        return "no Docker engine answers `docker info`; run `matrixgen clean` where one does"
    argv = ["docker", "compose", "-p", project]
    if os.path.isfile(file):
        argv += ["-f", file]
    try:
        done = subprocess.run(
            [*argv, "down", "--volumes", "--remove-orphans"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            env=dict(env),
            timeout=120,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"`docker compose down` failed: {error}"
    return "" if done.returncode == 0 else f"`docker compose down` exited with {done.returncode}"


def _profile_names(file: str, project: str) -> bool:
    """Whether `file` is a profile matrixgen generated for the compose project `project`."""
    text = read_regular(Path(file), 64 * 1024)
    if isinstance(text, str) or read_header(text.decode("utf-8", "replace")) is None:
        return False
    return f"\nname: {json.dumps(project)}\n" in text.decode("utf-8", "replace")


def _remove_folder(folder: Path, run_id: str) -> str | None:
    """None when there is nothing to remove, '' when removed, else why it was kept."""
    try:
        info = os.lstat(folder)
    except FileNotFoundError:
        return None
    except OSError as error:
        return error.strerror or str(error)
    owned = False
    if folder.is_absolute() and folder.name.startswith(PREFIX) and stat.S_ISDIR(info.st_mode):
        try:
            owned = (folder / OWNER).read_text().strip() == run_id
        except OSError:
            owned = False
    if not owned:
        return "not a data folder this run made"
    shutil.rmtree(folder, ignore_errors=True)
    return "could not remove it" if folder.exists() else ""
