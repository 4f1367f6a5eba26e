"""Every new setting at once, in every workflow variant (cells, shards, affected cells,
coverage), through actionlint, the workflow schema and zizmor; shards that keep apart
cells of different runners; unambiguous nox value tags."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from render.helpers import nox_sessions

from matrixgen.load.matrix import load
from matrixgen.plan.workflow import plan_outputs

from .checks import assert_valid, zizmor_findings
from .conftest import Project

EVERYTHING = """\
version: 1
name: everything
axes:
  python:
    values:
      "3.13": {}
      "3.14t": {env: {PYTHON_GIL: "0"}}
      "3.15": {github: {allow-prereleases: true}, allowed-failure: true}
  os:
    values:
      linux: {github: {runs-on: ubuntu-latest}}
      mac: {github: {runs-on: macos-14, env: {OBJC_DISABLE_INITIALIZE_FORK_SAFETY: "YES"}}}
  x: ["8", "9"]
  y: ["8", "9"]
services:
  redis:
    process: {command: [redis-server, --port, "${port}"]}
    install: {apt: [redis-server]}
levels:
  unit:
    axes: [python, os]
    run: "pytest --junitxml=${junit}"
    github:
      install: {pip: [pytest-xdist]}
      steps:
        before: [{uses: actions/cache@v5, with: {path: .tox, key: tox}}, {run: make build}]
        after: [{name: Logs, if: always(), run: make logs}]
  test:
    axes: [python, x, y]
    services: [redis]
    run: "pytest --junitxml=${junit}"
    github: {retries: 2, install: {apt: [libpq-dev]}}
  integration:
    suites:
      api:
        axes: [x]
        run: "pytest api --junitxml=${junit}"
        github: {steps: {before: [{run: make api}]}}
      web: {run: "pytest web --junitxml=${junit}", github: {retries: 1}}
    github: {needs: [unit]}
overrides:
  - match: {level: test, python: "3.13", x: "8"}
    allowed-failure: true
outputs:
  nox: noxfile.py
  github:
    file: .github/workflows/matrix.yml
    branch: main
    order: true
    on:
      push: {paths-ignore: ["docs/**"]}
      pull_request: {branches: [main]}
      schedule: ["0 3 * * 1"]
"""

PINS = """\
    actions:
      actions/checkout: "08c6903cd8c0fde910a37f88322edcfb5dd907a8  # v5.0.0"
      actions/setup-python: "e797f83bcb11b83ae66e0230d6156d7c80228e7c  # v6.0.0"
      actions/upload-artifact: "b7c566a772e6b6bfb58ed0dc250532a479d7789f  # v6.0.0"
      actions/download-artifact: "37930b1c2abaa49bbe596cd826c3c89aef350131  # v7.0.0"
      actions/cache: "9255dc7a253b0ccc959486e2bca901246202afeb  # v5.0.1"
"""

VARIANTS = {
    "cells": "",
    "shards": "    shards: {test: 3, integration: 2}\n",
    "affected": "    affected: true\n",
    "sharded-affected-coverage": "    shards: {test: 4}\n    affected: true\n"
    "    coverage: {fail_under: 90}\n",
}


def everything(settings: str, pins: bool = False) -> str:
    text = EVERYTHING + settings + (PINS if pins else "")
    if pins:  # the project's own action, pinned too
        text = text.replace(
            "actions/cache@v5", "actions/cache@9255dc7a253b0ccc959486e2bca901246202afeb"
        )
    return text


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_every_variant_passes_actionlint_the_schema_and_zizmor(
    project: Callable[..., Project], variant: str
) -> None:
    made = project(everything(VARIANTS[variant]))
    assert made.render() == 0
    assert_valid(made.path)
    made.write("matrix.yaml", everything(VARIANTS[variant], pins=True))
    assert made.render() == 0
    assert_valid(made.path)
    assert zizmor_findings(made.path) == []  # pinned: nothing at all to report


def test_shards_keep_cells_of_different_runners_pythons_and_settings_apart(
    project: Callable[..., Project],
) -> None:
    made = project(everything(VARIANTS["shards"]))
    matrix = load(made.root)
    outputs = plan_outputs(matrix, matrix.cells, "all")
    shards = json.loads(outputs["test"])["include"]
    # 3 Pythons (3.14t free-threaded, 3.15 a pre-release) and, for 3.13, the allowed cells.
    assert [(s["python"], s["freethreaded"], s["prerelease"], s["allowed-failure"]) for s in
            shards] == [
        ("3.13", False, False, True),
        ("3.13", False, False, False),
        ("3.14", True, False, False),
        ("3.15", False, True, True),
    ]  # fmt: skip
    assert all(s["retries"] == 2 and s["runs-on"] == "ubuntu-latest" for s in shards)
    assert shards[0]["cells"] == "test/3.13-8-8 test/3.13-8-9"
    integration = json.loads(outputs["integration"])["include"]
    assert [(s["suite"], s["retries"], s["cells"]) for s in integration] == [
        ("api", 0, "integration/api-8 integration/api-9"),
        ("web", 1, "integration/web"),
    ]


def test_affected_cells_carry_their_names_and_settings(project: Callable[..., Project]) -> None:
    made = project(everything(VARIANTS["affected"]))
    matrix = load(made.root)
    lines = json.loads(plan_outputs(matrix, matrix.cells, "all")["test"])["include"]
    assert lines[0]["name"] == "python=3.13, x=8, y=8"
    assert lines[0]["allowed-failure"] is True
    assert lines[0]["apt"] == "libpq-dev redis-server"


def test_nox_tags_name_values_with_their_axes_where_bare_values_are_ambiguous(
    project: Callable[..., Project],
) -> None:
    made = project(everything(""))
    assert made.render() == 0
    sessions = {s["session"]: s for s in nox_sessions(made.root)}
    assert sessions["test(3.13-8-9)"]["tags"] == ["test", "3.13", "python=3.13", "x=8", "y=9"]
    assert sessions["unit(3.14t-mac)"]["tags"] == [
        "unit", "3.14t", "python=3.14t", "mac", "os=mac",
    ]  # fmt: skip
    x8 = {s["session"] for s in nox_sessions(made.root, "-t", "x=8")}
    assert x8 == {
        *(f"test({p}-8-{y})" for p in ("3.13", "3.14t", "3.15") for y in ("8", "9")),
        "integration(api-8)",
    }
    assert nox_sessions(made.root, "-t", "8") == []  # x or y? no bare tag says
