"""Profiles that work as written: one include entry per file, the cell's env file, compose
files of a level or suite (`compose: {files, tester}`), and what a tester gets.

The compose binary reads every profile here (no engine needed); tests/compose brings the
same profiles up on a real engine.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from support import yamls
from support.golden import assert_golden

from matrixgen.errors import MatrixgenError

from .conftest import Project
from .helpers import GOLDEN, check_schema, compose_config

KVSTORE = Path(__file__).parents[1] / "compose" / "fixtures" / "kvstore"
PROFILES = "testing/component/profiles"


@pytest.fixture
def kvstore(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    root = tmp_path / "kvstore"
    shutil.copytree(KVSTORE, root)
    monkeypatch.chdir(root)
    monkeypatch.setenv("KV_FROM_HOST", "from-the-host")
    return Project(root)


@pytest.mark.parametrize(
    "name",
    [
        "api-redis.yml",  # overlays merged into the entries of the files they change
        "api-redis.env",
        "api-redis.tester.yml",  # depends_on the cell's Redis
        "worker-memory.yml",  # no service of its own: only the level's and suite's files
        "worker-memory.tester.yml",  # nothing to wait for
    ],
)
def test_kvstore_outputs_match_golden(kvstore: Project, name: str) -> None:
    assert kvstore.render() == 0
    assert_golden(GOLDEN / "kvstore" / PROFILES / name, kvstore.read(f"{PROFILES}/{name}"))


def test_each_file_resolves_its_relative_paths_from_its_own_folder(kvstore: Project) -> None:
    assert kvstore.render() == 0
    profiles = sorted(
        p for p in (kvstore.root / PROFILES).glob("*.yml") if not p.name.endswith(".tester.yml")
    )
    assert len(profiles) == 4
    check_schema("vendor.compose-spec", *profiles)
    compose = kvstore.root / "testing/component/compose"
    for profile in profiles:
        config = compose_config(profile)
        sut = config["services"]["sut"]
        assert sut["environment"]["GREETING"] == "hello from sut.env"  # sut.yml's own env_file
        assert sut["build"]["context"] == str(compose / "sut")
        tester = config["services"][config["x-matrixgen"]["tester"]]
        assert tester["build"]["context"] == str(compose / "tester")
        assert tester["volumes"][0]["source"] == str(kvstore.root / "results")
        # The cell's env: interpolated in the files (STORE) and the tester's environment.
        store = profile.stem.split("-")[1]
        assert sut["environment"]["STORE"] == store
        assert tester["environment"]["MATRIXGEN_STORE"] == store
        assert tester["environment"]["FROM_HOST"] == "from-the-host"  # ${env.KV_FROM_HOST}
    durable = compose_config(kvstore.root / PROFILES / "api-redis.yml")["services"]
    assert durable["redis"]["command"][-1] == "yes"  # redis-durable.yml, onto the shared file
    assert durable["sut"]["environment"]["DURABLE"] == "yes"
    assert durable["sut"]["environment"]["FLAVOR"] == "durable"  # the override's env


SMALL = """
version: 1
name: small
axes:
  db:
    values:
      pg: {services: [pg]}
      lite: {}
services:
  pg: {compose: shared/pg.yml}
levels:
  it:
    axes: [db]
    compose: {files: [harness/app.yml], tester: tests}
    env:
      FROM_HOST: "${env.HOME_DIR}"
      REPORT: "${junit}"
      TAG: "${namespace}-${db}-$${kept}"
    run: docker compose -f profiles/${cell}.yml run --rm tests
outputs: {compose: "profiles/${cell}.yml"}
"""
FILES = {
    "shared/pg.yml": (
        "services:\n  pg:\n    image: postgres\n    healthcheck: {test: [CMD, pg_isready]}\n"
    ),
    "harness/app.yml": "services:\n  app:\n    image: app\n  tests:\n    image: app\n",
}


@pytest.fixture
def small(project: Callable[[str], Project]) -> Project:
    proj = project(SMALL)
    for name, text in FILES.items():
        proj.write(name, text)
    return proj


def test_run_time_placeholders_are_compose_interpolation_and_junit_the_container_path(
    small: Project,
) -> None:
    assert small.render() == 0
    env = small.read("profiles/pg.env").splitlines()
    assert 'FROM_HOST="${HOME_DIR}"' in env
    assert 'REPORT="/results/it/pg.xml"' in env
    assert 'TAG="${MATRIXGEN_NAMESPACE}-pg-$${kept}"' in env
    assert 'MATRIXGEN_JUNIT="/results/it/pg.xml"' in env
    tester = yamls.load(small.read("profiles/pg.tester.yml"))["services"]["tests"]
    assert tester["env_file"] == ["../profiles/pg.env"]
    assert tester["volumes"][0]["source"] == "${MATRIXGEN_RESULTS:-../results}"
    assert tester["depends_on"] == {"pg": {"condition": "service_healthy"}}
    config = compose_config(small.root / "profiles/pg.yml")
    assert config["services"]["tests"]["environment"]["TAG"].startswith("mg")


def test_without_a_tester_junit_is_the_environments(small: Project) -> None:
    small.write("matrix.yaml", SMALL.replace(", tester: tests", ""))
    assert small.render() == 0
    env = small.read("profiles/lite.env").splitlines()
    assert 'REPORT="${MATRIXGEN_JUNIT}"' in env
    assert not any(line.startswith("MATRIXGEN_JUNIT=") for line in env)
    assert not (small.root / "profiles/lite.tester.yml").exists()
    profile = yamls.load(small.read("profiles/lite.yml"))
    assert profile["include"] == [{"path": "../harness/app.yml", "env_file": "lite.env"}]


def test_an_overlay_that_only_adds_services_is_an_entry_of_its_own(small: Project) -> None:
    small.write("extra/cache.yml", "services:\n  cache:\n    image: memcached\n")
    small.write("extra/pg-tuned.yml", "services:\n  pg:\n    command: [postgres, -N, '5']\n")
    text = SMALL + (
        "overrides:\n  - match: {db: pg}\n"
        "    compose: {overlays: [extra/cache.yml, extra/pg-tuned.yml]}\n"
    )
    small.write("matrix.yaml", text)
    assert small.render() == 0
    paths = [e["path"] for e in yamls.load(small.read("profiles/pg.yml"))["include"]]
    assert paths == [
        ["../shared/pg.yml", "../extra/pg-tuned.yml"],
        ["../harness/app.yml", "pg.tester.yml"],
        "../extra/cache.yml",
    ]
    config = compose_config(small.root / "profiles/pg.yml")
    assert set(config["services"]) == {"pg", "app", "tests", "cache"}
    assert config["services"]["pg"]["command"] == ["postgres", "-N", "5"]


def test_an_overlay_that_changes_services_of_two_files_is_refused(small: Project) -> None:
    small.write("extra/both.yml", "services:\n  pg: {command: [x]}\n  app: {command: [y]}\n")
    text = SMALL + "overrides:\n  - match: {db: pg}\n    compose: {overlays: [extra/both.yml]}\n"
    small.write("matrix.yaml", text)
    with pytest.raises(MatrixgenError, match=r"extra/both\.yml changes services of shared/pg"):
        small.render()


def test_a_service_file_that_is_also_a_level_file_is_included_once(small: Project) -> None:
    small.write("matrix.yaml", SMALL.replace("files: [harness/app.yml]", "files: [shared/pg.yml]"))
    small.write("shared/pg.yml", FILES["shared/pg.yml"] + "  tests:\n    image: app\n")
    assert small.render() == 0
    paths = [e["path"] for e in yamls.load(small.read("profiles/pg.yml"))["include"]]
    assert paths == [["../shared/pg.yml", "pg.tester.yml"]]
    # The tester waits for the services of the cell's own service files only, never itself.
    tester = yamls.load(small.read("profiles/pg.tester.yml"))["services"]["tests"]
    assert tester["depends_on"] == {"pg": {"condition": "service_healthy"}}
