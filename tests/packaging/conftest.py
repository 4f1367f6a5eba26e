"""matrixgen built and installed for real: an sdist and a wheel of this checkout (built
once per session), fresh virtual environments, pip, and an HTTP server for archives and
git repositories."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import sysconfig
import tarfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(argv: list[str | Path], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """`argv` to its end, in the suite's environment without its stand-in index record
    (`support.installed`): these processes see only what was installed for real."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run(
        [str(a) for a in argv], cwd=cwd, env=env, capture_output=True, text=True,
        timeout=600, check=False,
    )  # fmt: skip


def ok(argv: list[str | Path], cwd: Path | None = None) -> str:
    done = run(argv, cwd)
    assert done.returncode == 0, f"{argv}\n{done.stdout}\n{done.stderr}"
    return done.stdout


@dataclass(frozen=True)
class Dist:
    folder: Path
    sdist: Path
    wheel: Path

    def unpacked(self, destination: Path) -> Path:
        """The sdist's tree (what a release tag holds, less what git ignores) under
        `destination`."""
        with tarfile.open(self.sdist) as archive:
            archive.extractall(destination, filter="data")
        (tree,) = destination.iterdir()
        return tree


@pytest.fixture(scope="session")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Dist:
    """This checkout built as a release builds it: `python -m build` (the sdist, then the
    wheel from the sdist)."""
    folder = tmp_path_factory.mktemp("dist")
    ok([sys.executable, "-m", "build", "--outdir", folder, ROOT])
    (sdist,) = folder.glob("*.tar.gz")
    (wheel,) = folder.glob("*.whl")
    return Dist(folder, sdist, wheel)


@dataclass(frozen=True)
class Venv:
    folder: Path

    @property
    def python(self) -> Path:
        return self.folder / "bin" / "python"

    @property
    def matrixgen(self) -> Path:
        return self.folder / "bin" / "matrixgen"

    def pip(self, *args: str | Path) -> str:
        return ok([sys.executable, "-m", "pip", "--python", self.python, *args])

    def site_packages(self) -> Path:
        return Path(
            ok(
                [self.python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]
            ).strip()
        )


# What an install of matrixgen-cli itself left in the suite's environment (its editable
# hook, its record, its package folder): a test venv must not see it, or pip would take
# matrixgen-cli for installed there already.
_OWN = ("matrixgen", "_editable_impl_matrixgen", "__editable__")


@pytest.fixture(scope="session")
def dependencies(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """matrixgen's dependencies (pydantic, jinja2, ...) as the suite's environment has them,
    without matrixgen-cli: a folder of links to its site-packages entries, less matrixgen's
    own and the .pth files (a path entry does not run them)."""
    folder = tmp_path_factory.mktemp("dependencies")
    for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
        if not entry.name.startswith(_OWN) and entry.suffix != ".pth":
            (folder / entry.name).symlink_to(entry)
    return folder


def make_venv(folder: Path, dependencies: Path) -> Venv:
    """A fresh virtual environment without matrixgen-cli, whose dependencies come from the
    suite's own environment through a path entry, not from an index: what a test installs,
    with `pip install --no-deps`, is matrixgen-cli alone, and pip records how
    (direct_url.json) as for any install."""
    made = Venv(folder)
    ok([sys.executable, "-m", "venv", "--without-pip", folder])
    (made.site_packages() / "suite-dependencies.pth").write_text(
        f"{dependencies}\n", encoding="utf-8"
    )
    return made


@pytest.fixture
def venv(tmp_path: Path, dependencies: Path) -> Venv:
    return make_venv(tmp_path / "venv", dependencies)


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def http_folder(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A folder served over HTTP on a free local port (in this process): (folder, base URL)."""
    folder = tmp_path / "served"
    folder.mkdir()
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield folder, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
