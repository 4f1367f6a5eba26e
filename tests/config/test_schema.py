"""matrix.schema.json: committed, current, and accepted by a real JSON Schema validator."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from matrixgen.load.schema import schema_text

from .conftest import Result
from .golden import DESIGN, REPO

SCHEMA = REPO / "matrix.schema.json"


def test_committed_schema_is_current() -> None:
    assert SCHEMA.exists(), (
        "matrix.schema.json is missing; run `matrixgen schema -o matrix.schema.json`"
    )
    assert SCHEMA.read_text(encoding="utf-8") == schema_text(), (
        "matrix.schema.json is stale; run `matrixgen schema -o matrix.schema.json` and commit it"
    )


def test_schema_command_prints_and_writes_it(
    matrixgen: Callable[..., Result], tmp_path: Path
) -> None:
    printed = matrixgen("schema")
    assert printed.code == 0 and printed.out == schema_text()
    target = tmp_path / "schema.json"
    assert matrixgen("schema", "-o", str(target)).code == 0
    schema = json.loads(target.read_text(encoding="utf-8"))
    assert schema["title"] == "matrix.yaml"
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert set(schema["required"]) == {"version", "levels"}


def _check_jsonschema(*files: Path) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("check-jsonschema")
    if binary is None:  # a dev dependency: its absence is a broken install, not a skip
        pytest.fail("check-jsonschema is not installed; run `pip install -e '.[dev]'`")
    return subprocess.run(
        [binary, "--schemafile", str(SCHEMA), *map(str, files)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_check_jsonschema_accepts_the_design_example_and_the_repo_matrix() -> None:
    done = _check_jsonschema(DESIGN / "matrix.yaml", REPO / "matrix.yaml")
    assert done.returncode == 0, done.stdout + done.stderr


def test_check_jsonschema_rejects_an_unknown_key(tmp_path: Path) -> None:
    broken = tmp_path / "matrix.yaml"
    broken.write_text(
        "version: 1\nlevels:\n  unit: {run: pytest, axis: [python]}\n", encoding="utf-8"
    )
    done = _check_jsonschema(broken)
    assert done.returncode == 1
    assert "'axis' was unexpected" in done.stdout


def test_validate_accepts_the_yaml_language_server_modeline(
    matrixgen: Callable[..., Result], tmp_path: Path
) -> None:
    (tmp_path / "matrix.yaml").write_text(
        "# yaml-language-server: $schema=matrix.schema.json\n"
        "version: 1\naxes:\n  python: ['3.12']\nlevels:\n  unit: {axes: [python], run: pytest}\n",
        encoding="utf-8",
    )
    result = matrixgen("-C", str(tmp_path), "validate")
    assert result.code == 0, result.err
    assert result.out.endswith("matrix.yaml: ok, 1 cell in 1 level\n")
