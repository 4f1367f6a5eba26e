"""A folder of wheels that installs matrixgen without an index: `uv pip install
--find-links` (UV_FIND_LINKS) for generated workflows run with `installer: uv`.

matrixgen's own wheel is built from this checkout (`python -m build`); its dependencies, and
pip (what `uv venv --seed` puts in a venv), are repacked from what the suite's environment
has installed: the files each distribution's RECORD lists under site-packages, its
dist-info with a RECORD of their hashes, named with the tag its WHEEL file records. Not
every dependency is on this machine's local index (junitparser is not), and no test may
download.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# What an installer writes into dist-info, not part of the wheel it came from.
_INSTALLER_FILES = {"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"}
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


# Besides matrixgen's, in the run's wheelhouse (`shared`): what builds an editable install of
# the example in pip's isolated build environment (its `-e .`: flit_core, which needs
# nothing more); and what `uv venv --seed` puts in a venv of a Python before 3.12
# (setuptools, wheel), wheels only. Fetched by pip as the machine configures it, once a run.
BUILD_BACKEND = ("flit_core>=3.4,<4",)
SEED = ("setuptools", "wheel", "packaging")


def run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The run's temp folder, which every pytest-xdist worker shares: the parent of a
    worker's own (`popen-gwN`), else the session's. Told by the folder's name, not by
    PYTEST_XDIST_WORKER, which tests/conftest.py takes out of every test's environment (a
    test's fixture asking for it found a folder of its worker's own)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if base.name.startswith("popen-gw") else base


def shared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The run's wheelhouse, for jobs that install without an index: matrixgen's (`build`, in
    a process of its own: the suite's sys.path may hold another matrixgen-cli's metadata, an
    index-install fixture's), BUILD_BACKEND's and SEED's. Built once a run, by the first
    xdist worker that asks, in the temp folder all workers share; the others wait on its
    lock (each building its own took 10-15 s of the 2 cores)."""
    where = run_folder(tmp_path_factory)
    folder = where / "wheelhouse"
    with open(where / "wheelhouse.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if (folder / ".built").exists():
            return folder
        shutil.rmtree(folder, ignore_errors=True)  # a build that failed part way
        folder.mkdir()
        code = "import sys; from support import wheelhouse; wheelhouse.build(Path(sys.argv[1]))"
        env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
        pip = [sys.executable, "-m", "pip", "download", "-q", "-d", str(folder)]
        for argv in (
            [sys.executable, "-c", f"from pathlib import Path; {code}", str(folder)],
            [*pip, *BUILD_BACKEND],
            [*pip, "--no-deps", "--only-binary=:all:", *SEED],
        ):
            subprocess.run(
                argv, cwd=ROOT / "tests", env=env, check=True, timeout=600, capture_output=True
            )
        (folder / ".built").touch()
    return folder


def build(folder: Path) -> Path:
    """`folder` holding matrixgen's wheel and the wheels of everything it needs."""
    folder.mkdir(parents=True, exist_ok=True)
    # cwd: not tests/, whose `packaging` folder would shadow the one build imports.
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(folder), str(ROOT)],
        cwd=folder, check=True, capture_output=True, timeout=600,
    )  # fmt: skip
    for name in closure(["matrixgen-cli"]) - {"matrixgen-cli"} | {"pip"}:
        repack(importlib.metadata.distribution(name), folder)
    return folder


def closure(names: list[str]) -> set[str]:
    """The distributions `names` need, themselves included (extras left out)."""
    found: set[str] = set()
    todo = list(names)
    while todo:
        name = _normal(todo.pop())
        if name in found:
            continue
        try:
            requires = importlib.metadata.distribution(name).requires or []
        except importlib.metadata.PackageNotFoundError:  # for another Python (a marker)
            continue
        found.add(name)
        # Not `packaging` (tests/packaging is that name here): extras are left out, and a
        # requirement for another Python is not installed (above).
        for line in requires:
            match = _NAME.match(line)
            if match and "extra ==" not in line:
                todo.append(match[0])
    return found


def repack(dist: importlib.metadata.Distribution, folder: Path) -> Path:
    tags = [line[5:] for line in (dist.read_text("WHEEL") or "").splitlines()
            if line.startswith("Tag: ")]  # fmt: skip
    name = re.sub(r"[-_.]+", "_", dist.metadata["Name"]).lower()
    # Every tag the WHEEL file lists, compressed as wheel names write them (py2.py3-none-any):
    # a wheel named by its first tag alone (py2) is not one installers take for Python 3.
    parts = [dict.fromkeys(tag.split("-")[index] for tag in tags) for index in range(3)]
    wheel = folder / f"{name}-{dist.version}-{'-'.join('.'.join(part) for part in parts)}.whl"
    site = Path(str(dist.locate_file("")))
    info = next(str(f).split("/")[0] for f in dist.files or [] if ".dist-info/" in str(f))
    record = []
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in dist.files or []:
            relative = str(file)
            if relative.startswith("..") or "__pycache__" in relative:
                continue
            if relative.startswith(f"{info}/") and relative.split("/")[-1] in _INSTALLER_FILES:
                continue
            data = (site / relative).read_bytes()
            archive.writestr(relative, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            record.append(f"{relative},sha256={digest.decode()},{len(data)}")
        record.append(f"{info}/RECORD,,")
        archive.writestr(f"{info}/RECORD", "\n".join(record) + "\n")
    return wheel


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()
