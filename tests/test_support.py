"""The harness's own checks (tests/support) find what a test left and nothing else."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from support import docker
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
            "kv-sut-1": ("kv", ours, "", ""),  # brought up from this session's folder
            "runner-1-redis": ("", "", "TAG", ""),  # the workflow runner's, labelled
            "runner-2-unit-redis": ("", "", "another", "anon1"),  # another job's, and its volume
            "theirs-app-1": ("theirs", "/elsewhere/project", "", ""),
        },
        networks={"kv_default": "kv", "theirs_default": "theirs"},
        volumes={"kv_data": "kv", "theirs_data": "theirs", "anon1": "", "anon2": ""},
    )
    left = docker.left_by(before, after, "TAG", [tmp_path])
    assert [item.split(" (")[0] for item in left] == [
        "container kv-sut-1",
        "container runner-1-redis",
        "network kv_default",
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
