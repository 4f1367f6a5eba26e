"""Compose files that depend on each other (issue 22, item 9): a list in `compose.files` is
one `include:` entry whose files compose merges in order, as `docker compose -f a.yml -f
b.yml` does, so a service of one file may use a volume another defines. A value the project
computes outside matrix.yaml (a Makefile's COVERAGE_DIR) reaches the compose files through a
level's `env:` and `${env.NAME}`. Checked by `docker compose config` and brought up for real
on the private engine, by hand and through `matrixgen run`."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from support import yamls
from support.cli import Result, process
from support.project import build_tree

MATRIX = """\
version: 1
name: merged
axes:
  flavor: [plain, extra]
levels:
  component:
    axes: [flavor]
    env:
      COVERAGE_DIR: "${env.PWD}/coverage"  # what the project's Makefile would compute
    compose:
      files:
        - [compose/app.yml, compose/volumes.yml]  # one entry: app uses a volume of volumes.yml
      tester: app
    junit: false
    # matrixgen brings the cell's project down after it, however it ends
    run: docker compose -f profiles/${cell}.yml run --rm app
outputs:
  compose: "profiles/${cell}.yml"
"""

BASE = "matrixgen/debian-services:bookworm"  # built without a registry (tests/conftest.py)

FILES = {
    # Alone this file is invalid (`shared` is defined in volumes.yml), and volumes.yml
    # changes its service: neither can be an include entry of its own.
    "compose/app.yml": f"""\
services:
  app:
    image: {BASE}
    command:  # checks the seed, then writes into the Makefile-style folder
      - sh
      - -c
      - >-
        test "$$(cat /data/seed)" = seeded &&
        echo "$$MATRIXGEN_CELL" >/coverage/$$MATRIXGEN_FLAVOR.txt
    volumes: ["shared:/data", "${{COVERAGE_DIR}}:/coverage"]
""",
    "compose/volumes.yml": f"""\
services:
  seed:
    image: {BASE}
    command: [sh, -c, "echo seeded > /data/seed"]
    volumes: ["shared:/data"]
  app:  # merged into app.yml's app, as `-f app.yml -f volumes.yml` merges it
    depends_on: {{seed: {{condition: service_completed_successfully}}}}
volumes:
  shared: {{}}
""",
}


def compose(profile: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`docker compose -f profiles/CELL.yml ...` from the project folder, as its comment says."""
    root = profile.parents[1]
    return subprocess.run(
        ["docker", "compose", "-f", str(profile.relative_to(root)), *args],
        cwd=root, capture_output=True, text=True, timeout=300, env=env, check=False,
    )  # fmt: skip


def made(root: Path, matrix: str = MATRIX) -> Path:
    build_tree(root, {"matrix.yaml": matrix, **FILES})
    done = process(root, "render")
    assert done.returncode == 0, done.stdout + done.stderr
    return root


def test_a_list_of_files_is_one_include_entry(tmp_path: Path) -> None:
    root = made(tmp_path / "p")
    profile = yamls.load((root / "profiles/plain.yml").read_text())
    assert profile["include"] == [
        {
            "path": ["../compose/app.yml", "../compose/volumes.yml", "plain.tester.yml"],
            "env_file": "plain.env",
        }
    ]
    env = (root / "profiles/plain.env").read_text()
    assert 'COVERAGE_DIR="${PWD}/coverage"' in env  # compose reads PWD where it runs


def test_each_file_of_a_list_is_checked_at_its_place(
    tmp_path: Path, matrixgen: Callable[..., Result]
) -> None:
    root = made(tmp_path / "p")
    (root / "compose/volumes.yml").unlink()
    done = matrixgen("-C", str(root), "validate")
    assert done.code == 2
    assert done.err.split(str(root) + "/", 1)[-1].splitlines() == [
        "matrix.yaml:12:29: levels.component.compose.files[0][1]: no such file "
        "'compose/volumes.yml' (the compose file; paths are relative to the folder of "
        "matrix.yaml); create it or fix the path"
    ]
    empty = MATRIX.replace("- [compose/app.yml, compose/volumes.yml]", "- []")
    (root / "matrix.yaml").write_text(empty)
    done = matrixgen("-C", str(root), "validate")
    assert done.code == 2
    assert "levels.component.compose.files[0]" in done.err, done.err


@pytest.mark.services
def test_merged_files_pass_compose_config_where_separate_entries_do_not(
    tmp_path: Path, docker_engine: dict[str, str]
) -> None:
    root = made(tmp_path / "p")
    env = {**docker_engine, "PWD": str(root)}
    done = compose(root / "profiles/plain.yml", "config", "--format", "json", env=env)
    assert done.returncode == 0, done.stderr
    config = json.loads(done.stdout)
    assert set(config["volumes"]) == {"shared"}
    mounts = {m["target"]: m["source"] for m in config["services"]["app"]["volumes"]}
    assert mounts["/coverage"] == str(root / "coverage")  # ${env.PWD} filled by compose
    assert mounts["/data"] == "shared"
    assert config["services"]["app"]["depends_on"]["seed"]["condition"] == (
        "service_completed_successfully"
    )
    merged = subprocess.run(
        ["docker", "compose", "-f", "compose/app.yml", "-f", "compose/volumes.yml", "config",
         "--format", "json"],
        cwd=root, capture_output=True, text=True, timeout=120, check=False,
        env={**env, "COVERAGE_DIR": str(root / "coverage")},  # the Makefile's way
    )  # fmt: skip
    assert merged.returncode == 0, merged.stderr
    by_hand = json.loads(merged.stdout)["services"]
    assert by_hand["seed"] == config["services"]["seed"]
    assert by_hand["app"]["depends_on"] == config["services"]["app"]["depends_on"]
    # The same files as two entries: what matrixgen wrote before lists existed.
    separate = "- compose/app.yml\n        - compose/volumes.yml"
    apart = made(
        tmp_path / "apart", MATRIX.replace("- [compose/app.yml, compose/volumes.yml]", separate)
    )
    done = compose(apart / "profiles/plain.yml", "config", env={**env, "PWD": str(apart)})
    assert done.returncode != 0
    assert "services.app conflicts with imported resource" in done.stderr, done.stderr


@pytest.mark.services
@pytest.mark.slow
def test_merged_files_come_up_by_hand_and_through_matrixgen_run(
    tmp_path: Path, engine_turn: None, compose_engine: dict[str, str]
) -> None:
    root = made(tmp_path / "p")
    env = {**compose_engine, "PWD": str(root)}
    profile = root / "profiles/plain.yml"
    try:
        ran = compose(profile, "run", "--rm", "app", env=env)
    finally:
        down = compose(profile, "down", "--volumes", "--remove-orphans", env=env)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert down.returncode == 0, down.stderr
    assert (root / "coverage/plain.txt").read_text() == "component/plain\n"
    shutil.rmtree(root / "coverage")
    run = process(root, "run", "component", "-j", "2", env=env, timeout=600)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    written = sorted(p.name for p in (root / "coverage").iterdir())
    assert written == ["extra.txt", "plain.txt"]
