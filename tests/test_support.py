"""The harness's own checks (tests/support) find what a test left and nothing else."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from support import coverage_filter, docker
from support.cli import invoke, process
from support.processes import TEST_TAG, leftovers, tagged


def test_a_process_left_with_the_tests_tag_is_found_and_killed() -> None:
    mine = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    other_env = {**os.environ, TEST_TAG: "another-test"}
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], env=other_env)
    try:
        tag = os.environ[TEST_TAG]
        deadline = time.monotonic() + 10
        while mine.pid not in tagged(tag) and time.monotonic() < deadline:
            time.sleep(0.05)  # its environment is readable once it has started
        assert tagged(tag) == [mine.pid]
        left = leftovers(tag, grace=0.2)
        assert len(left) == 1 and left[0].startswith(f"pid {mine.pid}: ")
        assert mine.wait(10) == -9  # killed
        assert other.poll() is None  # another test's process is not this test's
    finally:
        for started in (mine, other):
            started.kill()
            started.wait(10)


def test_only_the_tests_own_containers_networks_and_volumes_count(tmp_path: Path) -> None:
    ours = str(tmp_path / "project")
    before = docker.Engine({}, {}, {})
    after = docker.Engine(
        containers={
            "kv-sut-1": ("kv", ours, "", "", "kv_default"),  # up from this session's folder
            "runner-1-redis": ("", "", "TAG", "", ""),  # the workflow runner's, labelled
            # another job's, with its volume and a network of no compose project
            "runner-2-unit-redis": ("", "", "another", "anon1", "gitlab-ci-local-1"),
            "theirs-app-1": ("theirs", "/elsewhere/project", "", "", "theirs_default"),
        },
        networks={
            "kv_default": "kv",
            "theirs_default": "theirs",
            "gitlab-ci-local-1": "",
            "lone": "",
        },
        volumes={"kv_data": "kv", "theirs_data": "theirs", "anon1": "", "anon2": ""},
    )
    left = docker.left_by(before, after, "TAG", [tmp_path])
    assert [item.split(" (")[0] for item in left] == [
        "container kv-sut-1",
        "container runner-1-redis",
        "network kv_default",
        "network lone",
        "volume anon2",
        "volume kv_data",
    ]


def test_the_in_process_and_subprocess_runners_agree_on_exit_codes(tmp_path: Path) -> None:
    (tmp_path / "matrix.yaml").write_text("version: 2\n")
    inside = invoke("-C", str(tmp_path), "validate")
    outside = process(tmp_path, "validate", timeout=120)
    assert (inside.code, inside.out) == (outside.returncode, outside.stdout) == (2, "")
    assert inside.err == outside.stderr and "version" in inside.err
    assert invoke("--version").code == 0


def test_coverage_starts_only_in_processes_that_run_matrixgen() -> None:
    """support/coverage_filter: what scripts/test.sh's .pth line keeps the coverage variable
    for; a process that does not run matrixgen keeps it aside for its children."""
    runs = coverage_filter.runs_matrixgen
    assert runs(["python", "-m", "matrixgen", "run"])
    assert runs(["/x/.venv/bin/python", "/x/.venv/bin/matrixgen", "report"])
    assert runs(["python", "-X", "importtime", "-m", "matrixgen"])
    assert runs(["python", "-c", "import matrixgen; print(matrixgen.__file__)"])
    assert not runs(["python", "-m", "pip", "install", "matrixgen-cli"])
    assert not runs(["/x/.venv/bin/python", "/x/.venv/bin/nox", "-s", "unit"])
    assert not runs(["python", "-u", "-c", "import sys;exec(eval(sys.stdin.readline()))"])
    assert not runs(["python"])
    code = (  # run as the .pth line runs it (the code must not name the package itself)
        "import os, runpy, sys; runpy.run_path(sys.argv[1], run_name=sys.argv[2]);"
        " print(*(os.environ.get(f'COVERAGE_PROCESS_CONFIG{s}') for s in ('', '_ASIDE')))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_PROCESS_")}
    done = subprocess.run(
        [sys.executable, "-c", code, coverage_filter.__file__, "_matrixgen_coverage_filter"],
        env={**env, "COVERAGE_PROCESS_CONFIG_ASIDE": "kept"}, capture_output=True, text=True,
        check=True,
    )  # fmt: skip
    assert done.stdout.split() == ["None", "kept"]
