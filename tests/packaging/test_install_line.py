"""The line that installs matrixgen in generated sessions and jobs follows how the matrixgen
that renders was installed (`matrixgen.load.installed`), checked on real installs: a wheel
of this checkout from a local file index, from a file and from an HTTP URL, an editable
install, a git repository over HTTP and on disk."""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
from pathlib import Path

import pytest

from matrixgen import __version__
from tests.packaging.conftest import ROOT, Dist, Venv, make_venv, ok, run

MATRIX = """\
version: 1
axes:
  python: ["3.11"]
levels:
  unit:
    axes: [python]
    run: python -m pytest tests --junitxml=${junit}
outputs:
  nox: noxfile.py
  github: .github/workflows/matrix.yml
"""
WHERE = "matrix.yaml:8:1: outputs: no install line for matrixgen: outputs.nox and outputs.github"
WORKFLOW = ".github/workflows/matrix.yml"


def project(folder: Path, line: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    text = MATRIX + (f'  matrixgen: "{line}"\n' if line is not None else "")
    (folder / "matrix.yaml").write_text(text, encoding="utf-8")
    return folder


def renders(venv: Venv, folder: Path, line: str) -> None:
    """`render` in `folder` with the venv's matrixgen succeeds, and both files install `line`."""
    done = run([venv.matrixgen, "render"], folder)
    assert done.returncode == 0, done.stderr
    assert line in (folder / "noxfile.py").read_text(encoding="utf-8")
    assert line in (folder / WORKFLOW).read_text(encoding="utf-8")


def refused(venv: Venv, folder: Path) -> str:
    """validate and render both refuse the matrix at `outputs:`, and render writes nothing."""
    checked = run([venv.matrixgen, "validate"], folder)
    rendered = run([venv.matrixgen, "render"], folder)
    assert (checked.returncode, rendered.returncode) == (2, 2), checked.stderr
    assert checked.stderr == rendered.stderr
    assert checked.stderr.startswith(WHERE), checked.stderr
    assert "Traceback" not in checked.stderr
    assert not (folder / "noxfile.py").exists()
    return checked.stderr


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def git_repository(tree: Path) -> str:
    """`tree` made a git repository with one commit of everything in it; the commit's id."""
    ok(["git", "init", "-q", tree])
    ok(["git", "-C", tree, "add", "-A"])
    ok(["git", "-C", tree, "-c", "user.name=tests", "-c", "user.email=tests@example.invalid",
        "commit", "-q", "-m", "release"])  # fmt: skip
    return ok(["git", "-C", tree, "rev-parse", "HEAD"]).strip()


def test_the_suites_editable_matrixgen_derives_no_line(tmp_path: Path) -> None:
    """The suite's own matrixgen is an editable install of this checkout: a matrix whose
    outputs install matrixgen must set the line, and the error names the folder to use."""
    folder = project(tmp_path / "p")
    done = run([sys.executable, "-m", "matrixgen", "validate"], folder)
    assert done.returncode == 2
    # Relative to matrix.yaml's folder where the two share more than `/` (a checkout under
    # /tmp, as CI's fresh clone is), else the absolute folder.
    shared = os.path.commonpath([ROOT, folder.absolute()]) != "/"
    line = Path(os.path.relpath(ROOT, folder.absolute())).as_posix() if shared else ROOT
    assert done.stderr == (
        f"{WHERE} install it in each session or job, and the matrixgen that renders is an "
        f"editable install of the local folder {ROOT}, which a CI runner or another machine "
        f'cannot install; set the line, e.g. `outputs: {{matrixgen: "-e {line}"}}` (for runs '
        "on this machine), or render with a matrixgen installed from a package index, a git "
        "URL or an archive URL, whose line is the default\n"
    )


def test_without_an_output_that_installs_matrixgen_no_line_is_needed(tmp_path: Path) -> None:
    folder = tmp_path / "p"
    folder.mkdir()
    (folder / "matrix.yaml").write_text(
        MATRIX.split("outputs:")[0] + "outputs:\n  docs: {file: t.md, rows: [python]}\n"
    )
    done = run([sys.executable, "-m", "matrixgen", "render"], folder)
    assert done.returncode == 0, done.stderr


def test_this_repository_and_the_example_set_their_line() -> None:
    """Their generated files stay the same on every machine: neither uses the default."""
    for folder in (ROOT, ROOT / "examples" / "state-proxy"):
        done = run([sys.executable, "-m", "matrixgen", "-C", folder, "validate"])
        assert done.returncode == 0, done.stderr


@pytest.mark.slow
def test_from_an_index_the_line_is_the_version_and_the_wheel_renders(
    dist: Dist, venv: Venv, tmp_path: Path
) -> None:
    venv.pip("install", "--no-deps", "--no-index", "--find-links", dist.folder, "matrixgen-cli")
    site = venv.site_packages()
    assert not list(site.glob("matrixgen_cli-*.dist-info/direct_url.json"))  # as from PyPI
    # The wheel's matrixgen renders with the wheel's templates (the project has none).
    imported = ok([venv.python, "-c", "import matrixgen; print(matrixgen.__file__)"])
    assert Path(imported.strip()).is_relative_to(site)
    assert (site / "matrixgen" / "templates" / "nox-sessions.py.j2").is_file()
    renders(venv, project(tmp_path / "p"), f"matrixgen-cli=={__version__}")


@pytest.mark.slow
def test_from_an_archive_url_the_line_is_that_url_with_its_hash_and_it_installs(
    dist: Dist, venv: Venv, tmp_path: Path, http_folder: tuple[Path, str], dependencies: Path
) -> None:
    served, base = http_folder
    shutil.copy(dist.wheel, served)
    url = f"{base}/{dist.wheel.name}"
    venv.pip("install", "--no-deps", url)
    line = f"matrixgen-cli @ {url}#sha256={sha256(dist.wheel)}"
    renders(venv, project(tmp_path / "p"), line)
    # The line works where the outputs run: pip installs it (and checks the hash).
    make_venv(tmp_path / "elsewhere", dependencies).pip("install", "--no-deps", line)


@pytest.mark.slow
def test_a_local_wheel_gives_no_line_and_the_error_gives_one_for_this_machine(
    dist: Dist, venv: Venv, tmp_path: Path
) -> None:
    venv.pip("install", "--no-deps", dist.wheel)
    folder = project(tmp_path / "p")
    error = refused(venv, folder)
    line = f"matrixgen-cli @ {dist.wheel.as_uri()}#sha256={sha256(dist.wheel)}"
    assert f"is the local file {dist.wheel}, which a CI runner" in error
    assert f'`outputs: {{matrixgen: "{line}"}}`' in error
    renders(venv, project(folder, line), line)


@pytest.mark.slow
def test_an_editable_install_gives_no_line_and_the_error_gives_its_folder(
    dist: Dist, venv: Venv, tmp_path: Path
) -> None:
    tree = dist.unpacked(tmp_path / "checkout")
    venv.pip("install", "--no-deps", "-e", tree)
    folder = project(tmp_path / "p")
    error = refused(venv, folder)
    line = f"-e ../checkout/{tree.name}"
    assert f"is an editable install of the local folder {tree}, which" in error
    assert f'`outputs: {{matrixgen: "{line}"}}`' in error
    renders(venv, project(folder, line), line)


@pytest.mark.slow
def test_from_a_git_url_the_line_pins_the_commit(
    dist: Dist, venv: Venv, tmp_path: Path, http_folder: tuple[Path, str]
) -> None:
    tree = dist.unpacked(tmp_path / "checkout")
    commit = git_repository(tree)
    served, base = http_folder
    ok(["git", "clone", "-q", "--bare", tree, served / "matrixgen.git"])
    ok(["git", "-C", served / "matrixgen.git", "update-server-info"])  # git's plain HTTP
    url = f"{base}/matrixgen.git"
    venv.pip("install", "--no-deps", f"git+{url}@{commit}")
    renders(venv, project(tmp_path / "p"), f"matrixgen-cli @ git+{url}@{commit}")


@pytest.mark.slow
def test_a_local_git_repository_gives_no_line_and_the_error_gives_one_for_this_machine(
    dist: Dist, venv: Venv, tmp_path: Path
) -> None:
    tree = dist.unpacked(tmp_path / "checkout")
    commit = git_repository(tree)
    venv.pip("install", "--no-deps", f"git+{tree.as_uri()}@{commit}")
    error = refused(venv, project(tmp_path / "p"))
    assert f"is the local repository {tree.as_uri()}, which a CI runner" in error
    assert f'`outputs: {{matrixgen: "matrixgen-cli @ git+{tree.as_uri()}@{commit}"}}`' in error
