"""A service container whose image comes from the cell (issue 22, item 3): `github.image:
"...:${server}"` is one declaration for every value of a server-version axis; each line of
the job's matrix carries its own image, GitHub starts that one for it, and the cell runs
against it. Run for real with two tags built on the private engine (`support.versioned`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from support.versioned import versioned_images

from matrixgen.outcome.junit import read_junit
from matrixgen.plan.workflow import shard_entries

from .checks import assert_valid
from .conftest import GIT_ENV, Project
from .runner import Runner, step

MATRIX = """\
version: 1
name: versions
axes:
  server: [v1, v2]
services:
  web:
    process:
      command: [python3, web.py, "${port}", "${server}"]
      ready: {http: "http://127.0.0.1:${port}/version"}
    env: {WEB_URL: "http://${host}:${port}/version"}
    github:
      image: "matrixgen-test/versioned:${server}"
      port: 8000
      options: >-
        --health-cmd "python3 -c 'import urllib.request as u;
        u.urlopen(\\"http://127.0.0.1:8000/version\\")'" --health-interval 1s --health-retries 30
levels:
  unit:
    axes: [server]
    services: [web]
    run: python check.py ${server} ${junit}
outputs:
  matrixgen: matrixgen-cli
  github: {file: .github/workflows/matrix.yml, branch: main}
"""

WEB = """\
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

class Version(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        self.wfile.write(sys.argv[2].encode())

HTTPServer(("127.0.0.1", int(sys.argv[1])), Version).serve_forever()
"""

CHECK = """\
import os, sys, urllib.request
from pathlib import Path
answer = urllib.request.urlopen(os.environ["WEB_URL"], timeout=10).read().decode()
print("served", answer)
assert answer == sys.argv[1], (answer, sys.argv[1])
junit = Path(sys.argv[2])
junit.parent.mkdir(parents=True, exist_ok=True)
junit.write_text('<testsuite name="v" tests="1"><testcase classname="v" name="v"/></testsuite>')
"""

FILES = {"web.py": WEB, "check.py": CHECK}


def test_each_line_of_the_job_carries_the_image_of_its_cell(
    project: Callable[..., Project],
) -> None:
    made = project(MATRIX, FILES)
    workflow = made.workflow()
    assert_valid(made.path, "unpinned-images")  # tags, not digests, as in the project's file
    job = workflow["jobs"]["unit"]
    assert job["services"]["web"]["image"] == "${{ matrix.images['web'] || '' }}"
    lines = {line["cell"]: line for line in job["strategy"]["matrix"]["include"]}
    assert {cell: line["images"] for cell, line in lines.items()} == {
        "v1": {"web": "matrixgen-test/versioned:v1"},
        "v2": {"web": "matrixgen-test/versioned:v2"},
    }


def test_one_version_in_every_line_is_written_as_it_is(project: Callable[..., Project]) -> None:
    made = project(MATRIX.replace("axes: [server]", "axes: {server: [v2]}"), FILES)
    job = made.workflow()["jobs"]["unit"]
    assert job["services"]["web"]["image"] == "matrixgen-test/versioned:v2"
    assert "images" not in job["strategy"]["matrix"]["include"][0]


def test_cells_of_different_versions_never_share_a_shard(project: Callable[..., Project]) -> None:
    # One job has one container per service: a shard holds cells of one version only.
    made = project(MATRIX.replace("branch: main}", "branch: main, shards: 1}"), FILES)
    matrix = made.matrix()
    entries = shard_entries(matrix, matrix.cells, 1, {cell.id: 1.0 for cell in matrix.cells})
    assert [(entry.cells, dict(entry.images)) for entry in entries] == [
        ("unit/v1", {"web": "matrixgen-test/versioned:v1"}),
        ("unit/v2", {"web": "matrixgen-test/versioned:v2"}),
    ]


@pytest.fixture
def images(compose_engine: dict[str, str]) -> Iterator[list[str]]:
    with versioned_images(compose_engine, ["v1", "v2"]) as tags:
        yield tags


@pytest.mark.slow
def test_each_job_runs_against_the_version_of_its_cell(
    clone: Callable[..., Project],
    tmp_path: Path,
    compose_engine: dict[str, str],
    images: list[str],
) -> None:
    project = clone(MATRIX, FILES)
    runner = Runner(
        project.workflow(), project.root, tmp_path / "runner", event="push",
        github={"event": {"repository": {"default_branch": "master"}}},
        env={**compose_engine, **GIT_ENV, "PIP_NO_INDEX": "1",
             "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
    )  # fmt: skip
    jobs = runner.run()
    for line in jobs["unit"].lines:
        cell = line.matrix["cell"]
        run = step(line, "Run the cell")
        assert run.outcome == "success", run.output
        assert f"served {cell}" in run.output
        port = line.containers["web"]["8000"]
        [junit_file] = runner.artifacts.glob(f"*/unit/{cell}.xml")
        properties = read_junit(junit_file).properties
        assert properties["matrixgen.service.web"] == f"provided 127.0.0.1:{port}, server={cell}"
    assert jobs["gate"].result == "success"
