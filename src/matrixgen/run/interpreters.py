"""The `python` axis: a cell with python X runs on interpreter X, or is skipped; never on another.

find_interpreter (the env's own `python` when it is X, as in a CI job set up for X; then
PATH, pyenv and uv; every candidate run once to check what it is) -> prepare (a venv of that
interpreter holding exactly the cell's requirement lines, installed once and stamped, shared
by the cells that declare the same) -> Prepared | Missing. matrixgen itself never goes into
it: it drives the venv from its own environment, so any interpreter can be a cell's.
`fingerprint` tells whether a cell changed its venv while it ran (`cell_python`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from matrixgen import pythons
from matrixgen.errors import InstallError
from matrixgen.files import read_regular
from matrixgen.run.platform import current as platform

# Printed by a candidate: what it is, as `pythons` records it (implementation, version,
# free-threaded build: PEP 703's build flag, not sys._is_gil_enabled(), which PYTHON_GIL=1 can
# flip at run time), and the executable behind it (a pyenv shim reports the real one).
_PROBE = pythons.describe_code() + "import sys\nprint(_describe() + '\\t' + sys.executable)\n"
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
    full: str  # as `pythons` records it: "3.10.13", "3.14.0rc1", "3.13.0t", "pypy3.9.16-7.3.11"


# Per process: an interpreter does not change under a running matrixgen.
_probed: dict[tuple[str, str, tuple[str | None, ...]], _Facts | None] = {}
_found: dict[tuple[str, tuple[str | None, ...]], _Facts | None] = {}


@dataclass(frozen=True)
class Prepared:
    """Where a cell runs: `python` of `venv` (its interpreter recorded as `version`), with
    `env` (the input env, activated)."""

    python: Path
    version: str
    env: dict[str, str] = field(repr=False)
    venv: Path
    created: bool  # this call created and installed the venv (False: reused)
    holds: frozenset[str] = frozenset()  # its distributions, as `installed` names them

    def apply(self, env: Mapping[str, str]) -> dict[str, str]:
        """`env` with this venv activated."""
        return _activate(env, self.venv)


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


def _probe(python: Path, env: Mapping[str, str], cwd: Path | None = None) -> _Facts | None:
    """Run the candidate once (cached): what it is, or None when it does not run."""
    key = (str(python), str(cwd), _lookup_key(env))
    if key not in _probed:
        # -I: a user's PYTHONPATH, PYTHONHOME or PYTHONSTARTUP can neither break nor fake it.
        code, output = _call([str(python), "-I", "-c", _PROBE], env, cwd, PROBE_TIMEOUT)
        _probed[key] = _read_probe(output) if code == 0 else None
    return _probed[key]


def _read_probe(output: str) -> _Facts | None:
    full, tab, executable = output.strip().rpartition("\n")[2].partition("\t")
    if not tab or not executable or not pythons.is_recorded(full):
        return None  # not the probe's answer: some wrapper that only looks like python
    return _Facts(Path(executable), full)


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


def _pyenv(python: pythons.Python, env: Mapping[str, str]) -> Iterator[Path]:
    """The interpreters of pyenv's `versions/` folders for it, newest patch first, finals
    before pre-releases: bin/python3.12 of 3.12.1, bin/python of pypy3.10-7.3.17."""
    root = _pyenv_root(env)
    if root is None:
        return

    def order(folder: Path) -> tuple[int, bool, str]:
        rest = folder.name[len(python.pyenv_prefix) :]
        match = re.match(r"(\d+)(.*)", rest)
        if match is None:
            return (-1, False, folder.name)
        return (int(match[1]), match[2] in ("", "t") or match[2].startswith("."), folder.name)

    folders = (root / "versions").glob(f"{python.pyenv_prefix}*")
    name = python.executables[0] if python.implementation == "cpython" else "python"
    for folder in sorted(folders, key=order, reverse=True):
        if python.free_threaded == folder.name.endswith("t"):
            yield folder / "bin" / name


def _uv_find(python: pythons.Python, env: Mapping[str, str]) -> Iterator[Path]:
    """What `uv python find` answers, never downloading.

    A second ask with --managed-python: uv stops at the first broken interpreter on its
    search path (a pyenv shim for an inactive version) instead of looking further.
    """
    uv = shutil.which("uv", path=env.get("PATH", os.defpath))
    if uv is None:
        return
    uv_env = {**env, "UV_PYTHON_DOWNLOADS": "never"}
    for extra in ([], ["--managed-python"]):
        request = [uv, "python", "find", *extra, python.uv_request]
        code, output = _call(request, uv_env, None, FIND_TIMEOUT)
        if code == 0 and output.strip():
            yield Path(output.strip().splitlines()[-1])


def _candidates(python: pythons.Python, env: Mapping[str, str]) -> Iterator[Path]:
    search = env.get("PATH", os.defpath)
    pyenv = _pyenv_root(env)
    for name in python.executables:
        on_path = shutil.which(name, path=search)
        # A pyenv shim is a bash script that takes 0.2-0.4 s to run and leads only to a
        # versions/ folder, which the next step looks in directly.
        if on_path and not (pyenv and Path(on_path).parent == pyenv / "shims"):
            yield Path(on_path)
    yield from (path for path in _pyenv(python, env) if os.access(path, os.X_OK))
    yield from _uv_find(python, env)  # last: it costs a process even when it finds nothing


def _find(version: str, env: Mapping[str, str]) -> _Facts | None:
    key = (version, _lookup_key(env))
    python = pythons.parse(version)
    if key not in _found and not isinstance(python, str):
        probed = (_probe(candidate, env) for candidate in _candidates(python, env))
        _found[key] = next((f for f in probed if f is not None and python.matches(f.full)), None)
    return _found.get(key)


def find_interpreter(version: str, env: Mapping[str, str]) -> Path | None:
    """An interpreter that is exactly the python value `version` ("3.12"; "3.13t" =
    free-threaded; "pypy3.10"), or None.

    Looked for by name on PATH (python3.12, pypy3.10, pypy3), in pyenv, then with uv; a
    candidate counts only after running it, since a name can lie (a pyenv shim, a symlink
    to another version).
    """
    found = _find(version, env)
    return found.executable if found else None


def describe(python: Path, env: Mapping[str, str] | None = None) -> str:
    """What an interpreter is, as `pythons` records it: "3.10.13", "3.13.0t" for a
    free-threaded build, "pypy3.9.16-7.3.11".

    `env` matters only for shims and interpreters that need LD_LIBRARY_PATH.
    """
    facts = _probe(python, env or {})
    if facts is None:
        raise ValueError(f"{python} does not run as a Python interpreter")
    return facts.full


def _activate(env: Mapping[str, str], venv: Path) -> dict[str, str]:
    # PYTHONHOME would point the venv's python at another installation's stdlib.
    activated = {name: value for name, value in env.items() if name != "PYTHONHOME"}
    activated["PATH"] = os.pathsep.join([str(_venv_bin(venv)), env.get("PATH", os.defpath)])
    activated["VIRTUAL_ENV"] = str(venv)
    return activated


def _digest(base: _Facts, lines: Sequence[str], install_env: Mapping[str, str], root: Path) -> str:
    """What makes a venv what it is: the interpreter, the lines, the env they install under,
    and the files they read (a requirements file, a local project's metadata), so that an
    edited pyproject.toml makes a new venv rather than a stale one."""
    inputs = {
        "layout": LAYOUT,
        "python": str(base.executable.resolve()),
        "version": base.full,
        "requirements": list(lines),
        "env": sorted(install_env.items()),
        "files": _input_digests(lines, root),
    }
    return hashlib.sha256(json.dumps(inputs).encode()).hexdigest()


_METADATA = ("pyproject.toml", "setup.py", "setup.cfg")


def _input_digests(lines: Sequence[str], root: Path) -> dict[str, str]:
    digests: dict[str, str] = {}
    for line in lines:
        word = line.split()[-1] if line.split() else ""
        candidate = root / word.split("[", 1)[0]
        try:
            files = [candidate / n for n in _METADATA] if candidate.is_dir() else [candidate]
            for file in files:
                data = read_regular(file, 16 * 2**20) if file.is_file() else ""
                if isinstance(data, bytes):
                    digests[str(file)] = hashlib.sha256(data).hexdigest()
        except (OSError, ValueError):  # not a path at all ('pkg >= 1'; NUL): nothing to read
            continue
    return digests


def _stamped(venv: Path, digest: str) -> bool:
    """Whether `venv` was built for `digest` and still holds what was installed then."""
    stamp = read_regular(venv / STAMP, 4096)  # bounded, as every read: a FIFO is no stamp
    return stamp == digest.encode() and _venv_python(venv).exists() and not changed(venv)


def _locked(path: Path) -> contextlib.AbstractContextManager[None]:
    # Two threads of one process exclude each other as two processes do (`platform`).
    return platform().locked(path)


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
    venv: Path,
    base: _Facts,
    lines: Sequence[str],
    root: Path,
    env: Mapping[str, str],
    install_env: Mapping[str, str],
) -> None:
    """Create the venv from `base` and install `lines` into it (under `install_env`: CFLAGS,
    PIP_CONSTRAINT...), with uv when it runs, else pip."""
    uv = _usable_uv(env, root)
    run_env = {**_activate(env, venv), "UV_PYTHON_DOWNLOADS": "never", **install_env}
    python = _venv_python(venv)
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


def _interpreter(version: str | None, env: Mapping[str, str], cwd: Path | None) -> _Facts | Missing:
    """The interpreter for the python value `version`: the env's own `python` when it is
    that one (a CI job set up for it), else one found. None: the env's own `python`."""
    python = pythons.parse(version) if version is not None else None
    if isinstance(python, str):
        return Missing(str(version), f"python {version!r} names no interpreter: {python}")
    current = shutil.which("python", path=env.get("PATH", os.defpath))
    current = current or shutil.which("python3", path=env.get("PATH", os.defpath))
    facts = _probe(Path(current), env, cwd=cwd) if current else None
    if python is None:
        if facts is None:
            return Missing("python", "no `python` or `python3` on PATH to make its venv from")
        return facts
    if facts is not None and python.matches(facts.full):
        return facts
    found = _find(python.value, env)
    if found is None:
        return Missing(
            python.value,
            f"Python {python.value} not found (looked for {', '.join(python.executables)} on "
            "PATH, in pyenv and with uv)",
        )
    return found


def missing(version: str, env: Mapping[str, str]) -> str | None:
    """Why `prepare` would find no interpreter for `version`, without building anything."""
    found = _interpreter(version, env, None)
    return found.reason if isinstance(found, Missing) else None


def prepare(
    version: str | None,
    requirements: Sequence[str],
    root: Path,
    env: Mapping[str, str],
    install_env: Mapping[str, str] | None = None,
) -> Prepared | Missing:
    """The interpreter and venv for a cell with python `version` (None: the env's own
    `python`), or why there is none.

    `requirements` are requirements.txt lines relative to `root`, installed under
    `install_env`. A venv is installed once; the stamp written after a successful install
    makes a re-run with the same interpreter, lines and input files skip straight to the
    answer. Blocking: call it from a worker thread.
    """
    found = _interpreter(version, env, root)
    if isinstance(found, Missing):
        return found
    lines = [line.strip() for line in requirements if line.strip()]
    install_env = dict(install_env or {})
    digest = _digest(found, lines, install_env, root)
    folder = root / ".matrixgen" / "venvs"
    name = version or f"python{found.full}"
    venv = folder / f"{name}-{digest[:12]}"
    created = False
    if not _stamped(venv, digest):
        folder.mkdir(parents=True, exist_ok=True)
        if not (folder / ".gitignore").exists():
            (folder / ".gitignore").write_text("*\n")
        with _locked(folder / f"{venv.name}.lock"):
            if not _stamped(venv, digest):  # else another cell finished it while we waited
                shutil.rmtree(venv, ignore_errors=True)  # half made, failed, or changed
                _build(venv, found, lines, root, env, install_env)
                (venv / FINGERPRINT).write_text(fingerprint(venv))
                partial = venv / f"{STAMP}.tmp"
                partial.write_text(digest)
                os.replace(partial, venv / STAMP)
                created = True
    holds = frozenset(installed(venv))
    return Prepared(_venv_python(venv), found.full, _activate(env, venv), venv, created, holds)


def _venv_bin(venv: Path) -> Path:
    """Where a venv keeps its interpreter and scripts: Scripts\\ on Windows, bin/ elsewhere."""
    return venv / ("Scripts" if os.name == "nt" else "bin")


def _venv_python(venv: Path) -> Path:
    return _venv_bin(venv) / ("python.exe" if os.name == "nt" else "python")


def _site_packages(venv: Path) -> list[Path]:
    """lib/python3.X/site-packages (lib/pypy3.9/... for PyPy), Lib/site-packages on Windows."""
    return [*venv.glob("lib*/*/site-packages"), *venv.glob("Lib/site-packages")]


def discard(venv: Path) -> None:
    """Make the next `prepare` build `venv` again: a cell changed what it holds."""
    (venv / STAMP).unlink(missing_ok=True)


FINGERPRINT = ".matrixgen-fingerprint"


def fingerprint(venv: Path) -> str:
    """What is installed in `venv`, cheaply: the names in its site-packages and bin folders,
    with the identity of each distribution's metadata folder and the change time of each
    file. `pip install` or `uninstall` adds, removes or replaces a `.dist-info` folder, a
    `.pth` file or a script, so the fingerprint moves; importing (which writes __pycache__
    folders) does not move it."""
    entries: list[str] = []
    for folder in sorted([*_site_packages(venv), _venv_bin(venv)]):
        try:
            with os.scandir(folder) as found:
                for entry in found:
                    if entry.name == "__pycache__":
                        continue
                    stat = entry.stat(follow_symlinks=False)
                    if entry.is_dir(follow_symlinks=False):
                        meta = entry.name.endswith((".dist-info", ".egg-info"))
                        mark = str(stat.st_ino) if meta else "dir"
                    else:
                        mark = str(stat.st_mtime_ns)
                    entries.append(f"{folder.name}/{entry.name}:{mark}")
        except OSError:
            entries.append(f"{folder.name}: unreadable")
    return hashlib.sha256("\n".join(sorted(entries)).encode()).hexdigest()


def changed(venv: Path) -> bool:
    """Whether `venv` no longer holds what was installed into it."""
    recorded = read_regular(venv / FINGERPRINT, 4096)
    return not isinstance(recorded, bytes) or recorded.decode() != fingerprint(venv)


def installed(venv: Path) -> set[str]:
    """The distributions in `venv`, as `name-version` of their .dist-info folders."""
    names: set[str] = set()
    for folder in _site_packages(venv):
        with contextlib.suppress(OSError):
            names.update(p.name[: -len(".dist-info")] for p in folder.glob("*.dist-info"))
    return names
