"""A project whose cells run their tests in containers, on the real engine.

tests/compose/fixtures/kvstore lays its files out like a real project: Redis in
testing/shared/compose/, and in testing/component/compose/ the system under test, its
one-shot seed job and named volume, an env file beside it, two testers (one writes JUnit,
one is `junit: false`) and two overlays of an override. Every generated profile is checked
by `docker compose config`, then brought up on its own, as its comment says, and through
`matrixgen run`; `matrixgen report` reads what the testers wrote.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from engine_tools import compose, profiles
from support import yamls
from support.cli import process

pytestmark = [pytest.mark.services, pytest.mark.slow]

CELLS = ["api-redis", "api-memory", "worker-redis", "worker-memory"]
HOST = {"KV_FROM_HOST": "from-the-host"}  # `${env.KV_FROM_HOST}` in matrix.yaml


def test_every_profile_passes_docker_compose_config(
    kvstore: Path, docker_engine: dict[str, str]
) -> None:
    found = profiles(kvstore)
    assert [p.stem for p in found] == sorted(CELLS)
    env = {**docker_engine, **HOST}
    for profile in found:
        done = compose(profile, "config", "--format", "json", env=env)
        assert done.returncode == 0, f"{profile.name}: {done.stderr}"
        config = json.loads(done.stdout)
        assert config["name"] == f"kvstore-component-{profile.stem}"
        # Each file resolved from its own folder: sut.env next to sut.yml, the seed volume.
        sut = config["services"]["sut"]
        assert sut["environment"]["GREETING"] == "hello from sut.env"
        assert sut["depends_on"]["seed"]["condition"] == "service_completed_successfully"
        assert set(config["volumes"]) == {"kvdata"}
        tester = config["x-matrixgen"]["tester"]
        mounts = config["services"][tester]["volumes"]
        assert [(m["source"], m["target"]) for m in mounts] == [
            (str(kvstore / "results"), "/results")
        ]
        env_file = kvstore / "testing/component/profiles" / f"{profile.stem}.env"
        assert config["services"][tester]["environment"]["MATRIXGEN_JUNIT"] == (
            f"/results/component/{profile.stem}.xml"
        )
        assert env_file.is_file()
        waits = config["services"][tester]["depends_on"]
        if profile.stem.endswith("-redis"):
            assert waits["redis"]["condition"] == "service_healthy"  # generated
        else:
            assert "redis" not in config["services"]
        assert waits["sut"]["condition"] == "service_healthy"  # from the tester's own file
    durable = yamls.load((kvstore / "testing/component/profiles/api-redis.yml").read_text())
    assert durable["include"][0]["path"] == [
        "../../shared/compose/redis.yml",
        "../compose/redis-durable.yml",
    ]


def test_each_profile_brings_up_its_cell_and_the_report_reads_what_the_tester_wrote(
    kvstore: Path, engine_turn: None, compose_engine: dict[str, str], kv_images: None
) -> None:
    env = {**compose_engine, **HOST}
    for profile in profiles(kvstore):
        tester = yamls.load(profile.read_text())["x-matrixgen"]["tester"]
        try:
            ran = compose(profile, "run", "--rm", tester, env=env)
        finally:
            down = compose(profile, "down", "--volumes", "--remove-orphans", env=env)
        assert ran.returncode == 0, f"{profile.name}:\n{ran.stdout}\n{ran.stderr}"
        assert down.returncode == 0, down.stderr
    results = kvstore / "results" / "component"
    assert sorted(p.name for p in results.iterdir()) == ["api-memory.xml", "api-redis.xml"]
    report = process(kvstore, "report", "--json", "-", env=env)
    cells = {c["id"]: c for c in json.loads(report.stdout)["cells"]}
    for cell in ("component/api-redis", "component/api-memory"):
        assert cells[cell]["status"] == "passed", cells[cell]
        assert cells[cell]["tests"] == {"passed": 7, "failed": 0, "skipped": 0}
    # Brought up by hand, a `junit: false` cell leaves no result: nothing to report.
    assert cells["component/worker-redis"]["status"] == "missing"


def test_matrixgen_run_drives_the_testers(
    kvstore: Path, engine_turn: None, compose_engine: dict[str, str], kv_images: None
) -> None:
    env = {**compose_engine, **HOST}
    run = process(kvstore, "run", "component", "-j", "2", env=env, timeout=600)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    report = process(kvstore, "report", "--json", "-", env=env)
    assert report.returncode == 0, report.stderr
    cells = {c["id"]: c for c in json.loads(report.stdout)["cells"]}
    for name in ("api-redis", "api-memory"):
        cell = cells[f"component/{name}"]
        assert (cell["status"], cell["tests"]["passed"], cell["tests"]["failed"]) == (
            "passed",
            7,
            0,
        )
    for name in ("worker-redis", "worker-memory"):
        cell = cells[f"component/{name}"]
        assert (cell["status"], cell["reason"]) == ("passed", "no test details (junit: false)")
    table = (kvstore / "docs/support.md").read_text()
    assert "no test details (junit: false)" in table
