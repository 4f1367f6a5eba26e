"""Compose services, driven through a stand-in `docker` on PATH (no engine on this machine)."""

from __future__ import annotations

import io
import os
import re
import stat
from pathlib import Path

from matrixgen.load.matrix import load
from matrixgen.run import RunOptions, run_cells

DOCKER = """#!/bin/sh
# Answers `docker info` like an engine; records every compose call.
echo "$MATRIXGEN_PORT $*" >> "$DOCKER_CALLS"
[ "$1" = info ] && echo 27.0.0
exit 0
"""


def test_auto_uses_compose_where_an_engine_answers(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    docker = bin_dir / "docker"
    docker.write_text(DOCKER)
    docker.chmod(docker.stat().st_mode | stat.S_IEXEC)
    calls = tmp_path / "calls.log"
    (tmp_path / "compose").mkdir()
    (tmp_path / "compose" / "kafka.yml").write_text("services: {kafka: {image: kafka}}\n")
    (tmp_path / "matrix.yaml").write_text(
        "version: 1\n"
        "services:\n"
        "  kafka:\n"
        "    compose: compose/kafka.yml\n"
        '    env: {KAFKA: "127.0.0.1:${port}"}\n'
        "levels:\n"
        "  component:\n"
        "    services: [kafka]\n"
        "    run: echo \"$KAFKA\" > seen.txt; echo \"<testsuite tests='1'><testcase name='t'/>"
        '</testsuite>" > "$MATRIXGEN_JUNIT"\n'
    )
    matrix = load(tmp_path)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "DOCKER_CALLS": str(calls)}
    stream = io.StringIO()
    options = RunOptions(
        root=tmp_path, results_dir=tmp_path / "results", env=env, stream=stream, live=False
    )
    assert run_cells(matrix, matrix.cells, options) == 0, stream.getvalue()
    lines = calls.read_text().splitlines()
    up = next(line for line in lines if " up " in line)
    port = up.split()[0]
    # The run's own project: a token of the project folder, the run and the file (issue 19).
    project = re.search(r" -p (matrixgen-kafka-[0-9a-f]{12}) ", up)
    assert project is not None, up
    assert f"-f {tmp_path / 'compose/kafka.yml'} -p {project[1]} up -d --wait" in up
    assert any(f"-p {project[1]} down --volumes --remove-orphans" in line for line in lines)
    assert (tmp_path / "seen.txt").read_text().strip() == f"127.0.0.1:{port}"
    assert "service kafka starting: compose" in stream.getvalue()
