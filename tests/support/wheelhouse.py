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
import hashlib
import importlib.metadata
import re
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# What an installer writes into dist-info, not part of the wheel it came from.
_INSTALLER_FILES = {"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"}
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


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
