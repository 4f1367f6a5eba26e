"""What runs that died left behind, and stopping it: `matrixgen clean`, and the start of
every `matrixgen run` (both under the results folder's lock, so no live run is touched).

A ledger only names candidates; each is touched only on proof that the dead run made it,
proof the ledger cannot supply (issue 19). For each ledger (`dead_runs`) whose run is dead
— its pid is gone, or now belongs to a process that started at another time:
- a recorded process is stopped, with its process tree, when its pid *and* start time
  still match and it carries the run's marker in an environment that can be read, or
  holds the run's badge open (`processes.carries`); an environment that reads empty (`env
  -i`, a redis-server that wrote its title there) or cannot be read proves nothing, and
  such a process is left running. So is any other process that carries the marker or
  holds the badge; never init, nor this process or its ancestors;
- a compose project gets `docker compose -p NAME -f FILE down --volumes` when an engine
  answers, NAME is the one `ledger.compose_name` derives from this project folder, the
  run's id and FILE (a file inside this project: a profile matrixgen generated, or a
  service's compose file), and every container the engine has of NAME comes from files
  inside this project;
- a data folder is removed when it is named `matrixgen-*`, is a real folder of this user,
  and holds the run's id in its owner file;
- the ledger and its badge are removed, unless something could not be cleaned.
A file in the folder that is not a ledger matrixgen wrote is reported in one line, ignored.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import stat
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import psutil

from matrixgen.files import read_regular
from matrixgen.marks import read_header
from matrixgen.run import dead_runs
from matrixgen.run.dead_runs import DeadRun
from matrixgen.run.ledger import FOLDER, OWNER, PREFIX, badge_path, compose_name, same_process
from matrixgen.run.platform import current as platform
from matrixgen.run.processes import Badge, carries, ours, protected
from matrixgen.run.requirements import docker_engine_answers

GRACE = 5.0
DOCKER_LIMIT = 120  # seconds one docker command may take


@dataclass
class Cleaned:
    lines: list[str]  # what was done, one line per dead run
    complete: bool = True  # False: something could not be cleaned (its ledger is kept)


def clean(results_dir: Path, env: Mapping[str, str], *, root: Path) -> Cleaned:
    """Clean up after every dead run that recorded a ledger in `results_dir`; `root` is the
    project folder (of matrix.yaml), where the compose files of its runs lie."""
    cleaned = Cleaned([])
    for path in sorted((results_dir / FOLDER).glob("run-*.json")):
        run = dead_runs.read(path)
        if isinstance(run, str):
            cleaned.lines.append(
                f"{path}: not a ledger matrixgen wrote ({run}); ignored it (delete it to "
                "silence this)"
            )
            continue
        if same_process(run.pid, run.created) is not None:
            continue  # alive (another results folder's lock is not ours to judge)
        done, left = _clean_run(run, root, env)
        head = f"cleaned up after run {run.run_id[:8]} (pid {run.pid}, no longer running)"
        cleaned.lines.append(f"{head}: {'; '.join(done) or 'nothing of it was left'}")
        if left:
            cleaned.complete = False
            cleaned.lines.append(f"  could not clean: {'; '.join(left)}; its ledger {path} is kept")
        else:
            for made in (path, badge_path(path)):
                with contextlib.suppress(OSError):  # read-only: the lock could not be taken
                    made.unlink(missing_ok=True)
    return cleaned


def _clean_run(run: DeadRun, root: Path, env: Mapping[str, str]) -> tuple[list[str], list[str]]:
    done: list[str] = []
    left: list[str] = []
    stopped, spared = _stop(run, _badge(run))
    if stopped:
        done.append(f"stopped {', '.join(stopped)}")
    if spared:
        done.append(f"left running {', '.join(spared)}: nothing shows this run started them")
    for project, file in run.compose:
        why = _not_ours(project, file, root, run.run_id) or compose_down(project, file, env, root)
        if why is None:
            continue  # nothing of it is left on the engine
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


# --- processes -----------------------------------------------------------------------------


def _badge(run: DeadRun) -> Badge | None:
    """The run's badge file, if it is one `Ledger.begin` could have made: a regular file of
    this user with no other name (not a link to, or a hard link of, a file others hold)."""
    try:
        info = os.lstat(badge_path(run.path))
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode) or info.st_nlink != 1 or not platform().own(info):
        return None
    return info.st_dev, info.st_ino


def _stop(run: DeadRun, badge: Badge | None) -> tuple[list[str], list[str]]:
    """Stop what the run provably started; also say which recorded processes were spared."""
    never = protected()
    victims: dict[int, psutil.Process] = {}
    spared: list[str] = []
    for pid, created, _what in run.processes:
        process = same_process(pid, created)
        if process is None:
            continue
        if pid in never or not carries(process, run.marker, badge):
            spared.append(_named(process))
            continue
        try:
            family = [process, *process.children(recursive=True)]
        except psutil.Error:
            family = [process]
        victims.update((p.pid, p) for p in family if p.pid not in never)
    for process in ours(run.marker, badge):
        victims.setdefault(process.pid, process)
    names = []
    for process in victims.values():
        try:
            names.append(_named(process))
            process.send_signal(signal.SIGTERM)
        except psutil.Error:
            continue
    _gone, alive = psutil.wait_procs(list(victims.values()), timeout=GRACE)
    for process in alive:
        with contextlib.suppress(psutil.Error):
            process.kill()
    psutil.wait_procs(alive, timeout=GRACE)
    return names, spared


def _named(process: psutil.Process) -> str:
    try:
        return f"{process.name()} (pid {process.pid})"
    except psutil.Error:
        return f"pid {process.pid}"


# --- compose projects ----------------------------------------------------------------------


def _inside(root: Path, path: str) -> bool:
    real_root = os.path.realpath(root)
    return os.path.commonpath([real_root, os.path.realpath(path)]) == real_root


def _not_ours(project: str, file: str, root: Path, run_id: str) -> str:
    """'' when `project` is the name this run gave the compose project of `file`, else why
    not (see `ledger.compose_name`)."""
    if not (os.path.isabs(file) and _inside(root, file)):
        return f"its compose file {file} is not inside this project"
    text = read_regular(Path(file), 1 << 20)
    if isinstance(text, str):
        return f"its compose file {file} cannot be read: {text}"
    stem = project.rpartition("-")[0]
    if compose_name(stem, root, run_id, file) != project:
        return "not a name this run gave a compose project"
    if not (stem.startswith(PREFIX) or _profile_names(text, stem)):
        return "not a name this run gave a compose project"
    return ""


def _profile_names(text: bytes, name: str) -> bool:
    """Whether `text` is a profile matrixgen generated, for the compose project `name`."""
    decoded = text.decode("utf-8", "replace")
    return read_header(decoded) is not None and f"\nname: {json.dumps(name)}\n" in decoded


def _docker(what: str, args: list[str], env: Mapping[str, str]) -> list[str] | str:
    """The lines `docker ARGS` prints, or why it failed (`what` names the command)."""
    try:
        done = subprocess.run(
            ["docker", *args],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            env=dict(env),
            timeout=DOCKER_LIMIT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"`docker {what}` failed: {error}"
    if done.returncode != 0:
        return f"`docker {what}` exited with {done.returncode}"
    return done.stdout.splitlines()


def _on_engine(project: str, root: Path, env: Mapping[str, str]) -> str | None:
    """None when the engine has nothing of `project`; '' when every container it has of it
    comes from compose files inside this project; else why it is not brought down."""
    label = f"label=com.docker.compose.project={project}"
    shown = '{{.Label "com.docker.compose.project.config_files"}}'
    containers = _docker("ps", ["ps", "-a", "--filter", label, "--format", shown], env)
    if isinstance(containers, str):
        return containers
    for line in containers:
        for file in line.split(","):
            if not (os.path.isabs(file) and _inside(root, file)):
                return f"its containers come from {file or 'no compose file'}, not this project"
    if containers:
        return ""
    for kind in ("volume", "network"):
        found = _docker(f"{kind} ls", [kind, "ls", "-q", "--filter", label], env)
        if isinstance(found, str) or found:
            return found if isinstance(found, str) else ""
    return None


def compose_down(
    project: str, file: str, env: Mapping[str, str], root: Path | None = None
) -> str | None:
    """'' when the project is down, None when there was nothing of it, else why not. With
    `root` (cleaning up after a dead run), only a project whose containers all come from
    compose files inside `root` is brought down."""
    if not docker_engine_answers(env):
        return "no Docker engine answers `docker info`; run `matrixgen clean` where one does"
    if root is not None:
        found = _on_engine(project, root, env)
        if found != "":
            return found
    done = _docker(
        "compose down",
        ["compose", "-p", project, "-f", file, "down", "--volumes", "--remove-orphans"],
        env,
    )
    return done if isinstance(done, str) else ""


# --- data folders --------------------------------------------------------------------------


def _remove_folder(folder: Path, run_id: str) -> str | None:
    """None when there is nothing to remove, '' when removed, else why it was kept."""
    try:
        info = os.lstat(folder)
    except FileNotFoundError:
        return None
    except OSError as error:
        return error.strerror or str(error)
    owned = (
        folder.is_absolute()
        and folder.name.startswith(PREFIX)
        and stat.S_ISDIR(info.st_mode)
        and platform().own(info)
        and read_regular(folder / OWNER, 64) == run_id.encode()
    )
    if not owned:
        return "not a data folder this run made"
    shutil.rmtree(folder, ignore_errors=True)
    return "could not remove it" if folder.exists() else ""
