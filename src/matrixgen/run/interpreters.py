"""The `python` axis: a cell with python X runs on interpreter X, or is skipped; never on another.

find_interpreter (PATH, then pyenv, then uv; every candidate run once to check what it is)
-> prepare (the env as it is when its `python` already is X, else a venv per interpreter and
requirement lines, installed once and stamped) -> Prepared | Missing.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from matrixgen.errors import InstallError
from matrixgen.files import read_regular

# Printed by a candidate: its version, whether it is a free-threaded build (PEP 703: the
# build flag, not sys._is_gil_enabled(), which PYTHON_GIL=1 can flip at run time), and the
# executable behind it (a pyenv shim reports the real one).
_PROBE = (
    "import json, sys, sysconfig; print(json.dumps([list(sys.version_info[:5]), "
    "bool(sysconfig.get_config_var('Py_GIL_DISABLED')), sys.executable]))"
)
_VERSION = re.compile(r"(\d+)\.(\d+)(t?)")
_PRERELEASE = {"alpha": "a", "beta": "b", "candidate": "rc"}
# What decides which interpreter a lookup finds; per-process caches are keyed on these so
# that cells whose envs differ only in MATRIXGEN_* or their own `env:` share one lookup.
_LOOKUP_VARS = ("PATH", "HOME", "PYENV_ROOT", "PYENV_VERSION", "VIRTUAL_ENV", "XDG_DATA_HOME")
PROBE_TIMEOUT = 30.0  # a cold interpreter on a busy CI machine
FIND_TIMEOUT = 60.0
CREATE_TIMEOUT = 300.0
INSTALL_TIMEOUT = 1800.0
STAMP = ".matrixgen-stamp"
REQUIREMENTS = "matrixgen-requirements.txt"
LAYOUT = 1  # bump when what goes into a venv changes, so old venvs are not reused


@dataclass(frozen=True)
class _Facts:
    executable: Path
    major: int
    minor: int
    full: str  # "3.10.13", "3.14.0rc1", "3.13.0t"
    free_threaded: bool

    def matches(self, wanted: tuple[int, int, bool]) -> bool:
        return (self.major, self.minor, self.free_threaded) == wanted


# Per process: an interpreter does not change under a running matrixgen.
_probed: dict[tuple[str, str, tuple[str | None, ...]], _Facts | None] = {}
_found: dict[tuple[str, tuple[str | None, ...]], _Facts | None] = {}


@dataclass(frozen=True)
class Prepared:
    """Where a cell runs: `python` (full `version`), with `env` (the input env, activated)."""

    python: Path
    version: str
    env: dict[str, str] = field(repr=False)
    venv: Path | None  # None: the env's own `python` already was the version asked for
    created: bool  # this call created and installed the venv (False: reused or none)

    def apply(self, env: Mapping[str, str]) -> dict[str, str]:
        """`env` with this venv activated (unchanged when there is no venv)."""
        return _activate(env, self.venv) if self.venv else dict(env)


@dataclass(frozen=True)
class Missing:
    """No interpreter for the version; the cell is skipped with `reason`."""

    version: str
    reason: str


def clear_cache() -> None:
    """Forget every interpreter looked up or run so far (tests; a long-lived process)."""
    _probed.clear()
    _found.clear()


def _lookup_key(env: Mapping[str, str]) -> tuple[str | None, ...]:
    return tuple(env.get(name) for name in _LOOKUP_VARS)


def _parse(version: str) -> tuple[int, int, bool] | None:
    match = _VERSION.fullmatch(version)
    return (int(match[1]), int(match[2]), bool(match[3])) if match else None


def _probe(python: Path, env: Mapping[str, str], cwd: Path | None = None) -> _Facts | None:
    """Run the candidate once (cached): what it is, or None when it does not run."""
    key = (str(python), str(cwd), _lookup_key(env))
    if key not in _probed:
        # -I: a user's PYTHONPATH, PYTHONHOME or PYTHONSTARTUP can neither break nor fake it.
        code, output = _call([str(python), "-I", "-c", _PROBE], env, cwd, PROBE_TIMEOUT)
        _probed[key] = _read_probe(output) if code == 0 else None
    return _probed[key]


def _read_probe(output: str) -> _Facts | None:
    try:
        line = output.strip().rpartition("\n")[2]
        (major, minor, micro, level, serial), free_threaded, executable = json.loads(line)
    except (ValueError, TypeError):
        return None  # not the probe's answer: some wrapper that only looks like python
    full = f"{major}.{minor}.{micro}"
    if level in _PRERELEASE:
        full += f"{_PRERELEASE[level]}{serial}"
    return _Facts(Path(executable), major, minor, full + "t" * free_threaded, free_threaded)


def _call(
    command: list[str],
    env: Mapping[str, str],
    cwd: Path | None,
    timeout: float,
    merge: bool = False,
) -> tuple[int, str]:
    """Exit code and stdout (with stderr if `merge`); -1 when it cannot start or times out."""
    try:
        done = subprocess.run(
            command,
            env=dict(env),
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT if merge else subprocess.DEVNULL,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        output = error.output or ""
        if isinstance(output, bytes):  # on POSIX, run() hands back bytes even in text mode
            output = output.decode(errors="replace")
        return -1, f"{output}\n(timed out after {timeout:.0f} s)"
    except OSError as error:
        return -1, str(error)
    return done.returncode, done.stdout


def _pyenv_root(env: Mapping[str, str]) -> Path | None:
    if env.get("PYENV_ROOT"):
        return Path(env["PYENV_ROOT"])
    return Path(env["HOME"]) / ".pyenv" if env.get("HOME") else None


def _pyenv(version: str, env: Mapping[str, str]) -> Iterator[Path]:
    """`versions/<X.Y.*>/bin/python<version>` of pyenv, newest patch first, finals before rcs."""
    root = _pyenv_root(env)
    if root is None:
        return

    def order(folder: Path) -> tuple[int, bool, str]:
        match = re.fullmatch(r"\d+\.\d+\.(\d+)(.*)", folder.name)
        if match is None:
            return (-1, False, folder.name)
        return (int(match[1]), match[2] in ("", "t"), folder.name)

    folders = (root / "versions").glob(f"{version.rstrip('t')}.*")
    for folder in sorted(folders, key=order, reverse=True):
        yield folder / "bin" / f"python{version}"


def _uv_find(version: str, env: Mapping[str, str]) -> Iterator[Path]:
    """What `uv python find` answers, never downloading.

    A second ask with --managed-python: uv stops at the first broken interpreter on its
    search path (a pyenv shim for an inactive version) instead of looking further.
    """
    uv = shutil.which("uv", path=env.get("PATH", os.defpath))
    if uv is None:
        return
    uv_env = {**env, "UV_PYTHON_DOWNLOADS": "never"}
    for extra in ([], ["--managed-python"]):
        code, output = _call([uv, "python", "find", *extra, version], uv_env, None, FIND_TIMEOUT)
        if code == 0 and output.strip():
            yield Path(output.strip().splitlines()[-1])


def _candidates(version: str, env: Mapping[str, str]) -> Iterator[Path]:
    on_path = shutil.which(f"python{version}", path=env.get("PATH", os.defpath))
    pyenv = _pyenv_root(env)
    # A pyenv shim is a bash script that takes 0.2-0.4 s to run and leads only to a
    # versions/ folder, which the next step looks in directly.
    if on_path and not (pyenv and Path(on_path).parent == pyenv / "shims"):
        yield Path(on_path)
    yield from (path for path in _pyenv(version, env) if os.access(path, os.X_OK))
    yield from _uv_find(version, env)  # last: it costs a process even when it finds nothing


def _find(version: str, env: Mapping[str, str]) -> _Facts | None:
    key = (version, _lookup_key(env))
    wanted = _parse(version)
    if key not in _found and wanted is not None:
        probed = (_probe(candidate, env) for candidate in _candidates(version, env))
        _found[key] = next((f for f in probed if f is not None and f.matches(wanted)), None)
    return _found.get(key)


def find_interpreter(version: str, env: Mapping[str, str]) -> Path | None:
    """An interpreter that is exactly `version` ("3.12"; "3.13t" = free-threaded), or None.

    Looked for as python<version> on PATH, in pyenv, then with uv; a candidate counts only
    after running it, since a name can lie (a pyenv shim, a symlink to another version).
    """
    found = _find(version, env)
    return found.executable if found else None


def describe(python: Path, env: Mapping[str, str] | None = None) -> str:
    """The full version of an interpreter: "3.10.13", "3.13.0t" for a free-threaded build.

    `env` matters only for shims and interpreters that need LD_LIBRARY_PATH.
    """
    facts = _probe(python, env or {})
    if facts is None:
        raise ValueError(f"{python} does not run as a Python interpreter")
    return facts.full


def _activate(env: Mapping[str, str], venv: Path) -> dict[str, str]:
    # PYTHONHOME would point the venv's python at another installation's stdlib.
    activated = {name: value for name, value in env.items() if name != "PYTHONHOME"}
    activated["PATH"] = os.pathsep.join([str(venv / "bin"), env.get("PATH", os.defpath)])
    activated["VIRTUAL_ENV"] = str(venv)
    return activated


def _digest(base: _Facts, lines: Sequence[str]) -> str:
    inputs = {
        "layout": LAYOUT,
        "python": str(base.executable.resolve()),
        "version": base.full,
        "requirements": list(lines),
    }
    return hashlib.sha256(json.dumps(inputs).encode()).hexdigest()


def _stamped(venv: Path, digest: str) -> bool:
    stamp = read_regular(venv / STAMP, 4096)  # bounded, as every read: a FIFO is no stamp
    return stamp == digest.encode() and (venv / "bin" / "python").exists()


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    # flock locks an open file description, so two threads of one process exclude each other
    # as two processes do. The lock file stays: removing it would race with a waiter.
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _run(command: list[str], what: str, env: Mapping[str, str], cwd: Path, timeout: float) -> None:
    code, output = _call(command, env, cwd, timeout, merge=True)
    if code != 0:
        tail = "\n".join(output.rstrip().splitlines()[-40:])
        raise InstallError(f"{what} failed (exit {code})", tail)


def _usable_uv(env: Mapping[str, str], cwd: Path) -> str | None:
    """uv when it runs here: a pyenv shim for it can be on PATH yet fail in this folder."""
    uv = shutil.which("uv", path=env.get("PATH", os.defpath))
    return uv if uv and _call([uv, "--version"], env, cwd, PROBE_TIMEOUT)[0] == 0 else None


def _build(
    venv: Path, base: _Facts, lines: Sequence[str], root: Path, env: Mapping[str, str]
) -> None:
    """Create the venv from `base` and install `lines` into it, with uv when it runs, else pip."""
    uv = _usable_uv(env, root)
    run_env = {**_activate(env, venv), "UV_PYTHON_DOWNLOADS": "never"}
    python = venv / "bin" / "python"
    create = [str(base.executable), "-m", "venv", str(venv)]
    if uv:  # 0.1 s instead of 3-6 s; seeded with pip: a cell's `python -m pip` works there
        create = [uv, "venv", "--quiet", "--seed", "--no-project", "--python", create[0], str(venv)]
    _run(create, f"creating {venv} from {base.executable}", run_env, root, CREATE_TIMEOUT)
    if not lines:
        return
    # A file rather than arguments: lines are requirements.txt lines ('-e .[test]', markers,
    # --index-url). uv and pip both resolve relative paths in it against cwd, the root, but
    # a nested file (`-r requirements/test.txt`, `-c ...`) against the file naming it.
    requirements = venv / REQUIREMENTS
    requirements.write_text("\n".join(_nested_from(root, line) for line in lines) + "\n")
    if uv:
        install = [uv, "pip", "install", "--python", str(python), "-r", str(requirements)]
    else:
        install = [str(python), "-m", "pip", "install", "--disable-pip-version-check"]
        install += ["-r", str(requirements)]
    _run(install, f"installing into {venv}", run_env, root, INSTALL_TIMEOUT)


_NESTED = re.compile(r"(-r|-c|--requirement|--constraint)(=|\s+)(\S.*)")


def _nested_from(root: Path, line: str) -> str:
    """A `-r FILE` or `-c FILE` line with FILE made absolute against the project `root`, as
    written in `outputs.install` (relative to the folder of matrix.yaml)."""
    found = _NESTED.fullmatch(line.strip())
    if found is None or "://" in found[3]:
        return line
    return f"{found[1]} {(root / found[3].strip()).as_posix()}"


def _interpreter(
    version: str, env: Mapping[str, str], cwd: Path | None
) -> tuple[_Facts, bool] | Missing:
    """The interpreter for `version`: the env's own `python` (True) or one found (False)."""
    wanted = _parse(version)
    if wanted is None:
        return Missing(version, f"python {version!r} is not a version such as 3.12 or 3.13t")
    # Inside a nox session or a CI job set up for X, the env already is what the cell wants.
    current = shutil.which("python", path=env.get("PATH", os.defpath))
    facts = _probe(Path(current), env, cwd=cwd) if current else None
    if facts is not None and facts.matches(wanted):
        return facts, True
    base = _find(version, env)
    if base is None:
        return Missing(
            version, f"Python {version} not found (looked on PATH, in pyenv and with uv)"
        )
    return base, False


def missing(version: str, env: Mapping[str, str]) -> str | None:
    """Why `prepare` would find no interpreter for `version`, without building anything."""
    found = _interpreter(version, env, None)
    return found.reason if isinstance(found, Missing) else None


def prepare(
    version: str, requirements: Sequence[str], root: Path, env: Mapping[str, str]
) -> Prepared | Missing:
    """The interpreter and env for a cell with python `version`, or why there is none.

    `requirements` are requirements.txt lines relative to `root`. A venv is installed once;
    the stamp written after a successful install makes a re-run with the same interpreter
    and lines skip straight to the answer. Blocking: call it from a worker thread.
    """
    found = _interpreter(version, env, root)
    if isinstance(found, Missing):
        return found
    base, own = found
    if own:
        return Prepared(base.executable, base.full, dict(env), venv=None, created=False)
    lines = [line.strip() for line in requirements if line.strip()]
    digest = _digest(base, lines)
    folder = root / ".matrixgen" / "venvs"
    venv = folder / f"{version}-{digest[:12]}"
    created = False
    if not _stamped(venv, digest):
        folder.mkdir(parents=True, exist_ok=True)
        if not (folder / ".gitignore").exists():
            (folder / ".gitignore").write_text("*\n")
        with _locked(folder / f"{venv.name}.lock"):
            if not _stamped(venv, digest):  # else another cell finished it while we waited
                shutil.rmtree(venv, ignore_errors=True)  # half made, or a failed install
                _build(venv, base, lines, root, env)
                partial = venv / f"{STAMP}.tmp"
                partial.write_text(digest)
                os.replace(partial, venv / STAMP)
                created = True
    return Prepared(venv / "bin" / "python", base.full, _activate(env, venv), venv, created)
