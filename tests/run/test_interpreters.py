"""The `python` axis on the real interpreters of this machine (pyenv): found exactly, prepared
once into a venv, reused on a re-run, shared by concurrent cells. No mocks."""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from matrixgen.errors import InstallError
from matrixgen.run.interpreters import (
    STAMP,
    Missing,
    Prepared,
    changed,
    clear_cache,
    describe,
    find_interpreter,
    installed,
    prepare,
)

RUNNING = f"{sys.version_info.major}.{sys.version_info.minor}"
OTHER = next(v for v in ("3.10", "3.12", "3.13") if v != RUNNING)
# A wheel given by path, with no index: installs offline, with uv and with pip alike.
WHEEL = "./dist/tinypkg-1.0-py3-none-any.whl"
REQUIREMENTS = ["--no-index", WHEEL]


@pytest.fixture
def env() -> dict[str, str]:
    clear_cache()
    return dict(os.environ)


@pytest.fixture
def require_python(env: dict[str, str]) -> Callable[[str], Path]:
    """An interpreter of that version. Missing: skip locally, fail under CI=true."""

    def find(version: str) -> Path:
        found = find_interpreter(version, env)
        if found is None:
            message = f"Python {version} is not installed; `pyenv install {version}`"
            if os.environ.get("CI"):
                pytest.fail(message)
            pytest.skip(message)
        return found

    return find


def build_wheel(root: Path, name: str = "tinypkg", version: str = "1.0") -> Path:
    """A pure-Python wheel written by hand: nothing to build, nothing to download."""
    info = f"{name}-{version}.dist-info"
    files = {
        f"{name}/__init__.py": "ANSWER = 42\n",
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: hand\nRoot-Is-Purelib: true\n"
        "Tag: py3-none-any\n",
    }
    record = []
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=")
        record.append(f"{path},sha256={digest.decode()},{len(text.encode())}")
    files[f"{info}/RECORD"] = "\n".join([*record, f"{info}/RECORD,,"]) + "\n"
    wheel = root / "dist" / f"{name}-{version}-py3-none-any.whl"
    wheel.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, text in files.items():
            archive.writestr(path, text)
    return wheel


def run_in(prepared: Prepared, code: str) -> str:
    """Output of `python -c code` as the cell would start it: by name, from its env's PATH."""
    python = shutil.which("python", path=prepared.env["PATH"])
    assert python is not None
    done = subprocess.run(
        [python, "-c", code],
        env=prepared.env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout.strip()


@pytest.mark.parametrize("version", ["3.10", "3.12", "3.13"])
def test_finds_exactly_the_version(
    version: str, env: dict[str, str], require_python: Callable[[str], Path]
) -> None:
    python = require_python(version)
    done = subprocess.run(
        [str(python), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert done.stdout.strip() == version
    assert describe(python).startswith(f"{version}.")
    assert describe(python)[len(version) + 1 :].isdigit()  # "3.10.13": no "t", final


def test_free_threaded_is_never_confused_with_the_default_build(env: dict[str, str]) -> None:
    found = find_interpreter("3.13t", env)
    assert found is None or describe(found).endswith("t")
    plain = find_interpreter("3.13", env)
    assert plain is None or not describe(plain).endswith("t")


def fake_python(folder: Path, name: str, body: str) -> Path:
    """A script in place of an interpreter, for answers no interpreter here gives."""
    folder.mkdir(exist_ok=True)
    script = folder / name
    script.write_text(f"#!/bin/sh\n{body}\n")
    script.chmod(0o755)
    return script


def test_the_answer_counts_not_the_name(
    env: dict[str, str], tmp_path: Path, require_python: Callable[[str], Path]
) -> None:
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    (bin_ / "python3.12").symlink_to(require_python("3.10"))  # lies
    (bin_ / "python3.10").symlink_to(require_python("3.10"))
    env["PATH"] = os.pathsep.join([str(bin_), env["PATH"]])
    clear_cache()
    assert find_interpreter("3.10", env) == bin_ / "python3.10"  # PATH comes first
    found = find_interpreter("3.12", env)
    assert found is not None and found.parent != bin_
    assert describe(found).startswith("3.12.")


def test_prereleases_free_threading_and_broken_candidates(
    env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_ = tmp_path / "bin"
    answer = 'printf "%s\\t%%s\\n" "$0"'
    fake_python(bin_, "python3.94", answer % "3.94.0rc1")
    fake_python(bin_, "python3.95t", answer % "3.95.0t")
    fake_python(bin_, "python3.96", answer % "3.96.0t")  # free-threaded, not asked
    fake_python(bin_, "python3.97", "echo 'Python 3.97.0'")
    fake_python(bin_, "python3.98", "echo starting; exec sleep 5")
    monkeypatch.setattr("matrixgen.run.interpreters.PROBE_TIMEOUT", 0.5)
    env["PATH"] = os.pathsep.join([str(bin_), "/usr/bin", "/bin"])
    assert describe(bin_ / "python3.94", env) == "3.94.0rc1"
    assert find_interpreter("3.95t", env) == bin_ / "python3.95t"
    assert describe(bin_ / "python3.95t") == "3.95.0t"
    for version in ("3.95", "3.96", "3.97", "3.98"):
        assert find_interpreter(version, env) is None, version
    with pytest.raises(ValueError, match="does not run as a Python interpreter"):
        describe(bin_ / "python3.97")
    with pytest.raises(ValueError, match="does not run"):
        describe(tmp_path / "nowhere")


def test_pyenv_root_newest_patch_first(
    env: dict[str, str], tmp_path: Path, require_python: Callable[[str], Path]
) -> None:
    real = require_python("3.10")
    for name in ("3.10.6", "3.10.7", "3.10.8rc1", "3.10.x", "3.1.9"):
        (tmp_path / "versions" / name / "bin").mkdir(parents=True)
        (tmp_path / "versions" / name / "bin" / "python3.10").symlink_to(real)
    bare = {"PATH": os.pathsep.join(["/usr/bin", "/bin"])}
    found = find_interpreter("3.10", {**bare, "PYENV_ROOT": str(tmp_path)})
    assert found == tmp_path / "versions" / "3.10.8rc1" / "bin" / "python3.10"
    assert find_interpreter("3.10", bare) is None  # no PYENV_ROOT, no HOME: no pyenv


def test_uv_finds_what_is_only_called_python3(
    env: dict[str, str], tmp_path: Path, require_python: Callable[[str], Path]
) -> None:
    uv = pytest.importorskip("uv")  # a dev dependency; its binary, not a pyenv shim for it
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    (bin_ / "uv").symlink_to(uv.find_uv_bin())
    (bin_ / "python3").symlink_to(require_python("3.12"))  # as a CI image may have it
    lookup = {**env, "PATH": os.pathsep.join([str(bin_), "/bin"]), "PYENV_ROOT": str(tmp_path)}
    found = find_interpreter("3.12", lookup)
    assert found is not None and describe(found).startswith("3.12.")


def test_no_requirements_give_a_bare_venv(
    env: dict[str, str], tmp_path: Path, require_python: Callable[[str], Path]
) -> None:
    require_python(OTHER)
    result = prepare(OTHER, ["", "  "], tmp_path, env)
    assert isinstance(result, Prepared) and result.venv is not None and result.created
    assert run_in(result, "import sys; print(sys.prefix)") == str(result.venv)


@pytest.mark.parametrize("version", ["3.99", "3.99t"])
def test_unknown_version_is_missing(version: str, env: dict[str, str], tmp_path: Path) -> None:
    assert find_interpreter(version, env) is None
    result = prepare(version, [], tmp_path, env)
    reason = (
        f"Python {version} not found (looked for python{version} on PATH, in pyenv and with uv)"
    )
    assert result == Missing(version, reason)
    assert not (tmp_path / ".matrixgen").exists()


def test_a_value_that_is_no_version_is_missing(env: dict[str, str], tmp_path: Path) -> None:
    result = prepare("pypy3", [], tmp_path, env)
    assert isinstance(result, Missing)
    assert "names no interpreter" in result.reason and "such as pypy3.10" in result.reason
    assert find_interpreter("pypy3", env) is None


def test_the_envs_own_python_is_the_base_of_a_fresh_venv(
    env: dict[str, str], tmp_path: Path
) -> None:
    """As in a CI job set up for the version: the env's `python` is that version, and the
    cell still gets a venv of its own (never the env as it is, which other cells share)."""
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env["PATH"]])
    build_wheel(tmp_path)
    result = prepare(RUNNING, REQUIREMENTS, tmp_path, env)
    assert isinstance(result, Prepared) and result.created
    assert result.venv.parent == tmp_path / ".matrixgen" / "venvs"
    assert result.version == describe(Path(sys.executable))
    assert run_in(result, "import sys, tinypkg; print(sys.prefix)") == str(result.venv)
    assert "tinypkg-1.0" in result.holds
    # matrixgen itself is not in it: the cell's environment holds what the cell declares.
    assert run_in(result, "import importlib.util as u; print(u.find_spec('matrixgen'))") == "None"


def test_other_version_gets_a_venv_installed_once(
    env: dict[str, str], tmp_path: Path, require_python: Callable[[str], Path]
) -> None:
    require_python(OTHER)
    build_wheel(tmp_path)
    env["PYTHONHOME"] = "/nonexistent"  # would break any interpreter it reached

    started = time.perf_counter()
    first = prepare(OTHER, REQUIREMENTS, tmp_path, env)
    first_seconds = time.perf_counter() - started
    assert isinstance(first, Prepared) and first.created
    assert first.venv.parent == tmp_path / ".matrixgen" / "venvs"
    assert first.venv.name.startswith(f"{OTHER}-")
    assert first.version.startswith(f"{OTHER}.")
    assert first.env["VIRTUAL_ENV"] == str(first.venv)
    assert first.env["PATH"].split(os.pathsep)[0] == str(first.venv / "bin")
    assert "PYTHONHOME" not in first.env
    code = "import sys, tinypkg; print('%d.%d' % sys.version_info[:2], tinypkg.ANSWER)"
    assert run_in(first, code) == f"{OTHER} 42"
    assert run_in(first, "import pip; print('pip')") == "pip"  # `python -m pip` works there
    stamp = first.venv / STAMP
    stamped_at = stamp.stat().st_mtime_ns

    clear_cache()  # as a new `matrixgen run` process would start
    started = time.perf_counter()
    again = prepare(OTHER, REQUIREMENTS, tmp_path, env)
    again_seconds = time.perf_counter() - started
    assert isinstance(again, Prepared)
    assert again.venv == first.venv and not again.created
    assert stamp.stat().st_mtime_ns == stamped_at
    print(f"first prepare {first_seconds:.2f} s, re-run {again_seconds:.3f} s")

    build_wheel(tmp_path, "otherpkg")
    changed = prepare(OTHER, [*REQUIREMENTS, "./dist/otherpkg-1.0-py3-none-any.whl"], tmp_path, env)
    assert isinstance(changed, Prepared) and changed.venv is not None and changed.created
    assert changed.venv != first.venv
    assert run_in(changed, "import otherpkg, tinypkg; print(otherpkg.ANSWER)") == "42"
    assert first.venv.is_dir() and stamp.stat().st_mtime_ns == stamped_at


def test_failed_install_raises_with_the_output_and_leaves_no_stamp(
    env: dict[str, str], tmp_path: Path, require_python: Callable[[str], Path]
) -> None:
    require_python(OTHER)
    with pytest.raises(InstallError) as raised:
        prepare(OTHER, REQUIREMENTS, tmp_path, env)  # the wheel is not there yet
    assert "tinypkg-1.0-py3-none-any.whl" in raised.value.output
    assert "installing into" in str(raised.value)
    venvs = [p for p in (tmp_path / ".matrixgen" / "venvs").iterdir() if p.is_dir()]
    assert len(venvs) == 1 and not (venvs[0] / STAMP).exists()

    build_wheel(tmp_path)  # the same lines again: the half-made venv is not trusted
    result = prepare(OTHER, REQUIREMENTS, tmp_path, env)
    assert isinstance(result, Prepared) and result.created and (result.venv / STAMP).exists()
    assert run_in(result, "import tinypkg; print(tinypkg.ANSWER)") == "42"


def test_concurrent_prepares_end_with_one_working_venv(
    env: dict[str, str], tmp_path: Path, require_python: Callable[[str], Path]
) -> None:
    require_python(OTHER)
    build_wheel(tmp_path)
    together = threading.Barrier(2)

    def cell() -> Prepared | Missing:
        together.wait()
        return prepare(OTHER, REQUIREMENTS, tmp_path, env)

    with ThreadPoolExecutor(2) as pool:
        results = [future.result() for future in [pool.submit(cell) for _ in range(2)]]
    assert all(isinstance(result, Prepared) for result in results)
    prepared = [result for result in results if isinstance(result, Prepared)]
    assert prepared[0].venv == prepared[1].venv
    assert sorted(result.created for result in prepared) == [False, True]
    venvs = [p for p in (tmp_path / ".matrixgen" / "venvs").iterdir() if p.is_dir()]
    assert venvs == [prepared[0].venv]
    assert run_in(prepared[0], "import tinypkg; print(tinypkg.ANSWER)") == "42"


@pytest.mark.slow
def test_without_uv_pip_installs(
    env: dict[str, str], tmp_path: Path, require_python: Callable[[str], Path]
) -> None:
    require_python(OTHER)
    build_wheel(tmp_path)
    folders = env["PATH"].split(os.pathsep)
    env["PATH"] = os.pathsep.join(f for f in folders if not (Path(f) / "uv").exists())
    result = prepare(OTHER, REQUIREMENTS, tmp_path, env)
    assert isinstance(result, Prepared) and result.venv is not None
    assert run_in(result, "import pip, tinypkg; print(tinypkg.ANSWER)") == "42"  # pip's venv


@pytest.mark.parametrize(
    "uv", [True, pytest.param(False, marks=pytest.mark.slow)], ids=["uv", "pip"]
)  # pip: a venv and an install of its own, ~10 s
def test_a_nested_requirements_file_is_found_from_the_project(
    uv: bool, env: dict[str, str], tmp_path: Path, require_python: Callable[[str], Path]
) -> None:
    """`-r requirements/test.txt` in outputs.install names a file of the project, though the
    lines are installed from a file in the venv's folder."""
    require_python(OTHER)
    wheel = build_wheel(tmp_path)
    (tmp_path / "requirements").mkdir()
    (tmp_path / "requirements" / "test.txt").write_text(f"--no-index\n{wheel}\n")
    if not uv:
        folders = env["PATH"].split(os.pathsep)
        env["PATH"] = os.pathsep.join(f for f in folders if not (Path(f) / "uv").exists())
    result = prepare(OTHER, ["-r requirements/test.txt"], tmp_path, env)
    assert isinstance(result, Prepared), result
    assert run_in(result, "import tinypkg; print(tinypkg.ANSWER)") == "42"


@pytest.mark.parametrize("version", ["3.6", "3.9", "pypy3.9", "pypy-3.9"])
def test_old_pythons_and_pypy_get_a_venv_that_installs(
    version: str, env: dict[str, str], tmp_path: Path, require_python: Callable[[str], Path]
) -> None:
    require_python(version)
    build_wheel(tmp_path)
    result = prepare(version, REQUIREMENTS, tmp_path, env)
    assert isinstance(result, Prepared), result
    implementation = "pypy" if version.startswith("pypy") else "cpython"
    code = (
        "import sys, tinypkg; print(sys.implementation.name, "
        "'%d.%d' % sys.version_info[:2], tinypkg.ANSWER)"
    )
    language = version.replace("pypy-", "").replace("pypy", "")
    assert run_in(result, code) == f"{implementation} {language} 42"
    assert result.version.startswith("pypy3.9." if implementation == "pypy" else f"{version}.")


def test_a_changed_venv_is_seen_and_built_again(
    env: dict[str, str], tmp_path: Path, require_python: Callable[[str], Path]
) -> None:
    """Importing leaves the fingerprint alone; installing moves it, and the next prepare
    builds the venv again instead of handing the changed one to another cell."""
    require_python(OTHER)
    build_wheel(tmp_path)
    build_wheel(tmp_path, "otherpkg")
    first = prepare(OTHER, REQUIREMENTS, tmp_path, env)
    assert isinstance(first, Prepared)
    run_in(first, "import tinypkg, json, email.mime.text")  # writes __pycache__ folders
    assert not changed(first.venv)
    wheel = str(tmp_path / "dist" / "otherpkg-1.0-py3-none-any.whl")
    subprocess.run(
        [str(first.python), "-m", "pip", "install", "-q", "--no-index", wheel],
        env=first.env, check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    assert changed(first.venv)
    assert "otherpkg-1.0" in installed(first.venv) - first.holds
    again = prepare(OTHER, REQUIREMENTS, tmp_path, env)
    assert isinstance(again, Prepared) and again.created and again.venv == first.venv
    assert "otherpkg-1.0" not in again.holds and not changed(again.venv)


def test_install_env_and_input_files_are_part_of_the_venv(
    env: dict[str, str], tmp_path: Path, require_python: Callable[[str], Path]
) -> None:
    require_python(OTHER)
    build_wheel(tmp_path)
    (tmp_path / "constraints.txt").write_text("tinypkg==1.0\n")
    lines = [*REQUIREMENTS, "-c constraints.txt"]
    plain = prepare(OTHER, lines, tmp_path, env)
    flagged = prepare(OTHER, lines, tmp_path, env, {"CFLAGS": "-O0"})
    assert isinstance(plain, Prepared) and isinstance(flagged, Prepared)
    assert plain.venv != flagged.venv
    (tmp_path / "constraints.txt").write_text("tinypkg>=1.0\n")  # an input file changed
    edited = prepare(OTHER, lines, tmp_path, env)
    assert isinstance(edited, Prepared) and edited.created and edited.venv != plain.venv
